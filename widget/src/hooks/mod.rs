//! The widget's custom hooks: the effects and callbacks behind the steps, so that
//! the root component only wires components together.
//!
//! - [`use_campaign`]: loads the campaign (and its stores), and loads a store's
//!   offers when the shopper chooses it;
//! - [`photo_picking`]: the callback that prepares picked photos for the
//!   campaign's rules (each straightened to the receipt the lens finds), and
//!   [`corners_moving`], the one that straightens a photo again to corners
//!   the shopper moved;
//! - [`use_upload`]: the upload with its progress, retries and offline wait
//!   (one the page left unsent goes again by itself), then the status checks
//!   until the verdict, and the manual-review request;
//! - [`use_draft`]: the shopper's draft brought back after a reload and kept
//!   as they go;
//! - [`use_effects`]: what the reducer named to be done outside the state
//!   (the host page's `step` and `error` events, previews freed), done;
//! - [`use_focus`]: a node that takes the focus when its key changes;
//! - [`pause`]: waiting for a delay, the network, or a button.

mod campaign;
mod draft;
mod photos;
mod upload;

use js_sys::{Function, Promise};
use wasm_bindgen_futures::JsFuture;
use web_sys::AddEventListenerOptions;
use yew::{Callback, UseReducerDispatcher};

use crate::effects::perform;
use crate::state::{Action, State};
pub use campaign::{CampaignHook, Loaded, use_campaign};
pub use draft::use_draft;
pub use photos::{corners_moving, photo_picking};
pub use upload::{Target, Uploader, use_upload};

/// A callback that dispatches the action `make` builds from its argument (yew's
/// `function_todomvc` `make_callback`).
pub fn action<E: 'static>(
    dispatcher: &UseReducerDispatcher<State>,
    make: impl Fn(E) -> Action + 'static,
) -> Callback<E> {
    let dispatcher = dispatcher.clone();
    Callback::from(move |event| dispatcher.dispatch(make(event)))
}

/// Does what the reducer named to be done outside the state, each once and in
/// order, after the render that shows it.
#[yew::hook]
pub fn use_effects(state: &State, host: &web_sys::Element) {
    let done = yew::use_mut_ref(|| 0);
    let (effects, host) = (state.effects.clone(), host.clone());
    use_on_change(
        state.effects.count,
        Box::new(move |_| {
            for effect in effects.due(*done.borrow()) {
                perform(&host, effect);
            }
            *done.borrow_mut() = effects.count;
        }),
    );
}

/// Runs `effect` after the first render and each in which `key` changed.
/// The widget's effects without a teardown all go through here, as a boxed
/// closure keyed by a number: one instantiation of yew's effect machinery
/// for them all, where each closure type would cost the bundle about a
/// kilobyte of its own.
fn use_on_change(
    key: u32,
    effect: Box<dyn FnOnce(&u32)>,
) -> impl yew::functional::Hook<Output = ()> {
    yew::use_effect_with(key, effect)
}

/// Runs `effect` once, after the first render.
fn use_on_mount(effect: Box<dyn FnOnce(&u32)>) -> impl yew::functional::Hook<Output = ()> {
    use_on_change(0, effect)
}

/// A node that takes the keyboard's and the screen reader's focus whenever
/// `key` changes to anything but 0 (a question opening, a verdict arriving,
/// the shopper's n-th answer to a question).
#[yew::hook]
pub fn use_focus(key: u32) -> yew::NodeRef {
    let node = yew::use_node_ref();
    {
        let node = node.clone();
        use_on_change(
            key,
            Box::new(move |key| {
                if let (true, Some(element)) = (*key != 0, node.cast::<web_sys::HtmlElement>()) {
                    let _ = element.focus();
                }
            }),
        );
    }
    node
}

/// Whether the browser believes it is online.
pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Waits until `ms` pass (where given), the browser is back online (where
/// `until_online`), or the function handed to `hold` is called (the shopper's
/// cancel or retry button), whichever comes first.
pub async fn pause(ms: Option<u32>, until_online: bool, hold: impl FnOnce(&Function)) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let mut hold = Some(hold);
    let done = Promise::new(&mut |resolve, _| {
        if until_online {
            let options = AddEventListenerOptions::new();
            options.set_once(true);
            let _ = window.add_event_listener_with_callback_and_add_event_listener_options(
                "online", &resolve, &options,
            );
        }
        if let Some(ms) = ms {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(ms).unwrap_or(i32::MAX),
            );
        }
        if let Some(hold) = hold.take() {
            hold(&resolve);
        }
    });
    let _ = JsFuture::from(done).await;
}
