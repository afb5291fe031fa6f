//! Getting a phone photo ready to send, in the browser, before any byte leaves the
//! phone: decoded with its EXIF orientation applied, scaled down to the campaign's
//! long side, re-encoded as JPEG at the campaign's quality, with a small grey copy
//! ([`Sample`]) for the lens to look at for the usual mistakes (blur, too dark,
//! glare, too far, at a slant, no receipt in it: `lens.rs`).
//!
//! The decoding and the drawing are the browser's (`createImageBitmap`, a 2D
//! canvas, `toBlob`), so the bundle carries no image codec. Where the browser
//! cannot decode a file (HEIC outside Safari), the original is sent as it is: the
//! proxy takes HEIC.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, HtmlCanvasElement, ImageBitmap, ImageBitmapOptions, ImageOrientation};
use words::Text;

use crate::canvas::{PrepError, canvas, context, encode, grey, scale_to, scaled, unreadable};
use crate::problem::Problem;

/// How a campaign wants its photos prepared (from [`api::PhotoRules`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prep {
    /// Longest side of a prepared photo, in pixels.
    pub long_side: u32,
    /// JPEG quality, 1 to 100.
    pub quality: u8,
    /// Largest photo the proxy takes, in bytes (0: no limit known).
    pub max_bytes: u64,
}

impl From<&api::PhotoRules> for Prep {
    fn from(rules: &api::PhotoRules) -> Self {
        Self {
            long_side: rules.long_side,
            quality: rules.quality,
            max_bytes: rules.max_bytes,
        }
    }
}

/// A quality problem seen in a photo: a hint to the shopper, never a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    Blurred,
    TooDark,
    TooBright,
    TooSmall,
    NoReceipt,
    /// Seen at a slant.
    Tilted,
    /// The provider's own check says it cannot use the photo, and why.
    Unusable(api::ReasonCode),
}

impl Hint {
    /// The hint as advice, in the shopper's language.
    pub fn advice(self, t: &Text) -> &'static str {
        match self {
            Self::Blurred => t.hint_blurred(),
            Self::TooDark => t.hint_dark(),
            Self::TooBright => t.hint_bright(),
            Self::TooSmall => t.hint_small(),
            Self::NoReceipt => t.hint_no_receipt(),
            Self::Tilted => t.hint_tilted(),
            Self::Unusable(code) => t.why(code),
        }
    }
}

/// A photo ready to upload.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub blob: Blob,
    pub width: u32,
    pub height: u32,
    /// Known before the lens looks: too few pixels for print to be legible.
    pub hints: Vec<Hint>,
    /// What the lens looks at; `None` for a file passed on as it is.
    pub sample: Option<Sample>,
}

/// A photo small and grey (one byte a pixel, rows of `width`): what the lens
/// finds the receipt in and judges the photo by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub luma: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Below this many pixels on the long side a receipt's print is rarely legible.
const MIN_LONG_SIDE: u32 = 800;
/// Long side of the grey copy the lens looks at (its fixtures' frames).
const SAMPLE_LONG_SIDE: u32 = 480;
/// A long receipt's parts are compared at this width to join them.
const STITCH_WIDTH: u32 = 240;
/// JPEG quality is not lowered below this to fit the size limit.
const MIN_QUALITY: u8 = 40;

/// Prepares one picked file. A file the browser cannot decode is passed on as it
/// is if the proxy takes its type and size, and refused in words otherwise.
pub async fn prepare(file: &Blob, prep: Prep) -> Result<Prepared, PrepError> {
    let bitmap = match decode(file).await {
        Ok(bitmap) => bitmap,
        Err(_) => return pass_through(file, prep),
    };
    let (width, height) = (bitmap.width(), bitmap.height());
    let sample = sample(&bitmap)?;
    let hints = if width.max(height) < MIN_LONG_SIDE {
        vec![Hint::TooSmall]
    } else {
        Vec::new()
    };
    let scale = scale_to(width.max(height), prep.long_side);
    let (w, h) = (scaled(width, scale), scaled(height, scale));
    let canvas = canvas(w, h)?;
    draw(&canvas, &bitmap, 0, w, h)?;
    bitmap.close();
    let blob = encode_within(&canvas, prep).await?;
    Ok(Prepared {
        blob,
        width: w,
        height: h,
        hints,
        sample: Some(sample),
    })
}

/// One tall image of a long receipt's photos, top to bottom, for providers that
/// take one image per receipt. Every part is scaled to the same width (the
/// narrowest part's, at most the campaign's long side). Where `overlap` (the
/// lens's) finds that a part starts with rows the part before ends with, in
/// grey samples of both, they are shown once: the part is drawn up over them.
pub async fn combine(
    parts: &[Blob],
    prep: Prep,
    overlap: &dyn Fn(&Sample, &Sample) -> Option<u32>,
) -> Result<Blob, PrepError> {
    if let [one] = parts {
        return Ok(one.clone());
    }
    let mut bitmaps = Vec::with_capacity(parts.len());
    for part in parts {
        bitmaps.push(decode(part).await.map_err(|_| unreadable())?);
    }
    let width = bitmaps
        .iter()
        .map(ImageBitmap::width)
        .min()
        .unwrap_or(1)
        .min(prep.long_side);
    let heights: Vec<u32> = bitmaps
        .iter()
        .map(|b| scaled(b.height(), f64::from(width) / f64::from(b.width())))
        .collect();
    let repeats = repeats(overlap, &bitmaps, &heights)?;
    let canvas = canvas(
        width,
        heights.iter().sum::<u32>() - repeats.iter().sum::<u32>(),
    )?;
    let mut top = 0u32;
    for ((bitmap, height), repeat) in bitmaps.iter().zip(&heights).zip(&repeats) {
        top = top.saturating_sub(*repeat);
        draw(&canvas, bitmap, top, width, *height)?;
        bitmap.close();
        top += height;
    }
    encode_within(&canvas, prep).await
}

/// Of each part, the rows at its top that repeat the part before (none for
/// the first), at the `heights` the parts are drawn, as `overlap` finds them
/// in grey samples [`STITCH_WIDTH`] wide.
fn repeats(
    overlap: &dyn Fn(&Sample, &Sample) -> Option<u32>,
    bitmaps: &[ImageBitmap],
    heights: &[u32],
) -> Result<Vec<u32>, PrepError> {
    let samples = bitmaps
        .iter()
        .map(|bitmap| grey_copy(bitmap, f64::from(STITCH_WIDTH) / f64::from(bitmap.width())))
        .collect::<Result<Vec<_>, PrepError>>()?;
    let mut repeats = vec![0];
    for (pair, height) in samples.windows(2).zip(&heights[1..]) {
        // Found in the sample's rows; drawn, the part is `height` tall.
        // Never more than half of it.
        let drawn = overlap(&pair[0], &pair[1]).map_or(0, |rows| {
            scaled(rows, f64::from(*height) / f64::from(pair[1].height))
        });
        repeats.push(drawn.min(height / 2));
    }
    Ok(repeats)
}

/// Decodes with the EXIF orientation applied (a phone's portrait photo is stored
/// landscape with a "rotate" tag).
pub async fn decode(blob: &Blob) -> Result<ImageBitmap, JsValue> {
    let options = ImageBitmapOptions::new();
    options.set_image_orientation(ImageOrientation::FromImage);
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let promise = window.create_image_bitmap_with_blob_and_image_bitmap_options(blob, &options)?;
    Ok(JsFuture::from(promise).await?.unchecked_into())
}

/// The bitmap drawn small and grey, its long side at most
/// [`SAMPLE_LONG_SIDE`].
fn sample(bitmap: &ImageBitmap) -> Result<Sample, PrepError> {
    let long = bitmap.width().max(bitmap.height());
    grey_copy(bitmap, scale_to(long, SAMPLE_LONG_SIDE))
}

/// The bitmap drawn grey at `scale`.
fn grey_copy(bitmap: &ImageBitmap, scale: f64) -> Result<Sample, PrepError> {
    let (width, height) = (
        scaled(bitmap.width(), scale),
        scaled(bitmap.height(), scale),
    );
    let canvas = canvas(width, height)?;
    draw(&canvas, bitmap, 0, width, height)?;
    Ok(Sample {
        luma: grey(&canvas)?,
        width,
        height,
    })
}

fn pass_through(file: &Blob, prep: Prep) -> Result<Prepared, PrepError> {
    let kind = file.type_();
    let heic = kind == "image/heic" || kind == "image/heif";
    if !heic {
        return Err(unreadable());
    }
    if prep.max_bytes > 0 && file.size() as u64 > prep.max_bytes {
        return Err(PrepError(Problem::TooLargeToShrink));
    }
    Ok(Prepared {
        blob: file.clone(),
        width: 0,
        height: 0,
        hints: Vec::new(),
        sample: None,
    })
}

fn draw(
    canvas: &HtmlCanvasElement,
    bitmap: &ImageBitmap,
    top: u32,
    width: u32,
    height: u32,
) -> Result<(), PrepError> {
    let ctx = context(canvas)?;
    // `imageSmoothingQuality` is not in web-sys; "high" matters when scaling down.
    let _ = js_sys::Reflect::set(&ctx, &"imageSmoothingQuality".into(), &"high".into());
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(
        bitmap,
        0.0,
        f64::from(top),
        f64::from(width),
        f64::from(height),
    )
    .map_err(|_| unreadable())
}

/// JPEG at the campaign's quality, lowered step by step while the result is over
/// the size limit.
async fn encode_within(canvas: &HtmlCanvasElement, prep: Prep) -> Result<Blob, PrepError> {
    let mut quality = prep.quality.clamp(MIN_QUALITY, 100);
    loop {
        let blob = encode(canvas, quality).await?;
        let fits = prep.max_bytes == 0 || blob.size() as u64 <= prep.max_bytes;
        if fits || quality <= MIN_QUALITY {
            return Ok(blob);
        }
        quality = quality.saturating_sub(15).max(MIN_QUALITY);
    }
}
