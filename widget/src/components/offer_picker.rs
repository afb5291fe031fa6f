//! Choosing where the shopper bought (merchant), then the offers on the receipt
//! and, for offers with several buying options (goals), how many were bought.
//! A long list of stores has a search box that forgives what shoppers type
//! ([`matches`]); finding nothing says so and offers the whole list.

use api::{ClaimedOffer, Merchant, Offer};
use yew::prelude::*;

use crate::i18n::{Text, fill};
use crate::shared::Shared;

/// What the store step shows and does.
pub struct MerchantPicker<'a> {
    pub shared: &'a Shared,
    /// `None` while loading.
    pub merchants: Option<&'a [Merchant]>,
    pub on_choose: Callback<Merchant>,
}

/// From how many stores the list gets a search box.
const SEARCH_FROM: usize = 7;

/// `text` as shoppers type it and as it is compared: lower case (the
/// browser's, which knows every script), accents off (`é` is `e`, `ł` is
/// `l`: the browser's NFD, then no combining marks), punctuation as spaces.
pub fn folded(text: &str) -> String {
    let decomposed = js_sys::JsString::from(text)
        .normalize("NFD")
        .to_locale_lower_case(None);
    String::from(decomposed)
        .chars()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'ł' => 'l',
            'ø' => 'o',
            'đ' => 'd',
            'ı' => 'i',
            '-' | '\'' | '’' | '.' | ',' | '&' | '/' => ' ',
            c => c,
        })
        .collect()
}

/// Whether a store's `name` answers `query`: each word typed is in it,
/// whole or begun, in any order, whatever the case, accents and spaces.
pub fn matches(name: &str, query: &str) -> bool {
    // The browser's search: a substring search of our own would cost the
    // bundle 1.5 KB.
    let name = js_sys::JsString::from(folded(name));
    folded(query)
        .split_whitespace()
        .all(|word| name.includes(word, 0))
}

/// What the shopper typed in the store search, kept by the one who shows
/// the store step (a component of its own would cost the bundle 0.3 KiB).
#[hook]
pub fn use_store_search() -> UseStateHandle<String> {
    use_state(String::new)
}

/// The store step: a view (its state is the search, [`use_store_search`]).
pub fn stores(props: &MerchantPicker<'_>, query: &UseStateHandle<String>) -> Html {
    let locale = &props.shared.locale;
    let t = locale.t();
    let Some(merchants) = props.merchants else {
        return html! { <p class="rr-loading" role="status">{ t.loading_stores() }</p> };
    };
    let oninput = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| {
            query.set(
                e.target_unchecked_into::<web_sys::HtmlInputElement>()
                    .value(),
            );
        })
    };
    let show_all = {
        let query = query.clone();
        Callback::from(move |_: MouseEvent| query.set(String::new()))
    };
    let found: Vec<&Merchant> = merchants
        .iter()
        .filter(|m| matches(&m.name, query))
        .collect();
    html! {
        <fieldset class="rr-step rr-merchants">
            <legend class="rr-question">{ t.where_shopped() }</legend>
            if merchants.len() >= SEARCH_FROM {
                <input type="search" class="rr-search" aria-label={t.search_stores()}
                    placeholder={t.search_stores()} value={(**query).clone()} {oninput} />
            }
            // Said as it happens; nothing found offers the whole list.
            <div role="status">
                if found.is_empty() && !merchants.is_empty() {
                    <p class="rr-hint rr-no-store">{ fill(t.no_store_found(), &[("query", query.trim())]) }</p>
                    <button type="button" class="rr-button rr-secondary rr-all-stores" onclick={show_all}>
                        { t.show_all_stores() }
                    </button>
                }
            </div>
            // In a list of their own: the search box is never re-made while
            // the list changes under it.
            <div class="rr-merchant-list">
                { for found.into_iter().map(|merchant| {
                    // Chosen, the search is done with: back at the
                    // stores, the whole list is there again.
                    let (on_choose, query) = (props.on_choose.clone(), query.clone());
                    let chosen = merchant.clone();
                    html! {
                        <button
                            type="button"
                            class="rr-button rr-choice rr-merchant"
                            key={merchant.id.clone()}
                            onclick={move |_| {
                                query.set(String::new());
                                on_choose.emit(chosen.clone());
                            }}
                        >{ &merchant.name }</button>
                    }
                }) }
            </div>
        </fieldset>
    }
}

/// What the offers step shows and does.
pub struct OfferStep<'a> {
    pub merchant: &'a Merchant,
    /// `None` while loading.
    pub offers: Option<&'a [Offer]>,
    pub claimed: &'a [ClaimedOffer],
    /// Claims an offer with a quantity, or unclaims it (`None`).
    pub on_set: Callback<(String, Option<u32>)>,
    pub on_back: Callback<MouseEvent>,
    pub on_continue: Callback<MouseEvent>,
}

/// The offers step: a view, not a component (it holds no state of its own).
pub fn offers(t: &Text, props: &OfferStep<'_>) -> Html {
    let back = html! {
        <button type="button" class="rr-link rr-back" onclick={props.on_back.clone()}>
            { t.change_store() }
        </button>
    };
    let Some(offers) = props.offers else {
        return html! {
            <>
                <p class="rr-loading" role="status">{ t.loading_offers() }</p>
                { back }
            </>
        };
    };
    let claimed = |id: &str| {
        props
            .claimed
            .iter()
            .find(|c| c.offer_id == id)
            .map(|c| c.quantity)
    };
    html! {
        <div class="rr-step rr-offers-step">
            <fieldset class="rr-offers-list">
                <legend class="rr-question">{ fill(t.what_bought(), &[("store", &props.merchant.name)]) }</legend>
                if offers.is_empty() {
                    <p class="rr-hint">{ t.no_offers() }</p>
                }
                { for offers.iter().map(|offer| offer_row(t, offer, claimed(&offer.id), &props.on_set)) }
            </fieldset>
            <button
                type="button"
                class="rr-button rr-continue"
                disabled={props.claimed.is_empty()}
                onclick={props.on_continue.clone()}
            >{ t.continue_to_photos() }</button>
            { back }
        </div>
    }
}

/// One offer: a checkbox and, once it is ticked and the offer has several goals,
/// one radio button per quantity.
fn offer_row(
    t: &Text,
    offer: &Offer,
    quantity: Option<u32>,
    on_set: &Callback<(String, Option<u32>)>,
) -> Html {
    let first = offer.goals.first().map_or(1, |g| g.quantity);
    let toggle = {
        let (on_set, id) = (on_set.clone(), offer.id.clone());
        Callback::from(move |_: Event| {
            on_set.emit((
                id.clone(),
                if quantity.is_some() {
                    None
                } else {
                    Some(first)
                },
            ));
        })
    };
    let check_id = format!("rr-offer-{}", offer.id);
    let award = offer
        .goals
        .first()
        .map(|g| g.award.clone())
        .unwrap_or_default();
    html! {
        <div class="rr-offer" key={offer.id.clone()}>
            <label class="rr-offer-label" for={check_id.clone()}>
                <input
                    id={check_id}
                    class="rr-offer-check"
                    type="checkbox"
                    checked={quantity.is_some()}
                    onchange={toggle}
                />
                // The product's picture, as the provider gives it (the title
                // says what it is).
                if let Some(src) = &offer.image_url {
                    <img class="rr-offer-image" src={src.clone()} alt="" width="48" height="48" loading="lazy" />
                }
                <span class="rr-offer-title">{ &offer.title }</span>
                if offer.goals.len() == 1 {
                    <span class="rr-award">{ award }</span>
                }
            </label>
            if let (Some(chosen), true) = (quantity, offer.goals.len() > 1) {
                <fieldset class="rr-goals">
                    <legend class="rr-hint">{ t.how_many() }</legend>
                    { for offer.goals.iter().map(|goal| {
                        let (on_set, id, q) = (on_set.clone(), offer.id.clone(), goal.quantity);
                        html! {
                            <label class="rr-goal">
                                <input
                                    type="radio"
                                    name={format!("rr-goal-{}", offer.id)}
                                    checked={chosen == goal.quantity}
                                    onchange={move |_: Event| on_set.emit((id.clone(), Some(q)))}
                                />
                                { format!("{} → {}", goal.quantity, goal.award) }
                            </label>
                        }
                    }) }
                </fieldset>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::matches;
    // The browser does the folding: the tests run in it.
    use wasm_bindgen_test::wasm_bindgen_test as test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    #[test]
    fn a_store_search_found_nothing_for_what_shoppers_type() {
        let store = "Carrefour Market Île-de-France";
        // Case, accents, a phone keyboard's trailing space, two words in
        // any order, a word begun.
        for typed in [
            "carrefour",
            "CARREFOUR",
            "ile de france",
            "Île",
            "carrefour ",
            "  carrefour   market ",
            "market carrefour",
            "carref mark",
            "",
        ] {
            assert!(matches(store, typed), "{typed:?}");
        }
        assert!(matches("Żabka Łódź", "zabka lodz"));
        assert!(matches("Dia %", "día"));
        for typed in ["lidl", "carrefour lidl", "marketplace"] {
            assert!(!matches(store, typed), "{typed:?}");
        }
    }
}
