//! `POST /v1/replay`, bounded: a place among the batches is taken before a byte of the body
//! is read (503 otherwise); the body is read as it arrives, one record (or one JSON Lines
//! line) at a time, each at most [`RECORD_LIMIT`] bytes; each is parsed and replayed on the
//! screening threads, with at most a few held at once; and the reports are streamed back as
//! one JSON array. So neither the size of the body nor the number of replays at once can
//! exhaust memory, and replays wait their turn with every other screening.

use std::ops::ControlFlow;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tcscreen_core::canonical;
use tcscreen_service::inputs::too_large;
use tcscreen_service::problems::from_input;
use tcscreen_service::{Inputs, Location, replay};

use crate::body::{BODY, blocking_reader};
use crate::problem::ApiError;
use crate::state::AppState;

/// The largest record, array of records or JSON Lines line a replay body may hold: a record
/// embeds a request (at most 4 MiB) and its findings (at most 1 MiB of text), with room to
/// spare. Larger arrays are sent as JSON Lines, which has no limit on the number of lines.
pub const RECORD_LIMIT: usize = 16 * 1024 * 1024;

/// Records read and not yet answered, per screening thread.
const RECORDS_IN_FLIGHT_PER_THREAD: usize = 2;

/// Replay the records of `body` with the packs in force; the reports of
/// `tcscreen replay --format json`, as one JSON array streamed as each is ready.
pub async fn replay_body(state: &AppState, body: Body) -> Result<Response, ApiError> {
    let slot = state.batch_slot().ok_or_else(ApiError::busy)?;
    let reader = blocking_reader(body);
    let (head, head_answer) = tokio::sync::oneshot::channel::<Result<(), ApiError>>();
    let (parts, received) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    let screener = state.screener().clone();
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let mut items = Inputs::document_or_lines(BODY, reader)
            .with_max_bytes(RECORD_LIMIT)
            .peekable();
        // The body as a whole cannot be read (not text, a document over the limit): an error
        // status, before any answer is sent.
        if let Some(first) = items.peek()
            && first.location.line.is_none()
            && let Err(e) = &first.text
        {
            let _ = head.send(Err(unreadable_body(&first.location, e)));
            return;
        }
        if head.send(Ok(())).is_err() {
            return;
        }
        let _ = parts.blocking_send(Ok(Bytes::from_static(b"[")));
        let mut first = true;
        let window = screener.threads() * RECORDS_IN_FLIGHT_PER_THREAD;
        let gone = || parts.is_closed();
        replay::replay_items(
            &screener,
            &screener.packs(),
            items,
            window,
            &gone,
            |reports| {
                for report in reports {
                    let mut text = if first { String::new() } else { ",".into() };
                    first = false;
                    text.push_str(&canonical::to_canonical_string(&report.to_json()));
                    if parts.blocking_send(Ok(Bytes::from(text))).is_err() {
                        return ControlFlow::Break(());
                    }
                }
                ControlFlow::Continue(())
            },
        );
        let _ = parts.blocking_send(Ok(Bytes::from_static(b"]\n")));
    });
    head_answer
        .await
        .map_err(|_| ApiError::internal("the replay stopped"))??;
    let body = Body::from_stream(futures_util::stream::unfold(
        received,
        |mut received| async move { received.recv().await.map(|part| (part, received)) },
    ));
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// 400 for a body that is not text, 413 for a document over [`RECORD_LIMIT`].
fn unreadable_body(location: &Location, e: &tcscreen_core::InputError) -> ApiError {
    if e.code == tcscreen_core::Code::I005 {
        let mut problem = from_input(
            location,
            &too_large(&format!("more than {RECORD_LIMIT}"), RECORD_LIMIT),
            None,
        );
        problem.help = Some(format!(
            "a record or an array of records is read whole, up to {RECORD_LIMIT} bytes: send more records as JSON Lines (one a line, as `tcscreen screen --format jsonl` writes them), which is read one line at a time"
        ));
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, problem)
    } else {
        ApiError::new(StatusCode::BAD_REQUEST, from_input(location, e, None))
    }
}
