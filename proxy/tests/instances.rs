//! Several proxy instances on one database, as behind a load balancer: a burst
//! is shared between two proxy processes, one of which is killed (SIGKILL) in
//! the middle. Every submission still reaches its verdict through the other,
//! none is lost, and none is uploaded twice but for the at-least-once window
//! (an upload the provider received whose answer the killed instance never
//! stored; see ARCHITECTURE.md).
//!
//! On SQLite (one file, two processes) by default; on PostgreSQL when
//! `RECEIPT_RELAY_TEST_POSTGRES` names a server (`cargo xtask ci` runs both).

#[path = "common/process.rs"]
mod process;

use std::time::{Duration, Instant};

use api::SubmissionStatus;
use process::Instance;
use sandbox::SandboxConfig;

/// Submissions in the burst.
const BURST: usize = 60;
/// Each instance's limit on calls in flight to the account, and so the most
/// uploads the killed instance can leave unacknowledged.
const MAX_IN_FLIGHT: usize = 8;
const UPLOADS: &str = "/easypromos/v2/ocr/tickets";
/// Names the PostgreSQL server to run on, where set.
const POSTGRES_ENV: &str = "RECEIPT_RELAY_TEST_POSTGRES";

fn receipt_jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(60, 160, |_, y| {
        if y % 8 == 0 {
            image::Rgb([30, 30, 30])
        } else {
            image::Rgb([250, 250, 245])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

async fn submit(http: &reqwest::Client, instance: &Instance, photo: &[u8]) -> String {
    let form = reqwest::multipart::Form::new().part(
        api::field::PHOTO,
        reqwest::multipart::Part::bytes(photo.to_vec()).file_name("receipt.jpg"),
    );
    let response = http
        .post(format!("{}/v1/campaigns/promo/submissions", instance.url))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    response.json::<api::SubmissionCreated>().await.unwrap().id
}

#[tokio::test]
async fn a_burst_survives_one_of_two_instances_killed_mid_way_with_no_receipt_lost() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = sandbox::spawn(
        listener,
        SandboxConfig {
            processing_delay: Duration::from_millis(300),
            latency: Duration::from_millis(100),
            ..SandboxConfig::generated()
        },
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let database = process::database_url(
        dir.path(),
        std::env::var(POSTGRES_ENV).ok().as_deref(),
        "instances",
    )
    .await;
    // The whole burst comes from this one test's address.
    let tables = format!(
        "[worker]\npoll_interval_ms = 100\nretry_base_ms = 100\nretry_max_ms = 400\n\
         lease_ms = 1000\nmax_in_flight = {{ easypromos = {MAX_IN_FLIGHT} }}\n\
         [limits]\n{}",
        process::LIFTED_RATES
    );
    let config = process::write_config(dir.path(), &database, &sandbox, &tables, "");
    let mut doomed = Instance::start(&config).await;
    let survivor = Instance::start(&config).await;

    let http = reqwest::Client::new();
    let photo = receipt_jpeg();
    let mut ids = Vec::new();
    for i in 0..BURST {
        let instance = if i % 2 == 0 { &doomed } else { &survivor };
        ids.push(submit(&http, instance, &photo).await);
    }
    // Killed while both are busy with the burst.
    let deadline = Instant::now() + Duration::from_secs(30);
    while sandbox.controls.requests("POST", UPLOADS) < BURST as u64 / 4 {
        assert!(Instant::now() < deadline, "the burst never got going");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    doomed.child.kill().unwrap();
    doomed.child.wait().unwrap();

    let deadline = Instant::now() + Duration::from_secs(60);
    for id in &ids {
        loop {
            let submission: api::Submission = http
                .get(format!("{}/v1/submissions/{id}", survivor.url))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if submission.status.is_final() {
                assert_eq!(submission.status, SubmissionStatus::Accepted, "{id}");
                break;
            }
            assert!(Instant::now() < deadline, "{id} never got its verdict");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let uploads = sandbox.controls.requests("POST", UPLOADS) as usize;
    assert!(uploads >= BURST, "{uploads} uploads for {BURST} receipts");
    assert!(
        uploads - BURST <= MAX_IN_FLIGHT,
        "{} receipts uploaded twice; only the killed instance's unacknowledged uploads may be",
        uploads - BURST
    );
}
