//! Reading a request body within a limit: a body announced or found larger than the limit is
//! refused with 413 and the problem the command line reports for a file too large (I005),
//! without reading more than the limit; and the limits a request read from a body is checked
//! with.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use futures_util::StreamExt;
use tcscreen_core::InputError;
use tcscreen_service::Location;
use tcscreen_service::inputs::too_large;
use tcscreen_service::problems::from_input;

use crate::problem::ApiError;

/// How a request body is named in problems.
pub const BODY: &str = "request body";

/// 413: the body is larger than `max` bytes (`size`: "5000", or "more than 4096").
pub fn too_large_error(size: &str, max: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        from_input(&Location::file(BODY), &too_large(size, max), None),
    )
}

/// Read the whole body, at most `max` bytes.
pub async fn read_limited(headers: &HeaderMap, body: Body, max: usize) -> Result<Bytes, ApiError> {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(length) = announced
        && length > max as u64
    {
        return Err(too_large_error(&length.to_string(), max));
    }
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::with_capacity(announced.map_or(8 * 1024, |n| n as usize));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request(
                format!("the request body could not be read: {e}"),
                "send the body again, whole",
            )
        })?;
        if bytes.len() + chunk.len() > max {
            return Err(too_large_error(&format!("more than {max}"), max));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(bytes))
}

/// The body as the text of a request: UTF-8, not empty, not binary (I001 otherwise).
pub fn request_text(bytes: &[u8]) -> Result<String, InputError> {
    tcscreen_core::decode_text(bytes).map(str::to_string)
}

/// The request limits for a request of at most `max` bytes.
pub fn request_limits(max: usize) -> tcscreen_core::RequestLimits {
    let mut limits = tcscreen_core::RequestLimits::default();
    limits.max_bytes = max.min(limits.max_bytes);
    limits
}

/// A body as a blocking reader, for a blocking thread (`spawn_blocking`) to read as it arrives.
pub fn blocking_reader(body: Body) -> Box<dyn std::io::BufRead + Send> {
    let stream = body
        .into_data_stream()
        .map(|chunk| chunk.map_err(std::io::Error::other));
    let reader = tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(stream));
    Box::new(std::io::BufReader::new(reader))
}
