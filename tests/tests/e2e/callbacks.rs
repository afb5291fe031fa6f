//! Easypromos and Photon in webhook mode, and Easypromos' credits check, over
//! real HTTP: the verdict arrives by the provider's callback; a forged or replayed
//! callback changes nothing; low credits hold submissions without losing them.

use api::{ReasonCode, SubmissionStatus};
use serde_json::{Value, json};
use tests::{Options, TestApp, assert_accepted_sample, fixtures, spawn_app, spawn_app_with};

const CAMPAIGN: &str = "demo-easypromos";

async fn webhook_app() -> TestApp {
    spawn_app_with(Options {
        webhooks: true,
        ..Options::default()
    })
    .await
}

/// Posts a callback to the proxy as a provider would.
async fn call_back(app: &TestApp, key: Option<&str>, body: &Value) -> (u16, Value) {
    let mut request = app.http.post(app.url("/webhooks/easypromos")).json(body);
    if let Some(key) = key {
        request = request.header("X-Webhook-Key", key);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

/// A finished event for `event_id` in the document's webhook shape, saying the
/// ticket could not be read.
fn unreadable_event(event_id: &str) -> Value {
    json!({
        "event_id": event_id.parse::<u64>().unwrap(),
        "status": "finished",
        "finished_status": "error",
        "error": {"code": "unreadable", "message": "The ticket could not be read"},
        "processed_at": "2026-04-08 09:30:18",
    })
}

#[tokio::test]
async fn in_webhook_mode_the_verdict_comes_by_the_providers_callback() {
    // The worker polls only every 10 minutes here: the callback decides.
    let app = webhook_app().await;
    let id = app.submit_photo(CAMPAIGN, fixtures::receipt_jpeg()).await;
    app.step_worker().await;
    assert_eq!(
        app.get_submission(&id).await.status,
        SubmissionStatus::Processing
    );
    assert_eq!(app.send_callbacks().await, [200]);
    assert_accepted_sample(&app.get_submission(&id).await);
}

#[tokio::test]
async fn a_forged_callback_is_refused_and_changes_nothing() {
    let app = webhook_app().await;
    let id = app.submit_photo(CAMPAIGN, fixtures::receipt_jpeg()).await;
    // Uploaded: the provider has it and calls back once the test lets it.
    app.step_worker().await;
    let event_id = app.provider_ref(&id).await;

    for key in [None, Some("not-the-key"), Some("")] {
        let (status, body) = call_back(&app, key, &unreadable_event(&event_id)).await;
        assert_eq!(status, 401, "{key:?}");
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    let after = app.get_submission(&id).await;
    assert_eq!(after.status, SubmissionStatus::Processing);
    assert!(after.outcome.is_none());
}

#[tokio::test]
async fn a_replayed_or_late_callback_never_changes_a_verdict() {
    let app = webhook_app().await;
    let id = app.submit_photo(CAMPAIGN, fixtures::receipt_jpeg()).await;
    // Uploaded: the provider has it and calls back once the test lets it.
    app.step_worker().await;
    let event_id = app.provider_ref(&id).await;
    let accepted = app.settle(&id).await;
    assert_eq!(accepted.status, SubmissionStatus::Accepted);

    // The right key, the right event, a different verdict: too late.
    let (status, body) =
        call_back(&app, Some(&app.webhook_key), &unreadable_event(&event_id)).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "unchanged");
    assert_eq!(app.get_submission(&id).await, accepted);
}

#[tokio::test]
async fn an_authentic_callback_decides_and_a_duplicate_is_harmless() {
    let app = webhook_app().await;
    let id = app.submit_photo(CAMPAIGN, fixtures::receipt_jpeg()).await;
    // Uploaded: the provider has it and calls back once the test lets it.
    app.step_worker().await;
    let event_id = app.provider_ref(&id).await;

    let event = unreadable_event(&event_id);
    let (status, body) = call_back(&app, Some(&app.webhook_key), &event).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("updated")));
    let decided = app.get_submission(&id).await;
    assert_eq!(decided.status, SubmissionStatus::Rejected);
    assert_eq!(
        decided.outcome.as_ref().unwrap().reasons[0].code,
        ReasonCode::Unreadable
    );

    let (status, body) = call_back(&app, Some(&app.webhook_key), &event).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("unchanged")));
    assert_eq!(app.get_submission(&id).await, decided);

    // A callback about an event we never sent is not ours.
    let (status, _) = call_back(&app, Some(&app.webhook_key), &unreadable_event("1")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn under_the_credits_threshold_submissions_are_held_and_kept() {
    let app = spawn_app_with(Options {
        sandbox_credits: 3,
        min_credits: 10,
        ..Options::default()
    })
    .await;
    let id = app.submit_photo(CAMPAIGN, fixtures::receipt_jpeg()).await;
    let row = app.step_until(&id, |row| row.attempts >= 2).await;
    assert_eq!(row.status, SubmissionStatus::Queued);
    assert!(row.provider_ref.is_none(), "nothing may be forwarded");
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("credits"),
        "{:?}",
        row.last_error
    );
    assert_eq!(app.state.db.photo_count(&id).await.unwrap(), 1);

    // Above the threshold, the same account forwards as usual.
    let funded = spawn_app_with(Options {
        sandbox_credits: 50,
        min_credits: 10,
        ..Options::default()
    })
    .await;
    let id = funded
        .submit_photo(CAMPAIGN, fixtures::receipt_jpeg())
        .await;
    assert_eq!(funded.settle(&id).await.status, SubmissionStatus::Accepted);
}

/// Photon in webhook mode: the account's webhook registered in the sandbox, as
/// an operator does in Photon's dashboard.
async fn photon_webhook_app() -> TestApp {
    let app = spawn_app().await;
    app.sandbox
        .controls
        .set_photon_webhook(&app.url("/webhooks/photon-hooks"), &app.photon_webhook_key);
    app
}

async fn photon_call_back(app: &TestApp, key: Option<&str>, body: &Value) -> (u16, Value) {
    let mut request = app.http.post(app.url("/webhooks/photon-hooks")).json(body);
    if let Some(key) = key {
        request = request.header("X-Webhook-Key", key);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn photons_webhook_brings_the_verdict_and_a_replay_changes_nothing() {
    // The worker fetches only every 10 minutes here: the webhook decides.
    let app = photon_webhook_app().await;
    let id = app
        .submit_photo("demo-photon-hooks", fixtures::receipt_jpeg())
        .await;
    app.step_worker().await;
    let key = app.provider_ref(&id).await;
    assert_eq!(app.send_callbacks().await, [200]);
    assert_accepted_sample(&app.get_submission(&id).await);

    let failed = json!({"status": "failed", "photon_key": key, "error_code": "unreadable"});
    let (status, body) = photon_call_back(&app, Some(&app.photon_webhook_key), &failed).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("unchanged")));
    assert_eq!(
        app.get_submission(&id).await.status,
        SubmissionStatus::Accepted
    );
}

#[tokio::test]
async fn a_forged_photon_webhook_is_refused_and_changes_nothing() {
    let app = photon_webhook_app().await;
    let id = app
        .submit_photo("demo-photon-hooks", fixtures::receipt_jpeg())
        .await;
    // Uploaded: the provider has it and calls back once the test lets it.
    app.step_worker().await;
    let key = app.provider_ref(&id).await;
    let failed = json!({"status": "failed", "photon_key": key, "error_code": "unreadable"});
    for forged in [None, Some("not-the-key")] {
        let (status, _) = photon_call_back(&app, forged, &failed).await;
        assert_eq!(status, 401, "{forged:?}");
    }
    assert_eq!(
        app.get_submission(&id).await.status,
        SubmissionStatus::Processing
    );
    // A body we cannot read, with the right key: refused, nothing changes.
    let (status, _) =
        photon_call_back(&app, Some(&app.photon_webhook_key), &json!({"nope": 1})).await;
    assert_eq!(status, 400);
    let (status, body) = photon_call_back(&app, Some(&app.photon_webhook_key), &failed).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("updated")));
    let done = app.get_submission(&id).await;
    assert_eq!(
        done.outcome.unwrap().reasons[0].code,
        ReasonCode::Unreadable
    );
}
