//! A shopper's whole way through each provider's campaign: APM's QR codes and
//! moderators, Aboutgoods' refusals, BitLabs' store, offers and manual review,
//! each in the shopper's language.

use fantoccini::Locator;
use tests::browser::{self, Browser};
use tests::fixtures;

use super::{
    assert_no_secret_reached_the_browser, claim_serum_and_mousse, demo_app, open, open_in,
    widget_style,
};

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

#[tokio::test]
async fn a_spanish_shopper_waits_while_a_person_checks_a_held_receipt_and_sees_their_decision() {
    let (app, tee) = demo_app().await;
    // The receipt was sent once already.
    let first = app
        .submit_photo("demo-easypromos-once", fixtures::receipt_jpeg())
        .await;
    app.wait_for_row(&first, |row| row.status.is_final()).await;
    let photo = fixtures::write("receipt-held.jpg", &fixtures::receipt_jpeg());
    let (browser, widget) = open(&tee, "demo-easypromos-once&lang=es").await;
    browser::choose_photo(&widget, &photo).await;
    browser::click(&widget, ".rr-submit").await;
    // Held for a person: the widget says so, and keeps waiting.
    browser::text_containing(&widget, ".rr-status", "Una persona revisará tu ticket").await;
    browser.step("99-held-for-a-person").await;
    let page = app
        .operator_json(
            "/v1/operator/campaigns/demo-easypromos-once/submissions?status=needs_review",
        )
        .await;
    let held = page["submissions"][0]["id"].as_str().unwrap().to_owned();
    let response = app
        .operator(
            reqwest::Method::POST,
            &format!("/v1/operator/submissions/{held}/decision"),
        )
        .json(&serde_json::json!({"decision": "reject", "reason": "duplicate", "by": "ana"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // The person's decision, in the shopper's language, without a reload.
    browser::text_containing(&widget, ".rr-status", "no ha sido aceptado").await;
    browser::text_containing(&widget, ".rr-reasons", "ya se ha enviado").await;
    browser.step("99-decided-by-a-person").await;
    browser.close().await;
    assert_no_secret_reached_the_browser(&app, &tee);
}
