//! The live camera, full screen over the widget: for receipt photos, a
//! viewfinder that outlines the receipt and takes it, straightened, by itself
//! once it is held still, with the shutter there for whoever wants it and
//! the torch; or a live QR scan that closes itself on the first code it
//! reads. The lens draws the dialog, in the shopper's words, and runs the
//! camera in it (`widget/lens`'s `camera_dialog.rs`), fetched as it opens;
//! here is only what it is opened with and what it tells (a view of
//! `LensDialog`).

use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;
use yew::prelude::*;

use crate::components::dialog::{LensDialog, OnDialog};
use crate::problem::{CameraError, Problem};
use crate::shared::Shared;

/// Whether this browser can show a live camera at all (it needs a secure
/// page and `getUserMedia`).
pub fn supported() -> bool {
    web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| js_sys::Reflect::get(&n, &"mediaDevices".into()).ok())
        .filter(|d| !d.is_undefined())
        .and_then(|d| js_sys::Reflect::get(&d, &"getUserMedia".into()).ok())
        .is_some_and(|f| f.is_function())
}

/// What the camera is open for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraMode {
    Photo,
    Qr,
}

/// The camera as its parent shows it.
pub struct Camera<'a> {
    pub shared: &'a Shared,
    pub mode: CameraMode,
    /// Photos already taken of this receipt, and how many it may have.
    pub taken: usize,
    pub max: usize,
    /// How many of them are ready (the others are being prepared), and the
    /// newest ready one's preview, shown beside the shutter.
    pub ready: usize,
    pub last: Option<&'a str>,
    pub on_photo: Callback<Blob>,
    pub on_qr: Callback<String>,
    /// The camera could not start (`Problem::Camera`), or the lens could
    /// not be had: the parent closes it and offers the fallback.
    pub on_fail: Callback<Problem>,
    pub on_close: Callback<()>,
}

/// The camera: a view of the lens's `CameraDialog` (`LensDialog`), told the
/// photos so far as they change.
pub fn view(props: &Camera<'_>) -> Html {
    let on: OnDialog = {
        let (mode, on_photo, on_qr, on_fail, on_close) = (
            props.mode,
            props.on_photo.clone(),
            props.on_qr.clone(),
            props.on_fail.clone(),
            props.on_close.clone(),
        );
        Rc::new(move |event: &str, value: JsValue| match event {
            "unavailable" => on_fail.emit(match mode {
                CameraMode::Qr => Problem::ScannerUnavailable,
                CameraMode::Photo => Problem::CameraUnavailable,
            }),
            "failed" => on_fail.emit(Problem::Camera(CameraError::from_name(
                &value.as_string().unwrap_or_default(),
            ))),
            "photo" => {
                if let Ok(blob) = value.dyn_into() {
                    on_photo.emit(blob);
                }
            }
            "code" => on_qr.emit(value.as_string().unwrap_or_default()),
            "close" => on_close.emit(()),
            _ => {}
        })
    };
    let arguments = Array::of2(
        &(props.mode == CameraMode::Qr).into(),
        props.shared.locale.words(),
    );
    // The photos so far. While it is open, photos are only added, each
    // taken then ready: the two counts tell a change.
    let (taken, max) = (props.taken as u32, props.max as u32);
    let last = props.last.map_or(JsValue::UNDEFINED, JsValue::from);
    let update = Array::of3(&taken.into(), &max.into(), &last);
    let changed = (props.ready as u32) << 16 | taken;
    html! {
        <LensDialog
            loader={props.shared.lens.clone()}
            class="CameraDialog"
            {arguments}
            {on}
            update={Some((changed, update))}
        />
    }
}
