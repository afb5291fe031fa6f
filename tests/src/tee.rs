//! A recording forwarder: the browser talks to it, it forwards every request to
//! the proxy over real HTTP and keeps a copy of every response (headers and body),
//! so a test can check every byte the browser received. Like the load balancer
//! in front of a real proxy, it can answer uploads or the campaign `503` for a
//! while ([`Recorder::refuse_uploads`], [`Recorder::refuse_campaigns`]) as one
//! does while the proxy restarts.
//!
//! It asks the proxy for uncompressed bodies (no `Accept-Encoding`), so that what
//! it records can be searched byte for byte; a secret inside a gzip stream
//! would not be found.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

#[derive(Debug)]
struct Tee {
    upstream: String,
    http: reqwest::Client,
    received: Mutex<Vec<u8>>,
    responses: std::sync::atomic::AtomicUsize,
    /// How many more uploads to answer `503` without forwarding them.
    refusing: std::sync::atomic::AtomicUsize,
    /// How many more campaign requests (`GET /v1/campaigns/{id}`) to answer
    /// `503`.
    refusing_campaigns: std::sync::atomic::AtomicUsize,
    /// The `Idempotency-Key` of every upload that reached the forwarder.
    upload_keys: Mutex<Vec<String>>,
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
            refusing: std::sync::atomic::AtomicUsize::new(0),
            refusing_campaigns: std::sync::atomic::AtomicUsize::new(0),
            upload_keys: Mutex::new(Vec::new()),
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

    /// Answers the next `count` uploads (`POST /v1/campaigns/{id}/submissions`)
    /// `503 Service Unavailable` with an empty body, without forwarding them;
    /// `0` forwards them again.
    pub fn refuse_uploads(&self, count: usize) {
        self.tee
            .refusing
            .store(count, std::sync::atomic::Ordering::SeqCst);
    }

    /// Answers the next `count` requests for a campaign (`GET
    /// /v1/campaigns/{id}`, not its stores or offers) `503` with an empty
    /// body, as a load balancer does while the proxy restarts.
    pub fn refuse_campaigns(&self, count: usize) {
        self.tee
            .refusing_campaigns
            .store(count, std::sync::atomic::Ordering::SeqCst);
    }

    /// The `Idempotency-Key` of every upload so far, refused or forwarded, in
    /// order.
    pub fn upload_keys(&self) -> Vec<String> {
        self.tee
            .upload_keys
            .lock()
            .map(|k| k.clone())
            .unwrap_or_default()
    }
}

async fn forward(State(tee): State<Arc<Tee>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let campaign = parts
        .uri
        .path()
        .strip_prefix("/v1/campaigns/")
        .is_some_and(|rest| !rest.contains('/'));
    if parts.method == Method::GET && campaign && take_one(&tee.refusing_campaigns) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    if parts.method == Method::POST && path.ends_with("/submissions") {
        let key = parts
            .headers
            .get(api::IDEMPOTENCY_KEY_HEADER)
            .and_then(|k| k.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if let Ok(mut keys) = tee.upload_keys.lock() {
            keys.push(key);
        }
        if take_one(&tee.refusing) {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    let mut upstream = tee
        .http
        .request(parts.method.clone(), format!("{}{path}", tee.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if name != header::HOST
            && name != header::CONTENT_LENGTH
            && name != header::CONNECTION
            && name != header::ACCEPT_ENCODING
        {
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

/// Counts one refusal down; whether there was one left.
fn take_one(count: &std::sync::atomic::AtomicUsize) -> bool {
    count
        .fetch_update(
            std::sync::atomic::Ordering::SeqCst,
            std::sync::atomic::Ordering::SeqCst,
            |n| n.checked_sub(1),
        )
        .is_ok()
}
