//! Reading a QR code from the live camera or a chosen photo: with the
//! browser's `BarcodeDetector` where it has one for QR codes (Chrome on
//! Android, Safari 17+ on macOS), else with [`qrscan`] on the frame drawn grey.

use std::cell::OnceCell;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ImageBitmap};

use crate::canvas::{decode, drawn, pixels};

/// Long side a live frame is read at.
const FRAME_SIDE: u32 = 1280;
/// Long side a chosen photo is read at: enough for the QR code of a receipt
/// photographed whole, small enough to decode quickly.
const PHOTO_SIDE: u32 = 1600;

thread_local! {
    /// The browser's detector, once asked for (`None` where it has none).
    static NATIVE: OnceCell<Option<JsValue>> = const { OnceCell::new() };
}

/// The text of the first QR code in `source`: a `<video>` (its current
/// frame) or a photo (a `Blob`, its EXIF orientation applied); `undefined`
/// where none is read.
#[wasm_bindgen(js_name = readCode)]
pub async fn read_code(source: JsValue) -> Option<String> {
    let (image, side): (JsValue, u32) = match source.dyn_into::<Blob>() {
        Ok(photo) => (decode(&photo).await?.into(), PHOTO_SIDE),
        Err(video) => (video, FRAME_SIDE),
    };
    let text = match native().await {
        Some(detector) => detect(&detector, &image).await,
        None => {
            let grey = pixels(&drawn(&image, side)?)?.grey();
            qrscan::decode(&grey.pixels, grey.width, grey.height)
        }
    };
    if let Some(bitmap) = image.dyn_ref::<ImageBitmap>() {
        bitmap.close();
    }
    text
}

/// The first code `detector` finds in `image`.
async fn detect(detector: &JsValue, image: &JsValue) -> Option<String> {
    let detect: Function = Reflect::get(detector, &"detect".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let promise: Promise = detect.call1(detector, image).ok()?.dyn_into().ok()?;
    let found: Array = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
    found
        .iter()
        .find_map(|code| Reflect::get(&code, &"rawValue".into()).ok()?.as_string())
}

/// The browser's `BarcodeDetector` for QR codes, where it has one that reads
/// them; asked once.
async fn native() -> Option<JsValue> {
    if let Some(known) = NATIVE.with(|n| n.get().cloned()) {
        return known;
    }
    let found = find_native().await;
    NATIVE.with(|n| n.get_or_init(|| found.clone()).clone())
}

async fn find_native() -> Option<JsValue> {
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
