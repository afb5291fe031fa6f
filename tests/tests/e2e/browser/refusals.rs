//! Every demo campaign's refusals, read in every language the widget speaks:
//! a refusal card once carried a French title, an English detail line and the
//! provider's words four times under a Polish headline.

use std::collections::BTreeSet;

use api::{Submission, SubmissionStatus};
use tests::browser::{self, Browser};
use tests::fixtures;
use words::Lang;

use super::stepped_demo_app;

/// The pieces of every string `lang` shows that no string of `own` has:
/// each string cut at its placeholders and plural forms, the pieces long
/// enough to be words of a language rather than a name or a number.
fn foreign_pieces(lang: Lang, own: Lang) -> BTreeSet<String> {
    let ours: Vec<&str> = own.text().entries().into_iter().map(|(_, s)| s).collect();
    lang.text()
        .entries()
        .into_iter()
        .flat_map(|(_, text)| {
            text.split(['{', '}', '|'])
                .map(|piece| piece.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|piece| piece.chars().count() >= 12)
        .filter(|piece| !ours.iter().any(|s| s.contains(piece.as_str())))
        .collect()
}

/// The provider's own words in a submission where ours say it: its
/// reasons' and its offers'.
fn providers_words(submission: &Submission) -> Vec<String> {
    let outcome = submission.outcome.clone().unwrap_or_default();
    outcome
        .reasons
        .iter()
        .chain(outcome.offers.iter().filter_map(|o| o.reason.as_ref()))
        // Where no reason of ours fits, the card may quote them, marked.
        .filter(|r| r.code.is_specific())
        .map(|r| r.message.clone())
        .filter(|m| !m.is_empty())
        .collect()
}

#[tokio::test]
async fn a_refusal_card_mixed_the_shoppers_language_with_others_and_the_providers_english() {
    let (app, tee) = stepped_demo_app().await;
    // Each campaign's refusals as its provider makes them: not a receipt,
    // off the promotion, unreadable (BitLabs: offers not found).
    let mut refused: Vec<(&str, Submission)> = Vec::new();
    for campaign in [
        "demo-easypromos",
        "demo-aboutgoods",
        "demo-photon",
        "demo-apm",
    ] {
        for photo in [
            fixtures::red_jpeg(),
            fixtures::blue_jpeg(),
            fixtures::dark_jpeg(),
        ] {
            let id = app.submit_photo(campaign, photo).await;
            let submission = app.settle(&id).await;
            if submission.status == SubmissionStatus::Rejected {
                refused.push((campaign, submission));
            }
        }
    }
    let id = app
        .submit_offers(
            "demo-bitlabs",
            &[fixtures::red_jpeg()],
            "7",
            &[("191405", 1), ("143787", 1)],
        )
        .await;
    refused.push(("demo-bitlabs", app.settle(&id).await));
    for campaign in [
        "demo-easypromos",
        "demo-aboutgoods",
        "demo-photon",
        "demo-apm",
        "demo-bitlabs",
    ] {
        assert!(
            refused.iter().any(|(c, s)| *c == campaign
                && s.status == SubmissionStatus::Rejected
                && !providers_words(s).is_empty()),
            "{campaign} refused nothing in words of its own"
        );
    }

    // Each refusal shown as a shopper finds it on returning to the page (the
    // widget keeps the submission under the campaign and the page's path).
    let browser = Browser::start().await;
    browser.client.goto(&tee.address).await.unwrap();
    for lang in Lang::ALL {
        let foreign: BTreeSet<String> = Lang::ALL
            .into_iter()
            .filter(|other| *other != lang)
            .flat_map(|other| foreign_pieces(other, lang))
            .collect();
        let headline = lang.text().headline_rejected();
        for (campaign, submission) in &refused {
            browser
                .client
                .execute(
                    "localStorage.clear(); localStorage.setItem(arguments[0], arguments[1]);",
                    vec![
                        format!("receipt-relay:{campaign}:/:").into(),
                        submission.id.clone().into(),
                    ],
                )
                .await
                .unwrap();
            browser
                .client
                .goto(&format!(
                    "{}/?campaign={campaign}&lang={}",
                    tee.address,
                    lang.code()
                ))
                .await
                .unwrap();
            let widget = browser.widget().await;
            browser::text_containing(&widget, ".rr-status", headline).await;
            let card = browser::find(&widget, ".rr-card")
                .await
                .text()
                .await
                .unwrap();
            let said = format!("{campaign} in {}: {card}", lang.code());
            for piece in &foreign {
                assert!(
                    !card.contains(piece.as_str()),
                    "{piece:?} from another language; {said}"
                );
            }
            for words in providers_words(submission) {
                assert!(!card.contains(&words), "the provider's {words:?}; {said}");
            }
        }
    }
    browser.close().await;
}
