//! A recording forwarder: the browser talks to it, it forwards every request to
//! the proxy over real HTTP and keeps a copy of every response (headers and body),
//! so a test can check every byte the browser received.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

#[derive(Debug)]
struct Tee {
    upstream: String,
    http: reqwest::Client,
    received: Mutex<Vec<u8>>,
    responses: std::sync::atomic::AtomicUsize,
}

/// A running forwarder.
#[derive(Debug, Clone)]
pub struct Recorder {
    pub address: String,
    tee: Arc<Tee>,
}

impl Recorder {
    /// Starts forwarding to `upstream` (e.g. `http://127.0.0.1:1234`).
    pub async fn start(upstream: &str) -> Self {
        let tee = Arc::new(Tee {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            received: Mutex::new(Vec::new()),
            responses: std::sync::atomic::AtomicUsize::new(0),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind tee");
        let address = format!("http://{}", listener.local_addr().expect("tee addr"));
        let app = Router::new().fallback(forward).with_state(tee.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { address, tee }
    }

    /// Every response byte (status line, headers, body) sent to the browser so far.
    pub fn received(&self) -> Vec<u8> {
        self.tee
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// How many responses were recorded.
    pub fn response_count(&self) -> usize {
        self.tee.responses.load(std::sync::atomic::Ordering::SeqCst)
    }
}

async fn forward(State(tee): State<Arc<Tee>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut upstream = tee
        .http
        .request(parts.method.clone(), format!("{}{path}", tee.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if name != header::HOST && name != header::CONTENT_LENGTH && name != header::CONNECTION {
            upstream = upstream.header(name, value);
        }
    }
    let Ok(response) = upstream.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap_or_default();

    let mut record = format!("HTTP/1.1 {status}\r\n").into_bytes();
    for (name, value) in &headers {
        record.extend_from_slice(name.as_str().as_bytes());
        record.extend_from_slice(b": ");
        record.extend_from_slice(value.as_bytes());
        record.extend_from_slice(b"\r\n");
    }
    record.extend_from_slice(b"\r\n");
    record.extend_from_slice(&bytes);
    if let Ok(mut received) = tee.received.lock() {
        received.extend_from_slice(&record);
    }
    tee.responses
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);

    let mut out = Response::builder().status(status);
    for (name, value) in &headers {
        if name != header::TRANSFER_ENCODING
            && name != header::CONNECTION
            && name != header::CONTENT_LENGTH
        {
            out = out.header(name, value);
        }
    }
    out.body(Body::from(bytes))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}
