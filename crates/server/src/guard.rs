//! The checks every request goes through before its handler, and the headers every response
//! gets after it, as [`crate::security`] describes them: loopback host names only when the
//! server listens on loopback without a token, no change from another site's `Origin`, the
//! token (or the login page for a browser) unless the path is public, and the security headers.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tcscreen_core::{Code, Diagnostic};

use crate::problem::ApiError;
use crate::security::{CONTENT_SECURITY_POLICY, is_api, loopback_host, percent_encode};
use crate::state::AppState;
use crate::web;

/// The checks of every request, and the headers of every response.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let security = state.security();
    let headers = request.headers();
    // No Host header (an HTTP/1.0 client): not a browser, so not a rebinding attack.
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let host_known = host.is_some();
    let host = host.unwrap_or_default();
    let refused = if security.loopback_only()
        && !security.needs_token()
        && host_known
        && !loopback_host(&host)
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
    };
    let mut response = match refused {
        Some(e) if is_api(request.uri().path()) => e.into_response(),
        Some(e) => web::error_page(&state, &e),
        None if security.authorised(headers) || public(request.uri().path()) => {
            next.run(request).await
        }
        None if is_api(request.uri().path()) => ApiError::new(
            StatusCode::UNAUTHORIZED,
            Diagnostic::error(Code::H002, "this server needs its access token")
                .help("send the header `Authorization: Bearer TOKEN`, with the token in the file given to `tcscreen serve --token-file`"),
        )
        .into_response(),
        None => {
            let next = request
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string();
            Redirect::to(&format!("/login?next={}", percent_encode(&next))).into_response()
        }
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

fn forbidden(message: String, help: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        Diagnostic::error(Code::H003, message).help(help),
    )
}

/// Paths served without the token: what it takes to log in.
fn public(path: &str) -> bool {
    path == "/login" || path.starts_with("/assets/")
}
