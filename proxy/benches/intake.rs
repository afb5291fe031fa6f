//! Intake, measured black-box (`cargo xtask bench` runs it; it asserts
//! nothing): how many uploads of a phone's photo a proxy process accepts a
//! second with 64 shoppers sending at once, and how long a shopper waits for
//! the answer with 16 at once. Beside it, in the same run and on the same
//! bytes, the reference: a plain reverse proxy (nginx, where installed, and a
//! minimal hyper forwarder) handing each upload whole to a second hop that
//! reads it and answers, as ours hands it to the worker through its database.
//!
//! The campaign catches duplicates, so every photo is checked and
//! fingerprinted in the upload's answer. The provider holds its answers for the
//! run: it is another company's machine, and its reading of 12 MP photos is not
//! this machine's work (the worker's own claims and sends still are).
//! `INTAKE_POSTGRES` names a PostgreSQL server to measure on beside SQLite;
//! `INTAKE_ONLY=ours` leaves the references out.

#[path = "../tests/common/process.rs"]
mod process;
#[path = "common/receipts.rs"]
mod receipts;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use process::Instance;
use sandbox::SandboxConfig;

/// Uploads sent in each measured run.
const UPLOADS: usize = 1000;
/// Distinct photos the uploads take turns with (each is a different receipt).
const PHOTOS: u32 = 4;

/// What one run measured.
struct Figures {
    per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// Sends `UPLOADS` uploads to `url`, `at_once` at a time, each a multipart
/// form with one of `photos`; every answer must be `202`.
async fn send(url: &str, photos: &[Bytes], at_once: usize) -> Figures {
    // As a browser: an upload waiting its turn with a full window is not
    // given up after 30 s (reqwest's default `TCP_USER_TIMEOUT`).
    let http = reqwest::Client::builder()
        .tcp_user_timeout(None)
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..at_once {
        let (http, next, url, photos) =
            (http.clone(), next.clone(), url.to_owned(), photos.to_vec());
        senders.spawn(async move {
            let mut waits = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= UPLOADS {
                    return waits;
                }
                let photo = photos[i % photos.len()].clone();
                let length = photo.len() as u64;
                let part = reqwest::multipart::Part::stream_with_length(photo, length)
                    .file_name("receipt.jpg")
                    .mime_str("image/jpeg")
                    .unwrap();
                let form = reqwest::multipart::Form::new().part(api::field::PHOTO, part);
                let sent = Instant::now();
                let response = http.post(&url).multipart(form).send().await.expect("send");
                let status = response.status();
                let body = response.bytes().await.expect("an answer");
                assert_eq!(status, 202, "{}", String::from_utf8_lossy(&body));
                waits.push(sent.elapsed());
            }
        });
    }
    let mut waits = Vec::new();
    while let Some(done) = senders.join_next().await {
        waits.extend(done.expect("a sender"));
    }
    let took = started.elapsed();
    waits.sort();
    let at =
        |p: f64| waits[((waits.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0;
    Figures {
        per_s: UPLOADS as f64 / took.as_secs_f64(),
        p50_ms: at(0.5),
        p99_ms: at(0.99),
    }
}

/// The second hop of the reference: reads each request whole and answers
/// `202` with an id, as an application behind a reverse proxy would.
async fn sink() -> SocketAddr {
    let app = axum::Router::new().fallback(|body: Bytes| async move {
        let id = body.len();
        (
            axum::http::StatusCode::ACCEPTED,
            axum::Json(serde_json::json!({ "id": id })),
        )
    });
    serve(app).await
}

/// A minimal forwarder (hyper, through axum and reqwest): takes each request
/// whole, as nginx does by default, and sends it on to `to`.
async fn forwarder(to: SocketAddr) -> SocketAddr {
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let http = http.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX)
                .await
                .expect("a body");
            let mut forwarded = http.post(format!("http://{to}{}", parts.uri.path()));
            if let Some(kind) = parts.headers.get(axum::http::header::CONTENT_TYPE) {
                forwarded = forwarded.header(axum::http::header::CONTENT_TYPE, kind);
            }
            let answer = forwarded.body(body).send().await.expect("the second hop");
            let status = answer.status();
            (status, answer.bytes().await.expect("its answer"))
        }
    });
    serve(app).await
}

async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .await
        .unwrap();
    });
    addr
}

/// nginx as a reverse proxy in front of `to`, with its shipped defaults
/// (the request buffered whole before it is sent on) and a worker per core;
/// `None` where nginx is not installed. Stopped when dropped.
struct Nginx {
    binary: &'static str,
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Nginx {
    fn start(to: SocketAddr) -> Option<Self> {
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())?;
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(
            &conf,
            format!(
                "worker_processes auto;\nerror_log stderr error;\npid {pid};\n\
                 events {{ worker_connections 4096; }}\n\
                 http {{\n  access_log off;\n  client_max_body_size 64m;\n\
                 client_body_temp_path {tmp};\n\
                 upstream app {{ server {to}; keepalive 64; }}\n\
                 server {{\n    listen 127.0.0.1:{port};\n    location / {{\n\
                 proxy_pass http://app;\n      proxy_http_version 1.1;\n\
                 proxy_set_header Connection \"\";\n    }}\n  }}\n}}\n",
                pid = dir.path().join("nginx.pid").display(),
                tmp = dir.path().display(),
            ),
        )
        .unwrap();
        let child = std::process::Command::new(binary)
            .args(["-e", "stderr", "-p"])
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Self {
                    binary,
                    child,
                    port,
                    dir,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Nginx {
    /// Stops the master and its workers (a killed master leaves them).
    fn drop(&mut self) {
        let _ = std::process::Command::new(self.binary)
            .args(["-e", "stderr", "-p"])
            .arg(self.dir.path())
            .arg("-c")
            .arg(self.dir.path().join("nginx.conf"))
            .args(["-s", "stop"])
            .status();
        let _ = self.child.wait();
    }
}

/// A proxy process on a fresh database in front of a sandbox that holds its
/// answers, campaign `promo` catching duplicates; measured at each of
/// `at_once`.
async fn ours(postgres: Option<&str>, photos: &[Bytes], at_once: &[usize]) -> Vec<Figures> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = sandbox::spawn(listener, SandboxConfig::generated()).unwrap();
    sandbox.controls.hold_answers();
    let mut figures = Vec::new();
    for &n in at_once {
        let dir = tempfile::tempdir().unwrap();
        let database = process::database_url(dir.path(), postgres, "intake").await;
        let tables = format!(
            "[limits]\nmax_connections = 4096\n{}",
            process::LIFTED_RATES
        );
        let config = process::write_config(
            dir.path(),
            &database,
            &sandbox,
            &tables,
            "duplicates = \"reject\"",
        );
        let instance = Instance::start(&config).await;
        let url = format!("{}/v1/campaigns/promo/submissions", instance.url);
        eprintln!("intake: receipt-relay on {database}, {n} at once");
        figures.push(send(&url, photos, n).await);
    }
    figures
}

/// A row of the table: `figures` at 64 and at 16 at once, with the rate as a
/// part of `reference`'s where one is given.
fn row(name: &str, photo: &str, figures: &[Figures], reference: Option<&[Figures]>) {
    let ratio = |i: usize| {
        reference.map_or_else(String::new, |r| {
            format!(" ({:.2} of it)", figures[i].per_s / r[i].per_s)
        })
    };
    println!(
        "| {name} | {photo} | {:.0}{} | {:.0} ms | {:.0} ms | {:.0} ms |",
        figures[0].per_s,
        ratio(0),
        figures[0].p50_ms,
        figures[1].p50_ms,
        figures[1].p99_ms,
    );
}

#[tokio::main]
async fn main() {
    const AT_ONCE: [usize; 2] = [64, 16];
    let postgres = std::env::var("INTAKE_POSTGRES").ok();
    let camera = |grain| -> Vec<Bytes> {
        (0..PHOTOS)
            .map(|n| Bytes::from(receipts::camera_photo(&receipts::receipt(11 + n, n), grain)))
            .collect()
    };
    let widget: Vec<Bytes> = (0..PHOTOS)
        .map(|n| {
            let receipt = receipts::receipt(11 + n, n);
            let photo = receipts::on_table(&receipt, receipts::Surface::Wood, u64::from(n));
            Bytes::from(receipts::jpeg(&photo, 80))
        })
        .collect();
    let kb = |photos: &[Bytes]| photos.iter().map(Bytes::len).sum::<usize>() / photos.len() / 1024;
    let photos = [
        (
            "12 MP as a phone's camera wrote it (denoised, JPEG 90)",
            camera(receipts::Grain::Denoised),
        ),
        (
            "12 MP with raw sensor grain (JPEG 92)",
            camera(receipts::Grain::Raw),
        ),
        ("the widget's 1500x2000 (JPEG 80)", widget),
    ]
    .map(|(name, photos)| (format!("{name}, {} KB", kb(&photos)), photos));

    let sink = sink().await;
    let only_ours = std::env::var("INTAKE_ONLY").is_ok_and(|v| v == "ours");
    let nginx = Nginx::start(sink).filter(|_| !only_ours);
    let forwarder = forwarder(sink).await;
    let mut targets = Vec::new();
    if let Some(nginx) = &nginx {
        targets.push((
            "nginx, forwarding",
            format!("http://127.0.0.1:{}", nginx.port),
        ));
    }
    if !only_ours {
        targets.push(("a minimal hyper forwarder", format!("http://{forwarder}")));
    }
    // Each reference on each photo.
    let mut references = Vec::new();
    for (name, base) in targets {
        let url = format!("{base}/v1/campaigns/promo/submissions");
        let mut on = Vec::new();
        for (photo, photos) in &photos {
            let mut figures = Vec::new();
            for n in AT_ONCE {
                eprintln!("intake: {name}, {photo}, {n} at once");
                figures.push(send(&url, photos, n).await);
            }
            on.push(figures);
        }
        references.push((name, on));
    }
    let mut sqlite = Vec::new();
    for (_, photos) in &photos {
        sqlite.push(ours(None, photos, &AT_ONCE).await);
    }
    let postgres = match &postgres {
        Some(server) => Some(ours(Some(server), &photos[0].1, &AT_ONCE).await),
        None => None,
    };

    println!("## Intake\n");
    println!(
        "{UPLOADS} uploads of one photo each (the same {PHOTOS} receipts in turn) sent to one \
         proxy process on a fresh database, its campaign catching duplicates (every photo \
         checked and fingerprinted before the answer); the provider holds its answers \
         meanwhile (its reading is another machine's work; the worker's sends wait, holding \
         their half of the upload memory). Beside it, in the same run, the same bytes through a \
         plain reverse proxy to a second hop that reads them whole and answers: the \
         reference. 64 shoppers at once for the rate and its median wait, 16 at once for a \
         shopper's wait when the proxy is not saturated.\n"
    );
    println!(
        "| intake | photo | accepted per s, 64 at once | p50, 64 at once | p50, 16 at once | p99, 16 at once |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for (name, on) in &references {
        for ((photo, _), figures) in photos.iter().zip(on) {
            row(name, photo, figures, None);
        }
    }
    let reference = |photo: usize| references.first().map(|(_, on)| on[photo].as_slice());
    for (i, ((photo, _), figures)) in photos.iter().zip(&sqlite).enumerate() {
        row("receipt-relay, SQLite", photo, figures, reference(i));
    }
    if let Some(figures) = &postgres {
        row(
            "receipt-relay, PostgreSQL",
            &photos[0].0,
            figures,
            reference(0),
        );
    }
    println!("\nIn brackets: our rate as a part of the first reference's on the same photo.");
}
