//! What every contract test needs: a running sandbox and photos that steer its
//! verdict (see `sandbox::verdict`). Each test binary uses a part of it.
#![allow(dead_code)]

use std::time::Duration;

use sandbox::{RunningSandbox, SandboxConfig};

/// A white receipt with dark lines: accepted.
pub const PAPER: [u8; 3] = [250, 250, 245];
/// A red picture: not a receipt.
pub const RED: [u8; 3] = [210, 30, 40];
/// Too dark to read.
pub const DARK: [u8; 3] = [12, 12, 14];
/// A readable receipt outside the promotion's rules.
pub const BLUE: [u8; 3] = [40, 60, 215];

/// A sandbox on a free loopback port, with freshly generated credentials.
pub async fn start(delay: Duration) -> RunningSandbox {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = SandboxConfig {
        processing_delay: delay,
        ..SandboxConfig::generated()
    };
    sandbox::spawn(listener, config).unwrap()
}

/// A JPEG of `rgb` paper; light paper gets dark text lines.
pub fn jpeg(rgb: [u8; 3]) -> Vec<u8> {
    let lined = rgb == PAPER;
    let img = image::RgbImage::from_fn(60, 160, |_, y| {
        if lined && y % 8 == 0 {
            image::Rgb([30, 30, 30])
        } else {
            image::Rgb(rgb)
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// Calls `probe` until it returns `Some`, at most `tries` times, 50 ms apart:
/// waits for the simulated processing delay without guessing its length.
pub async fn eventually<T, F, Fut>(tries: usize, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..tries {
        if let Some(value) = probe().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the condition never held");
}

/// A loopback endpoint standing in for the proxy's webhook: its URL, and what it
/// took (headers and JSON body), in order. It answers 503 to the first
/// `refuse_first` calls, as a busy or restarting receiver would.
pub async fn callback_listener(
    refuse_first: usize,
) -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(axum::http::HeaderMap, serde_json::Value)>,
) {
    let (sender, received) = tokio::sync::mpsc::unbounded_channel();
    let refused = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/callback", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/callback",
        axum::routing::post(
            move |headers: axum::http::HeaderMap,
                  axum::Json(body): axum::Json<serde_json::Value>| {
                let seen = refused.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let status = if seen < refuse_first {
                    axum::http::StatusCode::SERVICE_UNAVAILABLE
                } else {
                    let _ = sender.send((headers, body));
                    axum::http::StatusCode::OK
                };
                async move { status }
            },
        ),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

/// The next callback, waited for at most 10 s.
pub async fn next_callback(
    received: &mut tokio::sync::mpsc::UnboundedReceiver<(axum::http::HeaderMap, serde_json::Value)>,
) -> (axum::http::HeaderMap, serde_json::Value) {
    tokio::time::timeout(Duration::from_secs(10), received.recv())
        .await
        .expect("no callback came")
        .expect("listener stopped")
}
