//! The worker under a promotion's load, stepped by the test: many submissions in
//! hand at once within each provider account's limit, a provider's 429 slowing
//! its whole account, and leases that a long step keeps.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use api::SubmissionStatus;
use axum::http::{StatusCode, header};
use tests::{Options, TestApp, fixtures, spawn_app_with};

const CAMPAIGN: &str = "demo-easypromos";
const UPLOADS: &str = "/easypromos/v2/ocr/tickets";

async fn submit(app: &TestApp, count: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..count {
        ids.push(app.submit_photo(CAMPAIGN, fixtures::receipt_jpeg()).await);
    }
    ids
}

#[tokio::test]
async fn one_step_takes_every_due_submission_at_once_within_the_accounts_max_in_flight() {
    let app = spawn_app_with(Options {
        max_in_flight: vec![("easypromos", 3)],
        ..Options::default()
    })
    .await;
    let ids = submit(&app, 5).await;
    assert_eq!(
        app.step_worker().await,
        3,
        "three at once, the account's limit"
    );
    let acknowledged = {
        let mut n = 0;
        for id in &ids {
            if app
                .state
                .db
                .get(id)
                .await
                .unwrap()
                .unwrap()
                .provider_ref
                .is_some()
            {
                n += 1;
            }
        }
        n
    };
    assert_eq!(acknowledged, 3);
    assert_eq!(app.sandbox.controls.requests("POST", UPLOADS), 3);

    // Without an override, the kind's default (32) lets a burst go at once.
    let app = spawn_app_with(Options {
        ..Options::default()
    })
    .await;
    submit(&app, 10).await;
    assert_eq!(app.step_worker().await, 10);
    assert_eq!(app.sandbox.controls.requests("POST", UPLOADS), 10);
}

#[tokio::test]
async fn one_instance_never_has_more_than_worker_concurrency_in_hand() {
    let app = spawn_app_with(Options {
        concurrency: 2,
        ..Options::default()
    })
    .await;
    submit(&app, 5).await;
    assert_eq!(app.step_worker().await, 2, "two slots, whatever is due");
    assert_eq!(app.sandbox.controls.requests("POST", UPLOADS), 2);
}

/// A 429 slowed down only the one submission; the rest of the burst went on
/// hammering an account that had asked for a pause.
#[tokio::test]
async fn a_providers_429_pauses_its_whole_account_for_its_retry_after() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let provider = axum::Router::new().route(
        UPLOADS,
        axum::routing::post(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "120")],
                    "slow down",
                )
            }
        }),
    );
    let app = tests::spawn_app_scripting_easypromos(
        provider,
        Options {
            max_in_flight: vec![("easypromos", 1)],
            ..Options::default()
        },
    )
    .await;
    let ids = submit(&app, 2).await;
    assert_eq!(app.step_worker().await, 1);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // The other submission is due, but its account is paused for 120 s.
    assert_eq!(app.step_worker().await, 0);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    for id in &ids {
        let row = app.state.db.get(id).await.unwrap().unwrap();
        assert_eq!(
            row.status,
            SubmissionStatus::Queued,
            "kept, to be sent later"
        );
    }
    // Another account is not held back by it.
    let other = app
        .submit_photo("demo-aboutgoods", fixtures::receipt_jpeg())
        .await;
    assert_eq!(app.step_worker().await, 1);
    assert!(
        app.state
            .db
            .get(&other)
            .await
            .unwrap()
            .unwrap()
            .provider_ref
            .is_some()
    );
    // Once the provider's Retry-After has passed, the account is called again
    // (the test's clock stands still until it is moved): one upload, within
    // its limit of one, and the other account's status check.
    app.clock.advance(Duration::from_secs(121));
    assert_eq!(app.step_worker().await, 2);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

/// A submit that took longer than the lease could be taken by a second worker
/// and uploaded twice: nothing renewed a lease.
#[tokio::test]
async fn a_step_longer_than_its_lease_keeps_its_submission_and_uploads_once() {
    let lease = Duration::from_millis(600);
    let app = spawn_app_with(Options {
        lease,
        ..Options::default()
    })
    .await;
    let id = submit(&app, 1).await.remove(0);
    // The provider takes the upload and keeps the worker waiting for its answer.
    app.sandbox.controls.hold_answers();
    let first = app.worker.clone();
    let stepping = tokio::spawn(async move { first.run_once().await });
    app.sandbox
        .controls
        .until_requests("POST", UPLOADS, 1)
        .await;
    // Past the lease it took: only a renewal keeps the submission its own.
    app.clock.advance(lease * 2);
    // The renewal runs beside the call, in the worker's own task: the one
    // thing here the test cannot step, so it watches the stored lease.
    let renewed = async {
        loop {
            let until = app.state.db.lease_until(&id).await.unwrap();
            if until.is_some_and(|until| until > app.clock.now_ms()) {
                return;
            }
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), renewed)
        .await
        .expect("the first worker renews its lease while the upload runs");
    let second = proxy::worker::Worker::new(app.state.clone());
    assert_eq!(
        second.run_once().await,
        0,
        "a second instance finds nothing to take"
    );
    app.sandbox.controls.release_answers();
    assert_eq!(stepping.await.unwrap(), 1);
    assert_eq!(app.sandbox.controls.requests("POST", UPLOADS), 1);
    let row = app.state.db.get(&id).await.unwrap().unwrap();
    assert!(row.provider_ref.is_some());
}

/// A provider that refused our credentials left the shopper watching
/// `queued` with no word while the worker retried: nothing told them their
/// receipt was kept and would be checked later.
#[tokio::test]
async fn refused_credentials_left_the_shopper_watching_queued_with_no_word() {
    let app = spawn_app_with(Options {
        processing_delay: Duration::ZERO,
        easypromos_token: Some("a-token-the-provider-refuses".to_owned()),
        ..Options::default()
    })
    .await;
    let id = app
        .submit_photo("demo-easypromos", fixtures::receipt_jpeg())
        .await;
    assert!(!app.get_submission(&id).await.delayed, "not tried yet");
    assert_eq!(app.step_worker().await, 1);
    let seen = app.get_submission(&id).await;
    assert_eq!(seen.status, SubmissionStatus::Queued);
    assert!(seen.delayed, "the shopper is told it is delayed, and kept");

    // An operator fixes the token; the receipt goes on by itself.
    let app = app
        .restart_with(|options| options.easypromos_token = None)
        .await;
    app.clock.advance(Duration::from_secs(1));
    assert_eq!(app.step_worker().await, 1, "sent again");
    app.clock.advance(Duration::from_secs(1));
    assert_eq!(app.step_worker().await, 1, "polled");
    let done = app.get_submission(&id).await;
    assert_eq!(done.status, SubmissionStatus::Accepted);
    assert!(!done.delayed);
}
