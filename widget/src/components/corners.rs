//! The receipt's corners in a picked photo, for the shopper to fix where the
//! lens found them wrong: the photo as it was, the outline over it and a
//! handle on each corner, dragged with a finger or the mouse, or moved with
//! the arrow keys. The lens draws the dialog, in the shopper's words, and
//! moves the handles (`widget/lens`'s `corners.rs`); "Use these corners"
//! straightens the photo to them again.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Array, Float32Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{Blob, Element};
use yew::prelude::*;

use crate::i18n::use_locale;
use crate::lens::{Dialog, Lens, LensLoader};

#[derive(Properties, PartialEq)]
pub struct CornersProps {
    /// The photo before it was straightened.
    pub original: Blob,
    /// Its corners, each `x, y` as fractions of its width and height.
    pub corners: [f32; 8],
    pub on_done: Callback<[f32; 8]>,
    pub on_cancel: Callback<()>,
}

#[component]
pub fn Corners(props: &CornersProps) -> Html {
    let locale = use_locale();
    let loader = use_context::<LensLoader>().unwrap_or_default();
    let host = use_node_ref();
    let dialog = use_mut_ref(|| None::<Dialog>);
    {
        let (host, original, corners) = (host.clone(), props.original.clone(), props.corners);
        let (on_done, on_cancel) = (props.on_done.clone(), props.on_cancel.clone());
        use_effect_with((), move |()| {
            let (alive, closed) = (Rc::new(Cell::new(true)), dialog.clone());
            let open = alive.clone();
            spawn_local(async move {
                let (Some(lens), Some(host)) = (Lens::load(&loader).await, host.cast::<Element>())
                else {
                    // No lens (it was there for the photo): the corners stay.
                    return on_cancel.emit(());
                };
                if !open.get() {
                    return;
                }
                let cancelled = on_cancel.clone();
                let on = move |event: &str, value: JsValue| match event {
                    "done" => on_done.emit(
                        value
                            .dyn_into::<Float32Array>()
                            .ok()
                            .and_then(|moved| moved.to_vec().try_into().ok())
                            .unwrap_or(corners),
                    ),
                    "cancel" => cancelled.emit(()),
                    _ => {}
                };
                let arguments = Array::of4(
                    &host,
                    locale.words(),
                    &original,
                    &Float32Array::from(corners.as_slice()),
                );
                *dialog.borrow_mut() = Dialog::open(&lens, "CornersDialog", &arguments, on);
                if dialog.borrow().is_none() {
                    on_cancel.emit(());
                }
            });
            move || {
                alive.set(false);
                closed.borrow_mut().take();
            }
        });
    }
    // The lens draws the dialog in here; nothing else does.
    html! { <div class="rr-dialog-host" ref={host}></div> }
}
