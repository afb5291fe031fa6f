//! The receipt's corners in a picked photo, for the shopper to fix where the
//! lens found them wrong: the photo as it was, the outline over it and a
//! handle on each corner, dragged with a finger or the mouse, or moved with
//! the arrow keys. The lens draws the dialog, in the shopper's words, and
//! moves the handles (`widget/lens`'s `corners.rs`); "Use these corners"
//! straightens the photo to them again.

use std::rc::Rc;

use js_sys::{Array, Float32Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;
use yew::prelude::*;

use crate::hooks::{OnDialog, use_lens_dialog};
use crate::shared::Shared;

#[derive(Properties, PartialEq)]
pub struct CornersProps {
    pub shared: Shared,
    /// The photo before it was straightened.
    pub original: Blob,
    /// Its corners, each `x, y` as fractions of its width and height.
    pub corners: [f32; 8],
    pub on_done: Callback<[f32; 8]>,
    pub on_cancel: Callback<()>,
}

#[component]
pub fn Corners(props: &CornersProps) -> Html {
    let on: OnDialog = {
        let (corners, on_done, on_cancel) = (
            props.corners,
            props.on_done.clone(),
            props.on_cancel.clone(),
        );
        Rc::new(move |event: &str, value: JsValue| match event {
            "done" => on_done.emit(
                value
                    .dyn_into::<Float32Array>()
                    .ok()
                    .and_then(|moved| moved.to_vec().try_into().ok())
                    .unwrap_or(corners),
            ),
            // No lens (it was there for the photo): the corners stay.
            "cancel" | "unavailable" => on_cancel.emit(()),
            _ => {}
        })
    };
    let arguments = Array::of3(
        props.shared.locale.words(),
        &props.original,
        &Float32Array::from(props.corners.as_slice()),
    );
    let (host, _) = use_lens_dialog(&props.shared.lens, "CornersDialog", arguments, on);
    // The lens draws the dialog in here; nothing else does.
    html! { <div class="rr-dialog-host" ref={host}></div> }
}
