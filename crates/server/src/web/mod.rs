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
//! fetched from elsewhere. Every form that changes something carries the CSRF token.

pub mod case;
pub mod cases;
pub mod form;
pub mod form_body;
pub mod history;
pub mod note;
pub mod packs;
pub mod portfolio;
pub mod recorded;
pub mod screen;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use tcscreen_core::Code;
use tcscreen_core::Diagnostic;
use tcscreen_service::render::problem::{ProblemFormat, render};

use crate::problem::ApiError;
use crate::request_form::Fields;
use crate::security;
use crate::state::AppState;

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
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/assets/style.css", get(style))
        .route("/assets/app.js", get(script))
        // Each handler reads its form within the limit of its kind (`form_body`), derived
        // from --max-request-bytes; the portfolio upload has its own.
        .layer(DefaultBodyLimit::disable())
}

/// `GET /`: the cases when the server keeps a register, else the screen form.
async fn home(state: State<AppState>, query: Query<crate::case_params::CaseParams>) -> Response {
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
                    @if state.security().needs_token() {
                        form.logout method="post" action="/logout" {
                            (csrf_field(state))
                            button type="submit" { "Log out" }
                        }
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
                footer {
                    p {
                        "tcscreen " (tcscreen_core::ENGINE_VERSION)
                        " · packs from the server's rules folder · the API is described at "
                        a href="/v1/openapi.json" { "/v1/openapi.json" }
                    }
                }
            }
        }
    }
}

/// The hidden CSRF field of a form that changes something.
pub fn csrf_field(state: &AppState) -> Markup {
    html! { input type="hidden" name="_csrf" value=(state.security().csrf()); }
}

/// Refuse a form without the right CSRF token.
pub fn check_csrf(state: &AppState, given: Option<&str>) -> Result<(), Response> {
    if given.is_some_and(|g| state.security().csrf_ok(g)) {
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

/// A list of problems as the command line shows them: code, message, place, the source line
/// with the place marked, and the help.
pub fn problems(list: &[Diagnostic]) -> Markup {
    html! {
        ul.problems {
            @for d in list {
                li {
                    p {
                        strong { (d.code) } " "
                        (d.message)
                    }
                    @if let Some(file) = &d.file {
                        p.place {
                            (file)
                            @if d.pos.line > 0 { ", line " (d.pos.line) }
                            @if d.pos.column > 0 { ", column " (d.pos.column) }
                        }
                    }
                    @if d.excerpt.is_some() {
                        pre.excerpt { (render(d, ProblemFormat::Human)) }
                    }
                    @if let Some(help) = &d.help { p.help { "How to fix it: " (help) } }
                    @for note in &d.notes { p.note { (note) } }
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
        StatusCode::PAYLOAD_TOO_LARGE => "Too large",
        _ => "Cannot do that",
    };
    let body = html! {
        section.error role="alert" aria-labelledby="error-title" {
            h2 #error-title { "What went wrong" }
            (problems(&error.problems))
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
        markup.into_string(),
    )
        .into_response()
}

#[derive(serde::Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
}

async fn login_page(State(state): State<AppState>, Query(query): Query<LoginQuery>) -> Response {
    let next = query.next.unwrap_or_else(|| "/".into());
    login_form(&state, &next, None)
}

fn login_form(state: &AppState, next: &str, failed: Option<&str>) -> Response {
    if !state.security().needs_token() {
        return Redirect::to("/").into_response();
    }
    let body = html! {
        @if let Some(why) = failed {
            p.error role="alert" #login-error { (why) }
        }
        p { "This server needs its access token. Ask the person who runs it for the token (the contents of the file given to " code { "tcscreen serve --token-file" } ")." }
        form method="post" action="/login" {
            input type="hidden" name="next" value=(next);
            div.field {
                label for="token" { "Access token" }
                input #token type="password" name="token" autocomplete="current-password" required
                    aria-describedby=[failed.map(|_| "login-error")];
            }
            button type="submit" { "Log in" }
        }
    };
    let status = if failed.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    (
        status,
        html_page(layout(state, Section::Other, "Log in", body)),
    )
        .into_response()
}

async fn login(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let form = match form_body::read(&state, &headers, body, form_body::SIGN_IN_LIMIT).await {
        Ok(bytes) => Fields::parse(&bytes),
        Err(refused) => return refused,
    };
    let next = form
        .get("next")
        .filter(|n| security::local_path(n))
        .unwrap_or("/")
        .to_string();
    if !state
        .security()
        .token_ok(form.get("token").unwrap_or_default())
    {
        return login_form(
            &state,
            &next,
            Some("That is not the server's access token."),
        );
    }
    let cookie = security::session_cookie(state.security().session_value().unwrap_or_default());
    let mut response = Redirect::to(&next).into_response();
    if let Ok(value) = cookie.parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn logout(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let form = match form_body::read(&state, &headers, body, form_body::SIGN_IN_LIMIT).await {
        Ok(bytes) => Fields::parse(&bytes),
        Err(refused) => return refused,
    };
    if let Err(refused) = check_csrf(&state, form.get("_csrf")) {
        return refused;
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(value) = security::clear_session_cookie().parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
