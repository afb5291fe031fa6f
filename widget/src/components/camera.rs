//! The live camera, full screen over the widget: for receipt photos, a
//! viewfinder that outlines the receipt and takes it, straightened, by itself
//! once it is held still, with the shutter there for whoever wants it and
//! the torch; or a live QR scan that closes itself on the first code it
//! reads. The lens draws the dialog, in the shopper's words, and runs the
//! camera in it (`widget/lens`'s `camera_dialog.rs`), fetched as it opens;
//! here is only where it goes and what it tells.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{Blob, Element};
use yew::prelude::*;

use crate::i18n::use_locale;
use crate::lens::{Dialog, Lens, LensLoader};
use crate::problem::{CameraError, Problem};

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
    let host = use_node_ref();
    let dialog = use_mut_ref(|| None::<Dialog>);
    let loader = use_context::<LensLoader>().unwrap_or_default();
    let locale = use_locale();
    let shown: Shown = (props.taken, props.max, props.last.clone());
    // The newest count, for a dialog that opens after it changed.
    let latest = use_mut_ref(|| shown.clone());
    {
        let (host, dialog, latest) = (host.clone(), dialog.clone(), latest.clone());
        let (mode, on_photo, on_qr, on_fail, on_close) = (
            props.mode,
            props.on_photo.clone(),
            props.on_qr.clone(),
            props.on_fail.clone(),
            props.on_close.clone(),
        );
        use_effect_with((), move |()| {
            let (alive, closed) = (Rc::new(Cell::new(true)), dialog.clone());
            let open = alive.clone();
            spawn_local(async move {
                let (Some(lens), Some(host)) = (Lens::load(&loader).await, host.cast::<Element>())
                else {
                    return on_fail.emit(match mode {
                        CameraMode::Qr => Problem::ScannerUnavailable,
                        CameraMode::Photo => Problem::CameraUnavailable,
                    });
                };
                // Closed while the lens was on its way: no camera.
                if !open.get() {
                    return;
                }
                let failed = on_fail.clone();
                let on = move |event: &str, value: JsValue| match event {
                    "failed" => failed.emit(Problem::Camera(CameraError::from_name(
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
                };
                let arguments = Array::of3(&host, &(mode == CameraMode::Qr).into(), locale.words());
                let Some(opened) = Dialog::open(&lens, "CameraDialog", &arguments, on) else {
                    return on_fail.emit(Problem::CameraUnavailable);
                };
                update(&opened, &latest.borrow());
                *dialog.borrow_mut() = Some(opened);
            });
            move || {
                alive.set(false);
                // Dropped: the camera off, the dialog gone.
                closed.borrow_mut().take();
            }
        });
    }
    use_effect_with(shown, move |shown| {
        *latest.borrow_mut() = shown.clone();
        if let Some(dialog) = dialog.borrow().as_ref() {
            update(dialog, shown);
        }
    });
    // The lens draws the dialog in here; nothing else does.
    html! { <div class="rr-dialog-host" ref={host}></div> }
}

/// The dialog told how many photos the receipt has.
fn update(dialog: &Dialog, (taken, max, last): &Shown) {
    let last = last
        .as_ref()
        .map_or(JsValue::UNDEFINED, |url| url.as_str().into());
    dialog.call(
        "update",
        &Array::of3(&(*taken as u32).into(), &(*max as u32).into(), &last),
    );
}
