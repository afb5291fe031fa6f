//! Taking the receipt: the live camera and its guide, a blocked camera, a
//! dark photo retaken, a long receipt in several photos, and the photo checks
//! (the widget's own and the provider's) that warn before sending.

use tests::browser::{self, Browser};
use tests::fixtures;

use super::dead_ends;
use super::{
    assert_no_secret_reached_the_browser, demo_app, fiscal_total, listen_submitted, open, open_in,
    sent_and_accepted_with_qr,
};

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
    // And its bottom at the top of the picture, where the next part of a
    // long receipt starts.
    let overlap = browser
        .client
        .execute(
            "const root = document.querySelector('.receipt-relay').shadowRoot;
             const strip = root.querySelector('img.rr-overlap'), last = root.querySelector('img.rr-last');
             const view = root.querySelector('.rr-view').getBoundingClientRect();
             const box = strip.getBoundingClientRect();
             return [strip.src === last.src, box.top - view.top, box.height / view.height];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        overlap[0], true,
        "the strip shows the last photo: {overlap}"
    );
    assert!(
        overlap[1].as_f64().unwrap().abs() < 1.0,
        "at the top: {overlap}"
    );
    let share = overlap[2].as_f64().unwrap();
    assert!((0.1..0.25).contains(&share), "a strip: {overlap}");
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

#[tokio::test]
async fn photos_in_which_the_widget_sees_no_receipt_are_sent_only_if_the_shopper_says_so() {
    let (app, tee) = demo_app().await;
    let red = fixtures::write("not-a-receipt.jpg", &fixtures::red_jpeg());
    let (browser, widget) = open(&tee, "demo-easypromos").await;
    // The lens (receipt vision, QR decoding) is no part of the first load: it
    // is fetched when a photo is picked, and it is what sees no receipt here.
    let lens = "/widget/lens-";
    assert!(
        !browser.fetched(lens).await,
        "the lens came with the first load"
    );
    browser::choose_photo(&widget, &red).await;
    browser::text_containing(&widget, ".rr-thumb", "cannot see a receipt").await;
    assert!(
        browser.fetched(lens).await,
        "the photo was judged without the lens"
    );

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
