//! A person's decision on a submission held for one, through the operator
//! API: once, idempotent, recorded with who decided, in the CSV and on the
//! shopper's status; a submission with the provider's own review, or not
//! held, is not ours to decide.

use api::{ErrorBody, ReasonCode, SubmissionStatus};
use serde_json::{Value, json};
use tests::{TestApp, fixtures, spawn_app};

const CAMPAIGN: &str = "demo-easypromos-once";

async fn decide(app: &TestApp, id: &str, body: Value) -> reqwest::Response {
    app.operator(
        reqwest::Method::POST,
        &format!("/v1/operator/submissions/{id}/decision"),
    )
    .json(&body)
    .send()
    .await
    .unwrap()
}

/// A person's word that a held receipt is no duplicate.
fn not_duplicate() -> Value {
    json!({"decision": "not_duplicate", "by": "ana"})
}

/// A fiscal QR code sent alone twice to `campaign` (which holds duplicates
/// for review): the first accepted, the second held; answers the second.
async fn held_qr_code(app: &TestApp, campaign: &str) -> String {
    const QR: &str = "t=20190113T154800&s=127.00&fn=9282440300682838&i=41406&fp=3826178052&n=1";
    let first = app.submit_qr(campaign, &[], QR).await;
    assert_eq!(app.settle(&first).await.status, SubmissionStatus::Accepted);
    let again = app.submit_qr(campaign, &[], QR).await;
    assert_eq!(app.row(&again).await.status, SubmissionStatus::NeedsReview);
    again
}

#[tokio::test]
async fn a_held_duplicate_is_rejected_once_by_a_person_and_the_shopper_sees_why() {
    let app = spawn_app().await;
    let id = app.held_duplicate(CAMPAIGN).await;
    let reject = json!({"decision": "reject", "reason": "duplicate", "message": "Already paid out.", "by": "ana"});
    let response = decide(&app, &id, reject.clone()).await;
    assert_eq!(response.status(), 200);
    let decided: Value = response.json().await.unwrap();
    assert_eq!(decided["status"], "rejected");
    assert_eq!(decided["decided_by"], "ana");
    let shopper = app.get_submission(&id).await;
    assert_eq!(shopper.status, SubmissionStatus::Rejected);
    let reason = &shopper.outcome.expect("outcome").reasons[0];
    assert_eq!(
        (reason.code, reason.message.as_str()),
        (ReasonCode::Duplicate, "Already paid out.")
    );
    // Sent again (a retry): the same answer, nothing written twice.
    let updated = app.state.db.get(&id).await.unwrap().unwrap().updated_at;
    let response = decide(&app, &id, reject).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        app.state.db.get(&id).await.unwrap().unwrap().updated_at,
        updated
    );
    // A second reviewer deciding otherwise is told it is decided.
    let response = decide(&app, &id, json!({"decision": "accept", "by": "ben"})).await;
    assert_eq!(response.status(), 409);
    let body: ErrorBody = response.json().await.unwrap();
    assert!(
        body.error.message.contains("already been decided"),
        "{}",
        body.error.message
    );
    // Who decided is in the CSV.
    let csv = app
        .operator(
            reqwest::Method::GET,
            &format!("/v1/operator/campaigns/{CAMPAIGN}/export.csv"),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.lines().next().unwrap().ends_with("\"decided_by\""),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("\"{id}\"")) && csv.contains("\"ana\""),
        "{csv}"
    );
}

#[tokio::test]
async fn a_held_duplicate_judged_not_one_is_accepted_with_what_was_read() {
    let app = spawn_app().await;
    let id = app.held_duplicate(CAMPAIGN).await;
    let response = decide(&app, &id, json!({"decision": "accept"})).await;
    assert_eq!(response.status(), 200);
    let decided: Value = response.json().await.unwrap();
    assert_eq!(decided["decided_by"], "operator-api");
    let shopper = app.get_submission(&id).await;
    assert_eq!(shopper.status, SubmissionStatus::Accepted);
    let outcome = shopper.outcome.expect("outcome");
    assert!(outcome.reasons.is_empty());
    assert_eq!(
        outcome.receipt.and_then(|r| r.store).as_deref(),
        Some(sandbox::sample::STORE)
    );
}

#[tokio::test]
async fn what_is_not_held_for_a_person_or_is_asked_badly_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    // Another receipt of the shop, accepted by the provider alone.
    let accepted = app
        .submit_photo(CAMPAIGN, fixtures::shop_receipt_jpeg(31))
        .await;
    assert_eq!(
        app.settle(&accepted).await.status,
        SubmissionStatus::Accepted
    );
    let response = decide(
        &app,
        &accepted,
        json!({"decision": "reject", "reason": "other"}),
    )
    .await;
    assert_eq!(response.status(), 409);
    let body: ErrorBody = response.json().await.unwrap();
    assert!(
        body.error.message.contains("not held"),
        "{}",
        body.error.message
    );
    let id = app.held_duplicate(CAMPAIGN).await;
    for (body, status) in [
        (json!({"decision": "reject"}), 422),
        (json!({"decision": "maybe"}), 400),
        (json!({"decision": "accept", "by": "x".repeat(501)}), 422),
    ] {
        assert_eq!(
            decide(&app, &id, body.clone()).await.status(),
            status,
            "{body}"
        );
    }
    assert_eq!(
        decide(&app, "no-such-id", json!({"decision": "accept"}))
            .await
            .status(),
        404
    );
    let unkeyed = app
        .http
        .post(app.url(&format!("/v1/operator/submissions/{id}/decision")))
        .json(&json!({"decision": "accept"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unkeyed.status(), 401);
    assert_eq!(
        app.get_submission(&id).await.status,
        SubmissionStatus::NeedsReview
    );
}

#[tokio::test]
async fn a_receipt_held_on_upload_found_no_duplicate_goes_on_to_the_provider_and_is_not_held_again()
{
    const QR: &str = "t=20190113T154800&s=127.00&fn=9282440300682838&i=41406&fp=3826178052&n=1";
    let app = spawn_app().await;
    let first = app
        .submit_qr(CAMPAIGN, &[fixtures::receipt_jpeg()], QR)
        .await;
    assert_eq!(app.settle(&first).await.status, SubmissionStatus::Accepted);
    // The same fiscal code again: held for a person before the provider
    // sees it, its photo kept for them.
    let again = app
        .submit_qr(CAMPAIGN, &[fixtures::receipt_jpeg()], QR)
        .await;
    assert_eq!(
        app.get_submission(&again).await.status,
        SubmissionStatus::NeedsReview
    );
    assert_eq!(app.state.db.photo_count(&again).await.unwrap(), 1);
    let response = decide(&app, &again, not_duplicate()).await;
    assert_eq!(response.status(), 200);
    let sent: Value = response.json().await.unwrap();
    assert_eq!(sent["status"], "queued");
    // Sent again (a retry): the same answer, not sent twice.
    let retried = decide(&app, &again, not_duplicate()).await;
    assert_eq!(retried.status(), 200);
    // The provider reads what it reads, and the person's word stands: the
    // same reading as the first is not held again.
    let done = app.settle(&again).await;
    assert_eq!(done.status, SubmissionStatus::Accepted, "{done:?}");
    assert!(done.outcome.expect("outcome").reasons.is_empty());
}

#[tokio::test]
async fn a_qr_code_alone_held_on_upload_and_found_no_duplicate_goes_on_to_the_provider() {
    let app = spawn_app().await;
    let again = held_qr_code(&app, "demo-apm-review").await;
    let response = decide(&app, &again, json!({"decision": "not_duplicate"})).await;
    assert_eq!(response.status(), 200);
    let sent: Value = response.json().await.unwrap();
    assert_eq!(sent["status"], "queued", "the code alone is what APM reads");
    assert_eq!(app.settle(&again).await.status, SubmissionStatus::Accepted);
}

#[tokio::test]
async fn a_rejected_duplicate_said_not_a_duplicate_afterwards_was_answered_as_if_sent_on() {
    let app = spawn_app().await;
    let id = app.held_duplicate(CAMPAIGN).await;
    let reject = json!({"decision": "reject", "reason": "duplicate", "by": "ana"});
    assert_eq!(decide(&app, &id, reject).await.status(), 200);
    // A second reviewer's "not a duplicate": refused, not taken for a retry
    // of a send-on (the receipt was never sent on).
    let response = decide(&app, &id, json!({"decision": "not_duplicate", "by": "ben"})).await;
    assert_eq!(response.status(), 409);
    let row = app.state.db.get(&id).await.unwrap().unwrap();
    assert_eq!(row.status, SubmissionStatus::Rejected);
    assert_eq!(
        (row.decided_by.as_deref(), row.decision.as_deref()),
        (Some("ana"), Some("reject"))
    );
}

#[tokio::test]
async fn a_rejection_with_one_of_the_campaigns_reasons_carries_its_words_in_each_language() {
    let app = spawn_app().await;
    let id = app.held_duplicate(CAMPAIGN).await;
    let unknown = decide(
        &app,
        &id,
        json!({"decision": "reject", "reason_id": "weather"}),
    )
    .await;
    assert_eq!(unknown.status(), 422);
    let body: ErrorBody = unknown.json().await.unwrap();
    assert_eq!(body.error.field.as_deref(), Some("reason_id"));
    assert_eq!(app.row(&id).await.status, SubmissionStatus::NeedsReview);

    let response = decide(
        &app,
        &id,
        json!({"decision": "reject", "reason_id": "store"}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let shopper = app.get_submission(&id).await;
    let reason = &shopper.outcome.unwrap().reasons[0];
    assert_eq!(reason.code, ReasonCode::StoreMismatch);
    // The campaign's own language (English) is the message; every language
    // it wrote goes to the shopper's widget.
    assert_eq!(
        reason.message,
        "This store does not take part in the promotion."
    );
    let languages: Vec<&str> = reason.words.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(languages, ["en", "es", "fr"]);
}

#[tokio::test]
async fn where_the_campaign_says_so_not_a_duplicate_accepts_a_held_receipt_without_sending_it() {
    let app = spawn_app().await;
    let uploads = || {
        let c = &app.sandbox.controls;
        c.requests("POST", "/apm/api/receipts") + c.requests("POST", "/apm/api/receipts/qr")
    };
    let again = held_qr_code(&app, "demo-apm-trusted").await;
    let before = uploads();
    assert!(before > 0, "the first was sent");
    let response = decide(&app, &again, not_duplicate()).await;
    assert_eq!(response.status(), 200);
    let row = app.row(&again).await;
    assert_eq!(row.status, SubmissionStatus::Accepted, "accepted outright");
    assert_eq!(row.provider_ref, None, "never sent");
    assert_eq!(app.step_worker().await, 0);
    assert_eq!(uploads(), before);
}
