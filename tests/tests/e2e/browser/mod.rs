//! End to end in real Chromium at 390x844: the demo page, the widget from its
//! script tag, the real proxy and the sandbox provider over real HTTP. Every byte
//! the browser receives passes through a recording forwarder, so the test can
//! prove the provider's token never reaches it. Screenshots of each step are
//! saved under `target/e2e-screenshots/`.

mod camera_long_receipt;
mod capture;
mod console;
mod corners;
mod dead_ends;
mod e_receipts;
mod long_receipt;
mod page;
mod providers;
mod recovery;
mod refusals;
mod sending;
mod viewfinder;

use fantoccini::Locator;
use fantoccini::elements::ShadowRoot;
use tests::browser::{self, Browser};
use tests::tee::Recorder;
use tests::{Options, TestApp, fixtures, spawn_app_with};

/// A proxy serving the demo page and the built widget, behind the recorder.
async fn demo_app() -> (TestApp, Recorder) {
    let app = spawn_app_with(Options::live()).await;
    let tee = Recorder::start(&app.address).await;
    (app, tee)
}

/// [`demo_app`] with no background worker: the test moves the submissions
/// along, and the browser reads where they are.
async fn stepped_demo_app() -> (TestApp, Recorder) {
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

/// The id of `campaign`'s newest submission, once one is stored (bounded:
/// a regression fails instead of hanging).
async fn stored_submission(app: &TestApp, campaign: &str) -> String {
    let path = format!("/v1/operator/campaigns/{campaign}/submissions?limit=1");
    for _ in 0..200 {
        let page = app.operator_json(&path).await;
        if let Some(id) = page["submissions"][0]["id"].as_str() {
            return id.to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no submission of {campaign} was stored");
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
