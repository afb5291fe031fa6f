//! The proxy's accept loop: hyper's HTTP/1.1 with the limits a server on the open
//! internet needs and `axum::serve` does not offer. A connection has
//! `limits.header_timeout` to send each request's headers, and an idle
//! keep-alive connection is closed after as long; at most
//! `limits.max_connections` are served at once (more wait in the listen
//! backlog); each request carries the client's address ([`ConnectInfo`]).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

use crate::config::LimitsConfig;

/// Bytes a connection reads ahead of its handler, at most.
const READ_AHEAD: usize = 64 * 1024;

/// How long, once `shutdown` completes, requests in progress have to finish.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves `router` on `listener` until `shutdown` completes, then stops
/// accepting and lets the requests in progress finish (for up to [`DRAIN`]).
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: &LimitsConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // HTTP/1.1 only: browsers speak HTTP/2 only over TLS, which the load
    // balancer in front ends. (Guessing the version would also wait, with no
    // timeout, for a first byte that a silent connection never sends.)
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        // What a connection may have read ahead of its handler: hyper's
        // default (about 400 KB) times a crowd of uploads waiting for the
        // upload memory budget would be memory outside that budget.
        .max_buf_size(READ_AHEAD);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = connections.clone().acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, a connection reset before it was
                    // accepted: not fatal; pause so a full table can drain.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(peer));
            router.clone().oneshot(request)
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in progress after {DRAIN:?}; stopping anyway");
    }
    Ok(())
}
