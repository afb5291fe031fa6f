//! One of the lens's dialogs (the camera's, the corner editor's), open from
//! this component's first render until it goes: one component for every
//! dialog, so that yew's component and effect machinery is in the bundle
//! once for them all. The camera and the corner editor are views that say
//! which dialog, with what, and what its events mean.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use web_sys::Element;
use yew::prelude::*;

use crate::lens::{Dialog, Lens, LensLoader};

/// What the shopper does in a dialog, as `(event, value)`; `"unavailable"`
/// where the lens (or the dialog in it) could not be had.
pub type OnDialog = Rc<dyn Fn(&str, JsValue)>;

#[derive(Properties)]
pub struct LensDialogProps {
    pub loader: LensLoader,
    /// The lens's class that draws the dialog.
    pub class: &'static str,
    /// What it is opened with, after the element it draws in (and before
    /// the function it reports to, which calls `on`). Those of the first
    /// render.
    pub arguments: Array,
    pub on: OnDialog,
    /// What the open dialog is told (its `update`), as it opens and each
    /// time the number changes.
    #[prop_or_default]
    pub update: Option<(u32, Array)>,
}

impl PartialEq for LensDialogProps {
    /// Only what the dialog is told after it opens can change it.
    fn eq(&self, other: &Self) -> bool {
        let key = |props: &Self| props.update.as_ref().map(|(key, _)| *key);
        self.class == other.class && key(self) == key(other)
    }
}

/// The lens's dialog, drawn in this component's element (nothing else draws
/// there), opened once the lens is here; dropped with the component: the
/// dialog gone, a camera in it off.
#[component]
pub fn LensDialog(props: &LensDialogProps) -> Html {
    let host = use_node_ref();
    let dialog = use_state(Option::<Rc<Dialog>>::default);
    {
        let (host, dialog) = (host.clone(), dialog.clone());
        let (loader, class) = (props.loader.clone(), props.class);
        let (arguments, on) = (props.arguments.clone(), props.on.clone());
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
    let key = props.update.as_ref().map(|(key, _)| *key);
    let update = props.update.as_ref().map(|(_, update)| update.clone());
    use_effect_with((key, dialog.is_some()), move |_| {
        if let (Some(dialog), Some(update)) = (dialog.as_ref(), update) {
            dialog.call("update", &update);
        }
    });
    html! { <div class="rr-dialog-host" ref={host}></div> }
}
