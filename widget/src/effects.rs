//! What the widget does outside its own state, in one leaf module: the host
//! page's DOM events (`step`, `submitted`, `result` and `error`, listed with
//! their `detail` in the README), the photos' preview URLs freed, and new
//! idempotency keys.
//!
//! The reducer stays pure: it only names what is to be done ([`Effect`]s, in
//! the state's [`Effects`]); the hooks do it ([`Effects::due`], [`perform`]).

use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, Element};

use crate::problem::Problem;

/// Something the reducer decided is to be done outside the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// The shopper reached this step (its name in the `step` event).
    Step(&'static str),
    /// The shopper is shown a problem of this kind (the `error` event).
    Error(&'static str),
    /// A photo left the state: its preview's object URL holds the file in
    /// memory until freed.
    Free(String),
}

/// The effects the reducer named, numbered from the widget's start: the last
/// [`Effects::KEPT`] of them, so that the hook performs each once even when
/// several actions come between two renders.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Effects {
    /// How many were ever named.
    pub count: u32,
    recent: Vec<Effect>,
}

impl Effects {
    /// More than any run of actions between two renders.
    const KEPT: usize = 32;

    pub fn push(&mut self, effect: Effect) {
        self.count += 1;
        self.recent.push(effect);
        if self.recent.len() > Self::KEPT {
            self.recent.remove(0);
        }
    }

    /// Those named after the first `done`.
    pub fn due(&self, done: u32) -> impl Iterator<Item = &Effect> {
        let first = self.count - self.recent.len() as u32;
        self.recent.iter().skip(done.saturating_sub(first) as usize)
    }
}

/// Does `effect` on the page that hosts the widget at `host`.
pub fn perform(host: &Element, effect: &Effect) {
    match effect {
        Effect::Step(name) => emit(host, "step", &(*name).into(), true),
        Effect::Error(kind) => emit(host, "error", &(*kind).into(), false),
        Effect::Free(url) => {
            let _ = web_sys::Url::revoke_object_url(url);
        }
    }
}

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

/// A fresh key for one upload (kept across retries of that upload).
pub fn new_idempotency_key() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("{:x}", (js_sys::Math::random() * 1e16) as u64))
}

/// Tells the host page of a problem a component shows by itself (the
/// camera's, the QR code's), as the reducer's effects do for the others: an
/// `error` event whose detail is the problem's kind. Given to components in
/// their `shared` prop.
#[derive(Clone, PartialEq)]
pub struct Reporter(pub Element);

impl Reporter {
    pub fn said(&self, problem: &Problem) {
        perform(&self.0, &Effect::Error(problem.kind()));
    }
}

/// Reports each problem a component comes to show (once as it appears).
#[yew::hook]
pub fn use_reported(problem: Option<Problem>, reporter: &Reporter) {
    let reporter = reporter.clone();
    yew::use_effect_with(problem, move |problem| {
        if let Some(problem) = problem {
            reporter.said(problem);
        }
    });
}
