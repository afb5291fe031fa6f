//! Reading a QR code from the live camera or a chosen photo: with the
//! browser's `BarcodeDetector` where it has one for QR codes (Chrome on
//! Android, Safari 17+ on macOS), else with [`qrscan`] on the frame drawn grey.

use std::cell::OnceCell;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement, ImageBitmap,
    ImageBitmapOptions, ImageOrientation,
};

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
            let canvas = drawn(&image, side)?;
            let (w, h) = (canvas.width(), canvas.height());
            let rgba = context(&canvas)?
                .get_image_data(0.0, 0.0, f64::from(w), f64::from(h))
                .ok()?
                .data();
            let grey = vision::Rgba {
                width: w,
                height: h,
                pixels: rgba.0,
            }
            .grey();
            qrscan::decode(&grey.pixels, w, h)
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

/// A photo decoded with its EXIF orientation applied (a phone's portrait
/// photo is stored landscape with a "rotate" tag).
pub async fn decode(photo: &Blob) -> Option<ImageBitmap> {
    let options = ImageBitmapOptions::new();
    options.set_image_orientation(ImageOrientation::FromImage);
    let promise = web_sys::window()?
        .create_image_bitmap_with_blob_and_image_bitmap_options(photo, &options)
        .ok()?;
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

/// `image` (a video or a bitmap) drawn on a new canvas no longer than
/// `long_side`.
pub fn drawn(image: &JsValue, long_side: u32) -> Option<HtmlCanvasElement> {
    let (width, height) = match image.dyn_ref::<HtmlVideoElement>() {
        Some(video) => (video.video_width(), video.video_height()),
        None => {
            let bitmap = image.dyn_ref::<ImageBitmap>()?;
            (bitmap.width(), bitmap.height())
        }
    };
    let (w, h) = crate::fitted(width, height, long_side)?;
    let canvas: HtmlCanvasElement = web_sys::window()?
        .document()?
        .create_element("canvas")
        .ok()?
        .unchecked_into();
    canvas.set_width(w);
    canvas.set_height(h);
    let context = context(&canvas)?;
    let (dw, dh) = (f64::from(w), f64::from(h));
    match image.dyn_ref::<HtmlVideoElement>() {
        Some(video) => {
            context.draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, dw, dh)
        }
        None => context.draw_image_with_image_bitmap_and_dw_and_dh(
            image.unchecked_ref(),
            0.0,
            0.0,
            dw,
            dh,
        ),
    }
    .ok()?;
    Some(canvas)
}

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok().flatten()?.dyn_into().ok()
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
