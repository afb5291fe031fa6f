//! Sending a receipt over a phone's network: real upload progress, a cancel,
//! a lost signal and gateway errors waited out, a provider that is down or
//! refuses our credentials, and the same receipt sent twice.

use tests::browser::{self, Browser};
use tests::{Options, fixtures, spawn_app_with};

use super::{assert_no_secret_reached_the_browser, demo_app, open, open_in};

#[tokio::test]
async fn while_the_provider_is_down_the_shopper_is_told_the_receipt_is_safe_then_sees_the_verdict()
{
    let app = spawn_app_with(Options::live()).await;
    let photo = fixtures::write("receipt-outage.jpg", &fixtures::receipt_jpeg());
    app.sandbox.controls.set_outage(true);

    let browser = Browser::start().await;
    browser.client.goto(&app.url("/")).await.unwrap();
    let widget = browser.widget().await;
    browser::choose_photo(&widget, &photo).await;
    // The host page learns the submission id from the widget's `submitted` event.
    browser
        .client
        .execute(
            "document.querySelector('.receipt-relay').addEventListener('submitted', e => { window.submittedId = e.detail; });",
            vec![],
        )
        .await
        .unwrap();
    browser::click(&widget, ".rr-submit").await;
    // The provider cannot be reached: said at once, not only after a while.
    browser::text_containing(&widget, ".rr-waiting", "delayed on our side").await;
    let mut id = None;
    for _ in 0..100 {
        let value = browser
            .client
            .execute("return window.submittedId || null;", vec![])
            .await
            .unwrap();
        if let Some(found) = value.as_str() {
            id = Some(found.to_owned());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let id = id.expect("the widget dispatched no `submitted` event");

    // The proxy keeps the submission and retries; the widget says at once
    // that the check is delayed and the receipt kept.
    // A live app: the browser waits in real time while the worker retries.
    app.wait_for_row(&id, |row| row.attempts >= 2).await;
    assert_eq!(
        app.get_submission(&id).await.status,
        api::SubmissionStatus::Queued
    );
    browser::text_containing(&widget, ".rr-waiting", "delayed on our side").await;
    browser::text_containing(&widget, ".rr-waiting", "receipt is kept").await;
    browser.screenshot("06-provider-down").await;

    app.sandbox.controls.set_outage(false);
    browser::text_containing(&widget, ".rr-store", "CLAREL").await;
    assert_eq!(
        app.get_submission(&id).await.status,
        api::SubmissionStatus::Accepted
    );
    browser.screenshot("07-after-outage").await;
    browser.close().await;
}

#[tokio::test]
async fn an_upload_shows_real_progress_can_be_cancelled_and_waits_out_a_network_loss() {
    let (app, tee) = demo_app().await;
    let photo = fixtures::write("receipt-large.jpg", &fixtures::large_receipt_jpeg());
    let (browser, widget) = open(&tee, "demo-easypromos").await;
    browser::choose_photo(&widget, &photo).await;

    // A slow mobile uplink: the bar follows the bytes as they leave.
    browser.network(false, 60_000).await;
    browser::click(&widget, ".rr-submit").await;
    let mut seen = None;
    for _ in 0..300 {
        let value: f64 = browser::find(&widget, ".rr-progress")
            .await
            .attr("value")
            .await
            .unwrap()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        if value > 0.0 && value < 100.0 {
            seen = Some(value);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let seen = seen.expect("the progress bar moved between 0 and 100");
    browser::text_containing(&widget, ".rr-sending .rr-live", "%").await;
    browser.screenshot("08-upload-progress").await;

    // Cancelled half way: back to the photo, nothing lost.
    browser::click(&widget, ".rr-cancel").await;
    browser::text_containing(&widget, ".rr-notice", "cancelled").await;
    browser::wait_count(&widget, ".rr-thumb", 1).await;

    // In a tunnel: the widget says it waits for the network, and sends when the
    // phone is back.
    browser.network(true, 60_000).await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-sending .rr-live", "offline").await;
    browser.screenshot("09-upload-offline").await;
    browser.network(false, 50_000_000).await;
    browser::text_containing(&widget, ".rr-status", "was accepted").await;
    browser.close().await;

    // The cancelled attempt and the resumed one share one idempotency key: one
    // submission.
    assert_eq!(
        app.state.db.submission_count().await.unwrap(),
        1,
        "progress was {seen}"
    );
    assert_no_secret_reached_the_browser(&app, &tee);
}

#[tokio::test]
async fn a_french_shoppers_upload_is_retried_through_gateway_errors_and_a_cancel_stops_the_retries()
{
    let (app, tee) = demo_app().await;
    let first = fixtures::write("receipt-retried.jpg", &fixtures::receipt_jpeg());
    let second = fixtures::write("receipt-cancelled.jpg", &fixtures::large_receipt_jpeg());
    let (browser, widget) = open(&tee, "demo-easypromos&lang=fr").await;
    browser::text_containing(&widget, ".rr-pick", "Photographiez votre ticket").await;
    browser::choose_photo(&widget, &first).await;

    // The proxy restarts behind its load balancer: the first two tries are
    // answered 503, the third goes through.
    tee.refuse_uploads(2);
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-status", "Votre ticket a été accepté").await;
    let keys = tee.upload_keys();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(
        !keys[0].is_empty() && keys.iter().all(|k| *k == keys[0]),
        "one idempotency key for every try: {keys:?}"
    );
    assert_eq!(app.state.db.submission_count().await.unwrap(), 1);

    // A second receipt while the gateway keeps refusing: the shopper cancels
    // in the pause between tries, and no try follows the cancel.
    browser::text_containing(&widget, ".rr-restart", "Envoyer un autre ticket").await;
    browser::click(&widget, ".rr-restart").await;
    browser::choose_photo(&widget, &second).await;
    tee.refuse_uploads(usize::MAX);
    browser::click(&widget, ".rr-submit").await;
    for _ in 0..200 {
        if tee.upload_keys().len() > keys.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(
        tee.upload_keys().len() > keys.len(),
        "the second upload was tried"
    );
    browser.step("35-upload-retrying-fr").await;
    browser::click(&widget, ".rr-cancel").await;
    browser::text_containing(&widget, ".rr-notice", "Envoi annulé").await;
    browser::wait_count(&widget, ".rr-thumb", 1).await;
    let tried = tee.upload_keys().len();

    // The gateway is back: sent again, once, under the same key.
    tee.refuse_uploads(0);
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-status", "Votre ticket a été accepté").await;
    browser.close().await;
    let all = tee.upload_keys();
    assert_eq!(all.len(), tried + 1, "a try after the cancel: {all:?}");
    let second_keys = &all[keys.len()..];
    assert!(
        second_keys.iter().all(|k| *k == second_keys[0]) && second_keys[0] != keys[0],
        "{all:?}"
    );
    assert_eq!(app.state.db.submission_count().await.unwrap(), 2);
    assert_no_secret_reached_the_browser(&app, &tee);
}

/// A provider that refused our credentials left the shopper watching "still
/// being processed" while the worker retried: nothing said their receipt was
/// kept and would be checked later. In their language, now, and it goes on
/// by itself once the credentials work again.
#[tokio::test]
async fn refused_credentials_left_a_spanish_shopper_watching_with_no_word() {
    let app = spawn_app_with(Options {
        easypromos_token: Some("a-token-the-provider-refuses".to_owned()),
        ..Options::live()
    })
    .await;
    let photo = fixtures::write("receipt-refused.jpg", &fixtures::receipt_jpeg());
    let browser = Browser::speaking("es-ES").await;
    browser
        .client
        .goto(&app.url("/?campaign=demo-easypromos"))
        .await
        .unwrap();
    let widget = browser.widget().await;
    browser::choose_photo(&widget, &photo).await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-waiting", "Guardamos tu ticket").await;
    browser.step("32-delayed").await;
    browser.close().await;
}

#[tokio::test]
async fn a_french_shopper_who_sends_the_same_receipt_again_is_told_so_in_french() {
    let (app, tee) = demo_app().await;
    let photo = fixtures::write("receipt-twice.jpg", &fixtures::large_receipt_jpeg());
    // A campaign that sends duplicates to a person (`duplicates = "review"`).
    let (browser, widget) = open_in(
        Browser::speaking("fr-FR").await,
        &tee,
        "demo-easypromos-once",
    )
    .await;
    browser::choose_photo(&widget, &photo).await;
    browser::click(&widget, ".rr-submit").await;
    browser::find(&widget, ".rr-store").await;
    browser::click(&widget, ".rr-restart").await;

    // The same photo again: the widget prepares it the same way; the proxy
    // takes the likeness as a hint, and the provider's reading of it, the
    // same as the first's, settles it.
    browser::choose_photo(&widget, &photo).await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-reasons", "Ce ticket a déjà été envoyé").await;
    browser.step("30-duplicate").await;
    browser.close().await;
    assert_eq!(
        app.sandbox
            .controls
            .requests("POST", "/easypromos/v2/ocr/tickets"),
        2,
        "a likeness alone decides nothing: the provider read it again"
    );
}
