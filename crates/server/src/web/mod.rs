//! The web page for the people of a coordination unit: Cases (the register's cases, the home
//! page when there is a register; a case's rounds, notes, progress and decisions, and Edit and
//! resubmit), Screen (paste or upload a request, or fill in the form), History (a request's
//! screenings and human decisions, and a form to record one), Portfolio (counts over many requests, tables and charts, CSV) and Packs (the
//! packs in force, their rules, citations and tests).
//!
//! Pages are rendered on the server with maud, which escapes every interpolated string, so no
//! request text reaches a page unescaped. They work without script (forms post to the server);
//! the one small script (`/assets/app.js`) adds validation as you type and a row button. The
//! stylesheet and script are compiled into the binary and served by the server: nothing is
//! fetched from elsewhere. Every form that changes something carries the form token of the
//! session it was shown in; the banner says who is signed in ([`signin`] begins and ends
//! sessions).

pub mod case;
pub mod cases;
pub mod follow_up;
pub mod form;
pub mod form_body;
pub mod history;
pub mod note;
pub mod packs;
pub mod portfolio;
pub mod recorded;
pub mod screen;
pub mod signin;
pub mod visible;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use tcscreen_core::Code;
use tcscreen_core::Diagnostic;

use crate::problem::ApiError;
use crate::state::AppState;
use crate::{access, identity, words};

/// The stylesheet.
pub const STYLE: &str = include_str!("../../assets/style.css");
/// The script.
pub const SCRIPT: &str = include_str!("../../assets/app.js");

/// The pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/screen", get(screen::page).post(screen::submit))
        .route("/cases", get(cases::page))
        .route("/cases/{id}", get(case::page))
        .route("/cases/{id}/decision", post(case::decide))
        .route("/cases/{id}/rounds/{seq}", get(case::round))
        .route("/screen/download", post(screen::download))
        .route("/form", get(form::page).post(form::submit))
        .route("/history", get(history::page))
        .route("/history/decision", post(history::decide))
        .route("/portfolio", get(portfolio::page).post(portfolio::submit))
        .route("/portfolio/{id}/csv", get(portfolio::csv))
        .route("/packs", get(packs::list))
        .route("/packs/{id}/{version}", get(packs::detail))
        .route("/login", get(signin::page).post(signin::sign_in))
        .route("/logout", post(signin::sign_out))
        .route("/assets/style.css", get(style))
        .route("/assets/app.js", get(script))
        // Each handler reads its form within the limit of its kind (`form_body`), derived
        // from --max-request-bytes; the portfolio upload has its own.
        .layer(DefaultBodyLimit::disable())
}

/// `GET /`: the cases when the server keeps a register, else the screen form.
async fn home(
    state: axum::extract::State<AppState>,
    query: axum::extract::Query<crate::case_params::CaseParams>,
) -> Response {
    if state.register().is_some() {
        cases::page(state, query).await
    } else {
        screen::page(state).await
    }
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        SCRIPT,
    )
        .into_response()
}

/// Which page is shown, for the navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// The register's cases.
    Cases,
    /// Screen a request.
    Screen,
    /// The request form.
    Form,
    /// A request's history.
    History,
    /// Many requests.
    Portfolio,
    /// The packs in force.
    Packs,
    /// None of those (login, errors).
    Other,
}

/// A whole page: landmarks (banner, navigation, main, contentinfo), a link to skip to the
/// content, the title, and `body` in `main`.
pub fn layout(state: &AppState, section: Section, title: &str, body: Markup) -> Markup {
    let nav = [
        (Section::Cases, "/cases", "Cases"),
        (Section::Screen, "/screen", "Screen"),
        (Section::Form, "/form", "Request form"),
        (Section::Portfolio, "/portfolio", "Portfolio"),
        (Section::Packs, "/packs", "Packs"),
    ];
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · tcscreen" }
                link rel="stylesheet" href="/assets/style.css";
                script src="/assets/app.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to the content" }
                header.banner {
                    p.brand { a href="/" { "tcscreen" } span.tagline { " · screening of technical co-operation requests" } }
                    // Nobody signed in yet (the sign-in page): no links that lead back to it.
                    @if identity::current().via != identity::Via::Anonymous {
                        nav aria-label="Main" {
                            ul {
                                @for (s, href, label) in nav {
                                    li {
                                        @if s == section {
                                            a href=(href) aria-current="page" { (label) }
                                        } @else {
                                            a href=(href) { (label) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    (who_is_here(state))
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
                footer {
                    p {
                        "tcscreen " (tcscreen_core::ENGINE_VERSION)
                        " · packs from the server's rules folder · "
                        a href="/v1/openapi.json" { "description for other systems (API)" }
                    }
                }
            }
        }
    }
}

/// Who is using the page, in the banner: the account signed in, its roles and the sign-out
/// button; or, in single-person mode, that the server has no accounts.
fn who_is_here(state: &AppState) -> Markup {
    let actor = identity::current();
    let single = state.access().mode() == access::Mode::SinglePerson;
    html! {
        @if let Some(account) = &actor.account {
            div.account {
                p {
                    "Signed in as " strong { (account) }
                    @if !actor.roles.is_empty() {
                        " ("
                        @for (i, role) in actor.roles.iter().enumerate() {
                            @if i > 0 { ", " }
                            (role.as_str())
                        }
                        ")"
                    }
                }
                @if actor.session_form_token().is_some() {
                    form.logout method="post" action="/logout" {
                        (csrf_field(state))
                        button type="submit" { "Sign out" }
                    }
                }
            }
        } @else if single {
            p.mode #single-person-mode {
                strong { "Single-person mode." }
                " This server has no accounts: it is used by one person, on this computer only. Decisions are recorded under the name you type."
            }
        }
    }
}

/// The countries that have a pack in force: (code, name such as "Cambodia (KH)"), by name.
/// The name is the first pack's, without "(illustrative)".
pub async fn countries_with_packs(state: &AppState) -> Vec<(String, String)> {
    let rows = state.pack_rows().await;
    let mut countries: Vec<(String, String)> = Vec::new();
    for row in rows.iter() {
        if let Some(code) = &row.country
            && !countries.iter().any(|(c, _)| c == code)
        {
            let name = row.name.replace("(illustrative)", "");
            countries.push((code.clone(), format!("{} ({code})", name.trim())));
        }
    }
    countries.sort_by(|a, b| a.1.cmp(&b.1));
    countries
}

/// The hidden form-token field of a form that changes something: the token of the session of
/// the request being answered.
pub fn csrf_field(state: &AppState) -> Markup {
    let token = state.access().form_token(&identity::current());
    html! { input type="hidden" name="_csrf" value=(token); }
}

/// Refuse a form without the form token of the session of the request being answered.
pub fn check_csrf(state: &AppState, given: Option<&str>) -> Result<(), Response> {
    let actor = identity::current();
    if given.is_some_and(|g| state.access().form_token_ok(&actor, g)) {
        Ok(())
    } else {
        Err(error_page(
            state,
            &ApiError::new(
                StatusCode::FORBIDDEN,
                Diagnostic::error(
                    Code::H003,
                    "this form is out of date or did not come from this server",
                )
                .help("reload the page and send the form again"),
            ),
        ))
    }
}

/// A list of problems in an officer's words: what is wrong (fields by their labels, no codes),
/// where in the pasted or uploaded text (line, column, and the line with the place marked),
/// and how to fix it when that is said for people.
pub fn problems<'a>(list: impl IntoIterator<Item = &'a Diagnostic>) -> Markup {
    html! {
        ul.problems {
            @for d in list {
                li {
                    p.what { (words::problem_in_words(d, None)) }
                    @if let Some(file) = &d.file {
                        p.place {
                            (file)
                            @if d.pos.line > 0 { ", line " (d.pos.line) }
                            @if d.pos.column > 0 { ", column " (d.pos.column) }
                        }
                    }
                    @if let Some(excerpt) = &d.excerpt {
                        pre.excerpt {
                            @if excerpt.cut_before { "…" }
                            (excerpt.text)
                            @if excerpt.cut_after { "…" }
                            @if excerpt.column > 0 {
                                "\n"
                                (" ".repeat(excerpt.column - 1 + usize::from(excerpt.cut_before)))
                                ("^".repeat(excerpt.width.max(1)))
                            }
                        }
                    }
                    @if let Some(help) = d.help.as_deref().and_then(words::help_in_words) {
                        p.help { "How to fix it: " (help) }
                    }
                    @for note in d.notes.iter().filter_map(|n| words::help_in_words(n)) { p.note { (note) } }
                }
            }
        }
    }
}

/// An error as a page, with the error's status.
pub fn error_page(state: &AppState, error: &ApiError) -> Response {
    let title = match error.status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::SERVICE_UNAVAILABLE => "Not available now",
        StatusCode::FORBIDDEN => "Refused",
        StatusCode::UNAUTHORIZED => "Sign-in needed",
        StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
        StatusCode::PAYLOAD_TOO_LARGE => "Too large",
        _ => "Cannot do that",
    };
    let body = html! {
        section.error role="alert" aria-labelledby="error-title" {
            h2 #error-title { "What went wrong" }
            (problems(error.diagnostics()))
        }
    };
    let mut response = (
        error.status,
        html_page(layout(state, Section::Other, title, body)),
    )
        .into_response();
    if let Some(seconds) = error.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, seconds.into());
    }
    response
}

/// A page with no route.
pub fn not_found(state: &AppState, path: &str) -> Response {
    error_page(
        state,
        &ApiError::not_found(
            format!("there is no page at {path}"),
            "use the links at the top of the page",
        ),
    )
}

/// Markup as an HTML response.
pub fn html_page(markup: Markup) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        visible::mark_invisibles(&markup.into_string()),
    )
        .into_response()
}
