//! The 2D canvas helpers photo preparation and the live camera share: a canvas of a size, its context, scaling to a long side, a scaled copy
//! of an image, its pixels as luminance, and JPEG encoding.
//!
//! The drawing is the browser's, so the bundle carries no image code of its own.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, Document, HtmlCanvasElement};

use crate::problem::Problem;

/// Why an image could not be used (the shopper reads it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepError(pub Problem);

/// What any failure to draw, read or encode an image means to the shopper.
pub fn unreadable() -> PrepError {
    PrepError(Problem::NotAPhoto)
}

/// Factor that brings `long` down to `limit` (never up).
pub fn scale_to(long: u32, limit: u32) -> f64 {
    if long > limit && limit > 0 {
        f64::from(limit) / f64::from(long)
    } else {
        1.0
    }
}

/// A side multiplied by `scale`, at least one pixel.
pub fn scaled(side: u32, scale: f64) -> u32 {
    ((f64::from(side) * scale).round() as u32).max(1)
}

fn document() -> Result<Document, PrepError> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(unreadable)
}

/// A new canvas of `width` x `height` pixels, not in the page.
pub fn canvas(width: u32, height: u32) -> Result<HtmlCanvasElement, PrepError> {
    let canvas: HtmlCanvasElement = document()?
        .create_element("canvas")
        .map_err(|_| unreadable())?
        .unchecked_into();
    canvas.set_width(width);
    canvas.set_height(height);
    Ok(canvas)
}

pub fn context(canvas: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, PrepError> {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .map(JsCast::unchecked_into)
        .ok_or_else(unreadable)
}

/// A `width` x `height` image scaled to fit `long_side`, on a new canvas that
/// `draw(context, w, h)` paints.
pub fn scaled_copy(
    width: u32,
    height: u32,
    long_side: u32,
    draw: impl FnOnce(&CanvasRenderingContext2d, f64, f64) -> Result<(), JsValue>,
) -> Result<HtmlCanvasElement, PrepError> {
    if width == 0 || height == 0 {
        return Err(unreadable());
    }
    let scale = scale_to(width.max(height), long_side);
    let (w, h) = (scaled(width, scale), scaled(height, scale));
    let canvas = canvas(w, h)?;
    draw(&context(&canvas)?, f64::from(w), f64::from(h)).map_err(|_| unreadable())?;
    Ok(canvas)
}

/// The canvas's pixels as luminance (ITU-R BT.601), one byte per pixel, row by row.
pub fn grey(canvas: &HtmlCanvasElement) -> Result<Vec<u8>, PrepError> {
    let rgba = context(canvas)?
        .get_image_data(
            0.0,
            0.0,
            f64::from(canvas.width()),
            f64::from(canvas.height()),
        )
        .map_err(|_| unreadable())?
        .data();
    Ok(rgba
        .chunks_exact(4)
        .map(|p| {
            ((299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2])) / 1000) as u8
        })
        .collect())
}

/// `canvas.toBlob(…, "image/jpeg", quality)` as a future.
pub async fn encode(canvas: &HtmlCanvasElement, quality: u8) -> Result<web_sys::Blob, PrepError> {
    let mut result = Ok(());
    let promise = Promise::new(&mut |resolve, _reject| {
        let callback = Closure::once_into_js(move |blob: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &blob);
        });
        result = canvas.to_blob_with_type_and_encoder_options(
            callback.unchecked_ref(),
            "image/jpeg",
            &JsValue::from(f64::from(quality) / 100.0),
        );
    });
    result.map_err(|_| unreadable())?;
    let blob = JsFuture::from(promise).await.map_err(|_| unreadable())?;
    blob.dyn_into::<web_sys::Blob>().map_err(|_| unreadable())
}
