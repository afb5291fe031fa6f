//! The live camera, full screen over the widget: for receipt photos, a
//! viewfinder that outlines the receipt and takes it, straightened, by itself
//! once it is held still, with the shutter there for whoever wants it and
//! the torch; or a live QR scan that closes itself on the first code it
//! reads. The lens draws the dialog, in the shopper's words, and runs the
//! camera in it (`widget/lens`'s `camera_dialog.rs`), fetched as it opens;
//! here is only where it goes and what it tells.

use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;
use yew::prelude::*;

use crate::hooks::{OnDialog, use_lens_dialog};
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

#[derive(Properties, PartialEq)]
pub struct CameraProps {
    pub shared: Shared,
    pub mode: CameraMode,
    /// Photos already taken of this receipt, and how many it may have.
    #[prop_or_default]
    pub taken: usize,
    #[prop_or_default]
    pub max: usize,
    /// The newest photo's preview, shown beside the shutter.
    #[prop_or_default]
    pub last: Option<AttrValue>,
    #[prop_or_default]
    pub on_photo: Callback<Blob>,
    #[prop_or_default]
    pub on_qr: Callback<String>,
    /// The camera could not start (`Problem::Camera`), or the lens could
    /// not be had: the parent closes it and offers the fallback.
    pub on_fail: Callback<Problem>,
    pub on_close: Callback<()>,
}

/// The receipt's photos so far, as the dialog shows them.
type Shown = (usize, usize, Option<AttrValue>);

#[component]
pub fn Camera(props: &CameraProps) -> Html {
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
    let (host, dialog) = use_lens_dialog(&props.shared.lens, "CameraDialog", arguments, on);
    // The photos so far, told to the dialog as it opens and as they change.
    let shown: Shown = (props.taken, props.max, props.last.clone());
    use_effect_with((shown, dialog.is_some()), move |((taken, max, last), _)| {
        if let Some(dialog) = dialog.as_ref() {
            let last = last
                .as_ref()
                .map_or(JsValue::UNDEFINED, |url| url.as_str().into());
            dialog.call(
                "update",
                &Array::of3(&(*taken as u32).into(), &(*max as u32).into(), &last),
            );
        }
    });
    // The lens draws the dialog in here; nothing else does.
    html! { <div class="rr-dialog-host" ref={host}></div> }
}
