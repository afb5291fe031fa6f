//! The same receipt sent again: caught by its fiscal QR before the provider sees
//! it, or by what the provider read when the verdict comes back; the shopper
//! sees the reason `duplicate`, the operator which submission it matched.

use api::{ReasonCode, SubmissionStatus};
use serde_json::Value;
use tests::{TestApp, fixtures, spawn_app};

const QR: &str = "t=20190113T154800&s=127.00&fn=9282440300682838&i=41406&fp=3826178052&n=1";
/// The same receipt's code, its fields in another order.
const SAME_QR: &str = "fn=9282440300682838&i=41406&fp=3826178052&n=1&s=127.00&t=20190113T154800";

async fn operator_view(app: &TestApp, id: &str) -> Value {
    app.http
        .get(app.url(&format!("/v1/operator/submissions/{id}")))
        .bearer_auth(tests::operator_key(&app.dir))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_same_fiscal_qr_sent_again_is_refused_before_the_provider_sees_it() {
    let app = spawn_app().await;
    let first = app.submit_qr("demo-apm-once", &[], QR).await;
    assert_eq!(
        app.wait_final(&first).await.status,
        SubmissionStatus::Accepted
    );

    let again = app.submit_qr("demo-apm-once", &[], SAME_QR).await;
    let refused = app.get_submission(&again).await;
    assert_eq!(
        refused.status,
        SubmissionStatus::Rejected,
        "decided at once"
    );
    let outcome = refused.outcome.expect("outcome");
    assert_eq!(outcome.reasons[0].code, ReasonCode::Duplicate);
    assert_eq!(
        app.sandbox
            .controls
            .requests("POST", "/apm/api/receipts/qr"),
        1,
        "the provider saw it once"
    );
    assert_eq!(app.state.db.photo_count(&again).await.unwrap(), 0);
    assert_eq!(
        operator_view(&app, &again).await["duplicate_of"],
        first.as_str()
    );
    // The shopper's view never names another shopper's submission.
    let public = app
        .http
        .get(app.url(&format!("/v1/submissions/{again}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!public.contains(&first), "{public}");

    // A campaign that lets duplicates through forwards it.
    let elsewhere = app.submit_qr("demo-apm", &[], QR).await;
    let twice = app.submit_qr("demo-apm", &[], SAME_QR).await;
    for id in [elsewhere, twice] {
        assert_eq!(app.wait_final(&id).await.status, SubmissionStatus::Accepted);
    }
}

#[tokio::test]
async fn the_same_receipt_read_again_goes_to_a_person_naming_the_first() {
    let app = spawn_app().await;
    let first = app
        .submit_photo("demo-easypromos-once", fixtures::receipt_jpeg())
        .await;
    assert_eq!(
        app.wait_final(&first).await.status,
        SubmissionStatus::Accepted
    );
    // Another photo of the same receipt: the provider reads the same store,
    // date, time and total.
    let again = app
        .submit_photo("demo-easypromos-once", fixtures::receipt_jpeg())
        .await;
    let held = app.wait_final(&again).await;
    assert_eq!(held.status, SubmissionStatus::NeedsReview);
    let outcome = held.outcome.expect("outcome");
    assert_eq!(outcome.reasons[0].code, ReasonCode::Duplicate);
    assert!(outcome.receipt.is_some(), "what was read is kept");
    assert_eq!(
        operator_view(&app, &again).await["duplicate_of"],
        first.as_str()
    );
    assert!(operator_view(&app, &first).await["duplicate_of"].is_null());
}
