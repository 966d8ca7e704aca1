//! The server's security policy, its secrets (token, session, CSRF token) and the checks
//! [`crate::guard`] applies to every request and response:
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

use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};

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

    /// Whether the server listens on loopback only (then only loopback host names are served).
    pub fn loopback_only(&self) -> bool {
        self.loopback
    }

    /// Whether a request with these headers carries the token (as a bearer token or the
    /// session cookie), or needs none.
    pub fn authorised(&self, headers: &HeaderMap) -> bool {
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

/// Whether the host name of a `Host` header is a loopback name.
pub fn loopback_host(host: &str) -> bool {
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

/// Whether `next` is a path on this server (not another site) to go to after signing in:
/// it starts with one `/`, and is printable ASCII without a backslash. Browsers drop tabs and
/// line breaks from a URL and read `\` as `/`, so `/\tevil.com`, `/\evil.com` and
/// `//evil.com` all name another site; and a line break could not be sent as a header.
pub fn local_path(next: &str) -> bool {
    let mut rest = next.bytes();
    rest.next() == Some(b'/')
        && !matches!(rest.clone().next(), Some(b'/' | b'\\'))
        && rest.all(|b| b.is_ascii_graphic() && b != b'\\')
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_a_path_on_this_server_is_local() {
        for local in [
            "/",
            "/history?request_id=KH-1",
            "/packs/kh/2010.2",
            "/a//b",
            "/%2F%2Fevil.com",
        ] {
            assert!(local_path(local), "{local}");
        }
        for foreign in [
            "//evil.com",
            "/\\evil.com",
            "/\t/evil.com",
            "/\n/evil.com",
            "/\r\nSet-Cookie: x=1",
            "/ /evil.com",
            "\\/evil.com",
            "https://evil.com",
            "evil.com",
            "",
            "/a\\b",
            "/\u{2028}/evil.com",
            "/caf\u{e9}",
        ] {
            assert!(!local_path(foreign), "{foreign:?}");
        }
    }
}
