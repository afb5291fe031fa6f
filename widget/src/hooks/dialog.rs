//! One of the lens's dialogs in a component: open from its first render until
//! it goes.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use web_sys::Element;
use yew::{NodeRef, UseStateHandle, hook, use_effect_with, use_node_ref, use_state};

use crate::lens::{Dialog, Lens, LensLoader};

/// What the shopper does in a dialog, as `(event, value)`; `"unavailable"`
/// where the lens (or the dialog in it) could not be had.
pub type OnDialog = Rc<dyn Fn(&str, JsValue)>;

/// The lens's dialog `class`, drawn in the element of the node returned
/// (nothing else draws there), opened once the lens is here with the element,
/// then `arguments`, then the function it reports to, which calls `on`. The
/// dialog is given back once open (the component re-renders), and dropped
/// with the component: the dialog gone, a camera in it off. Arguments and
/// `on` are those of the first render. One hook for every dialog, so that
/// yew's effect machinery is in the bundle once for them all.
#[hook]
pub fn use_lens_dialog(
    loader: &LensLoader,
    class: &'static str,
    arguments: Array,
    on: OnDialog,
) -> (NodeRef, UseStateHandle<Option<Rc<Dialog>>>) {
    let host = use_node_ref();
    let loader = loader.clone();
    let dialog = use_state(Option::<Rc<Dialog>>::default);
    {
        let (host, dialog) = (host.clone(), dialog.clone());
        use_effect_with((), move |()| {
            let alive = Rc::new(Cell::new(true));
            let open = alive.clone();
            spawn_local(async move {
                let (Some(lens), Some(element)) =
                    (Lens::load(&loader).await, host.cast::<Element>())
                else {
                    return on("unavailable", JsValue::UNDEFINED);
                };
                // Gone while the lens was on its way: no dialog (no camera).
                if !open.get() {
                    return;
                }
                arguments.unshift(&element);
                let report = Rc::clone(&on);
                match Dialog::open(&lens, class, &arguments, move |e, v| report(e, v)) {
                    Some(opened) => dialog.set(Some(Rc::new(opened))),
                    None => on("unavailable", JsValue::UNDEFINED),
                }
            });
            move || alive.set(false)
        });
    }
    (host, dialog)
}
