//! A promotion's peak, measured (`cargo xtask bench` runs it; it asserts
//! nothing): a burst of receipts sent at once to proxy processes in front of the
//! sandbox, whose every call takes 200 ms and which reads a receipt in 1.5 s.
//! Prints a Markdown table, a row per setup: SQLite with one instance, and, where
//! `BURST_POSTGRES` names a PostgreSQL server, PostgreSQL with one instance and
//! with two sharing the burst. Every shopper then follows their receipt as the
//! widget does (long polls, `?wait=20&seen=STATUS`), on another instance than
//! the one that took it where there are two; "verdict seen" is how long after
//! the verdict was stored the shopper had it.

#[path = "../tests/common/process.rs"]
mod process;

use std::sync::Arc;
use std::time::{Duration, Instant};

use process::Instance;
use sandbox::SandboxConfig;
use sqlx::Row;

/// Shoppers sending at once (the burst is spread over them).
const SENDERS: usize = 64;
const LATENCY: Duration = Duration::from_millis(200);
const PROCESSING: Duration = Duration::from_millis(1500);

/// A receipt-like phone photo as the widget sends it (about 200 KB).
fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(1200, 1600, |x, y| {
        let grain = ((x.wrapping_mul(7919) ^ y.wrapping_mul(104_729)) % 23) as u8;
        if y % 24 < 3 && x % 200 < 150 {
            image::Rgb([30 + grain, 30 + grain, 30 + grain])
        } else {
            image::Rgb([235 + grain / 2, 235 + grain / 2, 228 + grain / 2])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

struct Setup {
    name: &'static str,
    receipts: usize,
    instances: usize,
    postgres: Option<String>,
}

struct Figures {
    accepted_per_s: f64,
    accept_p50_ms: f64,
    accept_p99_ms: f64,
    last_verdict_s: f64,
    verdicts_per_s: f64,
    peak_rss_mb: f64,
    seen_p50_ms: f64,
    seen_p99_ms: f64,
}

/// Follows submission `id` at `base` as the widget does until its status is
/// final; answers when (Unix ms) the shopper had the verdict.
async fn follow(http: reqwest::Client, base: String, id: String) -> (String, i64) {
    let mut seen = String::from("queued");
    loop {
        let url = format!("{base}/v1/submissions/{id}?wait=20&seen={seen}");
        let body: serde_json::Value = http.get(url).send().await.unwrap().json().await.unwrap();
        let status = body["status"].as_str().unwrap_or_default().to_owned();
        if !matches!(status.as_str(), "queued" | "processing") {
            return (id, now_ms());
        }
        seen = status;
    }
}

/// The system's time, as the proxy reads it.
fn now_ms() -> i64 {
    proxy::clock::Clock::System.now_ms()
}

async fn run(setup: &Setup, photo: Arc<Vec<u8>>) -> Figures {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = sandbox::spawn(
        listener,
        SandboxConfig {
            processing_delay: PROCESSING,
            latency: LATENCY,
            ..SandboxConfig::generated()
        },
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let database = process::database_url(dir.path(), setup.postgres.as_deref(), "burst").await;
    // The default worker settings; only the provider and the campaign are the
    // bench's. Its shoppers all come from one address, and all at once: the
    // rate limits, made for a crowd of addresses, are lifted.
    let tables = format!(
        "[limits]\nmax_connections = 4096\n{}",
        process::LIFTED_RATES
    );
    let config = process::write_config(dir.path(), &database, &sandbox, &tables, "");
    let mut instances = Vec::new();
    for _ in 0..setup.instances {
        instances.push(Instance::start(&config).await);
    }
    let urls: Arc<Vec<String>> = Arc::new(instances.iter().map(|i| i.url.clone()).collect());

    let http = reqwest::Client::new();
    let started = Instant::now();
    let started_ms = now_ms();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let followers = Arc::new(std::sync::Mutex::new(tokio::task::JoinSet::new()));
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..SENDERS {
        let (http, urls, photo, next) = (http.clone(), urls.clone(), photo.clone(), next.clone());
        let followers = followers.clone();
        let receipts = setup.receipts;
        senders.spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= receipts {
                    return latencies;
                }
                let form = reqwest::multipart::Form::new().part(
                    api::field::PHOTO,
                    reqwest::multipart::Part::bytes(photo.to_vec()).file_name("receipt.jpg"),
                );
                let sent = Instant::now();
                let response = http
                    .post(format!(
                        "{}/v1/campaigns/promo/submissions",
                        urls[i % urls.len()]
                    ))
                    .multipart(form)
                    .send()
                    .await
                    .expect("send");
                assert_eq!(response.status(), 202);
                latencies.push(sent.elapsed());
                let id = response.json::<api::SubmissionCreated>().await.unwrap().id;
                let base = urls[(i + 1) % urls.len()].clone();
                followers
                    .lock()
                    .unwrap()
                    .spawn(follow(http.clone(), base, id));
            }
        });
    }
    let mut latencies = Vec::new();
    while let Some(done) = senders.join_next().await {
        latencies.extend(done.unwrap());
    }
    let accepted_in = started.elapsed();
    latencies.sort();
    let percentile = |p: f64| {
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[i].as_secs_f64() * 1000.0
    };

    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&database)
        .await
        .unwrap();
    let finals = "SELECT COUNT(*), MAX(updated_at) FROM submissions \
                  WHERE status NOT IN ('queued', 'processing')";
    let deadline = Instant::now() + Duration::from_secs(600);
    let last_verdict_ms = loop {
        let row = sqlx::query(finals).fetch_one(&pool).await.unwrap();
        let (done, last): (i64, Option<i64>) = (row.get(0), row.get(1));
        if done as usize >= setup.receipts {
            break last.unwrap_or(started_ms);
        }
        assert!(Instant::now() < deadline, "the burst did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let accepted: i64 = sqlx::query("SELECT COUNT(*) FROM submissions WHERE status = 'accepted'")
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        accepted as usize, setup.receipts,
        "every receipt is accepted"
    );
    let last_verdict_s = (last_verdict_ms - started_ms) as f64 / 1000.0;
    // When each shopper had their verdict, against when it was stored.
    let mut followers = std::mem::take(&mut *followers.lock().unwrap());
    let mut seen_ms = Vec::new();
    while let Some(done) = followers.join_next().await {
        let (id, had) = done.unwrap();
        let stored: i64 = sqlx::query("SELECT updated_at FROM submissions WHERE id = $1")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap()
            .get(0);
        seen_ms.push(had - stored);
    }
    seen_ms.sort_unstable();
    let seen = |p: f64| seen_ms[((seen_ms.len() as f64 - 1.0) * p).round() as usize] as f64;
    Figures {
        accepted_per_s: setup.receipts as f64 / accepted_in.as_secs_f64(),
        accept_p50_ms: percentile(0.5),
        accept_p99_ms: percentile(0.99),
        last_verdict_s,
        verdicts_per_s: setup.receipts as f64 / last_verdict_s,
        seen_p50_ms: seen(0.5),
        seen_p99_ms: seen(0.99),
        peak_rss_mb: instances
            .iter()
            .map(Instance::peak_rss_mb)
            .fold(0.0, f64::max),
    }
}

#[tokio::main]
async fn main() {
    let receipts: usize = std::env::var("BURST_RECEIPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let postgres = std::env::var("BURST_POSTGRES").ok();
    let mut setups = vec![
        Setup {
            name: "SQLite, 1 instance",
            receipts: 100,
            instances: 1,
            postgres: None,
        },
        Setup {
            name: "SQLite, 1 instance",
            receipts,
            instances: 1,
            postgres: None,
        },
    ];
    if let Some(server) = postgres {
        for instances in [1, 2] {
            setups.push(Setup {
                name: if instances == 1 {
                    "PostgreSQL, 1 instance"
                } else {
                    "PostgreSQL, 2 instances"
                },
                receipts,
                instances,
                postgres: Some(server.clone()),
            });
        }
    }
    let photo = Arc::new(photo());
    println!("## A promotion's peak\n");
    println!(
        "A burst sent by {SENDERS} shoppers at once, each photo {} KB, to proxy processes \
         (default worker settings) in front of the sandbox, whose every call takes {} ms \
         and which reads a receipt in {} s. \"Last verdict\" is from the first upload to the \
         last verdict stored; \"verdict seen\" is from a verdict stored to its shopper having it, \
         each following their receipt by long poll as the widget does (on the other instance \
         where there are two); peak RSS is the largest proxy process's.\n",
        photo.len() / 1024,
        LATENCY.as_millis(),
        PROCESSING.as_secs_f64()
    );
    println!(
        "| setup | receipts | accepted per s | accept p50 | accept p99 | last verdict | verdicts per s | verdict seen p50 | verdict seen p99 | peak RSS |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for setup in &setups {
        let f = run(setup, photo.clone()).await;
        println!(
            "| {} | {} | {:.0} | {:.0} ms | {:.0} ms | {:.1} s | {:.1} | {:.0} ms | {:.0} ms | {:.0} MB |",
            setup.name,
            setup.receipts,
            f.accepted_per_s,
            f.accept_p50_ms,
            f.accept_p99_ms,
            f.last_verdict_s,
            f.verdicts_per_s,
            f.seen_p50_ms,
            f.seen_p99_ms,
            f.peak_rss_mb
        );
    }
    println!();
}
