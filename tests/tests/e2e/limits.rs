//! What a stranger scripting against the proxy meets: rate limits per client
//! and per campaign, header and idle timeouts, a connection limit.

use std::time::{Duration, Instant};

use tests::{Options, fixtures, spawn_app_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CAMPAIGN: &str = "demo-easypromos";

/// Submissions the operator API lists for a campaign.
async fn stored(app: &tests::TestApp, campaign: &str) -> usize {
    let page = app
        .operator_json(&format!(
            "/v1/operator/campaigns/{campaign}/submissions?limit=500"
        ))
        .await;
    page["submissions"].as_array().map_or(0, Vec::len)
}

fn limits(lines: &str) -> Options {
    Options {
        limits: lines.to_owned(),
        ..Options::default()
    }
}

#[tokio::test]
async fn three_hundred_submissions_from_one_client_were_all_accepted() {
    let app = spawn_app_with(limits(
        "per_client = { per_minute = 1, burst = 3 }\n\
         per_campaign = { per_minute = 1000, burst = 1000 }",
    ))
    .await;
    let mut refused = 0;
    for _ in 0..10 {
        let response = app
            .submit(CAMPAIGN, &[fixtures::receipt_jpeg()], None)
            .await;
        if response.status() == 429 {
            refused += 1;
            let retry_after: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .expect("Retry-After in seconds");
            assert!((1..=60).contains(&retry_after), "{retry_after}");
            let body: api::ErrorBody = response.json().await.expect("the JSON error body");
            assert_eq!(body.error.code, api::ErrorCode::RateLimited);
        } else {
            assert_eq!(response.status(), 202);
        }
    }
    assert_eq!(refused, 7, "a burst of 3, then none for a minute");
    assert_eq!(stored(&app, CAMPAIGN).await, 3, "nothing refused is stored");
    // Reading a status costs nothing and stays open to the same client.
    let status = app
        .http
        .get(app.url("/v1/submissions/00000000-0000-0000-0000-000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 404);
}

#[tokio::test]
async fn provider_lookups_from_one_client_were_unlimited() {
    let app = spawn_app_with(limits(
        "per_client = { per_minute = 1, burst = 2 }\n\
         per_campaign = { per_minute = 1000, burst = 1000 }",
    ))
    .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let response = app
            .http
            .get(app.url("/v1/campaigns/demo-bitlabs/merchants"))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 429, 429, 429]);
    let calls = app.sandbox.controls.requests("GET", "/bitlabs/");
    assert!(calls <= 2, "the provider saw {calls} calls");
}

#[tokio::test]
async fn a_forwarded_address_counts_only_behind_a_trusted_load_balancer() {
    let app = spawn_app_with(limits(
        "trusted_proxies = 1\n\
         per_client = { per_minute = 1, burst = 1 }\n\
         per_campaign = { per_minute = 1, burst = 3 }",
    ))
    .await;
    let merchants = |client: &str| {
        app.http
            .get(app.url("/v1/campaigns/demo-bitlabs/merchants"))
            .header("x-forwarded-for", format!("6.6.6.6, {client}"))
            .send()
    };
    // Each client its own allowance: the address the balancer appended, not
    // the one the client wrote first.
    assert_eq!(merchants("203.0.113.1").await.unwrap().status(), 200);
    assert_eq!(merchants("203.0.113.1").await.unwrap().status(), 429);
    assert_eq!(merchants("203.0.113.2").await.unwrap().status(), 200);
    assert_eq!(merchants("203.0.113.3").await.unwrap().status(), 200);
    // The campaign's allowance (3) is spent, whoever asks.
    let crowd = merchants("203.0.113.4").await.unwrap();
    assert_eq!(crowd.status(), 429);
    assert!(crowd.headers().contains_key("retry-after"));
}

/// The proxy's host and port.
fn socket(app: &tests::TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection (or resets it); how long it
/// took, or `None` if it was still open after `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buffer = [0u8; 1024];
    tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return start.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
}

#[tokio::test]
async fn headers_sent_one_byte_at_a_time_held_the_connection_forever() {
    let app = spawn_app_with(limits("header_timeout_ms = 500\nmax_connections = 100\n")).await;
    let address = socket(&app);
    let mut slow = Vec::new();
    for _ in 0..50 {
        let address = address.clone();
        slow.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(&address).await.unwrap();
            let request = format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\nX-Slow: ");
            // One byte every 100 ms: the headers would take minutes.
            for byte in request.bytes().chain(std::iter::repeat(b'a')) {
                if stream.write_all(&[byte]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                let mut probe = [0u8; 64];
                let read =
                    tokio::time::timeout(Duration::from_millis(1), stream.read(&mut probe)).await;
                if let Ok(Ok(0)) = read {
                    break;
                }
            }
            true
        }));
    }
    // While they dribble, the proxy answers others.
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    for connection in slow {
        let cut = tokio::time::timeout(Duration::from_secs(30), connection).await;
        assert!(
            matches!(cut, Ok(Ok(true))),
            "a slow connection was not closed"
        );
    }
}

#[tokio::test]
async fn an_idle_keep_alive_connection_stayed_open_forever() {
    let app = spawn_app_with(limits("header_timeout_ms = 500\n")).await;
    let address = socket(&app);
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = vec![0u8; 512];
    let n = stream.read(&mut answer).await.unwrap();
    assert!(
        answer[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&answer[..n])
    );
    // Kept alive, then idle: the proxy closes it.
    assert!(
        closed_within(&mut stream, Duration::from_secs(30))
            .await
            .is_some(),
        "an idle connection is still open"
    );
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_one() {
    let app = spawn_app_with(limits("header_timeout_ms = 1000\nmax_connections = 2\n")).await;
    let address = socket(&app);
    // Two connections that say nothing take both places.
    let mut quiet = [
        TcpStream::connect(&address).await.unwrap(),
        TcpStream::connect(&address).await.unwrap(),
    ];
    // Give the accept loop the time to take them both before the third.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let asked = Instant::now();
    let health = tokio::spawn({
        let http = reqwest::Client::new();
        let url = app.url("/healthz");
        async move {
            let status = http.get(url).send().await.unwrap().status();
            (status, asked.elapsed())
        }
    });
    let mut freed = Duration::MAX;
    for stream in &mut quiet {
        let closed = closed_within(stream, Duration::from_secs(30))
            .await
            .expect("the header timeout closes a silent connection");
        freed = freed.min(closed);
    }
    let (status, answered) = health.await.unwrap();
    assert_eq!(status, 200);
    assert!(
        answered >= freed,
        "the third connection was served ({answered:?}) before a place was free ({freed:?})"
    );
}

#[tokio::test]
async fn an_upload_that_stalls_half_way_held_its_connection_and_memory_forever() {
    let app = spawn_app_with(limits("body_timeout_ms = 500\n")).await;
    let address = socket(&app);
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let boundary = "stalledBoundary";
    let head = format!(
        "POST /v1/campaigns/{CAMPAIGN}/submissions HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 1000000\r\n\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"r.jpg\"\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
        .write_all(&fixtures::receipt_jpeg()[..200])
        .await
        .unwrap();
    // Then nothing more: the proxy gives up on the body and answers.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the stalled upload is still open");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "{answer}"
    );
    assert_eq!(stored(&app, CAMPAIGN).await, 0);
}

/// Sends `head`, then `body` in chunks of `chunk` bytes every `every`, while
/// reading the answer; the answer (as text) once the proxy closes the
/// connection or after `within`.
async fn upload_paced(
    address: String,
    head: String,
    body: Vec<u8>,
    chunk: usize,
    every: Duration,
    within: Duration,
) -> String {
    let stream = TcpStream::connect(&address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let sending = tokio::spawn(async move {
        if writer.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        for piece in body.chunks(chunk) {
            if writer.write_all(piece).await.is_err() {
                return;
            }
            tokio::time::sleep(every).await;
        }
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(within, reader.read_to_end(&mut answer)).await;
    sending.abort();
    String::from_utf8_lossy(&answer).into_owned()
}

/// A whole multipart upload of `photo`, and its request head.
fn multipart_upload(address: &str, photo: &[u8]) -> (String, Vec<u8>) {
    let boundary = "pacedBoundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"r.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(photo);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let head = format!(
        "POST /v1/campaigns/{CAMPAIGN}/submissions HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    (head, body)
}

/// Slow headers were cut after 10 s, but 20 uploads that sent their headers
/// and then a byte of body every few moments were all still open a minute
/// later, each holding a connection and part of the upload memory.
#[tokio::test]
async fn twenty_uploads_trickling_a_byte_at_a_time_were_never_cut() {
    let app = spawn_app_with(limits(
        "min_body_rate = 240\nbody_rate_grace_ms = 1000\nbody_timeout_ms = 30000\n",
    ))
    .await;
    let address = socket(&app);
    let (head, body) = multipart_upload(&address, &fixtures::receipt_jpeg());
    let uploads: Vec<_> = (0..20)
        .map(|_| {
            tokio::spawn(upload_paced(
                address.clone(),
                head.clone(),
                body.clone(),
                1,
                Duration::from_millis(200),
                Duration::from_secs(20),
            ))
        })
        .collect();
    for upload in uploads {
        let answer = upload.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("too_slow"), "{answer}");
    }
    assert_eq!(stored(&app, CAMPAIGN).await, 0);
    let budget = &app.state.upload_budget;
    assert_eq!(budget.free_bytes(), budget.total_bytes(), "memory let go");
}

/// A shopper on 2G (a few kilobytes a second) is far above the minimum and
/// gets through.
#[tokio::test]
async fn an_upload_at_2g_speed_gets_through() {
    let app = spawn_app_with(limits("min_body_rate = 240\nbody_rate_grace_ms = 1000\n")).await;
    let address = socket(&app);
    let (head, body) = multipart_upload(&address, &fixtures::receipt_jpeg());
    // 2G: about 6 KB a second, as 600 bytes every 100 ms.
    let answer = upload_paced(
        address,
        head,
        body,
        600,
        Duration::from_millis(100),
        Duration::from_secs(60),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    assert_eq!(stored(&app, CAMPAIGN).await, 1);
}
