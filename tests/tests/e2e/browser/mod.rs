//! End to end in real Chromium at 390x844: the demo page, the widget from its
//! script tag, the real proxy and the sandbox provider over real HTTP. Every byte
//! the browser receives passes through a recording forwarder, so the test can
//! prove the provider's token never reaches it. Screenshots of each step are
//! saved under `target/e2e-screenshots/`.

mod dead_ends;
mod refusals;

use fantoccini::Locator;
use fantoccini::elements::ShadowRoot;
use tests::browser::{self, Browser};
use tests::tee::Recorder;
use tests::{Options, TestApp, fixtures, spawn_app_with};

/// A proxy serving the demo page and the built widget, behind the recorder.
async fn demo_app() -> (TestApp, Recorder) {
    let app = spawn_app_with(Options {
        with_widget: true,
        ..Options::default()
    })
    .await;
    let tee = Recorder::start(&app.address).await;
    (app, tee)
}

#[tokio::test]
async fn a_shopper_sends_a_receipt_from_the_demo_page_and_sees_what_was_read() {
    let (app, tee) = demo_app().await;
    let photo = fixtures::write("receipt.jpg", &fixtures::receipt_jpeg());
    let not_a_photo = fixtures::write("notes.jpg", b"these are shopping notes, not a photo");

    // The demo page's default campaign. The page follows the shopper's steps
    // (for its funnel) from the start.
    let browser = Browser::start().await;
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({"source": "window.steps = []; document.addEventListener('step', e => steps.push(e.detail));"}),
        )
        .await;
    browser
        .client
        .goto(&format!("{}/", tee.address))
        .await
        .unwrap();
    let widget = browser.widget().await;
    browser::text_containing(&widget, ".rr-title", "10 EUR").await;
    browser.step("01-landing").await;

    // Where the browser has a live camera, the first button opens it (the
    // camera-app input is its fallback: see the blocked-camera test).
    browser::text_containing(&widget, ".rr-open-camera", "Take a photo").await;
    // Bad input first: a file that is not an image, named like one. The widget
    // cannot decode it, says so, and keeps nothing.
    let gallery = browser::find(&widget, "input.rr-file.rr-gallery").await;
    assert_eq!(
        gallery.attr("accept").await.unwrap().as_deref(),
        Some("image/*")
    );
    assert_eq!(gallery.attr("capture").await.unwrap(), None);
    gallery
        .send_keys(&not_a_photo.display().to_string())
        .await
        .unwrap();
    let error = browser::text_containing(&widget, ".rr-error", "not a photo").await;
    assert!(error.contains("JPEG"), "{error}");
    browser::wait_count(&widget, ".rr-thumb", 0).await;
    browser.step("02-not-a-photo").await;

    // Then a real receipt photo.
    browser::choose_photo(&widget, &photo).await;
    let thumb = browser::find(&widget, ".rr-thumb img").await;
    assert!(
        thumb
            .attr("src")
            .await
            .unwrap()
            .unwrap_or_default()
            .starts_with("blob:")
    );
    browser.step("03-photo-chosen").await;

    browser::click(&widget, ".rr-submit").await;
    browser::find(&widget, ".rr-waiting").await;
    browser.screenshot("04-waiting").await;

    let store = browser::text_containing(&widget, ".rr-store", "CLAREL").await;
    assert_eq!(store, "CLAREL");
    // Amounts in the browser's locale (en-US here).
    let total = browser::text_containing(&widget, ".rr-total", "37.87").await;
    assert_eq!(total, "€37.87");
    browser::text_containing(&widget, ".rr-status", "accepted").await;
    let items = widget.find_all(Locator::Css(".rr-items li")).await.unwrap();
    assert_eq!(items.len(), 5);
    browser.step("05-verdict").await;
    let steps = browser
        .client
        .execute("return window.steps;", vec![])
        .await
        .unwrap();
    assert_eq!(
        steps,
        serde_json::json!(["capture", "sending", "waiting", "verdict"])
    );
    browser.close().await;

    // The page, the loader, the glue, the wasm and every API answer went through
    // the recorder; not one of their bytes holds the token.
    assert_no_secret_reached_the_browser(&app, &tee);
}

/// Chromium on the demo page of `campaign`, through the recorder, and the
/// widget's shadow root once it has rendered.
async fn open(tee: &Recorder, campaign: &str) -> (Browser, ShadowRoot) {
    open_in(Browser::start().await, tee, campaign).await
}

/// As [`open`], in `browser`.
async fn open_in(browser: Browser, tee: &Recorder, campaign: &str) -> (Browser, ShadowRoot) {
    open_at(browser, &tee.address, campaign).await
}

/// As [`open_in`], with the demo page served from `origin`.
async fn open_at(browser: Browser, origin: &str, campaign: &str) -> (Browser, ShadowRoot) {
    browser
        .client
        .goto(&format!("{origin}/?campaign={campaign}"))
        .await
        .unwrap();
    let widget = browser.widget().await;
    (browser, widget)
}

/// Every byte the recorder passed to the browser is free of every provider
/// secret and of the providers' address.
fn assert_no_secret_reached_the_browser(app: &TestApp, tee: &Recorder) {
    let received = tee.received();
    assert!(
        tee.response_count() >= 6,
        "the recorder saw too little: {}",
        tee.response_count()
    );
    for secret in app.secrets() {
        assert!(
            !received
                .windows(secret.len())
                .any(|w| w == secret.as_bytes()),
            "a provider secret reached the browser"
        );
    }
    let provider_addr = app.sandbox.addr.to_string();
    assert!(
        !received
            .windows(provider_addr.len())
            .any(|w| w == provider_addr.as_bytes()),
        "the providers' address reached the browser"
    );
}

#[tokio::test]
async fn while_the_provider_is_down_the_shopper_is_told_the_receipt_is_safe_then_sees_the_verdict()
{
    let app = spawn_app_with(Options {
        with_widget: true,
        ..Options::default()
    })
    .await;
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
    app.wait_for_failures(&id, 2).await;
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
async fn photon_a_dark_photo_is_flagged_retaken_and_a_long_receipt_goes_as_one_combined_image() {
    let (app, tee) = demo_app().await;
    let dark = fixtures::write("receipt-photon-dark.jpg", &fixtures::dark_jpeg());
    let top = fixtures::write("receipt-photon-top.jpg", &fixtures::receipt_jpeg());
    let bottom = fixtures::write("receipt-photon-bottom.jpg", &fixtures::receipt_jpeg());
    let (browser, widget) = open(&tee, "demo-photon").await;
    browser::text_containing(&widget, ".rr-title", "Photon").await;

    // The widget sees the photo is too dark before anything is sent: a hint,
    // not a block.
    browser::choose_photo(&widget, &dark).await;
    browser::text_containing(&widget, ".rr-thumb", "Too dark").await;
    browser.step("10-photon-quality-hint").await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-status", "not accepted").await;

    // The photo was at fault, so retaking is the way on; it starts from no
    // photos (the refused one kept would be combined with the new ones and
    // refused again).
    browser::text_containing(&widget, ".rr-reasons strong", "could not be read").await;
    browser::click(&widget, ".rr-retake").await;
    browser::wait_count(&widget, ".rr-thumb", 0).await;
    browser::choose_photo(&widget, &top).await;
    browser::choose_photo(&widget, &bottom).await;
    browser.screenshot("11-photon-two-photos").await;
    // Photon takes one image per receipt (the proxy refuses two): the widget
    // sends the two photos as one tall image.
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-status", "was accepted").await;
    let total = browser::text_containing(&widget, ".rr-total", "37.87").await;
    assert_eq!(total, "€37.87");
    browser.step("12-photon-verdict").await;
    browser.close().await;
    assert_no_secret_reached_the_browser(&app, &tee);
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

#[tokio::test]
async fn a_russian_shopper_types_an_apm_receipts_qr_code_sees_it_confirmed_then_approved() {
    let (app, tee) = demo_app().await;
    // The embed tag says `data-lang="ru"`; the browser speaks English.
    let (browser, widget) = open(&tee, "demo-apm&lang=ru").await;
    browser::text_containing(&widget, ".rr-title", "APM").await;
    let root = browser::find(&widget, ".rr").await;
    assert_eq!(root.attr("lang").await.unwrap().as_deref(), Some("ru"));
    browser::text_containing(&widget, ".rr-submit", "Отправить чек").await;
    // APM takes photos, a QR code, or both: the code is offered instead of
    // photos.
    browser::text_containing(&widget, ".rr-qr-add", "вместо него QR-код").await;
    browser.step("32-apm-first-step").await;
    // The demo page around it promises what this campaign pays.
    let headline = browser
        .client
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(headline.contains("500 RUB"), "{headline}");
    // The code's choices are folded behind one link, so the first step fits
    // the height the page reserves.
    browser::wait_count(&widget, ".rr-qr-open", 0).await;
    browser::click(&widget, ".rr-qr-add").await;
    let add = browser::find(&widget, ".rr-qr-add").await;
    assert_eq!(
        add.attr("aria-expanded").await.unwrap().as_deref(),
        Some("true")
    );
    browser::text_containing(&widget, ".rr-qr-open", "Ввести данные").await;
    browser::click(&widget, ".rr-qr-open").await;
    // While the code is typed, its check is the one main button: Send, which
    // cannot send yet, is out of the way.
    let send = browser::find(&widget, ".rr-submit").await;
    assert!(
        !send.is_displayed().await.unwrap(),
        "a disabled Send beside Check the code"
    );
    browser.set_value("[name=date]", "2019-01-13").await;
    browser.set_value("[name=time]", "15:48").await;
    for (name, value) in [
        ("total", "127,00"),
        // One digit short: the shopper is told which field, before sending.
        ("fn", "871600010002511"),
        ("fd", "114318"),
        ("fp", "3578721879"),
    ] {
        browser::find(&widget, &format!("[name={name}]"))
            .await
            .send_keys(value)
            .await
            .unwrap();
    }
    browser::click(&widget, ".rr-qr-check").await;
    browser::text_containing(&widget, ".rr-qr-error", "номер фискального накопителя").await;
    // The field at fault is marked, and has the focus (the phone scrolls to it).
    let drive = browser::find(&widget, "[name=fn]").await;
    assert_eq!(
        drive.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    let focused = browser
        .client
        .execute(
            "return document.querySelector('.receipt-relay').shadowRoot.activeElement.name;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(focused, "fn");
    assert_eq!(
        browser::find(&widget, "[name=fd]")
            .await
            .attr("aria-invalid")
            .await
            .unwrap(),
        None
    );
    // A way back to scanning is there too.
    browser::text_containing(&widget, ".rr-qr-back", "Сканировать").await;
    browser.step("32-apm-qr-mistyped").await;
    browser::find(&widget, "[name=fn]")
        .await
        .send_keys("4")
        .await
        .unwrap();
    browser::click(&widget, ".rr-qr-check").await;

    // What will be sent, read back in the shopper's language and formats:
    // "13 янв. 2019 г., 15:48" and "127,00 ₽".
    let date = browser::text_containing(&widget, ".rr-qr-date", "2019").await;
    assert!(date.contains("13 янв") && date.contains("15:48"), "{date}");
    let total = browser::text_containing(&widget, ".rr-qr-total", "127,00").await;
    assert!(total.contains('₽'), "{total}");
    browser.step("33-apm-qr-confirmed").await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-status", "Ваш чек принят").await;
    browser.step("34-apm-qr-approved").await;
    browser.close().await;
    assert_no_secret_reached_the_browser(&app, &tee);
}

#[tokio::test]
async fn a_spanish_shopper_is_told_why_an_aboutgoods_receipt_was_refused_then_a_good_one_is_accepted()
 {
    let (app, tee) = demo_app().await;
    let off = fixtures::write("receipt-off-promotion.jpg", &fixtures::blue_jpeg());
    let good = fixtures::write("receipt-aboutgoods.jpg", &fixtures::receipt_jpeg());
    // A shopper whose browser speaks Spanish (no language on the embed tag).
    let (browser, widget) =
        open_in(Browser::speaking("es-ES").await, &tee, "demo-aboutgoods").await;
    // The campaign's title in Spanish, as the brand translated it.
    browser::text_containing(&widget, ".rr-title", "te devolvemos 10 EUR").await;
    browser::text_containing(&widget, ".rr-pick", "Haz una foto de tu ticket").await;

    // A receipt bought outside the promotion's dates: the provider's reason as
    // it gave it, what to do about it in the shopper's language, and what
    // Aboutgoods read.
    browser::choose_photo(&widget, &off).await;
    browser::click(&widget, ".rr-submit").await;
    // The flat blue test photo looks like no receipt to the widget: it asks.
    browser::text_containing(&widget, ".rr-send-anyway", "Enviar de todos modos").await;
    browser::click(&widget, ".rr-send-anyway").await;
    browser::text_containing(&widget, ".rr-status", "no ha sido aceptado").await;
    // The headline of the reason in Spanish and what to do about it; the
    // provider's English is the brand's to read, not the shopper's.
    browser::text_containing(&widget, ".rr-reasons strong", "fuera de la promoción").await;
    browser::text_containing(&widget, ".rr-reasons", "Solo cuentan las compras").await;
    browser::wait_count(&widget, ".rr-detail", 0).await;
    let verdict = browser::find(&widget, ".rr-verdict")
        .await
        .text()
        .await
        .unwrap();
    assert!(!verdict.contains("outside the promotion"), "{verdict}");
    // No new photo can change the date: no retake, but another receipt.
    browser::wait_count(&widget, ".rr-retake", 0).await;
    browser::text_containing(&widget, ".rr-ref", "Referencia").await;
    browser::text_containing(&widget, ".rr-store", "CLAREL").await;
    // In the theme's colour for a refusal (`--rr-bad`).
    let colour = widget_style(&browser, "#promo-widget", ".rr-status", "color").await;
    assert_eq!(colour, "rgb(164, 14, 38)");
    browser.step("20-aboutgoods-off-promotion").await;

    // Try again with a receipt that meets the rules.
    browser::text_containing(&widget, ".rr-restart", "Enviar otro ticket").await;
    browser::click(&widget, ".rr-restart").await;
    browser::choose_photo(&widget, &good).await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-status", "ha sido aceptado").await;
    // The payoff: what the shopper gets, and when.
    browser::text_containing(&widget, ".rr-reward", "10 EUR de reembolso").await;
    browser::text_containing(&widget, ".rr-verdict", "5 dias habiles").await;
    let colour = widget_style(&browser, "#promo-widget", ".rr-status", "color").await;
    assert_eq!(colour, "rgb(17, 99, 41)", "the theme's `--rr-ok`");
    let total = browser::text_containing(&widget, ".rr-total", "37,87").await;
    assert!(total.ends_with('€'), "{total}");
    browser.screenshot("21-aboutgoods-accepted").await;
    browser.close().await;
    assert_no_secret_reached_the_browser(&app, &tee);
}

#[tokio::test]
async fn a_long_receipt_in_two_photos_goes_to_apms_moderators_and_is_approved() {
    let (app, tee) = demo_app().await;
    let top = fixtures::write("receipt-apm-top.jpg", &fixtures::receipt_jpeg());
    let bottom = fixtures::write("receipt-apm-bottom.jpg", &fixtures::receipt_jpeg());
    let (browser, widget) = open(&tee, "demo-apm").await;
    browser::text_containing(&widget, ".rr-title", "APM").await;
    // Once the first part is here, the shopper is told a long receipt goes
    // in parts, and how many.
    browser::wait_count(&widget, ".rr-long-receipt", 0).await;
    browser::choose_photo(&widget, &top).await;
    browser::wait_count(&widget, ".rr-thumb", 1).await;
    browser::text_containing(&widget, ".rr-long-receipt", "up to 5").await;
    // Both parts of the long receipt are kept.
    browser::choose_photo(&widget, &bottom).await;
    browser::wait_count(&widget, ".rr-thumb", 2).await;
    browser.step("30-apm-two-photos").await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-status", "was accepted").await;
    let store = browser::text_containing(&widget, ".rr-store", "CLAREL").await;
    assert_eq!(store, "CLAREL");
    // APM gives the sum alone; the account says it is in roubles.
    let total = browser::text_containing(&widget, ".rr-total", "37.87").await;
    assert!(total.contains("RUB"), "{total}");
    browser.screenshot("31-apm-approved").await;
    browser.close().await;
    assert_no_secret_reached_the_browser(&app, &tee);
}

/// Records the widget's `submitted` event (its detail is the submission id), for
/// [`submitted_id`].
async fn listen_submitted(browser: &Browser) {
    browser
        .client
        .execute(
            "document.querySelector('.receipt-relay')
                .addEventListener('submitted', e => { window.rrSubmitted = e.detail; });",
            vec![],
        )
        .await
        .expect("listen for the submitted event");
}

/// The id the widget's `submitted` event carried.
async fn submitted_id(browser: &Browser) -> String {
    browser
        .client
        .execute("return window.rrSubmitted;", vec![])
        .await
        .expect("read the submitted event")
        .as_str()
        .expect("a submitted event with the id")
        .to_owned()
}

/// Sends, waits for the verdict, and checks that the proxy stored exactly the QR
/// text `expected` (the id comes from the widget's `submitted` event).
async fn sent_and_accepted_with_qr(
    app: &TestApp,
    tee: &Recorder,
    browser: Browser,
    widget: &ShadowRoot,
    expected: &str,
) {
    browser::click(widget, ".rr-submit").await;
    browser::text_containing(widget, ".rr-status", "was accepted").await;
    let id = submitted_id(&browser).await;
    let row = app.state.db.get(&id).await.unwrap().expect("stored");
    assert_eq!(row.qr.as_deref(), Some(expected));
    browser.close().await;
    assert_no_secret_reached_the_browser(app, tee);
}

/// "135.65" for a fiscal code's `s=135.65`.
fn fiscal_total(text: &str) -> String {
    let cents = api::fiscal::FiscalQr::parse(text)
        .expect("a fiscal fixture")
        .amount_cents;
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// On a 320x640 screen the camera's guide ran under its status line. Checks,
/// at that size, that the guide `frame` is inside the picture's area and above
/// the status and the buttons, then puts the phone's size back.
async fn guide_clear_of_the_status_on_a_small_phone(browser: &Browser, frame: &str) {
    let metrics = |width: u32, height: u32| serde_json::json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": true});
    browser
        .cdp("Emulation.setDeviceMetricsOverride", metrics(320, 640))
        .await;
    let layout = browser
        .client
        .execute(
            "const root = document.querySelector('.receipt-relay').shadowRoot;
             const box = (s) => root.querySelector(s).getBoundingClientRect();
             const f = box(arguments[0]), s = box('.rr-camera-status'), b = box('.rr-camera-bar');
             return [f.top, f.bottom, f.left, f.right, s.top, s.height, b.top];",
            vec![serde_json::json!(frame)],
        )
        .await
        .unwrap();
    browser
        .screenshot(&format!("45-camera-320x640{}", frame.replace('.', "-")))
        .await;
    let at = |i: usize| layout[i].as_f64().unwrap();
    let (top, bottom, left, right, status_top, status_height, bar_top) =
        (at(0), at(1), at(2), at(3), at(4), at(5), at(6));
    assert!(status_height > 0.0, "{frame}: no status line: {layout}");
    assert!(
        top >= 0.0 && left >= 0.0 && right <= 320.0,
        "{frame} off screen: {layout}"
    );
    assert!(
        bottom <= status_top && status_top < bar_top,
        "{frame} runs under the status line at 320x640: {layout}"
    );
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            metrics(browser::WIDTH, browser::HEIGHT),
        )
        .await;
}

/// A status line of four lines (German, after the first shot) ran over the
/// camera's receipt guide on a 320x640 phone.
#[tokio::test]
async fn a_long_camera_status_ran_over_the_receipt_guide_on_a_small_phone() {
    let (_app, tee) = demo_app().await;
    let video = fixtures::write("camera-receipt-de.y4m", &fixtures::camera_y4m(7));
    let (browser, widget) =
        open_in(Browser::with_camera(&video).await, &tee, "demo-apm&lang=de").await;
    browser::click(&widget, ".rr-open-camera").await;
    // Live (the shutter takes a photo only then), then one part taken.
    browser::text_containing(&widget, ".rr-camera-status", "ganzen Kassenbon").await;
    browser::click(&widget, ".rr-shutter").await;
    browser::text_containing(&widget, ".rr-camera-status", "aufgenommen").await;
    guide_clear_of_the_status_on_a_small_phone(&browser, ".rr-receipt-frame").await;
    browser.close().await;
}

#[tokio::test]
async fn the_live_camera_keeps_a_sharp_frame_and_scans_the_receipts_qr_code() {
    let (app, tee) = demo_app().await;
    let seed = 5;
    let video = fixtures::write("camera-receipt.y4m", &fixtures::camera_y4m(seed));
    let expected = qrscan::fixtures::fiscal_text(seed);
    let (browser, widget) = open_in(Browser::with_camera(&video).await, &tee, "demo-apm").await;
    listen_submitted(&browser).await;

    // The photo: the live viewfinder, the shutter, a thumbnail, Done.
    browser::click(&widget, ".rr-open-camera").await;
    browser::text_containing(&widget, ".rr-camera-status", "whole receipt").await;
    browser.step("40-camera-viewfinder").await;
    browser::click(&widget, ".rr-shutter").await;
    browser::wait_count(&widget, ".rr-thumb", 1).await;
    browser::text_containing(&widget, ".rr-camera-status", "1 taken (up to 5)").await;
    guide_clear_of_the_status_on_a_small_phone(&browser, ".rr-receipt-frame").await;
    // The photo just taken shows beside the round shutter, over a
    // receipt-shaped guide.
    browser::find(&widget, "img.rr-last").await;
    browser::find(&widget, ".rr-receipt-frame").await;
    let shutter = browser::find(&widget, ".rr-shutter").await;
    assert_eq!(
        shutter.attr("aria-label").await.unwrap().as_deref(),
        Some("Take photo")
    );
    browser.screenshot("40-camera-photo-taken").await;
    // The kept frame is the camera's own, full size: not the preview's.
    let sizes = browser
        .client
        .execute(
            "const root = document.querySelector('.receipt-relay').shadowRoot;
             const video = root.querySelector('.rr-viewfinder');
             const img = root.querySelector('.rr-thumb img');
             return [[video.videoWidth, video.videoHeight], [img.naturalWidth, img.naturalHeight],
                     [video.clientWidth, video.clientHeight]];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(sizes[0], sizes[1], "camera frame vs kept photo: {sizes}");
    assert!(sizes[0][1].as_u64().unwrap() > 800, "{sizes}");
    browser::click(&widget, ".rr-camera-close").await;
    browser::wait_count(&widget, ".rr-camera-dialog", 0).await;
    // Focus is back on the button that opened the camera.
    let focused = browser
        .client
        .execute(
            "return document.querySelector('.receipt-relay').shadowRoot.activeElement.className;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        focused.as_str().unwrap().contains("rr-open-camera"),
        "{focused}"
    );

    // The QR code, scanned live: the scanner closes on the code and shows what
    // it read, in the shopper's terms.
    browser::click(&widget, ".rr-qr-add").await;
    browser::click(&widget, ".rr-qr-scan").await;
    browser::find(&widget, ".rr-qr-frame").await;
    browser.step("41-qr-scanner").await;
    let date = browser::text_containing(&widget, ".rr-qr-date", "2026").await;
    assert!(date.contains("Nov 15"), "{date}");
    browser::text_containing(&widget, ".rr-qr-total", &fiscal_total(&expected)).await;
    browser::wait_count(&widget, ".rr-camera-dialog", 0).await;
    browser.screenshot("42-qr-scanned").await;

    sent_and_accepted_with_qr(&app, &tee, browser, &widget, &expected).await;
}

#[tokio::test]
async fn a_blocked_camera_is_explained_the_camera_app_is_offered_and_the_qr_is_read_from_a_photo() {
    let (app, tee) = demo_app().await;
    let seed = 11;
    let receipt = fixtures::write("qr-receipt.jpg", &fixtures::qr_receipt_jpeg(seed));
    let expected = qrscan::fixtures::fiscal_text(seed);
    let unreadable = fixtures::write("no-qr.jpg", &fixtures::blue_jpeg());
    // Browser::start refuses permission prompts: the shopper says no.
    let (browser, widget) = open_in(dead_ends::recording_errors().await, &tee, "demo-apm").await;
    listen_submitted(&browser).await;

    browser::click(&widget, ".rr-open-camera").await;
    browser::text_containing(&widget, ".rr-camera-error", "blocked").await;
    // Browsers do not ask twice: how to allow it, in this one.
    browser::text_containing(
        &widget,
        ".rr-camera-error",
        "In Chrome: tap the icon left of the address",
    )
    .await;
    // The host page hears it too.
    assert_eq!(dead_ends::errors(&browser).await, ["camera"]);
    // The phone's own camera app, through the file input, instead.
    let camera_app = browser::find(&widget, "input.rr-camera").await;
    assert_eq!(
        camera_app.attr("capture").await.unwrap().as_deref(),
        Some("environment")
    );
    camera_app
        .send_keys(&receipt.display().to_string())
        .await
        .unwrap();
    browser::wait_count(&widget, ".rr-thumb", 1).await;
    browser.step("43-camera-blocked").await;

    // Scanning needs the camera too: explained where the QR code is asked for.
    browser::click(&widget, ".rr-qr-add").await;
    browser::click(&widget, ".rr-qr-scan").await;
    browser::text_containing(&widget, ".rr-qr-error", "blocked").await;
    // A photo with no code in it: said, and heard by the page.
    browser::find(&widget, "input.rr-qr-photo")
        .await
        .send_keys(&unreadable.display().to_string())
        .await
        .unwrap();
    browser::text_containing(&widget, ".rr-qr-error", "No QR code could be read").await;
    assert_eq!(
        dead_ends::errors(&browser).await,
        ["camera", "camera", "qr"]
    );
    // The code read from a photo instead (tilted, slightly blurred, uneven light).
    browser::find(&widget, "input.rr-qr-photo")
        .await
        .send_keys(&receipt.display().to_string())
        .await
        .unwrap();
    browser::text_containing(&widget, ".rr-qr-total", &fiscal_total(&expected)).await;
    browser.step("44-qr-from-photo").await;

    sent_and_accepted_with_qr(&app, &tee, browser, &widget, &expected).await;
}

/// A QR code that is no receipt's, sent alone, was stored and queued for the
/// provider. It is refused before anything is stored, and the shopper is told
/// in their language.
#[tokio::test]
async fn a_french_shopper_sending_a_code_that_is_no_receipts_was_queued_for_the_provider() {
    let (app, tee) = demo_app().await;
    let photo = fixtures::write(
        "other-qr.jpg",
        &fixtures::other_qr_jpeg("https://shop.example/loyalty/42"),
    );
    // Browser::speaking refuses the camera: the code is read from a photo.
    let (browser, widget) = open_in(Browser::speaking("fr-FR").await, &tee, "demo-apm").await;
    browser::click(&widget, ".rr-qr-add").await;
    browser::click(&widget, ".rr-qr-scan").await;
    browser::find(&widget, ".rr-qr-error").await;
    browser::find(&widget, "input.rr-qr-photo")
        .await
        .send_keys(&photo.display().to_string())
        .await
        .unwrap();
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-error", "Ce n'est pas le texte du code QR").await;
    browser.step("33-qr-not-a-receipt-fr").await;
    browser.close().await;
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);
}

/// The BitLabs steps: the store, then the serum (bought two) and the mousse.
async fn claim_serum_and_mousse(browser: &Browser, widget: &ShadowRoot) {
    // A long list of stores has a search box, whatever the case typed.
    browser::wait_count(widget, ".rr-merchant", 8).await;
    let search = browser::find(widget, ".rr-search").await;
    search.send_keys("cla").await.unwrap();
    browser::wait_count(widget, ".rr-merchant", 1).await;
    browser::text_containing(widget, ".rr-merchant", "CLAREL").await;
    browser::click(widget, ".rr-merchant").await;
    browser::text_containing(widget, ".rr-question", "What did you buy at CLAREL").await;
    // Each offer with the provider's picture of the product, loaded.
    browser::wait_count(widget, "img.rr-offer-image", 3).await;
    let mut loaded = serde_json::Value::Null;
    for _ in 0..50 {
        loaded = browser
            .client
            .execute(
                "return [...document.querySelector('.receipt-relay').shadowRoot
                   .querySelectorAll('img.rr-offer-image')].every(i => i.complete && i.naturalWidth > 0);",
                vec![],
            )
            .await
            .unwrap();
        if loaded == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(loaded, true, "every product picture loaded");
    browser::click(widget, "#rr-offer-191405").await;
    browser::wait_count(widget, ".rr-goal input", 2).await;
    let goals = widget
        .find_all(Locator::Css(".rr-goal input"))
        .await
        .unwrap();
    goals[1].click().await.unwrap();
    browser::click(widget, "#rr-offer-143787").await;
    browser.step("40-bitlabs-offers").await;
    browser::click(widget, ".rr-continue").await;
    browser::text_containing(widget, ".rr-summary", "CLAREL · 2 offers").await;
}

#[tokio::test]
async fn a_bitlabs_shopper_picks_store_and_offers_asks_for_a_manual_review_then_gets_cash_back() {
    let (app, tee) = demo_app().await;
    let off = fixtures::write("receipt-bitlabs-off.jpg", &fixtures::blue_jpeg());
    let good = fixtures::write("receipt-bitlabs.jpg", &fixtures::receipt_jpeg());
    let (browser, widget) = open(&tee, "demo-bitlabs").await;
    browser::text_containing(&widget, ".rr-title", "Magic Receipts").await;

    // A receipt on which the products cannot be matched: rejected, but a person
    // can be asked to look.
    claim_serum_and_mousse(&browser, &widget).await;
    browser::choose_photo(&widget, &off).await;
    browser::click(&widget, ".rr-submit").await;
    browser::click(&widget, ".rr-send-anyway").await;
    browser::text_containing(&widget, ".rr-status", "not accepted").await;
    browser::wait_count(&widget, ".rr-offer-outcome", 2).await;
    // Why, once, in the shopper's words: not again under each offer, and
    // not in BitLabs' English.
    browser::text_containing(&widget, ".rr-reasons", "products are not on the receipt").await;
    let offers = browser::text_containing(&widget, ".rr-offers", "Not approved").await;
    assert!(!offers.contains("products are not"), "{offers}");
    let verdict = browser::find(&widget, ".rr-verdict")
        .await
        .text()
        .await
        .unwrap();
    assert!(!verdict.contains("could not match"), "{verdict}");
    browser.step("41-bitlabs-rejected").await;
    browser::click(&widget, ".rr-review").await;
    browser::text_containing(&widget, ".rr-status", "checked by a person").await;
    browser::text_containing(&widget, ".rr-offers", "A person will check it").await;
    // When, as the brand says (`review_days`), and the refusal's advice no more.
    browser::text_containing(&widget, ".rr-review-when", "within 2 working days").await;
    browser::wait_count(&widget, ".rr-reasons .rr-hint", 0).await;
    browser.step("42-bitlabs-manual-review").await;

    // Start again with a good photo: cash back per offer.
    browser::click(&widget, ".rr-restart").await;
    claim_serum_and_mousse(&browser, &widget).await;
    browser::choose_photo(&widget, &good).await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-status", "was accepted").await;
    browser::text_containing(&widget, ".rr-offers", "1.50 USD").await;
    // The accepted offers' awards, added up.
    // Serum 1.50 and mousse 1.00, as each offer's award says.
    browser::text_containing(&widget, ".rr-offers", "1.00 USD").await;
    browser::text_containing(&widget, ".rr-award-total", "Your reward: $2.50").await;
    browser.screenshot("43-bitlabs-cash-back").await;
    browser.close().await;
    assert_no_secret_reached_the_browser(&app, &tee);
}

#[tokio::test]
async fn the_accessibility_check_sees_inside_the_widgets_shadow_root() {
    let (_app, tee) = demo_app().await;
    let (browser, _widget) = open(&tee, "demo-easypromos").await;
    assert_eq!(
        browser.accessibility_violations().await,
        Vec::<serde_json::Value>::new()
    );
    // A button with no name and grey-on-white text, put inside the shadow root
    // where the host page's scripts cannot normally reach: axe-core finds both.
    browser
        .client
        .execute(
            "const card = document.querySelector('.receipt-relay').shadowRoot.querySelector('.rr-card');
             card.insertAdjacentHTML('beforeend',
               '<button class=\"rr-broken\"></button><p style=\"color:#ccc;background:#fff\">faint</p>');",
            vec![],
        )
        .await
        .unwrap();
    let found = browser.accessibility_violations().await;
    let rules: Vec<&str> = found.iter().filter_map(|v| v["rule"].as_str()).collect();
    assert!(rules.contains(&"button-name"), "{found:#?}");
    assert!(rules.contains(&"color-contrast"), "{found:#?}");
    browser.close().await;
}

/// A computed style of the first element matching `selector` inside the widget
/// mounted on the element `host`.
async fn widget_style(browser: &Browser, host: &str, selector: &str, property: &str) -> String {
    browser
        .client
        .execute(
            "const el = document.querySelector(arguments[0]).shadowRoot.querySelector(arguments[1]);
             return getComputedStyle(el).getPropertyValue(arguments[2]);",
            vec![host.into(), selector.into(), property.into()],
        )
        .await
        .expect("computed style")
        .as_str()
        .expect("a style value")
        .to_owned()
}

/// The bytes that came over the network for the page's resource whose URL ends
/// with `suffix`, and its size once decoded (the Resource Timing API).
async fn transferred(browser: &Browser, suffix: &str) -> (u64, u64) {
    let sizes = browser
        .client
        .execute(
            "const entry = performance.getEntriesByType('resource')
               .find(e => e.name.endsWith(arguments[0]));
             return entry ? [entry.encodedBodySize, entry.decodedBodySize] : null;",
            vec![suffix.into()],
        )
        .await
        .expect("resource timing");
    let size = |i: usize| sizes[i].as_u64().expect("a resource size");
    (size(0), size(1))
}

#[tokio::test]
async fn two_widgets_on_one_page_keep_their_own_campaign_language_theme_and_photos() {
    let (app, _tee) = demo_app().await;
    let photo = fixtures::write("receipt-two-widgets.jpg", &fixtures::receipt_jpeg());
    // Straight from the proxy, as a host page loads it (the recorder asks for
    // uncompressed bodies).
    let (browser, first) = open_at(Browser::start().await, &app.address, "demo-easypromos").await;
    // The module came compressed: the proxy served its precompressed copy.
    let (encoded, decoded) = transferred(&browser, "_bg.wasm").await;
    assert!(
        encoded > 0 && encoded * 2 < decoded,
        "the widget's module came as {encoded} bytes for {decoded}"
    );
    // The host page mounts a second widget with the documented JS call, themes
    // it with a custom property, and has aggressive styles of its own.
    browser
        .client
        .execute(
            "const el = document.createElement('div');
             el.id = 'second';
             el.style.setProperty('--rr-accent', 'rgb(10, 120, 60)');
             document.querySelector('main').append(el);
             document.head.insertAdjacentHTML('beforeend',
               '<style>button, p { color: rgb(255, 0, 0) !important; font-size: 40px !important; }</style>');
             ReceiptRelay.mount(el, { campaign: 'demo-apm', lang: 'fr' });",
            vec![],
        )
        .await
        .unwrap();
    let second = browser.widget_in("#second").await;
    browser::text_containing(&second, ".rr-title", "APM").await;
    browser::text_containing(&second, ".rr-submit", "Envoyer le ticket").await;
    browser::text_containing(&first, ".rr-submit", "Send receipt").await;

    // Each takes its accent from its own host (on its one filled button, the
    // first photo's); the page's styles stay outside.
    let accent =
        |host: &'static str| widget_style(&browser, host, ".rr-open-camera", "background-color");
    assert_eq!(accent("#second").await, "rgb(10, 120, 60)");
    assert_eq!(accent("#promo-widget").await, "rgb(122, 75, 42)");
    let color = widget_style(&browser, "#second", ".rr-submit", "color").await;
    assert_ne!(color, "rgb(255, 0, 0)");
    let size = widget_style(&browser, "#promo-widget", ".rr-hint, .rr-pick", "font-size").await;
    assert_ne!(size, "40px");

    // A photo chosen in one widget is not in the other.
    browser::choose_photo(&first, &photo).await;
    browser::wait_count(&first, ".rr-thumb", 1).await;
    browser::wait_count(&second, ".rr-thumb", 0).await;
    browser.step("50-two-widgets").await;
    browser.close().await;
}

/// A provider that refused our credentials left the shopper watching "still
/// being processed" while the worker retried: nothing said their receipt was
/// kept and would be checked later. In their language, now, and it goes on
/// by itself once the credentials work again.
#[tokio::test]
async fn refused_credentials_left_a_spanish_shopper_watching_with_no_word() {
    let app = spawn_app_with(Options {
        with_widget: true,
        easypromos_token: Some("a-token-the-provider-refuses".to_owned()),
        ..Options::default()
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

#[tokio::test]
async fn an_unsigned_or_expired_shopper_is_told_in_spanish_and_a_signed_one_gets_through() {
    let (app, tee) = demo_app().await;
    let photo = fixtures::write("receipt-signed.jpg", &fixtures::receipt_jpeg());
    // `demo-signed` requires the shopper's id signed by the brand.
    let browser = Browser::speaking("es-ES").await;
    dead_ends::record_errors(&browser).await;
    let (browser, widget) = open_in(browser, &tee, "demo-signed").await;
    browser::choose_photo(&widget, &photo).await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-error", "Inicia sesión en este sitio").await;
    browser.step("40-unsigned").await;
    // The page hears that the proxy refused what was sent.
    assert_eq!(dead_ends::errors(&browser).await, ["refused"]);
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);

    // A token signed long ago: the shopper is asked to reload for a fresh one.
    let key = tests::shopper_key(&app.dir);
    let stale = tests::shopper_token(&key, "socio-42", "demo-signed", -3600);
    // The page comes back with its photo (the shopper's draft), ready to send.
    let (browser, widget) =
        open_in(browser, &tee, &format!("demo-signed&user_token={stale}")).await;
    browser::wait_count(&widget, ".rr-thumb", 1).await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-error", "Recarga la página").await;
    browser.step("41-expired").await;
    assert_eq!(dead_ends::errors(&browser).await, ["refused"]);
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);

    // The page embeds the token the brand's backend signed (data-user-token).
    let token = tests::shopper_token(&key, "socio-42", "demo-signed", 600);
    let (browser, widget) =
        open_in(browser, &tee, &format!("demo-signed&user_token={token}")).await;
    browser::wait_count(&widget, ".rr-thumb", 1).await;
    browser::click(&widget, ".rr-submit").await;
    browser::find(&widget, ".rr-store").await;
    browser.close().await;
    let page = app
        .operator_json("/v1/operator/campaigns/demo-signed/submissions")
        .await;
    assert_eq!(page["submissions"][0]["user"], "socio-42");
}

#[tokio::test]
async fn a_reload_after_sending_finds_the_receipt_and_its_verdict_instead_of_an_empty_widget() {
    // The worker is stepped: the receipt stays queued while the page reloads.
    let app = spawn_app_with(Options {
        with_widget: true,
        stepped_worker: true,
        processing_delay: std::time::Duration::ZERO,
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

/// A landing page on an origin of its own that mounts the widget by script
/// and records what the widget tells it.
fn host_page(proxy: &str, campaign: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><div id="w" class="receipt-relay"></div></main>
<script>
  window.seen = {{ errors: [], logged: [] }};
  const log = console.error;
  console.error = (...said) => {{ seen.logged.push(said.join(" ")); log(...said); }};
</script>
<script src="{proxy}/widget.js"></script>
<script>
  const el = document.getElementById("w");
  el.addEventListener("error", e => seen.errors.push(e.detail));
  ReceiptRelay.mount(null, {{}}).catch(e => {{ seen.badMount = e.message; }});
  ReceiptRelay.mount(el, {{}}).catch(e => {{ seen.noCampaign = e instanceof TypeError && e.message; }});
  ReceiptRelay.mount(el, {{ campaign: "{campaign}" }}).then(
    () => {{ seen.mounted = true; }},
    e => {{ seen.refused = {{ name: e.name, kind: e.kind }}; }});
</script></body></html>"#
    )
}

/// What the host page (`host_page`) recorded of the widget.
async fn recorded(browser: &Browser) -> serde_json::Value {
    browser
        .client
        .execute("return window.seen;", vec![])
        .await
        .unwrap()
}

#[tokio::test]
async fn a_page_the_campaign_does_not_allow_gets_a_clean_refusal_its_developer_can_read() {
    let (app, _tee) = demo_app().await;
    // The landing page is on an origin not in the campaign's allowed_origins.
    let page = host_page(&app.address, "demo-easypromos");
    let site = tests::serve_on_loopback(axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(page) }),
    ))
    .await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("http://{site}/"))
        .await
        .unwrap();
    let widget = browser.widget().await;

    // The shopper: not a connection problem, and no buttons that do nothing.
    browser::text_containing(&widget, ".rr-error", "not available on this page").await;
    browser::wait_count(&widget, "button", 0).await;
    browser.screenshot("70-origin-not-allowed").await;
    // The page's developer: an `error` event, and the console names the origin
    // and the setting to change. A bad mount call is a rejected promise.
    let seen = recorded(&browser).await;
    assert_eq!(
        seen["errors"],
        serde_json::json!(["not_available"]),
        "{seen}"
    );
    let logged = seen["logged"].to_string();
    assert!(logged.contains("allowed_origins"), "{logged}");
    assert!(logged.contains(&format!("http://{site}")), "{logged}");
    assert!(
        seen["badMount"]
            .as_str()
            .unwrap_or_default()
            .contains("needs an element"),
        "{seen}"
    );
    assert!(
        seen["noCampaign"]
            .as_str()
            .unwrap_or_default()
            .contains("campaign"),
        "{seen}"
    );
    // Trying again cannot help: `mount` says so, with a kind.
    assert_eq!(
        seen["refused"],
        serde_json::json!({"name": "ReceiptRelayError", "kind": "not_available"}),
        "{seen}"
    );

    // A campaign that does not exist (a typo in the tag): as definite, with
    // its own kind, to the page and to `mount`.
    let unknown = host_page(&app.address, "demo-no-such-campaign");
    let typo = tests::serve_on_loopback(axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(unknown) }),
    ))
    .await;
    browser
        .client
        .goto(&format!("http://{typo}/"))
        .await
        .unwrap();
    let widget_for_typo = browser.widget().await;
    browser::find(&widget_for_typo, ".rr-error").await;
    let seen = recorded(&browser).await;
    assert_eq!(
        seen["errors"],
        serde_json::json!(["unknown_campaign"]),
        "{seen}"
    );
    assert_eq!(
        seen["refused"],
        serde_json::json!({"name": "ReceiptRelayError", "kind": "unknown_campaign"}),
        "{seen}"
    );
    browser.client.back().await.unwrap();
    let widget = browser.widget().await;
    browser::find(&widget, ".rr-error").await;

    // The page takes the widget away again.
    let removed = browser
        .client
        .execute_async(
            "const done = arguments[0]; ReceiptRelay.unmount(document.getElementById('w')).then(done);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(removed, true);
    browser::wait_count(&widget, ".rr", 0).await;
    browser.close().await;
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

#[tokio::test]
async fn photos_in_which_the_widget_sees_no_receipt_are_sent_only_if_the_shopper_says_so() {
    let (app, tee) = demo_app().await;
    let red = fixtures::write("not-a-receipt.jpg", &fixtures::red_jpeg());
    let (browser, widget) = open(&tee, "demo-easypromos").await;
    browser::choose_photo(&widget, &red).await;
    browser::text_containing(&widget, ".rr-thumb", "cannot see a receipt").await;

    // Send asks first; nothing has gone to the proxy.
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-confirm", "Send anyway?").await;
    browser.step("63-send-anyway").await;
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);
    // "Cancel" leaves the photos to be retaken; Send asks again.
    browser::click(&widget, ".rr-not-yet").await;
    browser::wait_count(&widget, ".rr-confirm", 0).await;
    browser::click(&widget, ".rr-submit").await;

    // The shopper insists: it goes, and the refusal says why.
    browser::click(&widget, ".rr-send-anyway").await;
    browser::text_containing(&widget, ".rr-status", "not accepted").await;
    browser::text_containing(&widget, ".rr-reasons strong", "could not find a receipt").await;
    browser.close().await;
    assert_eq!(app.state.db.submission_count().await.unwrap(), 1);
}

#[tokio::test]
async fn the_providers_own_photo_check_is_a_hint_and_a_question_before_sending() {
    let (app, tee) = demo_app().await;
    let dark = fixtures::write("receipt-aboutgoods-dark.jpg", &fixtures::dark_jpeg());
    let good = fixtures::write("receipt-aboutgoods-checked.jpg", &fixtures::receipt_jpeg());
    // Aboutgoods checks a photo before it is sent (`capabilities.quality_check`).
    let (browser, widget) = open(&tee, "demo-aboutgoods").await;
    browser::choose_photo(&widget, &dark).await;
    // Its verdict joins the widget's own hint on the photo.
    browser::text_containing(&widget, ".rr-thumb", "too blurred, dark or small").await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-confirm", "checker says it cannot use").await;
    browser.step("64-provider-check").await;
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);

    // A good photo instead: no question, straight to the verdict.
    browser::click(&widget, ".rr-not-yet").await;
    browser::click(&widget, ".rr-remove").await;
    browser::choose_photo(&widget, &good).await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-status", "was accepted").await;
    browser.close().await;
    assert_eq!(app.state.db.submission_count().await.unwrap(), 1);
}

#[tokio::test]
async fn a_bitlabs_receipt_with_an_offer_left_to_a_person_is_partly_accepted_with_what_it_brings() {
    let (_app, tee) = demo_app().await;
    let good = fixtures::write("receipt-bitlabs-partly.jpg", &fixtures::receipt_jpeg());
    let (browser, widget) = open(&tee, "demo-bitlabs").await;
    browser::wait_count(&widget, ".rr-merchant", 8).await;
    browser::click(&widget, ".rr-merchant").await;
    browser::text_containing(&widget, ".rr-question", "What did you buy at CLAREL").await;
    // The mousse, and the night cream BitLabs leaves to a person.
    browser::click(&widget, "#rr-offer-143787").await;
    browser::click(&widget, "#rr-offer-150001").await;
    browser::click(&widget, ".rr-continue").await;
    browser::choose_photo(&widget, &good).await;
    browser::click(&widget, ".rr-submit").await;

    // Not "accepted": partly, in the colour of a wait, with what it brings so far.
    browser::text_containing(&widget, ".rr-status", "partly accepted").await;
    let verdict = browser::find(&widget, ".rr-verdict").await;
    assert_eq!(
        verdict.attr("data-tone").await.unwrap().as_deref(),
        Some("warn")
    );
    browser::text_containing(&widget, ".rr-offers", "A person will check it").await;
    browser::text_containing(&widget, ".rr-award-total", "Your reward: $1.00").await;
    browser::text_containing(&widget, ".rr-review-when", "within 2 working days").await;
    browser.step("44-bitlabs-partly-accepted").await;
    browser.close().await;
}
