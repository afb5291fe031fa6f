//! A reload, before or after sending, brings the shopper back where they were.

use tests::browser::{self};
use tests::tee::Recorder;
use tests::{Options, fixtures, spawn_app_with};

use super::{claim_serum_and_mousse, demo_app, open};

#[tokio::test]
async fn a_reload_after_sending_finds_the_receipt_and_its_verdict_instead_of_an_empty_widget() {
    // The worker is stepped: the receipt stays queued while the page reloads.
    let app = spawn_app_with(Options {
        with_widget: true,
        ..Options::default()
    })
    .await;
    let tee = Recorder::start(&app.address).await;
    let photo = fixtures::write("receipt-reload.jpg", &fixtures::receipt_jpeg());
    let (browser, widget) = open(&tee, "demo-easypromos").await;
    browser::choose_photo(&widget, &photo).await;
    browser::click(&widget, ".rr-submit").await;
    browser::find(&widget, ".rr-waiting").await;

    // The phone reloads the tab (iOS does after the camera app): the widget
    // comes back waiting for that receipt, not empty.
    browser.client.refresh().await.unwrap();
    let widget = browser.widget().await;
    browser::text_containing(&widget, ".rr-waiting", "checking your receipt").await;
    browser::wait_count(&widget, ".rr-submit", 0).await;
    browser.step("60-reload-still-waiting").await;

    // The wait speaks: its time runs on, and past 15 s the shopper is told they
    // may close the page. The stylesheet keeps that time (CSS animations); the
    // test moves their clocks 20 s on rather than waiting.
    let animations = browser
        .client
        .execute(
            "const root = document.querySelector('.receipt-relay').shadowRoot;
             const all = root.getAnimations ? root.getAnimations() : document.getAnimations();
             all.forEach(a => { a.currentTime = 20000; });
             return all.length;",
            vec![],
        )
        .await
        .unwrap();
    assert!(animations.as_u64().unwrap_or(0) >= 3, "{animations}");
    let shown = |selector: &'static str| {
        let browser = &browser;
        async move {
            browser
                .client
                .execute(
                    "return getComputedStyle(document.querySelector('.receipt-relay').shadowRoot
                       .querySelector(arguments[0])).visibility;",
                    vec![selector.into()],
                )
                .await
                .unwrap()
        }
    };
    assert_eq!(
        shown(".rr-longer").await,
        "visible",
        "the longer-than-usual word"
    );
    assert_eq!(shown(".rr-usual").await, "hidden");
    browser::text_containing(&widget, ".rr-longer", "You can close this page").await;
    let seconds = browser
        .client
        .execute(
            "return getComputedStyle(document.querySelector('.receipt-relay').shadowRoot
               .querySelector('.rr-seconds')).getPropertyValue('--rr-s');",
            vec![],
        )
        .await
        .unwrap();
    let seconds: u32 = seconds
        .as_str()
        .unwrap_or_default()
        .trim()
        .parse()
        .unwrap_or(0);
    assert!((15..=25).contains(&seconds), "the wait shows {seconds} s");
    browser.step("60-waiting-longer-than-usual").await;

    // The provider decides while the page shows the wait: the held status
    // request brings the verdict.
    assert_eq!(app.step_worker().await, 1, "uploaded");
    app.clock.advance(std::time::Duration::from_secs(1));
    assert_eq!(app.step_worker().await, 1, "polled");
    browser::text_containing(&widget, ".rr-status", "was accepted").await;
    browser::find(&widget, ".rr-ref").await;

    // Closed and opened again, the verdict is still there.
    browser.client.refresh().await.unwrap();
    let widget = browser.widget().await;
    browser::text_containing(&widget, ".rr-status", "was accepted").await;
    browser.step("61-reload-verdict").await;

    // Once the shopper starts again, a reload starts afresh too.
    browser::click(&widget, ".rr-restart").await;
    browser::find(&widget, ".rr-submit").await;
    browser.client.refresh().await.unwrap();
    let widget = browser.widget().await;
    browser::find(&widget, ".rr-submit").await;
    browser::wait_count(&widget, ".rr-verdict", 0).await;
    browser.close().await;
    assert_eq!(
        app.sandbox
            .controls
            .requests("POST", "/easypromos/v2/ocr/tickets"),
        1,
        "one receipt, sent once"
    );
}

#[tokio::test]
async fn a_reload_before_sending_brings_back_the_store_the_offers_and_the_photos() {
    let (app, tee) = demo_app().await;
    let photo = fixtures::write("receipt-draft.jpg", &fixtures::receipt_jpeg());
    let (browser, widget) = open(&tee, "demo-bitlabs").await;
    claim_serum_and_mousse(&browser, &widget).await;
    browser::choose_photo(&widget, &photo).await;

    // The phone reloads the tab before the shopper sends (iOS does, after the
    // camera app): the store, the offers and the prepared photo are all back.
    browser.client.refresh().await.unwrap();
    let widget = browser.widget().await;
    browser::text_containing(&widget, ".rr-summary", "CLAREL · 2 offers").await;
    browser::wait_count(&widget, ".rr-thumb", 1).await;
    browser.step("62-draft-back-after-reload").await;

    // And it goes as it would have.
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-status", "accepted").await;
    browser::wait_count(&widget, ".rr-offer-outcome", 2).await;

    // Once sent, a reload shows the receipt's verdict, not the draft again.
    browser.client.refresh().await.unwrap();
    let widget = browser.widget().await;
    browser::text_containing(&widget, ".rr-status", "accepted").await;
    browser::wait_count(&widget, ".rr-thumb", 0).await;
    browser.close().await;
    assert_eq!(app.state.db.submission_count().await.unwrap(), 1);
}
