//! The dead ends a shopper on a bus met (issue 23), each as it was met, in
//! Chromium at 390x844: a store search that found nothing, a blip at load that
//! was final, a server fault blamed on the shopper's signal, a photo over the
//! limit dropped without a word, a reload mid upload or a lost signal while
//! waiting that left the shopper guessing, and focus that fell back to the
//! page. Each now has a way forward, said in the shopper's words, and the host
//! page hears what went wrong and whose fault it was.

use fantoccini::elements::ShadowRoot;
use tests::browser::{self, Browser};
use tests::fixtures;

use super::{assert_no_secret_reached_the_browser, demo_app, open, open_in, widget_style};

/// A browser whose pages record the widget's `error` events (they do not
/// bubble, but a capturing listener on the document hears them) in
/// `window.errors`.
pub(super) async fn recording_errors() -> Browser {
    let browser = Browser::start().await;
    record_errors(&browser).await;
    browser
}

/// Every page `browser` opens from now on keeps the `error` events' details
/// (any element's: they do not bubble, so they are caught on the way down).
pub(super) async fn record_errors(browser: &Browser) {
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({"source": "window.errors = []; document.addEventListener('error', e => { if (e instanceof CustomEvent) errors.push(e.detail); }, true);"}),
        )
        .await;
}

/// The `error` events' details so far.
pub(super) async fn errors(browser: &Browser) -> Vec<String> {
    let seen = browser
        .client
        .execute("return window.errors;", vec![])
        .await
        .unwrap();
    serde_json::from_value(seen).unwrap_or_default()
}

/// Fails every request for `urls` (patterns, `*` for any run of characters)
/// as a dropped connection would; none with an empty list.
async fn block(browser: &Browser, urls: &[&str]) {
    browser.cdp("Network.enable", serde_json::json!({})).await;
    browser
        .cdp(
            "Network.setBlockedURLs",
            serde_json::json!({ "urls": urls }),
        )
        .await;
}

/// The class of the element that has the focus inside the demo page's widget.
async fn focused(browser: &Browser) -> String {
    browser
        .client
        .execute(
            "const a = document.querySelector('#promo-widget').shadowRoot.activeElement; return a ? a.className : '';",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Waits (bounded) until the focus is on an element with `class`.
pub(super) async fn wait_focus(browser: &Browser, class: &str) {
    let mut last = String::new();
    for _ in 0..300 {
        last = focused(browser).await;
        if last.split(' ').any(|c| c == class) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the focus never reached .{class}; it is on {last:?}");
}

/// Types `text` into the store search as a shopper does, key by key, over
/// whatever was there.
async fn search_for(browser: &Browser, widget: &ShadowRoot, text: &str) {
    browser
        .client
        .execute(
            "const i = document.querySelector('#promo-widget').shadowRoot.querySelector('.rr-search'); i.value = ''; i.dispatchEvent(new InputEvent('input', {bubbles: true}));",
            vec![],
        )
        .await
        .unwrap();
    browser::find(widget, ".rr-search")
        .await
        .send_keys(text)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_store_search_typed_as_shoppers_type_it_found_nothing_and_offered_no_way_forward() {
    let (_app, tee) = demo_app().await;
    let (browser, widget) = open(&tee, "demo-bitlabs").await;
    browser::wait_count(&widget, ".rr-merchant", 8).await;
    // An accent the store's name lacks, a phone keyboard's trailing space,
    // words in another order, a word begun, capitals.
    for (typed, store) in [
        ("el corte inglés", "El Corte Ingles"),
        ("carrefour ", "Carrefour"),
        ("ingles  corte", "El Corte Ingles"),
        ("MERCA", "Mercadona"),
        ("clarel", "CLAREL"),
    ] {
        search_for(&browser, &widget, typed).await;
        browser::wait_count(&widget, ".rr-merchant", 1).await;
        browser::text_containing(&widget, ".rr-merchant", store).await;
    }
    // Nothing there: said, with the whole list one press away.
    search_for(&browser, &widget, "carrefour market").await;
    browser::wait_count(&widget, ".rr-merchant", 0).await;
    browser::text_containing(
        &widget,
        ".rr-no-store",
        "No store matches “carrefour market”",
    )
    .await;
    browser.step("90-no-store-found").await;
    browser::click(&widget, ".rr-all-stores").await;
    browser::wait_count(&widget, ".rr-merchant", 8).await;
    let search = browser::find(&widget, ".rr-search").await;
    assert_eq!(search.prop("value").await.unwrap().as_deref(), Some(""));
    browser::wait_count(&widget, ".rr-no-store", 0).await;
    // A store chosen through the search, then changed: the whole list is
    // there again, the search empty (the root keeps the search, the step
    // does not).
    search_for(&browser, &widget, "cla").await;
    browser::wait_count(&widget, ".rr-merchant", 1).await;
    browser::click(&widget, ".rr-merchant").await;
    browser::text_containing(&widget, ".rr-question", "What did you buy at CLAREL").await;
    browser::click(&widget, ".rr-back").await;
    browser::wait_count(&widget, ".rr-merchant", 8).await;
    let search = browser::find(&widget, ".rr-search").await;
    assert_eq!(search.prop("value").await.unwrap().as_deref(), Some(""));
    browser.close().await;
}

#[tokio::test]
async fn a_blip_while_the_campaign_loaded_left_the_promotion_unavailable_for_good() {
    let (_app, tee) = demo_app().await;

    // The server restarting behind its load balancer: its fault, said so,
    // with a button that tries again.
    tee.refuse_campaigns(usize::MAX);
    let (browser, widget) = open_in(recording_errors().await, &tee, "demo-easypromos").await;
    browser::text_containing(&widget, ".rr-error", "Our server is having trouble").await;
    browser.step("91-load-server-trouble").await;
    assert_eq!(errors(&browser).await, ["server"]);
    tee.refuse_campaigns(0);
    browser::click(&widget, ".rr-retry").await;
    browser::text_containing(&widget, ".rr-title", "10 EUR").await;
    browser::find(&widget, ".rr-pick").await;
    browser::wait_count(&widget, ".rr-error", 0).await;

    // No network at all (the campaign and the loader's check both fail): the
    // shopper's connection, said so; the widget loads by itself as soon as
    // the phone is back online.
    block(&browser, &["*/v1/campaigns/*", "*/healthz"]).await;
    browser.client.refresh().await.unwrap();
    let widget = browser.widget().await;
    browser::text_containing(&widget, ".rr-error", "could not reach the server").await;
    browser::find(&widget, ".rr-retry").await;
    assert_eq!(errors(&browser).await, ["network"]);
    block(&browser, &[]).await;
    browser.network(true, 50_000_000).await;
    browser.network(false, 50_000_000).await;
    browser::text_containing(&widget, ".rr-title", "10 EUR").await;
    browser::wait_count(&widget, ".rr-error", 0).await;

    // The widget's own code lost on the way: the loader waits for the
    // network and loads it then, rather than never showing anything.
    block(&browser, &["*_bg.wasm"]).await;
    browser.client.refresh().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    block(&browser, &[]).await;
    browser.network(true, 50_000_000).await;
    browser.network(false, 50_000_000).await;
    let widget = browser.widget().await;
    browser::text_containing(&widget, ".rr-title", "10 EUR").await;

    // A campaign that does not exist is a definite answer: `mount` rejects
    // with a kind the page can act on, and the shopper is told.
    let refused = browser
        .client
        .execute_async(
            "const done = arguments[0]; const el = document.createElement('div'); el.id = 'gone'; document.body.append(el);
             ReceiptRelay.mount(el, {campaign: 'no-such-campaign'}).then(() => done({mounted: true}), e => done({name: e.name, kind: e.kind}));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        refused,
        serde_json::json!({"name": "ReceiptRelayError", "kind": "unknown_campaign"})
    );
    let gone = browser.widget_in("#gone").await;
    browser::text_containing(&gone, ".rr-error", "could not be found").await;
    browser::wait_count(&gone, ".rr-retry", 0).await;
    browser.close().await;
}

#[tokio::test]
async fn a_server_that_kept_failing_uploads_was_blamed_on_the_shoppers_signal() {
    let (app, tee) = demo_app().await;
    let photo = fixtures::write("receipt-server-down.jpg", &fixtures::receipt_jpeg());
    let (browser, widget) = open_in(recording_errors().await, &tee, "demo-easypromos").await;
    browser::choose_photo(&widget, &photo).await;
    tee.refuse_uploads(usize::MAX);
    browser::click(&widget, ".rr-submit").await;
    // Every try answered 503: the server's fault, not the signal's; the
    // photo is kept and the button beside the words sends it again.
    let said = browser::text_containing(
        &widget,
        ".rr-error",
        "Our server could not take your receipt",
    )
    .await;
    assert!(!said.contains("connection"), "{said}");
    browser::text_containing(&widget, ".rr-submit", "Try again").await;
    assert_eq!(errors(&browser).await, ["server"]);
    browser::wait_count(&widget, ".rr-thumb", 1).await;
    browser.step("92-upload-server-trouble").await;
    tee.refuse_uploads(0);
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-status", "was accepted").await;
    let keys = tee.upload_keys();
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert_eq!(app.state.db.submission_count().await.unwrap(), 1);
    browser.close().await;
    assert_no_secret_reached_the_browser(&app, &tee);
}

#[tokio::test]
async fn a_fourth_photo_where_three_are_allowed_was_dropped_without_a_word() {
    let (_app, tee) = demo_app().await;
    let photos: Vec<String> = (0..4)
        .map(|i| {
            fixtures::write(&format!("receipt-part-{i}.jpg"), &fixtures::receipt_jpeg())
                .display()
                .to_string()
        })
        .collect();
    let (browser, widget) = open_in(recording_errors().await, &tee, "demo-photon").await;
    // Four chosen at once in the gallery, for a campaign that takes three.
    browser::find(&widget, "input.rr-gallery")
        .await
        .send_keys(&photos.join("\n"))
        .await
        .unwrap();
    browser::wait_count(&widget, ".rr-thumb", 3).await;
    // Said under the photos, where the shopper is looking.
    browser::text_containing(&widget, ".rr-picker .rr-photo-error", "up to 3 photos").await;
    assert_eq!(errors(&browser).await, ["photo"]);
    browser.step("93-too-many-photos").await;
    // Gone once it no longer applies.
    browser::click(&widget, ".rr-remove").await;
    browser::wait_count(&widget, ".rr-thumb", 2).await;
    browser::wait_count(&widget, ".rr-error", 0).await;
    browser.close().await;
}

#[tokio::test]
async fn a_reload_in_the_middle_of_an_upload_went_back_to_the_photos_with_no_word() {
    let (app, tee) = demo_app().await;
    let photo = fixtures::write("receipt-reloaded.jpg", &fixtures::large_receipt_jpeg());
    let (browser, widget) = open(&tee, "demo-easypromos").await;
    browser::choose_photo(&widget, &photo).await;
    // One bar of signal: the upload is still going when the page reloads.
    browser.network(false, 20_000).await;
    browser::click(&widget, ".rr-submit").await;
    browser::find(&widget, ".rr-cancel").await;
    // The draft says the upload was under way, with its key.
    let mut key = serde_json::Value::Null;
    for _ in 0..100 {
        key = browser
            .client
            .execute_async(
                "const done = arguments[0]; const open = indexedDB.open('receipt-relay', 1);
                 open.onsuccess = () => { const all = open.result.transaction('drafts').objectStore('drafts').getAll();
                   all.onsuccess = () => done((all.result.find(d => d.step === 'sending') || {}).key || null); };",
                vec![],
            )
            .await
            .unwrap();
        if key.is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let key = key
        .as_str()
        .expect("the draft kept the upload under way")
        .to_owned();
    browser.client.refresh().await.unwrap();
    let widget = browser.widget().await;
    // Said, and sent again by itself.
    browser::text_containing(&widget, ".rr-notice", "was not sent before the page closed").await;
    browser::find(&widget, ".rr-cancel").await;
    browser.screenshot("94-reload-mid-upload").await;
    browser.network(false, 50_000_000).await;
    browser::text_containing(&widget, ".rr-status", "was accepted").await;
    browser::wait_count(&widget, ".rr-notice", 0).await;
    // Under the key it had before the reload: one submission.
    let keys = tee.upload_keys();
    assert!(
        !keys.is_empty() && keys.iter().all(|k| *k == key),
        "{key} {keys:?}"
    );
    assert_eq!(app.state.db.submission_count().await.unwrap(), 1);
    browser.close().await;
}

#[tokio::test]
async fn a_checker_down_while_the_stores_loaded_was_never_told_to_the_page_as_the_providers() {
    let (app, tee) = demo_app().await;
    // BitLabs' stores come from BitLabs: it is down as the page opens.
    app.sandbox.controls.set_outage(true);
    let (browser, widget) = open_in(recording_errors().await, &tee, "demo-bitlabs").await;
    browser::find(&widget, ".rr-retry").await;
    assert_eq!(errors(&browser).await, ["provider"]);
    // Back up: the shopper's button (or the widget's own retry) gets the stores.
    app.sandbox.controls.set_outage(false);
    browser::click(&widget, ".rr-retry").await;
    browser::find(&widget, ".rr-merchant").await;
    browser.close().await;
}

#[tokio::test]
async fn a_lost_signal_while_waiting_for_the_verdict_said_nothing() {
    let (app, tee) = demo_app().await;
    let photo = fixtures::write("receipt-offline-wait.jpg", &fixtures::receipt_jpeg());
    // The provider is slow to answer today: the shopper waits.
    app.sandbox.controls.set_outage(true);
    let (browser, widget) = open(&tee, "demo-easypromos").await;
    browser::choose_photo(&widget, &photo).await;
    browser::click(&widget, ".rr-submit").await;
    browser::find(&widget, ".rr-waiting").await;
    browser.network(true, 50_000_000).await;
    browser::text_containing(&widget, ".rr-waiting", "You are offline").await;
    browser::text_containing(&widget, ".rr-waiting", "safe with us").await;
    browser.step("95-offline-while-waiting").await;
    app.sandbox.controls.set_outage(false);
    browser.network(false, 50_000_000).await;
    browser::text_containing(&widget, ".rr-status", "was accepted").await;
    browser.close().await;
}

#[tokio::test]
async fn the_focus_fell_back_to_the_page_when_the_question_and_the_verdict_appeared() {
    let (_app, tee) = demo_app().await;
    let blank = fixtures::write("receipt-blank.jpg", &fixtures::blue_jpeg());
    let (browser, widget) = open(&tee, "demo-easypromos").await;
    browser::choose_photo(&widget, &blank).await;
    // The question takes the focus, and gives it back to Send when it closes.
    browser::click(&widget, ".rr-submit").await;
    wait_focus(&browser, "rr-send-anyway").await;
    browser.step("96-question-focused").await;
    browser::click(&widget, ".rr-not-yet").await;
    wait_focus(&browser, "rr-submit").await;
    // The verdict's headline takes it when it arrives, for screen readers to
    // read and keyboards to go on from.
    browser::click(&widget, ".rr-submit").await;
    browser::click(&widget, ".rr-send-anyway").await;
    browser::find(&widget, ".rr-verdict").await;
    wait_focus(&browser, "rr-status").await;
    browser.step("97-verdict-focused").await;
    browser.close().await;
}

#[tokio::test]
async fn a_polish_shopper_was_shown_the_campaigns_french_title() {
    let (_app, tee) = demo_app().await;
    // Aboutgoods' demo campaign is French, translated into English and
    // Spanish only.
    let (browser, widget) = open(&tee, "demo-aboutgoods&lang=pl").await;
    browser::find(&widget, ".rr-pick").await;
    // The widget's own title in Polish rather than the campaign's French.
    let title = browser::text_containing(&widget, ".rr-title", "Przesyłanie paragonu").await;
    assert!(!title.contains("rembours"), "{title}");
    let card = browser::find(&widget, ".rr-card")
        .await
        .text()
        .await
        .unwrap();
    assert!(!card.contains("Achetez"), "{card}");
    browser.close().await;
}

/// The preview addresses of the photos, top to bottom.
async fn thumbs(widget: &ShadowRoot) -> Vec<String> {
    let mut sources = Vec::new();
    for img in widget
        .find_all(fantoccini::Locator::Css(".rr-thumb img"))
        .await
        .unwrap()
    {
        sources.push(img.attr("src").await.unwrap().unwrap_or_default());
    }
    sources
}

#[tokio::test]
async fn a_hint_to_retake_a_photo_came_with_a_button_that_added_another_part() {
    let (_app, tee) = demo_app().await;
    let good = fixtures::write("receipt-part-good.jpg", &fixtures::receipt_jpeg());
    let dark = fixtures::write("receipt-part-dark.jpg", &fixtures::dark_jpeg());
    let (browser, widget) = open(&tee, "demo-photon").await;
    // A long receipt in three parts, the middle one too dark.
    browser::choose_photo(&widget, &good).await;
    browser::choose_photo(&widget, &dark).await;
    browser::choose_photo(&widget, &good).await;
    let before = thumbs(&widget).await;
    browser::text_containing(&widget, ".rr-thumb:nth-child(2)", "Too dark").await;
    // The hint comes with the button that fixes that photo, and only that.
    browser::wait_count(&widget, ".rr-retake-photo", 1).await;
    browser::text_containing(&widget, ".rr-retake-photo", "Retake photo 2").await;
    browser.step("98-retake-hint").await;
    browser::click(&widget, ".rr-retake-photo").await;
    browser::wait_count(&widget, ".rr-thumb", 2).await;
    // The way to take it says so (this browser's camera is blocked: the
    // camera app's input instead), and the new photo goes in its place.
    browser::text_containing(&widget, ".rr-pick", "Retake photo 2").await;
    browser::choose_photo(&widget, &good).await;
    let after = thumbs(&widget).await;
    assert_eq!(
        (after[0].as_str(), after[2].as_str()),
        (before[0].as_str(), before[2].as_str())
    );
    assert!(!before.contains(&after[1]), "{before:?} {after:?}");
    browser::wait_count(&widget, ".rr-photo-hint", 0).await;
    browser.close().await;
}

/// The lens (which draws the camera and runs it) lost on the way as the
/// shopper opens the camera: it closes with the reason beside its button,
/// which stays, and the host page hears a network fault; once the network is
/// back, the same button opens the camera, the lens fetched again.
#[tokio::test]
async fn the_camera_opened_while_the_lens_could_not_download_says_why_and_opens_once_it_can() {
    let (_app, tee) = demo_app().await;
    let video = fixtures::write("camera-no-lens.y4m", &fixtures::camera_y4m(7));
    let browser = Browser::with_camera(&video).await;
    record_errors(&browser).await;
    let (browser, widget) = open_in(browser, &tee, "demo-apm").await;
    block(&browser, &["*/widget/lens-*"]).await;
    browser::click(&widget, ".rr-open-camera").await;
    browser::text_containing(&widget, ".rr-camera-error", "camera could not be started").await;
    browser::wait_count(&widget, ".rr-camera-dialog", 0).await;
    assert_eq!(errors(&browser).await, ["network"]);
    browser.step("94-camera-without-lens").await;
    block(&browser, &[]).await;
    browser::click(&widget, ".rr-open-camera").await;
    browser::text_containing(&widget, ".rr-camera-status", "whole receipt").await;
    browser::wait_count(&widget, ".rr-camera-error", 0).await;
    browser::click(&widget, ".rr-camera-close").await;
    browser::wait_count(&widget, ".rr-camera-dialog", 0).await;
    browser.close().await;
}

/// The lens (which prepares photos and runs the viewfinder) lost on the way:
/// the shopper is told in words, and the same photo picked again once the
/// network is back goes through, the lens fetched again.
#[tokio::test]
async fn a_photo_picked_while_the_lens_could_not_download_is_refused_in_words_then_taken() {
    let (app, tee) = demo_app().await;
    let photo = fixtures::write("receipt-no-lens.jpg", &fixtures::receipt_jpeg());
    let (browser, widget) = open_in(recording_errors().await, &tee, "demo-easypromos").await;
    block(&browser, &["*/widget/lens-*"]).await;
    browser::find(&widget, "input.rr-gallery")
        .await
        .send_keys(&photo.display().to_string())
        .await
        .unwrap();
    browser::text_containing(&widget, ".rr-error", "could not be prepared").await;
    browser::wait_count(&widget, ".rr-thumb", 0).await;
    assert_eq!(errors(&browser).await, ["network"]);
    browser.step("94-lens-unavailable").await;
    block(&browser, &[]).await;
    let again = fixtures::write("receipt-no-lens-again.jpg", &fixtures::receipt_jpeg());
    browser::choose_photo(&widget, &again).await;
    browser::wait_count(&widget, ".rr-error", 0).await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-status", "was accepted").await;
    assert_eq!(app.state.db.submission_count().await.unwrap(), 1);
    browser.close().await;
}

/// The lens (which draws a verdict's details) lost on the way as a refused
/// receipt's verdict is shown again after a reload: the widget still names
/// why, and the way on (new photos) is there; with the lens, its own list
/// (with what to do) stands in place of those names.
#[tokio::test]
async fn a_verdict_shown_while_the_lens_could_not_download_still_names_its_reasons() {
    let (_app, tee) = demo_app().await;
    let dark = fixtures::write("receipt-dark-no-lens.jpg", &fixtures::dark_jpeg());
    let (browser, widget) = open(&tee, "demo-photon").await;
    browser::choose_photo(&widget, &dark).await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-status", "not accepted").await;
    browser::text_containing(&widget, ".rr-reasons strong", "could not be read").await;
    let fallback = || widget_style(&browser, "#promo-widget", ".rr-fallback", "display");
    assert_eq!(fallback().await, "none", "the lens's details only");

    block(&browser, &["*/widget/lens-*"]).await;
    browser.client.refresh().await.unwrap();
    let widget = browser.widget().await;
    browser::text_containing(&widget, ".rr-status", "not accepted").await;
    browser::text_containing(&widget, ".rr-fallback strong", "could not be read").await;
    assert_ne!(fallback().await, "none", "the reasons named");
    browser::wait_count(&widget, ".rr-reasons", 0).await;
    browser::find(&widget, ".rr-retake").await;
    browser.step("95-verdict-without-lens").await;
    browser.close().await;
}
