//! The review console with a season's submissions (`cargo xtask bench` runs
//! it; it asserts nothing): 100,000 submissions of one campaign (20,000
//! shoppers, half with a receipt QR, 1% held for review, 500 audit entries)
//! in the database of a proxy process, and a signed-in admin's browser
//! asking for each page over HTTP, many times: the review queue, the
//! campaign's list (first page, by status, a page deep in it), the search by
//! submission id, shopper id and QR, one submission, the audit log. Each
//! time is the whole answer, rendered, as the browser has it.
//!
//! `CONSOLE_POSTGRES` names a PostgreSQL server to measure on beside SQLite.

#[path = "../tests/common/process.rs"]
mod process;

use std::time::{Duration, Instant};

use process::Instance;
use sandbox::SandboxConfig;

const SUBMISSIONS: usize = 100_000;
const SHOPPERS: usize = 20_000;
/// Times each page is asked for.
const ROUNDS: usize = 40;

/// The system's time, as the proxy reads it.
fn now_ms() -> i64 {
    proxy::clock::Clock::System.now_ms()
}

/// The status of submission `i`: mostly decided, 1% held, 4% failed.
fn status(i: usize) -> &'static str {
    match i % 100 {
        0 => "needs_review",
        1..=4 => "failed",
        5..=24 => "rejected",
        _ => "accepted",
    }
}

/// Writes the season straight into the database (the proxy's own writes
/// would take an hour): a row a second, the newest now. Answers when the
/// first was made (Unix ms).
async fn seed(url: &str) -> i64 {
    let pool = sqlx::AnyPool::connect(url)
        .await
        .expect("open the database");
    let start = now_ms() - SUBMISSIONS as i64 * 1000;
    let outcome = r#"{"reasons":[],"receipt":{"store":"Mercadona","date":"2026-11-30","total":23.4,"currency":"EUR"}}"#;
    for batch in (0..SUBMISSIONS).collect::<Vec<_>>().chunks(1000) {
        let values: Vec<String> = batch
            .iter()
            .map(|&i| {
                let at = start + i as i64 * 1000;
                let qr = if i % 2 == 0 {
                    format!("'t=20261130T1200&s=23.40&fn={i:016}&i={i}&fp=1&n=1'")
                } else {
                    "NULL".to_owned()
                };
                format!(
                    "('sub-{i:07}', 'promo', 'easypromos', 'key-{i}', '{}', {qr}, 'shopper-{}', '{outcome}', {at}, {at}, {at}, 'content-{i}')",
                    status(i),
                    i % SHOPPERS
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO submissions (id, campaign, provider, idempotency_key, status, qr, user_id, outcome, next_attempt_at, created_at, updated_at, content_hash) VALUES {}",
            values.join(", ")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .expect("seed submissions");
    }
    let entries: Vec<String> = (0..500)
        .map(|i| {
            format!(
                "({}, 'boss@brand.example', 'decide', 'sub-{:07}', 'reject: duplicate', '127.0.0.1')",
                start + i * 1000,
                i * 100
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO audit_log (at, actor, action, subject, detail, address) VALUES {}",
        entries.join(", ")
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&pool)
        .await
        .expect("seed the audit log");
    // As a database a season old would be: its statistics known.
    let analyse = if url.starts_with("postgres") {
        "ANALYZE"
    } else {
        "PRAGMA optimize"
    };
    let _ = sqlx::query(analyse).execute(&pool).await;
    pool.close().await;
    start
}

/// A browser signed in as an admin: its session cookie.
async fn sign_in(http: &reqwest::Client, base: &str, url: &str) -> String {
    let db = proxy::store::Db::connect(url, proxy::clock::Clock::System)
        .await
        .expect("open the database");
    let invited = proxy::console::invite(
        &db,
        "boss@brand.example",
        proxy::console::Role::Admin,
        Some(base),
    )
    .await
    .expect("an admin");
    let token = invited.link.split("token=").nth(1).unwrap().to_owned();
    let password = "a season of receipts";
    let set = http
        .post(format!("{base}/operator/setup"))
        .form(&[
            ("token", token.as_str()),
            ("password", password),
            ("again", password),
        ])
        .send()
        .await
        .unwrap();
    assert!(set.status().is_redirection(), "{}", set.status());
    let form = http
        .get(format!("{base}/operator/sign-in"))
        .send()
        .await
        .unwrap();
    let cookie = form
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned();
    let page = form.text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).unwrap() + marker.len();
    let csrf = page[start..].split('"').next().unwrap();
    let signed_in = http
        .post(format!("{base}/operator/sign-in"))
        .header("cookie", cookie)
        .form(&[
            ("email", "boss@brand.example"),
            ("password", password),
            ("csrf", csrf),
        ])
        .send()
        .await
        .unwrap();
    signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("rr_console="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

/// Median and 95th percentile of asking for `path`, and the answer's size.
/// The page must show `shows`: a page that found nothing is not measured.
async fn measure(
    http: &reqwest::Client,
    base: &str,
    cookie: &str,
    path: &str,
    shows: &str,
) -> (f64, f64, usize) {
    let mut times = Vec::with_capacity(ROUNDS);
    let mut size = 0;
    for round in 0..=ROUNDS {
        let began = Instant::now();
        let answer = http
            .get(format!("{base}{path}"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{path}");
        let body = answer.text().await.unwrap();
        assert!(body.contains(shows), "{path} does not show {shows}");
        size = body.len();
        // The first round warms the caches, as a page already opened has.
        if round > 0 {
            times.push(began.elapsed());
        }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(times[ROUNDS / 2]), ms(times[ROUNDS * 95 / 100]), size)
}

async fn run(name: &str, postgres: Option<&str>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = sandbox::spawn(listener, SandboxConfig::generated()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = process::database_url(dir.path(), postgres, "console").await;
    // The proxy's own migrations, then the season.
    drop(
        proxy::store::Db::connect(&url, proxy::clock::Clock::System)
            .await
            .expect("migrate"),
    );
    let began = Instant::now();
    let start = seed(&url).await;
    let seeded = began.elapsed();
    let config = process::write_config(dir.path(), &url, &sandbox, "", "");
    let instance = Instance::start(&config).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = sign_in(&http, &instance.url, &url).await;
    let deep = SUBMISSIONS / 2;
    let deep_at = start + deep as i64 * 1000;
    let pages = [
        ("review queue (1,000 held, oldest 200)", "/operator/".to_owned(), "sub-0000000"),
        ("list, newest 50", "/operator/submissions?campaign=promo".to_owned(), "sub-0099999"),
        (
            "list, failed only",
            "/operator/submissions?campaign=promo&status=failed".to_owned(),
            "sub-0099904",
        ),
        (
            "list, 1,000 pages deep",
            format!("/operator/submissions?campaign=promo&after={deep_at}.sub-{deep:07}"),
            "sub-0049999",
        ),
        ("search: submission id", "/operator/search?q=sub-0012345".to_owned(), "sub-0012345"),
        (
            "search: shopper id (5 found)",
            "/operator/search?q=shopper-777".to_owned(),
            "sub-0080777",
        ),
        (
            "search: receipt QR",
            "/operator/search?q=t%3D20261130T1200%26s%3D23.40%26fn%3D0000000000004242%26i%3D4242%26fp%3D1%26n%3D1".to_owned(),
            "sub-0004242",
        ),
        ("one submission", "/operator/submissions/sub-0012345".to_owned(), "Mercadona"),
        ("audit log, newest 100", "/operator/audit".to_owned(), "reject: duplicate"),
    ];
    for (what, path, shows) in pages {
        let (p50, p95, size) = measure(&http, &instance.url, &cookie, &path, shows).await;
        println!(
            "| {name} | {what} | {p50:.1} ms | {p95:.1} ms | {:.0} KB |",
            size as f64 / 1024.0
        );
    }
    eprintln!(
        "console bench: {name} seeded in {:.1} s",
        seeded.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    println!("## The review console with a season's submissions\n");
    println!(
        "{SUBMISSIONS} submissions of one campaign ({SHOPPERS} shoppers, half with a receipt QR, \
         1% held for review, 4% failed) and 500 audit entries in the database of a proxy \
         process; a signed-in admin asks for each page over HTTP {ROUNDS} times (after one to \
         warm up). The time is the whole rendered page as the client has it. Budget: 200 ms.\n"
    );
    println!("| database | page | p50 | p95 | page size |");
    println!("|---|---|---:|---:|---:|");
    run("SQLite", None).await;
    if let Ok(server) = std::env::var("CONSOLE_POSTGRES") {
        run("PostgreSQL", Some(&server)).await;
    }
}
