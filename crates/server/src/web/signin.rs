//! Signing in and out, on a server with accounts (`--users FILE`): the sign-in page (account
//! name and password), which begins a session kept on the server and sets its cookie
//! (HttpOnly, SameSite=Strict); and sign-out, which ends the session on the server, not only
//! in the browser.
//!
//! The sign-in form is public, so it carries no session's token: it carries a token of its
//! own that only the browser that loaded it holds in a cookie (the form is refused when the
//! two differ). Both forms are read within [`form_body::SIGN_IN_LIMIT`]. Attempts are throttled
//! and logged by [`crate::access::Access::sign_in`].

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use tcscreen_core::{Code, Diagnostic};

use crate::access::{self, ClientAddr, Mode, SIGN_IN_COOKIE, SignInRefusal};
use crate::problem::ApiError;
use crate::request_form::Fields;
use crate::security::{self, constant_time_eq, random_hex};
use crate::state::AppState;
use crate::web::{Section, check_csrf, error_page, form_body, html_page, layout};

#[derive(serde::Deserialize, Default)]
pub(crate) struct SignInQuery {
    next: Option<String>,
    ended: Option<String>,
    signed_out: Option<String>,
}

/// What the page says above the form.
enum Notice<'a> {
    None,
    Info(&'a str),
    Refused(&'a str),
}

/// `GET /login`: the sign-in form (or the home page, on a server without accounts).
pub(crate) async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SignInQuery>,
) -> Response {
    if state.access().mode() != Mode::Accounts {
        return Redirect::to("/").into_response();
    }
    let next = query
        .next
        .filter(|n| security::local_path(n))
        .unwrap_or_else(|| "/".into());
    let notice = if query.signed_out.is_some() {
        Notice::Info("You have signed out.")
    } else if query.ended.is_some() {
        Notice::Info("Your session has ended. Sign in again to go on.")
    } else {
        Notice::None
    };
    form(&state, &headers, &next, "", &notice, StatusCode::OK)
}

/// The sign-in form, with a fresh form token (or the browser's own, if it has one).
fn form(
    state: &AppState,
    headers: &HeaderMap,
    next: &str,
    account: &str,
    notice: &Notice<'_>,
    status: StatusCode,
) -> Response {
    let token = access::cookie(headers, SIGN_IN_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map_or_else(|| random_hex(32), str::to_string);
    let refused = matches!(notice, Notice::Refused(_));
    let body = html! {
        @match notice {
            Notice::Refused(why) => p.error role="alert" #signin-error { (why) },
            Notice::Info(what) => p.success role="status" { (what) },
            Notice::None => {},
        }
        p { "Sign in with the account name and password the administrator of this server gave you." }
        form method="post" action="/login" {
            input type="hidden" name="_csrf" value=(token);
            input type="hidden" name="next" value=(next);
            div.field {
                label for="account" { "Account name" }
                input #account type="text" name="account" value=(account) autocomplete="username"
                    autocapitalize="none" spellcheck="false" required
                    aria-describedby=[refused.then_some("signin-error")];
            }
            div.field {
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password" required
                    aria-describedby=[refused.then_some("signin-error")];
            }
            button type="submit" { "Sign in" }
        }
    };
    let mut response = (
        status,
        html_page(layout(state, Section::Other, "Sign in", body)),
    )
        .into_response();
    if let Ok(value) = access::sign_in_cookie(&token).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `POST /login`: check the account name and password, begin a session, and go on to `next`.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if state.access().mode() != Mode::Accounts {
        return Redirect::to("/").into_response();
    }
    let given = match form_body::read(&state, &headers, body, form_body::SIGN_IN_LIMIT).await {
        Ok(bytes) => Fields::parse(&bytes),
        Err(refused) => return refused,
    };
    let next = given
        .get("next")
        .filter(|n| security::local_path(n))
        .unwrap_or("/")
        .to_string();
    let account = given.get("account").unwrap_or_default().trim().to_string();
    let own_form = match (access::cookie(&headers, SIGN_IN_COOKIE), given.get("_csrf")) {
        (Some(cookie), Some(field)) => constant_time_eq(cookie.as_bytes(), field.as_bytes()),
        _ => false,
    };
    if !own_form {
        return form(
            &state,
            &headers,
            &next,
            &account,
            &Notice::Refused(
                "This sign-in form is out of date or did not come from this server. Sign in again.",
            ),
            StatusCode::FORBIDDEN,
        );
    }
    let password = given.get("password").unwrap_or_default();
    match state.access().sign_in(&account, password, addr).await {
        Ok(id) => {
            let mut response = Redirect::to(&next).into_response();
            for cookie in [
                access::session_cookie(&id),
                access::clear_cookie(SIGN_IN_COOKIE, "/login"),
            ] {
                if let Ok(value) = cookie.parse() {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            response
        }
        Err(SignInRefusal::Wrong) => form(
            &state,
            &headers,
            &next,
            &account,
            &Notice::Refused("The account name or the password is not right."),
            StatusCode::UNAUTHORIZED,
        ),
        Err(SignInRefusal::Throttled(wait)) => {
            let minutes = wait.div_ceil(60).max(1);
            let why = format!(
                "Too many sign-ins failed. Try again in {minutes} minute(s), or ask the administrator of this server to set a new password."
            );
            let mut response = form(
                &state,
                &headers,
                &next,
                &account,
                &Notice::Refused(&why),
                StatusCode::TOO_MANY_REQUESTS,
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(u32::try_from(wait).unwrap_or(u32::MAX)),
            );
            response
        }
        Err(SignInRefusal::Busy) => {
            let mut e = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Diagnostic::error(Code::H001, "too many people are signing in at this moment")
                    .help("sign in again in a second"),
            );
            e.retry_after = Some(1);
            error_page(&state, &e)
        }
    }
}

/// `POST /logout`: end the session on the server and remove its cookie.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if state.access().mode() != Mode::Accounts {
        return Redirect::to("/").into_response();
    }
    let form = match form_body::read(&state, &headers, body, form_body::SIGN_IN_LIMIT).await {
        Ok(bytes) => Fields::parse(&bytes),
        Err(refused) => return refused,
    };
    if let Err(refused) = check_csrf(&state, form.get("_csrf")) {
        return refused;
    }
    state.access().sign_out(&headers, addr);
    let mut response = Redirect::to("/login?signed_out=1").into_response();
    if let Ok(value) = access::clear_cookie(access::SESSION_COOKIE, "/").parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
