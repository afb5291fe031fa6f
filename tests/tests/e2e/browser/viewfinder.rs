//! The live viewfinder, filmed by Chromium's fake camera: a receipt lying on a
//! cluttered table is outlined over the picture, taken by itself once held
//! still (nobody presses the shutter), uploaded straightened and judged.

use tests::browser::{self, Browser};
use tests::fixtures;

use super::{assert_no_secret_reached_the_browser, demo_app, listen_submitted, open_in};

#[tokio::test]
async fn a_receipt_on_a_cluttered_table_is_outlined_taken_by_itself_and_sent_straightened() {
    let (app, tee) = demo_app().await;
    let (video, corners) = fixtures::table_y4m(3);
    let video = fixtures::write("camera-table.y4m", &video);
    let (browser, widget) = open_in(Browser::with_camera(&video).await, &tee, "demo-photon").await;
    listen_submitted(&browser).await;

    browser::click(&widget, ".rr-open-camera").await;
    // Taken by itself: the shutter is never pressed.
    browser::wait_count(&widget, ".rr-thumb", 1).await;
    browser::text_containing(&widget, ".rr-camera-status", "1 taken").await;
    browser.screenshot("46-viewfinder-outlined-and-taken").await;
    // The outline stays drawn over the receipt it took: the box around what
    // the lens drew, against the receipt's true corners as the page shows
    // the frame (fitted in, `object-fit: contain`).
    let seen = browser
        .client
        .execute(
            "const root = document.querySelector('.receipt-relay').shadowRoot;
             const video = root.querySelector('.rr-viewfinder');
             const overlay = root.querySelector('.rr-outline');
             const w = overlay.width, h = overlay.height;
             const data = overlay.getContext('2d').getImageData(0, 0, w, h).data;
             let box = [w, h, 0, 0];
             for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
               if (data[(y * w + x) * 4 + 3] > 128) {
                 box = [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)];
               }
             }
             return {box, overlay: [w, h], video: [video.videoWidth, video.videoHeight]};",
            vec![],
        )
        .await
        .unwrap();
    let number = |v: &serde_json::Value| v.as_f64().expect("a number") as f32;
    let (cw, ch) = (number(&seen["overlay"][0]), number(&seen["overlay"][1]));
    let (vw, vh) = (number(&seen["video"][0]), number(&seen["video"][1]));
    // The fake camera crops its 960x1280 film to the size the widget asks
    // for, about the centre.
    let cover = (vw / 960.0).max(vh / 1280.0);
    let (cx, cy) = (
        960.0f32.mul_add(cover, -vw) / 2.0,
        1280.0f32.mul_add(cover, -vh) / 2.0,
    );
    let scale = (cw / vw).min(ch / vh);
    let (dx, dy) = (vw.mul_add(-scale, cw) / 2.0, vh.mul_add(-scale, ch) / 2.0);
    let xs = corners
        .0
        .map(|p| p.x.mul_add(cover, -cx).mul_add(scale, dx));
    let ys = corners
        .0
        .map(|p| p.y.mul_add(cover, -cy).mul_add(scale, dy));
    let expected = [
        xs.iter().copied().fold(f32::MAX, f32::min),
        ys.iter().copied().fold(f32::MAX, f32::min),
        xs.iter().copied().fold(f32::MIN, f32::max),
        ys.iter().copied().fold(f32::MIN, f32::max),
    ];
    for (i, want) in expected.iter().enumerate() {
        let drawn = number(&seen["box"][i]);
        let side = if i % 2 == 0 { cw } else { ch };
        assert!(
            (drawn - want).abs() < side * 0.04,
            "outline edge {i}: drawn at {drawn}, the receipt's at {want}: {seen}"
        );
    }
    // What was kept is the receipt straightened and cropped: about twice as
    // tall as wide, as the paper is, not the 3:4 frame around it.
    let kept = browser
        .client
        .execute(
            "const img = document.querySelector('.receipt-relay').shadowRoot.querySelector('.rr-thumb img');
             return [img.naturalWidth, img.naturalHeight];",
            vec![],
        )
        .await
        .unwrap();
    let (kw, kh) = (number(&kept[0]), number(&kept[1]));
    assert!((1.7..2.4).contains(&(kh / kw)), "kept photo {kept}");
    assert!(kh < vh, "kept photo {kept}, frame {vw}x{vh}");

    // Escape closes the camera, as its button does.
    let dialog = browser::find(&widget, ".rr-camera-dialog").await;
    dialog.send_keys("\u{E00C}").await.unwrap();
    browser::wait_count(&widget, ".rr-camera-dialog", 0).await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-status", "was accepted").await;
    browser.step("47-viewfinder-verdict").await;
    browser.close().await;
    assert_no_secret_reached_the_browser(&app, &tee);
}
