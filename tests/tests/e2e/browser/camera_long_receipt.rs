//! A long receipt shot with the live camera in two parts, top then bottom,
//! for a provider that takes one image: each part found, straightened and
//! taken by itself (the next once the phone has moved on to it), the last
//! part's bottom shown where the next begins, and the two sent as one image.
//!
//! The camera films a page-drawn scene (a canvas stream in place of
//! `getUserMedia`'s), which the test moves from the receipt's top to its
//! bottom: Chromium's file camera plays one film throughout.

use tests::browser::{self, Browser};
use tests::fixtures;

use super::{open_in, stepped_demo_app, stored_submission};

/// In place of the camera: a 960x1280 stream of a dark table with
/// `window.rrParts[window.rrPart]` lying on it, redrawn every frame.
const CAMERA: &str = r#"
navigator.mediaDevices.getUserMedia = async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 960; canvas.height = 1280;
  const ctx = canvas.getContext('2d');
  const images = (window.rrParts || []).map(src => { const i = new Image(); i.src = src; return i; });
  const draw = () => {
    ctx.fillStyle = '#2b2b2b';
    ctx.fillRect(0, 0, 960, 1280);
    const part = images[window.rrPart ?? 0];
    if (part && part.complete && part.naturalWidth) {
      const h = 1100, w = h * part.naturalWidth / part.naturalHeight;
      ctx.drawImage(part, (960 - w) / 2, 90, w, h);
    }
    requestAnimationFrame(draw);
  };
  draw();
  return canvas.captureStream(30);
};
"#;

#[tokio::test]
async fn a_long_receipt_shot_with_the_camera_is_taken_part_by_part_by_itself_and_sent_as_one_image()
{
    use base64::Engine as _;
    let (app, tee) = stepped_demo_app().await;
    // 2400 rows in two parts of 1500 sharing 600.
    let parts = fixtures::long_receipt_parts(2400, 600);
    let urls: Vec<serde_json::Value> = parts
        .iter()
        .map(|jpeg| {
            let data = base64::engine::general_purpose::STANDARD.encode(jpeg);
            serde_json::json!(format!("data:image/jpeg;base64,{data}"))
        })
        .collect();
    let browser = Browser::start().await;
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": CAMERA }),
        )
        .await;
    let (browser, widget) = open_in(browser, &tee, "demo-photon&lang=en").await;
    browser
        .client
        .execute(
            "window.rrParts = arguments[0]; window.rrPart = 0;",
            vec![serde_json::json!(urls)],
        )
        .await
        .unwrap();

    browser::click(&widget, ".rr-open-camera").await;
    // The top, taken by itself.
    browser::wait_count(&widget, ".rr-thumb", 1).await;
    // Where the next part starts: the last part's bottom, over the picture.
    browser::wait_count(&widget, ".rr-overlap", 1).await;
    browser.screenshot("47-camera-long-receipt-next-part").await;
    // The phone moves down the receipt: for a moment the lens sees no
    // receipt, then its next part, held still.
    browser
        .client
        .execute(
            "window.rrPart = -1; setTimeout(() => { window.rrPart = 1; }, 600);",
            vec![],
        )
        .await
        .unwrap();
    browser::wait_count(&widget, ".rr-thumb", 2).await;
    browser::click(&widget, ".rr-camera-close").await;
    browser::click(&widget, ".rr-submit").await;

    // Stored, not yet sent on (no worker runs here): the image as uploaded.
    let id = stored_submission(&app, "demo-photon").await;
    let photos = app.state.db.photos(&id).await.unwrap();
    assert_eq!(photos.len(), 1, "the parts joined into one image");
    let image = image::load_from_memory(&photos[0].bytes).unwrap();
    // Both parts, straightened to the receipt's width, one below the other,
    // the rows they share shown once (twice would be 3.8 times as tall).
    let ratio = f64::from(image.height()) / f64::from(image.width());
    assert!(
        (2.9..=3.1).contains(&ratio),
        "{}x{}: {ratio:.2} times as tall as wide, the receipt 3 times",
        image.width(),
        image.height()
    );
    assert!(
        image.width() > 400,
        "straightened to the paper: {}",
        image.width()
    );
    browser.step("99-camera-long-receipt-joined").await;
    browser.close().await;
}
