//! The host page's DOM events: `step`, `submitted`, `result` and `error`
//! dispatched on the host element (the README's table lists them and their
//! `detail`). Below the state and the hooks, which both tell the page.

use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, Element};

use crate::problem::Problem;

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

/// Tells the host page of a problem a component shows by itself (the
/// camera's, the QR code's), as the reducer does for the others: an `error`
/// event whose detail is the problem's kind. Given to components as context.
#[derive(Clone, PartialEq)]
pub struct Reporter(pub Element);

impl Reporter {
    pub fn said(&self, problem: &Problem) {
        emit(&self.0, "error", &problem.kind().into(), false);
    }
}

/// Reports each problem a component comes to show (once as it appears).
#[yew::hook]
pub fn use_reported(problem: Option<Problem>) {
    let reporter = yew::use_context::<Reporter>();
    yew::use_effect_with(problem, move |problem| {
        if let (Some(reporter), Some(problem)) = (reporter, problem) {
            reporter.said(problem);
        }
    });
}
