//! APM (Revizor) end to end over real HTTP (proxy -> sandbox): photos with a QR
//! code, a QR code alone, the moderators' reject keys, an outage, and the
//! callback mode with a good, a forged and a replayed callback.

use api::{ErrorBody, ReasonCode, SubmissionStatus};
use serde_json::{Value, json};
use tests::{TestApp, fixtures, spawn_app};

const CAMPAIGN: &str = "demo-apm";
const CALLBACKS: &str = "demo-apm-callbacks";
const QR: &str = "t=20190113T154800&s=127.00&fn=8716000100025114&i=114318&fp=3578721879&n=1";

/// Approved, with what the moderators read: the fiscal code's date and sum
/// where one was sent with it ([`FROM_QR`]), else the photo's ([`FROM_PHOTO`]).
fn assert_approved(submission: &api::Submission, (total, date): (f64, &str)) {
    assert_eq!(
        submission.status,
        SubmissionStatus::Accepted,
        "{submission:?}"
    );
    let receipt = submission
        .outcome
        .as_ref()
        .and_then(|o| o.receipt.as_ref())
        .expect("what the moderators read");
    assert_eq!(receipt.store.as_deref(), Some(sandbox::sample::STORE));
    assert_eq!(receipt.total, Some(total));
    assert_eq!(receipt.date.as_deref(), Some(date));
}

/// What is read of a receipt sent with [`QR`].
const FROM_QR: (f64, &str) = (127.0, "2019-01-13");
/// What is read of the fixture's photo alone (`sandbox::sample`).
const FROM_PHOTO: (f64, &str) = (sandbox::sample::TOTAL, sandbox::sample::DATE);

fn first_reason(submission: &api::Submission) -> ReasonCode {
    assert_eq!(
        submission.status,
        SubmissionStatus::Rejected,
        "{submission:?}"
    );
    submission.outcome.as_ref().expect("outcome").reasons[0].code
}

#[tokio::test]
async fn a_long_receipt_in_several_photos_with_its_qr_is_approved() {
    let app = spawn_app().await;
    let photos = vec![fixtures::receipt_jpeg(); 3];
    let id = app.submit_qr(CAMPAIGN, &photos, QR).await;
    assert_approved(&app.settle(&id).await, FROM_QR);
    assert_eq!(app.state.db.photo_count(&id).await.unwrap(), 0);
}

#[tokio::test]
async fn a_qr_code_alone_is_a_submission() {
    let app = spawn_app().await;
    let good = app.submit_qr(CAMPAIGN, &[], QR).await;
    assert_eq!(app.settle(&good).await.status, SubmissionStatus::Accepted);
    // A code of a format the campaign takes (`qr_patterns`) goes on to the
    // provider, which judges it.
    let own = app.submit_qr(CAMPAIGN, &[], "APM-RCPT-0042").await;
    assert_eq!(
        first_reason(&app.settle(&own).await),
        ReasonCode::NotReceipt
    );
}

/// On a QR-only campaign, a code that is no receipt's at all (`hello`,
/// `<script>...`) was stored and queued for the provider.
#[tokio::test]
async fn a_code_that_is_no_receipts_was_stored_and_queued_for_the_provider() {
    let app = spawn_app().await;
    for junk in [
        "hello",
        "<script>alert(1)</script>",
        "APM-RCPT-42",
        "x APM-RCPT-0042",
    ] {
        let response = app
            .http
            .post(app.url(&format!("/v1/campaigns/{CAMPAIGN}/submissions")))
            .multipart(reqwest::multipart::Form::new().text(api::field::QR, junk))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{junk}");
        let body: ErrorBody = response.json().await.unwrap();
        assert_eq!(body.error.field.as_deref(), Some(api::field::QR), "{junk}");
    }
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);
    // With photos, a code is what the shopper scanned beside them, checked
    // as the widget checks it, and the photos are the receipt.
    let with_photo = app
        .submit_qr(CAMPAIGN, &[fixtures::receipt_jpeg()], "hello")
        .await;
    assert_eq!(
        app.settle(&with_photo).await.status,
        SubmissionStatus::Accepted
    );
}

#[tokio::test]
async fn a_mistyped_fiscal_code_is_refused_with_the_field_named_and_nothing_is_stored() {
    let app = spawn_app().await;
    let cases = [
        // A fiscal drive number one digit short.
        (
            QR.replace("fn=8716000100025114", "fn=871600010002511"),
            "fiscal drive number",
        ),
        // The 30th of February.
        (QR.replace("20190113", "20190230"), "date"),
        // Not printable text at all.
        ("t=1\u{7}".to_owned(), "not the text"),
    ];
    for (qr, words) in cases {
        let response = app
            .http
            .post(app.url(&format!("/v1/campaigns/{CAMPAIGN}/submissions")))
            .multipart(reqwest::multipart::Form::new().text(api::field::QR, qr.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{qr}");
        let body: ErrorBody = response.json().await.unwrap();
        assert_eq!(body.error.field.as_deref(), Some(api::field::QR));
        assert!(body.error.message.contains(words), "{}", body.error.message);
    }
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);
}

#[tokio::test]
async fn neither_photo_nor_qr_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.url(&format!("/v1/campaigns/{CAMPAIGN}/submissions")))
        .multipart(reqwest::multipart::Form::new().text(api::field::USER, "shopper-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.error.field.as_deref(), Some(api::field::PHOTO));
    assert!(body.error.message.contains("QR"), "{}", body.error.message);
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);
}

#[tokio::test]
async fn the_moderators_reject_keys_become_unified_reasons() {
    let app = spawn_app().await;
    let cases = [
        (fixtures::red_jpeg(), ReasonCode::NotReceipt),
        (fixtures::dark_jpeg(), ReasonCode::Unreadable),
        (fixtures::blue_jpeg(), ReasonCode::ProductMismatch),
    ];
    for (photo, expected) in cases {
        let id = app.submit_photo(CAMPAIGN, photo).await;
        let done = app.settle(&id).await;
        assert_eq!(first_reason(&done), expected);
        let message = &done.outcome.unwrap().reasons[0].message;
        assert!(
            message.is_ascii(),
            "the moderators' own text is not shown: {message}"
        );
    }
}

#[tokio::test]
async fn during_an_outage_the_receipt_is_kept_and_goes_through_after() {
    let app = spawn_app().await;
    app.sandbox.controls.set_outage(true);
    let id = app.submit_photo(CAMPAIGN, fixtures::receipt_jpeg()).await;
    app.step_until(&id, |row| row.attempts >= 2).await;
    assert_eq!(
        app.get_submission(&id).await.status,
        SubmissionStatus::Queued
    );
    assert_eq!(app.state.db.photo_count(&id).await.unwrap(), 1);
    app.sandbox.controls.set_outage(false);
    assert_approved(&app.settle(&id).await, FROM_PHOTO);
}

/// Posts a callback to the proxy as APM would.
async fn call_back(app: &TestApp, key: Option<&str>, body: &Value) -> (u16, Value) {
    let mut request = app.http.post(app.url("/webhooks/apm-callbacks")).json(body);
    if let Some(key) = key {
        request = request.header("authorization", key);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

fn rejected_receipt(uuid: &str) -> Value {
    json!({"uuid": uuid, "state": "REVIEWED", "approved": false,
        "rejectKey": "NOT_RECEIPT", "rejectReason": "Это не чек", "duplicate": null})
}

#[tokio::test]
async fn with_callbacks_the_verdict_comes_from_apm_and_a_replay_changes_nothing() {
    // The worker polls only every 10 minutes here: the callback decides.
    let app = spawn_app().await;
    let id = app
        .submit_qr(CALLBACKS, &[fixtures::receipt_jpeg()], QR)
        .await;
    app.step_worker().await;
    let uuid = app.provider_ref(&id).await;
    assert_eq!(app.send_callbacks().await, [200]);
    let done = app.get_submission(&id).await;
    // `/api/receipts` has no field for the code: the photos are read.
    assert_approved(&done, FROM_PHOTO);

    // A late or replayed callback with another verdict is heard and ignored.
    let (status, body) =
        call_back(&app, Some(&app.apm_callback_key), &rejected_receipt(&uuid)).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "unchanged");
    assert_eq!(
        app.get_submission(&id).await.status,
        SubmissionStatus::Accepted
    );
}

#[tokio::test]
async fn a_forged_apm_callback_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let id = app.submit_photo(CALLBACKS, fixtures::receipt_jpeg()).await;
    // Uploaded; APM's own callback is held back.
    app.step_worker().await;
    let uuid = app.provider_ref(&id).await;
    for key in [None, Some("not-the-key"), Some("")] {
        let (status, body) = call_back(&app, key, &rejected_receipt(&uuid)).await;
        assert_eq!(status, 401, "{key:?}");
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    assert_eq!(
        app.get_submission(&id).await.status,
        SubmissionStatus::Processing
    );
    // The real key decides it.
    let (status, body) =
        call_back(&app, Some(&app.apm_callback_key), &rejected_receipt(&uuid)).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("updated")));
    assert_eq!(
        first_reason(&app.get_submission(&id).await),
        ReasonCode::NotReceipt
    );
}
