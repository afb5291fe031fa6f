//! A long receipt in parts from the gallery, for a provider that takes one
//! image: joined into one, the rows the second part repeats of the first
//! shown once. Until this test, the upload hook read the lens from a context
//! it sits above, never had it, and stacked the parts whole.

use tests::browser::{self, Browser};
use tests::fixtures;

use super::{open_in, stepped_demo_app, stored_submission};

#[tokio::test]
async fn long_receipt_parts_were_stacked_whole_because_the_upload_hook_had_no_lens() {
    let (app, tee) = stepped_demo_app().await;
    // 2400 rows in two parts of 1500 sharing 600.
    let parts = fixtures::long_receipt_parts(2400, 600);
    let paths: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(i, jpeg)| {
            let path = fixtures::write(&format!("long-receipt-part-{i}.jpg"), jpeg);
            path.display().to_string()
        })
        .collect();
    // Photon takes one image per receipt, up to three shots of it.
    let (browser, widget) = open_in(Browser::start().await, &tee, "demo-photon&lang=en").await;
    browser::find(&widget, "input.rr-gallery")
        .await
        .send_keys(&paths.join("\n"))
        .await
        .unwrap();
    browser::wait_count(&widget, ".rr-thumb img", 2).await;
    // Flat parts, filling their photos: nothing to straighten.
    browser::wait_count(&widget, ".rr-adjust", 0).await;
    browser.step("99-long-receipt-parts").await;
    browser::click(&widget, ".rr-submit").await;
    // Stored, not yet sent on (no worker runs here): the image as uploaded.
    let id = stored_submission(&app, "demo-photon").await;
    let photos = app.state.db.photos(&id).await.unwrap();
    assert_eq!(photos.len(), 1, "the parts joined into one image");
    let image = image::load_from_memory(&photos[0].bytes).unwrap();
    assert_eq!(image.width(), 800);
    // 1500 + 1500 stacked would be 3000; with the 600 shared rows shown once,
    // the receipt's own 2400.
    assert!(
        image.height().abs_diff(2400) <= 6,
        "{} rows tall, the receipt is 2400",
        image.height()
    );
    browser.step("99-long-receipt-joined").await;
    browser.close().await;
}
