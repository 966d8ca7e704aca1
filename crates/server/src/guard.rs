//! The checks every request goes through before its handler, and the headers every response
//! gets after it, as [`crate::security`] and [`crate::access`] describe them: loopback host
//! names only in single-person mode, no change from another site's `Origin`, who sends the
//! request (a session, a token; the sign-in page for a browser) unless the path is public,
//! whether they may do what it asks ([`crate::identity::Permission::for_route`]), and the
//! security headers. The handler runs as the [`crate::identity::Actor`] found.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tcscreen_core::{Code, Diagnostic};

use crate::access::{self, Mode, Refusal};
use crate::identity::{self, Actor, Permission};
use crate::problem::ApiError;
use crate::security::{CONTENT_SECURITY_POLICY, is_api, loopback_host, percent_encode};
use crate::state::AppState;
use crate::web;

/// The checks of every request, and the headers of every response.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = match refused_host_or_origin(&state, &request) {
        Some(e) if is_api(request.uri().path()) => e.into_response(),
        Some(e) => web::error_page(&state, &e),
        None => admit(&state, request, next).await,
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Not `no-referrer`: with it a browser sends `Origin: null` with the pages' own forms.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Refuse a foreign host name in single-person mode (DNS rebinding), and a change from another
/// site's page.
fn refused_host_or_origin(state: &AppState, request: &Request) -> Option<ApiError> {
    let access = state.access();
    let headers = request.headers();
    // No Host header (an HTTP/1.0 client): not a browser, so not a rebinding attack.
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let host_known = host.is_some();
    let host = host.unwrap_or_default();
    if access.loopback_only() && !access.needs_credentials() && host_known && !loopback_host(&host)
    {
        Some(forbidden(
            format!(
                "this server answers only to loopback addresses (localhost, 127.0.0.1), not to the host name `{host}`"
            ),
            "open the address the server printed when it started",
        ))
    } else if request.method() != Method::GET
        && request.method() != Method::HEAD
        && let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
        && origin != format!("http://{host}")
        && origin != format!("https://{host}")
    {
        Some(forbidden(
            format!("a request from another site (`{origin}`) cannot change anything here"),
            "use the server's own pages, or a client that does not send an Origin header",
        ))
    } else {
        None
    }
}

/// Find who sends the request, refuse it when they may not do what it asks, and answer it as
/// them.
async fn admit(state: &AppState, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let addr = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let actor = match state
        .access()
        .authenticate(request.headers(), addr, access::now())
    {
        Ok(Some(actor)) => actor,
        _ if public(&path) => Actor::anonymous(),
        Ok(None) => return unknown(state, &request, false),
        Err(Refusal::Unknown { ended }) => return unknown(state, &request, ended),
        Err(Refusal::Throttled(wait)) => {
            let e = too_many(wait);
            return if is_api(&path) {
                e.into_response()
            } else {
                web::error_page(state, &e)
            };
        }
    };
    if !public(&path)
        && let Err(e) = actor.require(Permission::for_route(request.method(), &path))
    {
        return if is_api(&path) {
            e.into_response()
        } else {
            // Shown as the person signed in (their name, the navigation).
            identity::scope(actor, async { web::error_page(state, &e) }).await
        };
    }
    request.extensions_mut().insert(actor.clone());
    identity::scope(actor, next.run(request)).await
}

/// 429 (H021): too many failed attempts; wait `seconds`.
pub fn too_many(seconds: u64) -> ApiError {
    let minutes = seconds.div_ceil(60).max(1);
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        Diagnostic::error(
            Code::H021,
            format!("too many failed attempts: try again in {minutes} minute(s)"),
        )
        .help("if you have forgotten your password, ask an administrator of this server to set a new one"),
    );
    e.retry_after = Some(u32::try_from(seconds).unwrap_or(u32::MAX));
    e
}

/// A request that proved nothing (or whose session has ended): 401 for the API; the sign-in
/// page for a browser on a server with accounts; a page saying that the server serves other
/// systems only on a server with the shared token alone.
fn unknown(state: &AppState, request: &Request, ended: bool) -> Response {
    let mode = state.access().mode();
    if is_api(request.uri().path()) {
        let help = match mode {
            Mode::Accounts => {
                "send `Authorization: Bearer TOKEN` with your own API token (an administrator makes one with `tcscreen users token NAME`)"
            }
            _ => {
                "send the header `Authorization: Bearer TOKEN`, with the token in the file given to `tcscreen serve --token-file`"
            }
        };
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            Diagnostic::error(Code::H002, "this server needs an access token").help(help),
        )
        .into_response();
    }
    if mode != Mode::Accounts {
        return web::error_page(
            state,
            &ApiError::new(
                StatusCode::UNAUTHORIZED,
                Diagnostic::error(
                    Code::H002,
                    "this server is set up for other systems only: it has no accounts for people",
                )
                .help("ask the person who runs it to give you an account"),
            ),
        );
    }
    let next = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let ended = if ended { "&ended=1" } else { "" };
    Redirect::to(&format!("/login?next={}{ended}", percent_encode(&next))).into_response()
}

fn forbidden(message: String, help: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        Diagnostic::error(Code::H003, message).help(help),
    )
}

/// Paths served to anyone: what it takes to sign in (the sign-in page, the stylesheet, the script).
fn public(path: &str) -> bool {
    path == "/login" || path.starts_with("/assets/")
}
