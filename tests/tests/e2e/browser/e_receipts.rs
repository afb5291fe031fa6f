//! A shop's PDF e-receipt, sent from the widget where the campaign's provider
//! reads PDF, and refused in the shopper's words where it does not.

use tests::browser::{self, Browser};
use tests::fixtures;

use super::dead_ends::{errors, recording_errors};
use super::{assert_no_secret_reached_the_browser, demo_app, open_in};

#[tokio::test]
async fn a_shopper_sends_a_shops_e_receipt_where_the_provider_reads_pdf_and_sees_it_accepted() {
    let (app, tee) = demo_app().await;
    let pdf = fixtures::write("e-receipt.pdf", &sandbox::e_receipt::pdf(309_160, 1));
    let (browser, widget) = open_in(Browser::start().await, &tee, "demo-aboutgoods&lang=en").await;
    // Offered beside the camera and the gallery, before any photo.
    let offer = browser::text_containing(&widget, ".rr-pick-pdf", "e-receipt (PDF)").await;
    assert!(offer.starts_with("Upload"), "{offer}");
    browser.assert_accessible("e-receipt offered").await;
    browser.step("99-e-receipt-offered").await;
    browser::find(&widget, "input.rr-pdf-file")
        .await
        .send_keys(&pdf.display().to_string())
        .await
        .unwrap();
    // In place of a photo: named, removable, and nothing else to add.
    browser::text_containing(&widget, ".rr-e-receipt .rr-pdf", "E-receipt (PDF)").await;
    browser::wait_count(&widget, ".rr-pick-pdf", 0).await;
    browser::wait_count(&widget, ".rr-pick", 0).await;
    browser.assert_accessible("e-receipt picked").await;
    browser.step("99-e-receipt-picked").await;
    browser::click(&widget, ".rr-submit").await;
    // The provider read the PDF as the widget sent it (the sandbox reads a
    // whole PDF only).
    browser::text_containing(&widget, ".rr-status", "Your receipt was accepted").await;
    browser::text_containing(&widget, ".rr-store", "CLAREL").await;
    browser.step("99-e-receipt-accepted").await;
    browser.close().await;
    assert_no_secret_reached_the_browser(&app, &tee);
}

#[tokio::test]
async fn a_pdf_picked_for_a_campaign_that_takes_photos_only_is_refused_in_the_shoppers_language() {
    let (_app, tee) = demo_app().await;
    let pdf = fixtures::write("e-receipt-es.pdf", &sandbox::e_receipt::pdf(309_161, 1));
    let (browser, widget) =
        open_in(recording_errors().await, &tee, "demo-easypromos&lang=es").await;
    browser::text_containing(&widget, ".rr-pick", "Haz una foto").await;
    browser::wait_count(&widget, ".rr-pick-pdf", 0).await;
    // The gallery's filter is only a hint: a PDF can still be chosen there.
    browser::find(&widget, "input.rr-gallery")
        .await
        .send_keys(&pdf.display().to_string())
        .await
        .unwrap();
    browser::text_containing(&widget, ".rr-photo-error", "no archivos PDF").await;
    browser::wait_count(&widget, ".rr-thumb", 0).await;
    assert_eq!(errors(&browser).await, ["photo"]);
    browser.step("99-e-receipt-not-taken").await;
    browser.close().await;
}
