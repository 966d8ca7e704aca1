//! How much a page's form may send, and reading it within that: a sign-in or sign-out form is
//! a few short fields ([`SIGN_IN_LIMIT`]), a decision a few more ([`DECISION_LIMIT`]), and a
//! form that carries a request (pasted, uploaded, the request form, the result page's
//! downloads) at most one request of `--max-request-bytes`, percent-encoded
//! ([`request_form_limit`]). A body over its limit is refused (413) without being read whole,
//! and every refusal is a page, never plain text.

use axum::body::{Body, Bytes};
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::body::read_limited;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::web::error_page;

/// The largest sign-in or sign-out form.
pub const SIGN_IN_LIMIT: usize = 8 * 1024;

/// The largest decision form (a reason, waived rules).
pub const DECISION_LIMIT: usize = 64 * 1024;

/// Room for a form's other fields (names, the CSRF token, pack, date, multipart headers).
const FORM_FIELDS: usize = 64 * 1024;

/// The largest form that carries a request of at most `max_request_bytes`: percent-encoding
/// makes a byte at most three.
pub fn request_form_limit(max_request_bytes: usize) -> usize {
    max_request_bytes
        .saturating_mul(3)
        .saturating_add(FORM_FIELDS)
}

/// Read a form's body, at most `limit` bytes; an error page otherwise.
pub async fn read(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, Response> {
    read_limited(headers, body, limit)
        .await
        .map_err(|e| error_page(state, &e))
}

/// A multipart form, or the page that says why it is not one.
pub fn multipart(
    state: &AppState,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Multipart, Response> {
    form.map_err(|e| {
        error_page(
            state,
            &ApiError::bad_request(
                format!("the form could not be read: {}", e.body_text()),
                "send the form from the page again",
            ),
        )
    })
}
