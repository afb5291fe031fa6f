//! [`use_draft`]: the shopper's draft brought back on mount and kept as they
//! go (see [`crate::draft`]).

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::use_on_mount;
use crate::draft::Drafts;
use crate::resume::Resume;
use crate::state::{Action, State};

/// Brings back the draft an earlier page left (unless a submission is in
/// flight: then its wait wins), then keeps the draft as the state changes.
/// `store` is the loader's draft store; `on_merchant` chooses a store and
/// loads its offers, for a draft left on the offers step.
#[hook]
pub fn use_draft(
    state: &UseReducerHandle<State>,
    store: &JsValue,
    resume: &Resume,
    on_merchant: &Callback<api::Merchant>,
) {
    let drafts = (*use_memo((), |()| Drafts::new(store.clone(), resume.key()))).clone();
    {
        let (dispatcher, drafts, resume, on_merchant) = (
            state.dispatcher(),
            drafts.clone(),
            resume.clone(),
            on_merchant.clone(),
        );
        // Spawned before the first `keep` below, so the store reads the old
        // draft before anything replaces it (IndexedDB runs them in order).
        use_on_mount(Box::new(move |_| {
            if resume.get().is_none() {
                spawn_local(async move {
                    let Some(draft) = drafts.load().await else {
                        return;
                    };
                    if let (Some(merchant), "offers") = (&draft.merchant, draft.step.as_str()) {
                        on_merchant.emit(merchant.clone());
                    }
                    dispatcher.dispatch(Action::Restored(draft));
                });
            }
        }));
    }
    let changed = (
        state.step.name(),
        state.merchant.as_ref().map(|m| m.id.clone()),
        state.claimed.clone(),
        state.qr.clone(),
        state
            .photos
            .iter()
            .map(|p| p.preview_url.clone())
            .collect::<Vec<_>>(),
        state.idempotency_key.clone(),
    );
    let state = state.clone();
    use_effect_with(changed, move |_| drafts.keep(&state));
}
