//! The server's security policy and the stateless checks [`crate::guard`] applies to every
//! request and response (who may ask, and their secrets, are [`crate::access`]'s):
//!
//! - **Host names.** In single-person mode the server listens on loopback only, and answers
//!   only to loopback host names (`localhost`, `127.x.x.x`, `[::1]`), so that a web page cannot
//!   reach it through DNS rebinding.
//! - **Cross-site requests.** A request that changes something (any method but GET and HEAD)
//!   carrying an `Origin` that is not the server's own is refused; browsers send `Origin` with
//!   every cross-site POST. Forms of the pages also carry a form token of the session.
//! - **Headers.** A strict Content-Security-Policy (scripts and styles only from the server,
//!   no inline script, no frames), `X-Content-Type-Options: nosniff`, no referrer sent to other
//!   sites, and no caching of answers.

use axum::http::{HeaderMap, header};

/// The Content-Security-Policy of every response.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The cookies of a request, as (name, value).
pub fn cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
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

pub use tcscreen_service::users::constant_time_eq;

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
