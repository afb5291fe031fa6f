//! The 2D canvas work the lens's parts share: a photo decoded, an image
//! drawn (scaled) on a new canvas, a canvas's pixels read, and pixels
//! encoded as JPEG. The drawing and the codecs are the browser's, so the
//! module carries none of its own.

use js_sys::Promise;
use vision::Rgba;
use wasm_bindgen::Clamped;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, ContextAttributes2d, HtmlCanvasElement, HtmlVideoElement,
    ImageBitmap, ImageBitmapOptions, ImageData, ImageOrientation,
};

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

/// The size of `image`: a `<video>`'s frame, a canvas or a bitmap.
fn size(image: &JsValue) -> Option<(u32, u32)> {
    if let Some(video) = image.dyn_ref::<HtmlVideoElement>() {
        Some((video.video_width(), video.video_height()))
    } else if let Some(canvas) = image.dyn_ref::<HtmlCanvasElement>() {
        Some((canvas.width(), canvas.height()))
    } else {
        let bitmap = image.dyn_ref::<ImageBitmap>()?;
        Some((bitmap.width(), bitmap.height()))
    }
}

/// `image` (a video's frame, a canvas or a bitmap) drawn on a new canvas no
/// longer than `long_side` (never enlarged).
pub fn drawn(image: &JsValue, long_side: u32) -> Option<HtmlCanvasElement> {
    let (width, height) = size(image)?;
    let (w, h) = crate::fitted(width, height, long_side)?;
    scaled(image, w, h)
}

/// `image` drawn on a new canvas of `width` x `height`.
pub fn scaled(image: &JsValue, width: u32, height: u32) -> Option<HtmlCanvasElement> {
    let canvas = blank(width, height)?;
    let context = context(&canvas, false)?;
    // Not in web-sys; "high" matters when scaling a photo down.
    let _ = js_sys::Reflect::set(&context, &"imageSmoothingQuality".into(), &"high".into());
    let (dw, dh) = (f64::from(width), f64::from(height));
    if let Some(video) = image.dyn_ref::<HtmlVideoElement>() {
        context.draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, dw, dh)
    } else if let Some(source) = image.dyn_ref::<HtmlCanvasElement>() {
        context.draw_image_with_html_canvas_element_and_dw_and_dh(source, 0.0, 0.0, dw, dh)
    } else {
        context.draw_image_with_image_bitmap_and_dw_and_dh(image.dyn_ref()?, 0.0, 0.0, dw, dh)
    }
    .ok()?;
    Some(canvas)
}

/// A new canvas of `width` x `height` pixels, not in the page.
pub fn blank(width: u32, height: u32) -> Option<HtmlCanvasElement> {
    let canvas: HtmlCanvasElement = web_sys::window()?
        .document()?
        .create_element("canvas")
        .ok()?
        .unchecked_into();
    canvas.set_width(width);
    canvas.set_height(height);
    Some(canvas)
}

/// A canvas's 2D context; `read` where its pixels are read back often (kept
/// in memory rather than on the GPU).
pub fn context(canvas: &HtmlCanvasElement, read: bool) -> Option<CanvasRenderingContext2d> {
    let attributes = ContextAttributes2d::new();
    attributes.set_will_read_frequently(read);
    canvas
        .get_context_with_context_options("2d", &attributes)
        .ok()
        .flatten()?
        .dyn_into()
        .ok()
}

/// The canvas's pixels.
pub fn pixels(canvas: &HtmlCanvasElement) -> Option<Rgba> {
    let (width, height) = (canvas.width(), canvas.height());
    let data = context(canvas, true)?
        .get_image_data(0.0, 0.0, f64::from(width), f64::from(height))
        .ok()?;
    Some(Rgba {
        width,
        height,
        pixels: data.data().0,
    })
}

/// `image` on a new canvas.
pub fn painted(image: &Rgba) -> Result<HtmlCanvasElement, JsValue> {
    let canvas = blank(image.width, image.height).ok_or_else(|| JsValue::from_str("no canvas"))?;
    let data = ImageData::new_with_u8_clamped_array_and_sh(
        Clamped(&image.pixels),
        image.width,
        image.height,
    )?;
    context(&canvas, false)
        .ok_or_else(|| JsValue::from_str("no 2d context"))?
        .put_image_data(&data, 0.0, 0.0)?;
    Ok(canvas)
}

/// `image` as a JPEG of `quality` (0 to 1): a promise of the `Blob`.
pub fn encode(image: &Rgba, quality: f64) -> Result<Promise, JsValue> {
    jpeg(&painted(image)?, quality)
}

/// `canvas` as a JPEG of `quality` (0 to 1): a promise of the `Blob`,
/// rejected where the browser encodes nothing.
pub fn jpeg(canvas: &HtmlCanvasElement, quality: f64) -> Result<Promise, JsValue> {
    let mut result = Ok(());
    let promise = Promise::new(&mut |resolve, reject| {
        let done = Closure::once_into_js(move |blob: JsValue| {
            let _ = if blob.is_null() {
                reject.call1(&JsValue::NULL, &JsValue::from_str("not encoded"))
            } else {
                resolve.call1(&JsValue::NULL, &blob)
            };
        });
        result = canvas.to_blob_with_type_and_encoder_options(
            done.unchecked_ref(),
            "image/jpeg",
            &JsValue::from(quality),
        );
    });
    result.map(|()| promise)
}
