//! Verdicts delivered to the brand's backend: a real receiver, in the test, that
//! checks every request's Standard Webhooks signature as a brand's would, and is
//! down for a while in one test. The worker and the notifier are stepped and the
//! clock moved by the test.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use tests::{Options, TestApp, fixtures, spawn_app_with};

/// What the brand's receiver got: `(webhook-id, body)` of every request whose
/// signature held, and how many more it answers 503 to.
#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<(String, Value)>>>,
    attempts: Arc<Mutex<Vec<String>>>,
    down_for: Arc<AtomicUsize>,
    /// Requests it answers only after this long, before answering the rest
    /// at once.
    slow_for: Arc<AtomicUsize>,
    slow_by: Arc<Mutex<Duration>>,
    forged: Arc<AtomicUsize>,
    secret: Arc<Mutex<String>>,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let secret = receiver.secret.lock().unwrap().clone();
    let webhook = standardwebhooks::Webhook::new(&secret).unwrap();
    if webhook.verify(&body, &headers).is_err() {
        receiver.forged.fetch_add(1, Ordering::SeqCst);
        return StatusCode::UNAUTHORIZED;
    }
    let id = headers["webhook-id"].to_str().unwrap().to_owned();
    receiver.attempts.lock().unwrap().push(id.clone());
    if receiver
        .slow_for
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        let by = *receiver.slow_by.lock().unwrap();
        tokio::time::sleep(by).await;
        // It stored the event, but too late for the sender to hear.
        let body: Value = serde_json::from_slice(&body).unwrap();
        receiver.received.lock().unwrap().push((id, body));
        return StatusCode::NO_CONTENT;
    }
    if receiver
        .down_for
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let body: Value = serde_json::from_slice(&body).unwrap();
    receiver.received.lock().unwrap().push((id, body));
    StatusCode::NO_CONTENT
}

/// A brand's receiver on loopback, and a stepped app whose `demo-easypromos`
/// campaign notifies it.
async fn start(down_for: usize) -> (TestApp, Receiver) {
    start_with(down_for, Options::default()).await
}

async fn start_with(down_for: usize, options: Options) -> (TestApp, Receiver) {
    let receiver = Receiver::default();
    receiver.down_for.store(down_for, Ordering::SeqCst);
    let router = axum::Router::new()
        .route("/hooks/receipts", axum::routing::post(receive))
        .with_state(receiver.clone());
    let address = tests::serve_on_loopback(router).await;
    let app = spawn_app_with(Options {
        processing_delay: Duration::ZERO,
        notify_url: Some(format!("http://{address}/hooks/receipts")),
        ..options
    })
    .await;
    *receiver.secret.lock().unwrap() = tests::notify_secret(&app.dir);
    (app, receiver)
}

/// Sends a receipt and steps the worker until the provider's verdict is stored.
async fn decided(app: &TestApp, campaign: &str) -> String {
    let id = app.submit_photo(campaign, fixtures::receipt_jpeg()).await;
    assert_eq!(app.step_worker().await, 1, "uploaded");
    app.clock.advance(Duration::from_secs(1));
    assert_eq!(app.step_worker().await, 1, "polled");
    assert!(app.get_submission(&id).await.status.is_final());
    id
}

#[tokio::test]
async fn every_verdict_reaches_the_brands_backend_signed_once() {
    let (app, receiver) = start(0).await;
    let id = decided(&app, "demo-easypromos").await;
    // A campaign without `notify` tells nobody.
    decided(&app, "demo-aboutgoods").await;
    assert_eq!(app.state.db.notifications_pending().await.unwrap(), 1);

    assert_eq!(app.step_notifier().await, 1);
    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "{received:?}");
    let (webhook_id, body) = &received[0];
    assert!(webhook_id.starts_with("msg_"), "{webhook_id}");
    assert_eq!(body["type"], "submission.decided");
    assert_eq!(body["data"]["id"], id.as_str());
    assert_eq!(body["data"]["campaign"], "demo-easypromos");
    assert_eq!(body["data"]["status"], "accepted");
    assert_eq!(
        body["data"]["outcome"]["receipt"]["total"],
        sandbox::sample::TOTAL
    );
    assert_eq!(receiver.forged.load(Ordering::SeqCst), 0);
    // Delivered: never sent again.
    app.clock.advance(Duration::from_secs(24 * 3600));
    assert_eq!(app.step_notifier().await, 0);
    assert_eq!(app.state.db.notifications_pending().await.unwrap(), 0);
}

#[tokio::test]
async fn a_receiver_that_is_down_gets_the_event_later_with_the_same_webhook_id() {
    let (app, receiver) = start(3).await;
    decided(&app, "demo-easypromos").await;
    assert_eq!(app.step_notifier().await, 1, "first attempt: 503");
    assert_eq!(app.step_notifier().await, 0, "not again before its backoff");
    // Backoff 5 s, 10 s, 20 s (each within +-20%).
    for wait in [6, 12, 24] {
        app.clock.advance(Duration::from_secs(wait));
        assert_eq!(app.step_notifier().await, 1);
    }
    let attempts = receiver.attempts.lock().unwrap().clone();
    assert_eq!(attempts.len(), 4, "{attempts:?}");
    assert!(attempts.iter().all(|id| *id == attempts[0]), "{attempts:?}");
    assert_eq!(receiver.received.lock().unwrap().len(), 1);
    assert_eq!(app.state.db.notifications_pending().await.unwrap(), 0);
    // What an operator's Prometheus sees of it.
    let page = app.metrics().await;
    let deliveries = |outcome| {
        tests::prometheus_sample(
            &page,
            "receipt_relay_brand_deliveries_total",
            &[("outcome", outcome)],
        )
        .unwrap_or(0.0)
    };
    assert!(
        deliveries("failed") >= 3.0 && deliveries("delivered") >= 1.0,
        "{page}"
    );
    assert_eq!(
        tests::prometheus_sample(&page, "receipt_relay_brand_notifications_pending", &[]),
        Some(0.0)
    );
}

/// The send timeout was fixed at 30 s and written nowhere: a receiver that
/// took longer stored each event, yet got it again (three copies in all).
/// It is `notify.timeout_ms` now, and what a slow receiver gets is the README's.
#[tokio::test]
async fn a_receiver_slower_than_an_undocumented_timeout_got_every_event_again() {
    let (app, receiver) = start_with(
        0,
        Options {
            notify_timeout: Some(Duration::from_millis(200)),
            ..Options::default()
        },
    )
    .await;
    receiver.slow_for.store(1, Ordering::SeqCst);
    *receiver.slow_by.lock().unwrap() = Duration::from_millis(1500);
    decided(&app, "demo-easypromos").await;
    assert_eq!(app.step_notifier().await, 1, "sent, the answer too late");
    assert_eq!(
        app.state.db.notifications_pending().await.unwrap(),
        1,
        "a late answer is no answer"
    );
    // Sent again after the backoff, under the same id, and answered in time.
    app.clock.advance(Duration::from_secs(6));
    assert_eq!(app.step_notifier().await, 1);
    assert_eq!(app.state.db.notifications_pending().await.unwrap(), 0);
    let attempts = receiver.attempts.lock().unwrap().clone();
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert_eq!(attempts[0], attempts[1], "one webhook-id");
}

#[tokio::test]
async fn a_verdict_stored_before_a_restart_is_delivered_after_it() {
    let (app, receiver) = start(0).await;
    let id = decided(&app, "demo-easypromos").await;
    // The proxy stops before the notifier ran; the outbox is in the database.
    let app = app.restart().await;
    assert_eq!(app.step_notifier().await, 1);
    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].1["data"]["id"], id.as_str());
}

/// A shopper's manual-review request is told too, after the verdict it appeals.
#[tokio::test]
async fn a_manual_review_request_is_told_after_the_verdict_it_appeals() {
    let (app, receiver) = start(0).await;
    // BitLabs decides on upload; a receipt outside its rules may go to a person.
    let id = app
        .submit_offers(
            "demo-bitlabs",
            &[fixtures::blue_jpeg()],
            "7",
            &[("191405", 1)],
        )
        .await;
    assert_eq!(app.step_worker().await, 1);
    let response = app
        .http
        .post(app.url(&format!("/v1/submissions/{id}/review")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    assert_eq!(app.step_notifier().await, 2);
    let mut told: Vec<(String, String)> = receiver
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| {
            assert_eq!(body["data"]["id"], id.as_str());
            (
                body["type"].as_str().unwrap().to_owned(),
                body["data"]["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    told.sort();
    assert_eq!(
        told,
        [
            ("submission.decided".to_owned(), "rejected".to_owned()),
            (
                "submission.review_requested".to_owned(),
                "needs_review".to_owned()
            ),
        ]
    );
}

/// The brand's backend was not told of an erasure, so it kept its own copy of
/// the shopper's receipt.
#[tokio::test]
async fn the_brand_was_not_told_when_a_shopper_was_erased() {
    let (app, receiver) = start(0).await;
    let id = app
        .submit_as(
            "demo-easypromos",
            "erase-me",
            &[fixtures::receipt_jpeg()],
            None,
        )
        .await;
    assert_eq!(app.step_worker().await, 1);
    app.clock.advance(Duration::from_secs(1));
    assert_eq!(app.step_worker().await, 1);
    // The verdict's event is still in the outbox when the shopper is erased:
    // it carries their data, so it goes with them.
    let erased = app
        .operator(reqwest::Method::DELETE, "/v1/operator/users/erase-me")
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 200);
    assert_eq!(app.step_notifier().await, 1);
    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "{received:?}");
    let body = &received[0].1;
    assert_eq!(body["type"], "submission.erased");
    assert_eq!(body["data"]["id"], id.as_str());
    assert_eq!(body["data"]["campaign"], "demo-easypromos");
    assert!(!body.to_string().contains("erase-me"), "{body}");
}

#[tokio::test]
async fn a_persons_decision_on_a_held_duplicate_reaches_the_brand_as_its_own_event() {
    let (app, receiver) = start(0).await;
    let campaign = "demo-easypromos-once";
    decided(&app, campaign).await;
    // The same receipt again: held for a person.
    let again = decided(&app, campaign).await;
    assert_eq!(
        app.get_submission(&again).await.status,
        api::SubmissionStatus::NeedsReview
    );
    assert_eq!(app.step_notifier().await, 2, "both verdicts told");
    let response = app
        .operator(reqwest::Method::POST, &format!("/v1/operator/submissions/{again}/decision"))
        .json(&serde_json::json!({"decision": "reject", "reason": "duplicate", "by": "ana@brand.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(app.step_notifier().await, 1);
    let received = receiver.received.lock().unwrap().clone();
    let (_, body) = received.last().unwrap();
    assert_eq!(body["type"], "submission.reviewed");
    assert_eq!(body["data"]["id"], again.as_str());
    assert_eq!(body["data"]["status"], "rejected");
    assert_eq!(body["data"]["decided_by"], "ana@brand.example");
    assert_eq!(body["data"]["outcome"]["reasons"][0]["code"], "duplicate");
    assert_eq!(receiver.forged.load(Ordering::SeqCst), 0);
}
