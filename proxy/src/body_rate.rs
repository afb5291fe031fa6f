//! The slowest a request body may arrive: after a short grace, a body must
//! keep coming at `limits.min_body_rate` bytes a second on average (240 unless
//! configured, Kestrel's default), or it is cut with 408 `too_slow` and what
//! it held (its connection, its share of the upload memory) is let go.
//!
//! `limits.body_timeout_ms` ends a body that stops; this ends one that
//! trickles (a byte every few seconds never pauses long enough to time out).
//! A shopper on a slow but moving link is far above the minimum: 2G moves
//! kilobytes a second.
//!
//! The rate counts only the time the proxy waited for the client: the time a
//! read of the body was pending, from the moment it found nothing to read to
//! the moment more came. Time the proxy spends elsewhere (checking a photo
//! between two parts, a busy machine) is not the client's. After `grace + n /
//! rate` seconds of such waiting, `n` bytes must have come; the body wakes
//! itself at that moment if nothing has come by then, so a trickle is cut on
//! time, not when its next byte happens to arrive.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use crate::error::ApiError;

/// The least a body must average, after its grace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinRate {
    /// Bytes a second.
    pub bytes_per_second: u32,
    /// How long a body may take before the rate counts (a connection's slow
    /// start, a phone waking its radio).
    pub grace: Duration,
}

/// Why a body was cut.
#[derive(Debug, thiserror::Error)]
#[error("the request body came slower than the minimum rate")]
pub struct TooSlow;

/// Middleware on everything: a body slower than `rate` is cut, and the
/// request is answered 408 `too_slow` with `Connection: close`, whatever the
/// handler made of the broken body.
pub async fn enforce(State(rate): State<MinRate>, request: Request, next: Next) -> Response {
    if rate.bytes_per_second == 0 {
        return next.run(request).await;
    }
    let cut = Arc::new(AtomicBool::new(false));
    let (parts, body) = request.into_parts();
    let body = Body::new(Metered::new(body, rate, cut.clone()));
    let response = next.run(Request::from_parts(parts, body)).await;
    if !cut.load(Ordering::SeqCst) {
        return response;
    }
    metrics::counter!("receipt_relay_slow_bodies_total").increment(1);
    tracing::warn!("a request body came slower than the minimum rate and was cut");
    let mut response = ApiError::TooSlow.into_response();
    // The rest of the body is not read: the connection cannot carry another
    // request.
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A body that counts what comes and the time spent waiting for it, and fails
/// once it falls below the rate.
struct Metered {
    inner: Body,
    rate: MinRate,
    received: u64,
    /// Time spent waiting for the client, all told.
    waited: Duration,
    /// Since when a read is waiting for the client, if one is.
    pending_since: Option<Instant>,
    /// Set while waiting, for the moment the rate would fall below the minimum.
    wake: Option<Pin<Box<Sleep>>>,
    cut: Arc<AtomicBool>,
}

impl Metered {
    fn new(inner: Body, rate: MinRate, cut: Arc<AtomicBool>) -> Self {
        Self {
            inner,
            rate,
            received: 0,
            waited: Duration::ZERO,
            pending_since: None,
            wake: None,
            cut,
        }
    }

    /// The waiting the bytes so far allow: the grace, or `received / rate`.
    fn allowance(&self) -> Duration {
        let earned =
            Duration::from_secs_f64(self.received as f64 / f64::from(self.rate.bytes_per_second));
        self.rate.grace.max(earned)
    }

    fn cut(&mut self) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        self.cut.store(true, Ordering::SeqCst);
        self.wake = None;
        Poll::Ready(Some(Err(TooSlow.into())))
    }
}

impl HttpBody for Metered {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.cut.load(Ordering::SeqCst) {
            return Poll::Ready(Some(Err(TooSlow.into())));
        }
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if polled.is_ready()
            && let Some(since) = this.pending_since.take()
        {
            this.waited += since.elapsed();
            this.wake = None;
        }
        match polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received += data.len() as u64;
                }
                if this.waited > this.allowance() {
                    return this.cut();
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(error.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                let since = *this.pending_since.get_or_insert_with(Instant::now);
                let deadline = since + this.allowance().saturating_sub(this.waited);
                let wake = this
                    .wake
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if wake.deadline() != deadline {
                    wake.as_mut().reset(deadline);
                }
                if wake.as_mut().poll(cx).is_ready() {
                    return this.cut();
                }
                Poll::Pending
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    const RATE: MinRate = MinRate {
        bytes_per_second: 100,
        grace: Duration::from_secs(1),
    };

    /// A body fed by the test, a chunk at a time.
    struct Fed(tokio::sync::mpsc::Receiver<Bytes>);

    impl HttpBody for Fed {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            self.get_mut()
                .0
                .poll_recv(cx)
                .map(|chunk| chunk.map(|bytes| Ok(Frame::data(bytes))))
        }
    }

    fn fed() -> (tokio::sync::mpsc::Sender<Bytes>, Metered, Arc<AtomicBool>) {
        let (send, receive) = tokio::sync::mpsc::channel::<Bytes>(8);
        let cut = Arc::new(AtomicBool::new(false));
        let body = Metered::new(Body::new(Fed(receive)), RATE, cut.clone());
        (send, body, cut)
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_trickling_a_byte_at_a_time_is_cut_after_its_grace() {
        let (send, body, cut) = fed();
        let reader = tokio::spawn(to_bytes(Body::new(body), usize::MAX));
        for _ in 0..10 {
            if send.send(Bytes::from_static(b"x")).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        assert!(reader.await.unwrap().is_err());
        assert!(cut.load(Ordering::SeqCst));
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_keeps_the_rate_is_read_whole() {
        let (send, body, cut) = fed();
        let reader = tokio::spawn(to_bytes(Body::new(body), usize::MAX));
        // 60 bytes every half second: 120 a second, above the 100 asked.
        for _ in 0..10 {
            send.send(Bytes::from(vec![b'x'; 60])).await.unwrap();
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        drop(send);
        assert_eq!(reader.await.unwrap().unwrap().len(), 600);
        assert!(!cut.load(Ordering::SeqCst));
    }

    /// Under a burst, the time a handler spent checking a photo between two
    /// parts was counted against the shopper's link, and uploads that had
    /// come whole were cut.
    #[tokio::test(start_paused = true)]
    async fn time_the_proxy_spent_elsewhere_was_counted_against_the_client() {
        let (send, mut body, cut) = fed();
        send.send(Bytes::from_static(b"part one")).await.unwrap();
        send.send(Bytes::from_static(b"part two")).await.unwrap();
        drop(send);
        let first = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        assert!(matches!(first, Some(Ok(_))));
        // The handler is busy for a minute before it reads on.
        tokio::time::sleep(Duration::from_secs(60)).await;
        let second = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        assert!(matches!(second, Some(Ok(_))), "{second:?}");
        assert!(!cut.load(Ordering::SeqCst));
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_after_its_grace_is_cut_on_time_not_at_its_next_byte() {
        let (send, body, cut) = fed();
        let reader = tokio::spawn(to_bytes(Body::new(body), usize::MAX));
        send.send(Bytes::from(vec![b'x'; 150])).await.unwrap();
        // 150 bytes buy 1.5 s; nothing more comes.
        tokio::time::sleep(Duration::from_millis(1600)).await;
        assert!(cut.load(Ordering::SeqCst), "cut by its own timer");
        assert!(reader.await.unwrap().is_err());
        drop(send);
    }
}
