//! A verdict's details, drawn into the widget's verdict: why (the reasons in
//! the shopper's words, the brand's own where a person gave them, the
//! provider's only where ours are generic), each claimed offer's state and
//! award, what the accepted ones bring together, and the receipt as the
//! provider read it. The widget draws the verdict itself (its headline, the
//! reward, the reference and what to do next) and leaves these to the lens:
//! they are seen once, at the end, when the lens has almost always been
//! fetched for the photos already.

use api::{Outcome, Reason, Receipt, SubmissionStatus};
use js_sys::Function;
use wasm_bindgen::prelude::*;
use web::intl;
use web::wire::FromJs;
use web_sys::{Element, Node};
use words::{Text, fill};

use crate::dom::{child, words};

/// The details, drawn in an element of the widget's until freed.
#[wasm_bindgen]
pub struct OutcomeView {
    host: Element,
}

#[wasm_bindgen]
impl OutcomeView {
    /// Draws `outcome` (the submission's `outcome` as the proxy sent it,
    /// parsed) in `host`, in `words` (the JS array the widget was given),
    /// for the language `lang` (the brand's own words are chosen by it) and
    /// the locale `tag` (dates and amounts), the submission being `status`.
    /// `report` is the widget's: nothing here is done by the shopper.
    #[wasm_bindgen(constructor)]
    pub fn new(
        host: &Element,
        words_list: &JsValue,
        lang: &str,
        tag: &str,
        status: &str,
        outcome: &JsValue,
        _report: Function,
    ) -> Result<Self, JsValue> {
        let t = words(words_list)?;
        let status = SubmissionStatus::parse(status).ok_or("status")?;
        let outcome = Outcome::from_js(outcome).ok_or("outcome")?;
        let at = Place { t, lang, tag };
        at.reasons(host, &outcome, status)?;
        at.offers(host, &outcome)?;
        at.award_total(host, &outcome)?;
        if let Some(receipt) = &outcome.receipt {
            at.receipt(host, receipt)?;
        }
        Ok(Self { host: host.clone() })
    }
}

impl Drop for OutcomeView {
    fn drop(&mut self) {
        self.host.set_text_content(None);
    }
}

/// Whose words, dates and amounts.
struct Place<'a> {
    t: &'static Text,
    lang: &'a str,
    tag: &'a str,
}

/// `tag`, of `class`, with `text`, in `parent`.
fn text(parent: &Node, tag: &str, class: &str, text: &str) -> Result<Element, JsValue> {
    let element = child(parent, tag, class)?;
    element.set_text_content(Some(text));
    Ok(element.into())
}

impl Place<'_> {
    /// The provider's own message, marked as theirs, where our words for
    /// the reason are generic.
    fn provider_says(&self, parent: &Node, reason: &Reason) -> Result<(), JsValue> {
        if !reason.code.is_specific() && !reason.message.is_empty() {
            let said = fill(self.t.provider_says(), &[("text", &reason.message)]);
            text(parent, "small", "rr-detail", &said)?;
        }
        Ok(())
    }

    fn reasons(
        &self,
        host: &Node,
        outcome: &Outcome,
        status: SubmissionStatus,
    ) -> Result<(), JsValue> {
        if outcome.reasons.is_empty() {
            return Ok(());
        }
        let list = child(host, "ul", "rr-reasons")?;
        for reason in &outcome.reasons {
            let item = child(&list, "li", "")?;
            text(&item, "strong", "", self.t.why(reason.code))?;
            // Once a person has it, there is nothing to do.
            if status != SubmissionStatus::NeedsReview {
                text(&item, "span", "rr-hint", self.t.reason_hint(reason.code))?;
            }
            // The brand's own words in the shopper's language, where a
            // person gave one of the campaign's reasons.
            match reason.words.iter().find(|(lang, _)| lang == self.lang) {
                Some((_, said)) => {
                    text(&item, "small", "rr-detail rr-brand-says", said)?;
                }
                None => self.provider_says(&item, reason)?,
            }
        }
        Ok(())
    }

    fn offers(&self, host: &Node, outcome: &Outcome) -> Result<(), JsValue> {
        if outcome.offers.is_empty() {
            return Ok(());
        }
        let list = child(host, "ul", "rr-offers")?;
        list.set_attribute("aria-label", self.t.your_offers())?;
        for offer in &outcome.offers {
            let item = child(&list, "li", "rr-offer-outcome")?;
            item.set_attribute("data-tone", intl::status_tone(offer.state))?;
            let title = offer.title.as_deref().unwrap_or(&offer.offer_id);
            text(&item, "span", "rr-offer-title", title)?;
            text(
                &item,
                "span",
                "rr-offer-state",
                self.t.offer_state(offer.state),
            )?;
            if let (Some(award), SubmissionStatus::Accepted) = (&offer.award, offer.state) {
                text(&item, "span", "rr-award", award)?;
            }
            // Said once: an offer's reason where the receipt's reasons do
            // not already say it.
            if let Some(reason) = offer
                .reason
                .as_ref()
                .filter(|r| !outcome.reasons.iter().any(|o| o.code == r.code))
            {
                text(&item, "span", "rr-hint", self.t.why(reason.code))?;
                self.provider_says(&item, reason)?;
            }
        }
        Ok(())
    }

    /// What the accepted offers bring, added up where they share a currency.
    fn award_total(&self, host: &Node, outcome: &Outcome) -> Result<(), JsValue> {
        let accepted = outcome
            .offers
            .iter()
            .filter(|o| o.state == SubmissionStatus::Accepted)
            .filter_map(|o| o.award.as_deref());
        if let Some((cents, currency)) = intl::award_total(accepted) {
            let amount = intl::money_cents(cents, currency, self.tag);
            let said = fill(self.t.award_total(), &[("amount", &amount)]);
            text(host, "p", "rr-award-total", &said)?;
        }
        Ok(())
    }

    fn receipt(&self, host: &Node, receipt: &Receipt) -> Result<(), JsValue> {
        let (t, tag) = (self.t, self.tag);
        let currency = receipt.currency.as_deref();
        let list = child(host, "dl", "rr-receipt")?;
        let row = |term: &str, class: &str, value: &str| -> Result<Element, JsValue> {
            text(&list, "dt", "", term)?;
            text(&list, "dd", class, value)
        };
        if let Some(store) = &receipt.store {
            row(t.store(), "rr-store", store)?;
        }
        if let Some(date) = &receipt.date {
            let when = intl::receipt_date(date, receipt.time.as_deref(), tag);
            row(t.date(), "rr-date", &when)?;
        }
        if let Some(total) = receipt.total {
            row(
                t.field_total(),
                "rr-total",
                &intl::money(total, currency, tag),
            )?;
        }
        if !receipt.items.is_empty() {
            let cell = row(t.items(), "", "")?;
            let items = child(&cell, "ul", "rr-items")?;
            for item in &receipt.items {
                let line = child(&items, "li", "")?;
                text(&line, "span", "", &item.description)?;
                if let Some(total) = item.total {
                    text(
                        &line,
                        "span",
                        "rr-amount",
                        &intl::money(total, currency, tag),
                    )?;
                }
            }
        }
        Ok(())
    }
}
