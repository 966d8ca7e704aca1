//! A request body that a client must keep sending: each wait for more bytes is bounded
//! ([`Pace::idle`]), and after a grace period the client must keep up an average of at least
//! [`Pace::min_bytes_per_second`] over the time the server spent waiting for it. Time the
//! server spends not reading (a batch waiting for a screening thread) is not held against the
//! client. A body too slow ends with an error, and the connection with it.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

/// How fast a client must send a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pace {
    /// The longest wait for the next bytes.
    pub idle: Duration,
    /// Waiting time allowed before the rate counts.
    pub grace: Duration,
    /// The lowest average rate after the grace period, over the time spent waiting.
    pub min_bytes_per_second: u64,
}

impl Default for Pace {
    fn default() -> Pace {
        Pace {
            idle: Duration::from_secs(20),
            grace: Duration::from_secs(10),
            min_bytes_per_second: 1024,
        }
    }
}

/// The error a body too slow ends with.
#[derive(Debug)]
pub struct TooSlow;

impl std::fmt::Display for TooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the client sent the body too slowly")
    }
}

impl std::error::Error for TooSlow {}

/// `inner`, held to a [`Pace`].
pub struct PacedBody<B> {
    inner: B,
    pace: Pace,
    received: u64,
    /// Time spent waiting for the client, in the waits that have ended.
    waited: Duration,
    /// When the current wait began, and its deadline.
    waiting: Option<(Instant, Pin<Box<Sleep>>)>,
}

impl<B> PacedBody<B> {
    /// Hold `inner` to `pace`.
    pub fn new(inner: B, pace: Pace) -> PacedBody<B> {
        PacedBody {
            inner,
            pace,
            received: 0,
            waited: Duration::ZERO,
            waiting: None,
        }
    }

    /// How long the current wait may last: the idle limit, or less if the rate would fall
    /// below the minimum first.
    fn allowed_wait(&self) -> Duration {
        let rate = self.pace.min_bytes_per_second.max(1);
        let earned = self.pace.grace + Duration::from_secs_f64(self.received as f64 / rate as f64);
        earned.saturating_sub(self.waited).min(self.pace.idle)
    }
}

impl<B> Body for PacedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                if let Some((began, _)) = this.waiting.take() {
                    this.waited += began.elapsed();
                }
                if let Some(Ok(data)) = frame.as_ref().map(|f| f.as_ref().map(Frame::data_ref)) {
                    this.received += data.map_or(0, |d| d.len() as u64);
                }
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                if this.waiting.is_none() {
                    let deadline = Instant::now() + this.allowed_wait();
                    this.waiting =
                        Some((Instant::now(), Box::pin(tokio::time::sleep_until(deadline))));
                }
                let (_, deadline) = this.waiting.as_mut().expect("a wait under way");
                ready!(deadline.as_mut().poll(cx));
                Poll::Ready(Some(Err(Box::new(TooSlow))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
