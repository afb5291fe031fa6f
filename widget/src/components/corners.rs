//! The receipt's corners in a picked photo, for the shopper to fix where the
//! lens found them wrong: the photo as it was, the outline over it and a
//! handle on each corner, dragged with a finger or the mouse, or moved with
//! the arrow keys. The lens draws the dialog, in the shopper's words, and
//! moves the handles (`widget/lens`'s `corners.rs`); "Use these corners"
//! straightens the photo to them again. Here is only what it is opened with
//! and what it tells (a view of `LensDialog`).

use std::rc::Rc;

use js_sys::{Array, Float32Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;
use yew::prelude::*;

use crate::components::dialog::{LensDialog, OnDialog};
use crate::shared::Shared;

/// The corner editor as its parent shows it.
pub struct Corners<'a> {
    pub shared: &'a Shared,
    /// The photo before it was straightened.
    pub original: &'a Blob,
    /// Its corners, each `x, y` as fractions of its width and height.
    pub corners: [f32; 8],
    pub on_done: Callback<[f32; 8]>,
    pub on_cancel: Callback<()>,
}

/// The corner editor: a view of the lens's `CornersDialog` (`LensDialog`).
pub fn view(props: &Corners<'_>) -> Html {
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
        props.original,
        &Float32Array::from(props.corners.as_slice()),
    );
    html! {
        <LensDialog loader={props.shared.lens.clone()} class="CornersDialog" {arguments} {on} />
    }
}
