//! PDF e-receipts end to end over real HTTP (proxy -> sandbox): offered and
//! forwarded where the campaign's provider reads PDF (Aboutgoods, Photon),
//! refused in words where it does not, checked by structure (damaged, too
//! long), and the same e-receipt sent again caught before the provider sees
//! it.

use api::{Campaign, ErrorBody, ErrorCode, ReasonCode, SubmissionStatus};
use sandbox::e_receipt::{pdf, pdf_copy};
use tests::{fixtures, spawn_app};

const PDF: &str = "application/pdf";

async fn campaign(app: &tests::TestApp, id: &str) -> Campaign {
    let response = app
        .http
        .get(app.url(&format!("/v1/campaigns/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn an_e_receipt_goes_as_pdf_to_the_providers_that_read_pdf_and_is_read() {
    let app = spawn_app().await;
    for id in ["demo-aboutgoods", "demo-photon"] {
        let accept = campaign(&app, id).await.photos.accept;
        assert!(accept.iter().any(|t| t == PDF), "{id}: {accept:?}");
        let submission = app.submit_photo(id, pdf(309_150, 1)).await;
        let done = app.settle(&submission).await;
        // The sandbox reads a PDF only where it came whole, as a PDF.
        assert_eq!(done.status, SubmissionStatus::Accepted, "{id}: {done:?}");
        let receipt = done.outcome.and_then(|o| o.receipt).expect("read");
        assert_eq!(receipt.store.as_deref(), Some(sandbox::sample::STORE));
    }
}

#[tokio::test]
async fn an_e_receipt_to_a_provider_that_reads_no_pdf_is_refused_in_words_and_nothing_is_stored() {
    let app = spawn_app().await;
    for id in ["demo-easypromos", "demo-bitlabs", "demo-apm"] {
        let accept = campaign(&app, id).await.photos.accept;
        assert!(!accept.iter().any(|t| t == PDF), "{id}: {accept:?}");
        let response = app.submit(id, &[pdf(309_150, 1)], None).await;
        assert_eq!(response.status(), 415, "{id}");
        let body: ErrorBody = response.json().await.unwrap();
        assert_eq!(body.error.code, ErrorCode::UnsupportedMediaType);
        assert!(
            body.error.message.contains("not PDF"),
            "{}",
            body.error.message
        );
    }
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);
}

#[tokio::test]
async fn a_damaged_too_long_or_accompanied_e_receipt_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let campaign = "demo-aboutgoods-once";
    let whole = pdf(309_150, 1);
    let cases: [(Vec<Vec<u8>>, u16, &str); 4] = [
        (vec![whole[..whole.len() - 20].to_vec()], 422, "damaged"),
        (vec![whole[..whole.len() / 2].to_vec()], 422, "damaged"),
        (vec![pdf(309_150, 3)], 422, "at most 2"),
        // With a photo: one file past the receipt's one.
        (vec![fixtures::receipt_jpeg(), whole.clone()], 422, "photo"),
    ];
    for (files, status, words) in cases {
        let response = app.submit(campaign, &files, None).await;
        assert_eq!(response.status(), status, "{words}");
        let body: ErrorBody = response.json().await.unwrap();
        assert!(body.error.message.contains(words), "{}", body.error.message);
    }
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);
}

#[tokio::test]
async fn the_same_e_receipt_sent_again_is_refused_as_a_duplicate_before_the_provider() {
    let app = spawn_app().await;
    let campaign = "demo-aboutgoods-once";
    let first = app.submit_photo(campaign, pdf(309_151, 2)).await;
    assert_eq!(app.settle(&first).await.status, SubmissionStatus::Accepted);
    let again = app.submit_photo(campaign, pdf(309_151, 2)).await;
    let caught = app.get_submission(&again).await;
    assert_eq!(
        caught.status,
        SubmissionStatus::Rejected,
        "decided on upload"
    );
    let codes: Vec<_> = caught
        .outcome
        .expect("outcome")
        .reasons
        .iter()
        .map(|r| r.code)
        .collect();
    assert_eq!(codes, [ReasonCode::Duplicate]);
    // The same receipt issued again as a copy: other text, the same fiscal
    // data it prints.
    let copy = app.submit_photo(campaign, pdf_copy(309_151, 1)).await;
    assert_eq!(
        app.get_submission(&copy).await.status,
        SubmissionStatus::Rejected,
        "known by its fiscal data"
    );
    // Another e-receipt of the same shop is another receipt.
    let other = app.submit_photo(campaign, pdf(309_152, 2)).await;
    let other = app.settle(&other).await;
    assert_eq!(other.status, SubmissionStatus::Accepted, "{other:?}");
}
