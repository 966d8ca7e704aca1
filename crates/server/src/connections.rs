//! The server's connections, held to limits a slow or hostile client cannot stretch: a
//! connection must send a request's headers within [`Limits::header_timeout`] (idle
//! keep-alive connections included), its body at the [`Pace`] of [`crate::pace`], and at most
//! [`Limits::max`] connections are served at once, below the process's descriptor limit.
//! Beyond that, [`Limits::reserve`] more connections are accepted for the health checks only
//! (`/healthz`, `/readyz`; anything else is 503), one request each, so that a monitor still
//! gets an answer when every ordinary place is taken; beyond those, a connection is closed as
//! soon as it is accepted, so the listening queue keeps moving.
//!
//! This replaces `axum::serve`, which has none of these limits: a loop accepts connections
//! and serves each with hyper's HTTP/1.1 connection, as axum does.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tcscreen_core::{Code, Diagnostic};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::pace::{Pace, PacedBody};
use crate::problem::ApiError;

/// Descriptors kept for everything but connections: the register, pack files, threads' pipes.
const DESCRIPTORS_KEPT: usize = 128;

/// The limits on connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once.
    pub max: usize,
    /// Connections beyond `max` accepted for the health checks only.
    pub reserve: usize,
    /// The longest time to receive a request's headers (and to wait for the next request on
    /// a kept-alive connection).
    pub header_timeout: Duration,
    /// The same on a reserve connection, kept short so that the reserve keeps turning over.
    pub reserve_header_timeout: Duration,
    /// How fast a body must come.
    pub pace: Pace,
}

impl Limits {
    /// The limits for at most `wanted` connections, lowered to fit under the process's
    /// descriptor limit.
    pub fn for_connections(wanted: usize) -> Limits {
        let reserve = 32;
        let fitting =
            descriptor_limit().map_or(usize::MAX, |n| n.saturating_sub(DESCRIPTORS_KEPT + reserve));
        Limits {
            max: wanted.min(fitting).max(1),
            reserve,
            header_timeout: Duration::from_secs(20),
            reserve_header_timeout: Duration::from_secs(2),
            pace: Pace::default(),
        }
    }
}

/// The soft limit on open descriptors of this process, when the system says it.
pub fn descriptor_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Serve `app` on `listener` within `limits` until `stop` completes; then stop accepting,
/// ask every connection to finish its request in flight, and wait for them at most `grace`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    stop: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let places = Arc::new(Semaphore::new(limits.max));
    let reserve = Arc::new(Semaphore::new(limits.reserve));
    let (stopping, stopped) = watch::channel(false);
    let mut stop = std::pin::pin!(stop);
    loop {
        let accepted = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of descriptors or a connection reset before it was accepted: wait a
                // little rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (place, health_only) = match places.clone().try_acquire_owned() {
            Ok(place) => (place, false),
            Err(_) => match reserve.clone().try_acquire_owned() {
                Ok(place) => (place, true),
                Err(_) => {
                    drop(stream);
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let _place = place;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(if health_only {
                    limits.reserve_header_timeout
                } else {
                    limits.header_timeout
                })
                .keep_alive(!health_only);
            let pace = limits.pace;
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let app = app.clone();
                async move { Ok::<_, Infallible>(answer(app, request, peer, pace, health_only).await) }
            });
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = stopped.wait_for(|s| *s) => {}
            }
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        });
    }
    let _ = stopping.send(true);
    // Every connection holds a place until it ends.
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(grace, async {
        let _ = places.acquire_many(count(limits.max)).await;
        let _ = reserve.acquire_many(count(limits.reserve)).await;
    })
    .await;
    Ok(())
}

/// The answer to one request: the router's, with the body held to `pace` and the client's
/// address known (`ConnectInfo`: sign-ins and tokens are throttled and logged by address); on a
/// reserve connection, the health checks only.
async fn answer(
    app: Router,
    request: Request<Incoming>,
    peer: std::net::SocketAddr,
    pace: Pace,
    health_only: bool,
) -> Response {
    let mut request = request.map(|body| Body::new(PacedBody::new(body, pace)));
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    if health_only && !matches!(request.uri().path(), "/healthz" | "/readyz") {
        let mut busy = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Diagnostic::error(Code::H001, "the server has as many connections as it serves at once")
                .help("try again in a moment; only the health checks (/healthz, /readyz) are answered now"),
        );
        busy.retry_after = Some(crate::problem::RETRY_AFTER_SECONDS);
        return busy.into_response();
    }
    match tower_service::Service::call(&mut app.clone(), request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
