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
    app.operator_json(&format!("/v1/operator/submissions/{id}"))
        .await
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
    // Another photo of the same receipt (the sandbox reads every receipt-like
    // photo as the same one): the provider reads the same store, date, time
    // and total.
    let again = app
        .submit_photo("demo-easypromos-once", fixtures::large_receipt_jpeg())
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

/// A copy of a photo sent before, re-encoded and scaled down as a phone's
/// gallery or a messenger does.
fn copy_of(photo: &[u8]) -> Vec<u8> {
    let decoded = image::load_from_memory(photo).unwrap().to_rgb8();
    let (w, h) = decoded.dimensions();
    let smaller = image::imageops::resize(
        &decoded,
        w * 7 / 10,
        h * 7 / 10,
        image::imageops::FilterType::Triangle,
    );
    let mut out = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 55)
        .encode_image(&smaller)
        .unwrap();
    out.into_inner()
}

#[tokio::test]
async fn a_photo_sent_again_re_encoded_and_scaled_is_caught_before_the_provider_sees_it() {
    let app = spawn_app().await;
    let original = fixtures::large_receipt_jpeg();
    let first = app
        .submit_photo("demo-easypromos-once", original.clone())
        .await;
    assert_eq!(
        app.wait_final(&first).await.status,
        SubmissionStatus::Accepted
    );
    let uploads = app
        .sandbox
        .controls
        .requests("POST", "/easypromos/v2/ocr/tickets");

    let copy = copy_of(&original);
    assert_ne!(copy, original);
    let again = app.submit_photo("demo-easypromos-once", copy).await;
    let held = app.get_submission(&again).await;
    assert_eq!(
        held.status,
        SubmissionStatus::NeedsReview,
        "decided at once"
    );
    assert_eq!(
        held.outcome.expect("outcome").reasons[0].code,
        ReasonCode::Duplicate
    );
    assert_eq!(
        app.sandbox
            .controls
            .requests("POST", "/easypromos/v2/ocr/tickets"),
        uploads,
        "the provider never saw the copy"
    );
    assert_eq!(
        operator_view(&app, &again).await["duplicate_of"],
        first.as_str()
    );
    // A different receipt's photo is not taken for it: it is not decided on
    // upload, but goes to the provider. (Asserting `queued` raced the worker,
    // which may already have taken it: `processing` is as good.)
    let other = app
        .submit_photo("demo-easypromos-once", fixtures::receipt_jpeg())
        .await;
    let status = app.get_submission(&other).await.status;
    assert!(!status.is_final(), "caught on upload: {status:?}");
}

#[tokio::test]
async fn a_receipt_sent_again_after_the_window_is_let_through() {
    let app = tests::spawn_app_with(tests::Options {
        stepped_worker: true,
        processing_delay: std::time::Duration::ZERO,
        ..tests::Options::default()
    })
    .await;
    let first = app.submit_qr("demo-apm-once", &[], QR).await;
    assert_eq!(app.step_worker().await, 1, "uploaded");
    app.clock.advance(std::time::Duration::from_secs(2));
    assert_eq!(app.step_worker().await, 1, "decided");
    assert_eq!(
        app.get_submission(&first).await.status,
        SubmissionStatus::Accepted
    );

    // Within the campaign's 90 days it is a duplicate...
    let again = app.submit_qr("demo-apm-once", &[], SAME_QR).await;
    assert_eq!(
        app.get_submission(&again).await.status,
        SubmissionStatus::Rejected
    );
    // ...after them, a receipt like any other.
    app.clock
        .advance(std::time::Duration::from_secs(91 * 24 * 3600));
    let later = app.submit_qr("demo-apm-once", &[], SAME_QR).await;
    assert_eq!(
        app.get_submission(&later).await.status,
        SubmissionStatus::Queued
    );
}
