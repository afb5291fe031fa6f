//! The widget's custom hooks: the effects and callbacks behind the steps, so that
//! the root component only wires components together.
//!
//! - [`use_campaign`]: loads the campaign (and its stores), and loads a store's
//!   offers when the shopper chooses it;
//! - [`photo_picking`]: the callback that prepares picked photos for the
//!   campaign's rules;
//! - [`use_upload`]: the upload with its progress, retries and offline wait,
//!   then the status checks until the verdict, and the manual-review request;
//! - [`use_draft`]: the shopper's draft brought back after a reload and kept
//!   as they go.

mod campaign;
mod draft;
mod photos;
mod upload;

use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, Element};
use yew::{Callback, UseReducerDispatcher};

pub use campaign::{Loaded, use_campaign};
pub use draft::use_draft;
pub use photos::photo_picking;
pub use upload::{Target, Uploader, new_idempotency_key, use_upload};

use crate::state::{Action, State};

/// Dispatches a DOM event on the host element, for the host page's scripts.
/// `error` does not bubble: a page's own `window` error handlers are for
/// script errors.
pub fn emit(host: &Element, name: &str, detail: &JsValue, bubbles: bool) {
    let init = CustomEventInit::new();
    init.set_detail(detail);
    init.set_bubbles(bubbles);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&event);
    }
}

/// A callback that dispatches the action `make` builds from its argument (yew's
/// `function_todomvc` `make_callback`).
pub fn action<E: 'static>(
    dispatcher: &UseReducerDispatcher<State>,
    make: impl Fn(E) -> Action + 'static,
) -> Callback<E> {
    let dispatcher = dispatcher.clone();
    Callback::from(move |event| dispatcher.dispatch(make(event)))
}
