//! What every request goes through before its handler, and every response after it.
//!
//! - **Who may ask.** With `--token-file`, every request carries the token: API clients as
//!   `Authorization: Bearer TOKEN`, browsers as a session cookie set by the login form
//!   (`/login`: HttpOnly, SameSite=Strict, holding a digest of the token, not the token). Only
//!   the login form and the static assets are served without it. Without a token the server
//!   listens on loopback only, and answers only to loopback host names (`localhost`,
//!   `127.x.x.x`, `[::1]`), so that a web page cannot reach it through DNS rebinding.
//! - **Cross-site requests.** A request that changes something (any method but GET and HEAD)
//!   carrying an `Origin` that is not the server's own is refused; browsers send `Origin` with
//!   every cross-site POST. Forms of the pages also carry a CSRF token ([`Security::csrf`]).
//! - **Headers.** A strict Content-Security-Policy (scripts and styles only from the server,
//!   no inline script, no frames), `X-Content-Type-Options: nosniff`, no referrer sent to other
//!   sites, and no caching of answers.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use tcscreen_core::Code;
use tcscreen_core::Diagnostic;

use crate::app::AppState;
use crate::problem::ApiError;

/// The cookie a browser keeps after logging in.
pub const SESSION_COOKIE: &str = "tcscreen_session";

/// The Content-Security-Policy of every response.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The secrets of a running server.
pub struct Security {
    token: Option<String>,
    session: Option<String>,
    csrf: String,
    loopback: bool,
}

impl Security {
    /// Security for a server with `token` (if every request must carry one), listening on
    /// loopback only or not.
    pub fn new(token: Option<String>, loopback: bool) -> Security {
        let secret = random_hex(32);
        let session = token
            .as_deref()
            .map(|t| sha256_hex(&format!("tcscreen session\n{t}")));
        Security {
            token,
            session,
            csrf: sha256_hex(&format!("tcscreen csrf\n{secret}")),
            loopback,
        }
    }

    /// Whether requests need the token.
    pub fn needs_token(&self) -> bool {
        self.token.is_some()
    }

    /// The CSRF token the pages' forms carry (`_csrf`), the same for the server's life.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// Whether `given` is the CSRF token.
    pub fn csrf_ok(&self, given: &str) -> bool {
        constant_time_eq(given.as_bytes(), self.csrf.as_bytes())
    }

    /// Whether `given` is the token.
    pub fn token_ok(&self, given: &str) -> bool {
        self.token
            .as_deref()
            .is_some_and(|t| constant_time_eq(given.trim().as_bytes(), t.as_bytes()))
    }

    /// The value of the session cookie a browser gets by logging in.
    pub fn session_value(&self) -> Option<&str> {
        self.session.as_deref()
    }

    fn authorised(&self, headers: &HeaderMap) -> bool {
        if self.token.is_none() {
            return true;
        }
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if bearer.is_some_and(|b| self.token_ok(b)) {
            return true;
        }
        let session = self.session.as_deref().unwrap_or_default();
        cookies(headers).any(|(name, value)| {
            name == SESSION_COOKIE && constant_time_eq(value.as_bytes(), session.as_bytes())
        })
    }
}

/// The cookies of a request, as (name, value).
fn cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
}

/// Paths served without the token: what it takes to log in.
fn public(path: &str) -> bool {
    path == "/login" || path.starts_with("/assets/")
}

/// Whether the host name of a `Host` header is a loopback name.
fn loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

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
    let refused = if security.loopback
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
        Some(e) => crate::web::error_page(&state, &e),
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

/// Whether a path is the API's (answered in JSON) rather than a page's.
pub fn is_api(path: &str) -> bool {
    path.starts_with("/v1/") || path == "/healthz" || path == "/readyz"
}

/// Percent-encode everything but unreserved characters and `/`.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `n` random bytes, in hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    // Without the system's randomness the server must not start with guessable secrets.
    getrandom::fill(&mut bytes).expect("the operating system's random number generator");
    tcscreen_core::hash::hex(&bytes)
}

fn sha256_hex(text: &str) -> String {
    tcscreen_core::hash::hex(&Sha256::digest(text.as_bytes()))
}

/// Compare secrets in time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `Set-Cookie` value that logs a browser in.
pub fn session_cookie(value: &str) -> String {
    format!("{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/")
}

/// The `Set-Cookie` value that logs a browser out.
pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// Whether `next` is a path on this server (not another site) to go to after logging in.
pub fn local_path(next: &str) -> bool {
    next.starts_with('/') && !next.starts_with("//") && !next.contains('\\')
}
