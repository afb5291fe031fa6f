//! A gallery photo of a receipt on a table: uploaded straightened to the
//! receipt the lens finds in it, with corners the shopper can move (dragged,
//! or with the arrow keys) when the lens got them wrong.

use tests::browser::{self, Browser};
use tests::fixtures;

use super::dead_ends::wait_focus;
use super::{demo_app, open_in};

/// The width over the height of the picture the thumbnail shows.
async fn thumb_aspect(browser: &Browser) -> f64 {
    let script = "const img = document.querySelector('#promo-widget').shadowRoot
        .querySelector('.rr-thumb img');
        return img && img.complete && img.naturalHeight > 0
            ? [img.src, img.naturalWidth / img.naturalHeight] : null;";
    for _ in 0..200 {
        let seen = browser.client.execute(script, vec![]).await.unwrap();
        if let Some(aspect) = seen.get(1).and_then(serde_json::Value::as_f64) {
            return aspect;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no thumbnail shown");
}

/// The centre of corner `n` (1 to 4) on the page.
async fn corner_at(browser: &Browser, n: usize) -> (f64, f64) {
    let script = format!(
        "const r = document.querySelector('#promo-widget').shadowRoot
            .querySelectorAll('.rr-corner')[{}].getBoundingClientRect();
         return [r.left + r.width / 2, r.top + r.height / 2];",
        n - 1
    );
    let at = browser.client.execute(&script, vec![]).await.unwrap();
    (at[0].as_f64().unwrap(), at[1].as_f64().unwrap())
}

/// A mouse drag from `from` by `by`, as the browser's input (pointer events
/// and all).
async fn drag(browser: &Browser, from: (f64, f64), by: (f64, f64)) {
    let mouse = |kind: &str, (x, y): (f64, f64)| serde_json::json!({"type": kind, "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1});
    browser
        .cdp("Input.dispatchMouseEvent", mouse("mousePressed", from))
        .await;
    for step in 1..=5 {
        let f = f64::from(step) / 5.0;
        let to = (by.0.mul_add(f, from.0), by.1.mul_add(f, from.1));
        browser
            .cdp("Input.dispatchMouseEvent", mouse("mouseMoved", to))
            .await;
    }
    let to = (from.0 + by.0, from.1 + by.1);
    browser
        .cdp("Input.dispatchMouseEvent", mouse("mouseReleased", to))
        .await;
}

#[tokio::test]
async fn a_gallery_photo_is_straightened_to_the_receipt_and_its_corners_can_be_moved() {
    let (_app, tee) = demo_app().await;
    let (jpeg, truth) = fixtures::table_jpeg(7);
    let (w, h) = truth.ordered().size();
    let receipt = f64::from(w / h);
    let photo = fixtures::write("receipt-on-a-table.jpg", &jpeg);
    let (browser, widget) = open_in(Browser::start().await, &tee, "demo-easypromos&lang=en").await;
    browser::choose_photo(&widget, &photo).await;
    // What will be sent is the receipt, straightened: its proportions, not
    // the photo's (960 x 1280).
    let aspect = thumb_aspect(&browser).await;
    assert!(
        (aspect - receipt).abs() < 0.12 * receipt,
        "{aspect} against {receipt}"
    );
    assert!((aspect - 0.75).abs() > 0.1, "{aspect}: the photo as it was");
    // At a slant no longer.
    browser::wait_count(&widget, ".rr-photo-hint", 0).await;
    browser.step("99-gallery-straightened").await;

    // Escape leaves the corners as they were, the focus back on the button
    // that opened them.
    browser::click(&widget, ".rr-adjust").await;
    let handle = browser::find(&widget, ".rr-corner[aria-label='Corner 1']").await;
    handle.send_keys("\u{E00C}").await.unwrap();
    browser::wait_count(&widget, ".rr-corners", 0).await;
    wait_focus(&browser, "rr-adjust").await;
    assert!((thumb_aspect(&browser).await - aspect).abs() < 1e-6);

    browser::click(&widget, ".rr-adjust").await;
    browser::wait_count(&widget, ".rr-corners .rr-corner", 4).await;
    browser::text_containing(&widget, ".rr-corners", "Drag each corner").await;
    browser.assert_accessible("corners").await;
    browser.step("99-gallery-corners").await;
    // The right-hand corners moved out with the keyboard, the bottom-left
    // one dragged out with the mouse: a wider receipt.
    for n in [2, 3] {
        let handle = browser::find(&widget, &format!(".rr-corner[aria-label='Corner {n}']")).await;
        handle.send_keys(&"\u{E014}".repeat(8)).await.unwrap();
    }
    let (x, y) = corner_at(&browser, 4).await;
    drag(&browser, (x, y), (-30.0, 0.0)).await;
    let (moved, _) = corner_at(&browser, 4).await;
    assert!(moved < x - 20.0, "dragged from {x} to {moved}");
    browser.step("99-gallery-corners-moved").await;
    browser::click(&widget, ".rr-corners-done").await;
    browser::wait_count(&widget, ".rr-corners", 0).await;
    let mut wider = thumb_aspect(&browser).await;
    for _ in 0..100 {
        if wider > aspect * 1.1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        wider = thumb_aspect(&browser).await;
    }
    assert!(
        wider > aspect * 1.1,
        "{wider} after moving out, {aspect} before"
    );
    browser.step("99-gallery-corners-used").await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-status", "Your receipt was accepted").await;
    browser.close().await;
}
