//! Reading a QR code from a camera frame or a chosen photo: with the browser's
//! `BarcodeDetector` where it has one (Chrome on Android, Safari 17+ on macOS),
//! else with the lens (`crate::lens`: quircs behind frame preparation), which the
//! loader fetches the first time it is needed, so that the widget's own download
//! stays small.

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, HtmlCanvasElement};

use crate::lens::{Lens, LensLoader};
use crate::{canvas, photo};

/// Long side a chosen photo is read at: enough for the QR code of a receipt
/// photographed whole, small enough to decode quickly.
const PHOTO_SIDE: u32 = 1600;

/// A QR reader, native or wasm.
pub enum QrReader {
    /// A `BarcodeDetector` for `qr_code`.
    Native(JsValue),
    /// The lens module.
    Lens(Lens),
}

impl QrReader {
    /// The native detector if the browser has one for QR codes, else the lens
    /// (loaded now if it was not yet). `None` when neither can be had (the lens
    /// failed to download).
    pub async fn new(loader: &LensLoader) -> Option<Self> {
        if let Some(native) = native().await {
            return Some(Self::Native(native));
        }
        Lens::load(loader).await.map(Self::Lens)
    }

    /// The text of the first QR code on the canvas.
    pub async fn read(&self, canvas: &HtmlCanvasElement) -> Option<String> {
        match self {
            Self::Native(detector) => {
                let detect: Function = Reflect::get(detector, &"detect".into())
                    .ok()?
                    .dyn_into()
                    .ok()?;
                let promise: Promise = detect.call1(detector, canvas).ok()?.dyn_into().ok()?;
                let found: Array = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
                found
                    .iter()
                    .find_map(|code| Reflect::get(&code, &"rawValue".into()).ok()?.as_string())
            }
            Self::Lens(lens) => {
                let luma = canvas::grey(canvas).ok()?;
                lens.decode(&luma, canvas.width(), canvas.height())
            }
        }
    }

    /// The text of the first QR code in a photo (EXIF orientation applied).
    pub async fn read_photo(&self, photo: &Blob) -> Option<String> {
        let canvas = photo::to_canvas(photo, PHOTO_SIDE).await.ok()?;
        self.read(&canvas).await
    }
}

/// A `BarcodeDetector` for QR codes, where the browser has one that supports them.
async fn native() -> Option<JsValue> {
    let global: JsValue = js_sys::global().into();
    let class: Function = Reflect::get(&global, &"BarcodeDetector".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let formats: Function = Reflect::get(&class, &"getSupportedFormats".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let promise: Promise = formats.call0(&class).ok()?.dyn_into().ok()?;
    let supported: Array = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
    if !supported.includes(&"qr_code".into(), 0) {
        return None;
    }
    let options = Object::new();
    let _ = Reflect::set(&options, &"formats".into(), &Array::of1(&"qr_code".into()));
    Reflect::construct(&class, &Array::of1(&options)).ok()
}
