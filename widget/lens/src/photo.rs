//! A picked photo made ready to send, before any byte leaves the phone
//! ([`prepare`]): decoded with its EXIF orientation applied, scaled down to
//! the campaign's long side, re-encoded as JPEG at the campaign's quality
//! (lowered while it is over the size limit), looked at for the usual
//! mistakes (blur, too dark, glare, too far, no receipt) and, where the
//! receipt is found in it, straightened to it as well. And a long receipt's
//! parts joined into one tall image ([`combine`]), the rows two parts share
//! shown once.
//!
//! The decoding and the drawing are the browser's (`createImageBitmap`, a 2D
//! canvas, `toBlob`), so the module carries no image codec. Where the browser
//! cannot decode a file (HEIC outside Safari), the original is passed on as
//! it is: the proxy takes HEIC. It lives here, with the vision it needs, so
//! that the widget's first load carries none of it.

use js_sys::{Array, Float32Array, Object, Reflect};
use vision::Grey;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, HtmlCanvasElement, ImageBitmap};

use crate::canvas::{blank, context, decode, drawn, jpeg, painted, pixels, scaled};
use crate::{advice, gallery};

/// How a campaign wants its photos prepared (its photo rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prep {
    /// Longest side of a prepared photo, in pixels.
    pub long_side: u32,
    /// JPEG quality, 1 to 100.
    pub quality: u8,
    /// Largest photo the proxy takes, in bytes (0: no limit known).
    pub max_bytes: u64,
}

/// Why a file cannot be sent, as the promise of [`prepare_photo`] rejects
/// with it (the widget's `lens.rs` reads the same numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not an image the browser can decode, or one it could not draw.
    NotAPhoto = 1,
    /// A HEIC photo over the size limit, in a browser that cannot shrink it.
    TooLargeToShrink = 2,
}

/// A photo ready to upload.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The whole photo, scaled and encoded (a HEIC file as it came).
    pub blob: Blob,
    /// Its size in pixels (0 for a file passed on as it is).
    pub width: u32,
    pub height: u32,
    /// The [`advice`] bits: what would make it better.
    pub advice: u32,
    /// Where the receipt is in it, `x, y` fractions from the top-left
    /// corner clockwise; `None` where none is found or it fills the photo.
    pub corners: Option<[f32; 8]>,
    /// The receipt, straightened to `corners` and cropped to it.
    pub straightened: Option<Blob>,
}

/// Below this many pixels on the long side a receipt's print is rarely legible.
const MIN_LONG_SIDE: u32 = 800;
/// Long side of the grey copy looked at (the vision fixtures' frames).
const SAMPLE_LONG_SIDE: u32 = 480;
/// A long receipt's parts are compared at this width to join them.
const STITCH_WIDTH: u32 = 240;
/// JPEG quality is not lowered below this to fit the size limit.
const MIN_QUALITY: u8 = 40;

/// [`prepare`] for JavaScript: a promise of `{blob, advice, corners?,
/// straightened?}` (`corners` a `Float32Array`), rejected with a
/// [`Refused`] number.
#[wasm_bindgen(js_name = preparePhoto)]
pub async fn prepare_photo(
    file: Blob,
    long_side: u32,
    quality: u8,
    max_bytes: f64,
) -> Result<JsValue, JsValue> {
    let prep = Prep {
        long_side,
        quality,
        max_bytes: max_bytes as u64,
    };
    let prepared = prepare(&file, prep)
        .await
        .map_err(|why| JsValue::from(why as u32))?;
    let out = Object::new();
    let set = |key: &str, value: &JsValue| Reflect::set(&out, &key.into(), value).map(drop);
    set("blob", &prepared.blob)?;
    set("advice", &prepared.advice.into())?;
    if let Some(corners) = prepared.corners {
        set("corners", &Float32Array::from(corners.as_slice()))?;
    }
    if let Some(straightened) = prepared.straightened {
        set("straightened", &straightened)?;
    }
    Ok(out.into())
}

/// [`combine`] for JavaScript: `parts` an array of `Blob`s; a promise of the
/// `Blob`, rejected with a [`Refused`] number.
#[wasm_bindgen(js_name = combinePhotos)]
pub async fn combine_photos(
    parts: Array,
    long_side: u32,
    quality: u8,
    max_bytes: f64,
) -> Result<Blob, JsValue> {
    let parts: Vec<Blob> = parts.iter().map(JsCast::unchecked_into).collect();
    let prep = Prep {
        long_side,
        quality,
        max_bytes: max_bytes as u64,
    };
    combine(&parts, prep)
        .await
        .map_err(|why| JsValue::from(why as u32))
}

/// Prepares one picked file. A file the browser cannot decode is passed on as
/// it is where it is HEIC within the size limit, and refused otherwise.
pub async fn prepare(file: &Blob, prep: Prep) -> Result<Prepared, Refused> {
    let Some(bitmap) = decode(file).await else {
        return pass_through(file, prep);
    };
    let canvas = drawn(&bitmap, prep.long_side.max(1));
    let sample = canvas.as_ref().and_then(|c| grey_copy(c, SAMPLE_LONG_SIDE));
    bitmap.close();
    let (canvas, sample) = canvas.zip(sample).ok_or(Refused::NotAPhoto)?;
    let quad = vision::find(&sample);
    let mut advice = crate::assess(&sample, quad);
    if canvas.width().max(canvas.height()) < MIN_LONG_SIDE {
        advice |= advice::MOVE_CLOSER;
    }
    let corners = quad.and_then(|quad| gallery::fractions(quad, sample.width, sample.height));
    let straightened = match corners {
        Some(corners) => straightened(&canvas, &corners, prep).await,
        None => None,
    };
    if straightened.is_some() {
        // Straightened, it is no longer at a slant.
        advice &= !advice::TILTED;
    }
    Ok(Prepared {
        blob: encode_within(&canvas, prep).await?,
        width: canvas.width(),
        height: canvas.height(),
        advice,
        corners: corners.filter(|_| straightened.is_some()),
        straightened,
    })
}

/// One tall image of a long receipt's photos, top to bottom, for providers
/// that take one image per receipt. Every part is scaled to the same width
/// (the narrowest part's, at most the campaign's long side). Where a part
/// starts with rows the part before ends with (found by [`vision::overlap`]
/// in grey copies of both), they are shown once: the part is drawn up over
/// them, never by more than half of it.
pub async fn combine(parts: &[Blob], prep: Prep) -> Result<Blob, Refused> {
    if let [one] = parts {
        return Ok(one.clone());
    }
    let mut bitmaps = Vec::with_capacity(parts.len());
    for part in parts {
        bitmaps.push(decode(part).await.ok_or(Refused::NotAPhoto)?);
    }
    let width = bitmaps
        .iter()
        .map(ImageBitmap::width)
        .min()
        .unwrap_or(1)
        .min(prep.long_side);
    let mut drawn_parts = Vec::with_capacity(bitmaps.len());
    for bitmap in &bitmaps {
        let height = scaled_side(bitmap.height(), width as f32 / bitmap.width() as f32);
        drawn_parts.push(scaled(bitmap, width, height).ok_or(Refused::NotAPhoto)?);
        bitmap.close();
    }
    let repeats = repeats(&drawn_parts);
    let height: u32 = drawn_parts
        .iter()
        .map(HtmlCanvasElement::height)
        .sum::<u32>()
        - repeats.iter().sum::<u32>();
    let tall = blank(width, height).ok_or(Refused::NotAPhoto)?;
    let context = context(&tall, false).ok_or(Refused::NotAPhoto)?;
    let mut top = 0u32;
    for (part, repeat) in drawn_parts.iter().zip(&repeats) {
        top = top.saturating_sub(*repeat);
        context
            .draw_image_with_html_canvas_element(part, 0.0, f64::from(top))
            .map_err(|_| Refused::NotAPhoto)?;
        top += part.height();
    }
    encode_within(&tall, prep).await
}

/// Of each drawn part, the rows at its top that repeat the part before (none
/// for the first), found in grey copies [`STITCH_WIDTH`] wide.
fn repeats(parts: &[HtmlCanvasElement]) -> Vec<u32> {
    let samples: Vec<Option<Grey>> = parts
        .iter()
        .map(|part| {
            let height = scaled_side(part.height(), STITCH_WIDTH as f32 / part.width() as f32);
            Some(pixels(&scaled(part, STITCH_WIDTH, height)?)?.grey())
        })
        .collect();
    let mut repeats = vec![0];
    for (pair, part) in samples.windows(2).zip(&parts[1..]) {
        let rows = match pair {
            [Some(upper), Some(lower)] => vision::overlap(upper, lower).map_or(0, |rows| {
                (rows as f32 * part.height() as f32 / lower.height as f32).round() as u32
            }),
            _ => 0,
        };
        repeats.push(rows.min(part.height() / 2));
    }
    repeats
}

/// `canvas` straightened to `corners` (fractions) and cropped, as a JPEG
/// within the campaign's rules; `None` where it cannot be.
async fn straightened(canvas: &HtmlCanvasElement, corners: &[f32; 8], prep: Prep) -> Option<Blob> {
    let (w, h) = (canvas.width(), canvas.height());
    let quad = gallery::quad(corners, w, h)?;
    let image = vision::straighten_rgba(&pixels(canvas)?, &quad, w.max(h));
    encode_within(&painted(&image).ok()?, prep).await.ok()
}

/// A HEIC file within the size limit, as it came; anything else the browser
/// cannot decode is no photo.
fn pass_through(file: &Blob, prep: Prep) -> Result<Prepared, Refused> {
    let kind = file.type_();
    if kind != "image/heic" && kind != "image/heif" {
        return Err(Refused::NotAPhoto);
    }
    if prep.max_bytes > 0 && file.size() as u64 > prep.max_bytes {
        return Err(Refused::TooLargeToShrink);
    }
    Ok(Prepared {
        blob: file.clone(),
        width: 0,
        height: 0,
        advice: 0,
        corners: None,
        straightened: None,
    })
}

/// JPEG of `canvas` at the campaign's quality, lowered step by step while
/// it is over the size limit.
async fn encode_within(canvas: &HtmlCanvasElement, prep: Prep) -> Result<Blob, Refused> {
    let mut quality = prep.quality.clamp(MIN_QUALITY, 100);
    loop {
        let promise = jpeg(canvas, f64::from(quality) / 100.0).map_err(|_| Refused::NotAPhoto)?;
        let blob: Blob = JsFuture::from(promise)
            .await
            .ok()
            .and_then(|b| b.dyn_into().ok())
            .ok_or(Refused::NotAPhoto)?;
        let fits = prep.max_bytes == 0 || blob.size() as u64 <= prep.max_bytes;
        if fits || quality <= MIN_QUALITY {
            return Ok(blob);
        }
        quality = quality.saturating_sub(15).max(MIN_QUALITY);
    }
}

/// `image` drawn grey, its long side at most `long_side`.
fn grey_copy(image: &HtmlCanvasElement, long_side: u32) -> Option<Grey> {
    Some(pixels(&drawn(image, long_side)?)?.grey())
}

/// A side multiplied by `scale`, at least one pixel.
fn scaled_side(side: u32, scale: f32) -> u32 {
    ((side as f32 * scale).round() as u32).max(1)
}
