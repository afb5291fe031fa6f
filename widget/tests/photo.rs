//! Photo preparation in a real browser (headless Chromium through
//! wasm-bindgen-test), on fixture photos drawn here with the browser's own canvas
//! and encoded as JPEG: a receipt on a table, and the same receipt blurred, in the
//! dark, washed out, too small; a wall with no receipt; a portrait photo stored
//! landscape with an EXIF rotation. The preparation is the lens's
//! (`widget/lens/src/photo.rs`, linked in here as the loader loads it in a
//! page); the hints are what the widget reads of its advice.

use lens::photo::{self, Prep, Refused};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Blob, BlobPropertyBag, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap};
use widget::photo::Hint;

wasm_bindgen_test_configure!(run_in_browser);

const PREP: Prep = Prep {
    long_side: 2000,
    quality: 80,
    max_bytes: 10 * 1024 * 1024,
};

/// How a fixture photo is spoiled.
#[derive(Clone, Copy, PartialEq)]
enum Spoil {
    None,
    Blur,
    Dark,
    Glare,
}

fn canvas(width: u32, height: u32) -> (HtmlCanvasElement, CanvasRenderingContext2d) {
    let document = web_sys::window().unwrap().document().unwrap();
    let canvas: HtmlCanvasElement = document.create_element("canvas").unwrap().unchecked_into();
    canvas.set_width(width);
    canvas.set_height(height);
    let ctx = canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    (canvas, ctx)
}

/// A receipt photographed on a wooden table: a white strip of paper with rows
/// of dark print, filling most of the frame.
fn receipt_canvas(width: u32, height: u32, spoil: Spoil) -> HtmlCanvasElement {
    let (canvas, ctx) = canvas(width, height);
    let (w, h) = (f64::from(width), f64::from(height));
    ctx.set_fill_style_str("#6b4f33");
    ctx.fill_rect(0.0, 0.0, w, h);
    if spoil == Spoil::Blur {
        ctx.set_filter(&format!("blur({}px)", (w / 150.0).max(4.0)));
    }
    let (left, top, paper_w, paper_h) = (w * 0.15, h * 0.05, w * 0.7, h * 0.9);
    ctx.set_fill_style_str("#f7f7f2");
    ctx.fill_rect(left, top, paper_w, paper_h);
    ctx.set_fill_style_str("#1c1c1c");
    let line = (paper_h / 40.0).max(6.0);
    ctx.set_font(&format!("{}px monospace", (line * 0.7).round()));
    let mut y = top + line * 1.5;
    let mut row = 0;
    while y < top + paper_h - line {
        let text = format!(
            "ITEM {row:02} GLOW SERUM 30ML ....... {}.{:02}",
            3 + row % 7,
            (row * 37) % 100
        );
        let _ = ctx.fill_text(&text, left + line, y);
        y += line;
        row += 1;
    }
    ctx.set_filter("none");
    match spoil {
        Spoil::Dark => {
            ctx.set_fill_style_str("rgba(0,0,0,0.85)");
            ctx.fill_rect(0.0, 0.0, w, h);
        }
        Spoil::Glare => {
            ctx.set_fill_style_str("rgba(255,255,255,0.97)");
            ctx.fill_rect(0.0, 0.0, w, h);
        }
        Spoil::None | Spoil::Blur => {}
    }
    canvas
}

/// `canvas` as a JPEG of `quality` (1 to 100), as a camera writes it.
async fn jpeg(canvas: &HtmlCanvasElement, quality: u8) -> Blob {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let done =
            wasm_bindgen::closure::Closure::once_into_js(move |blob: wasm_bindgen::JsValue| {
                resolve.call1(&wasm_bindgen::JsValue::NULL, &blob).unwrap();
            });
        canvas
            .to_blob_with_type_and_encoder_options(
                done.unchecked_ref(),
                "image/jpeg",
                &(f64::from(quality) / 100.0).into(),
            )
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .unwrap()
        .unchecked_into()
}

/// `blob` decoded by the browser, with its EXIF orientation applied.
async fn decoded(blob: &Blob) -> ImageBitmap {
    let options = web_sys::ImageBitmapOptions::new();
    options.set_image_orientation(web_sys::ImageOrientation::FromImage);
    let promise = web_sys::window()
        .unwrap()
        .create_image_bitmap_with_blob_and_image_bitmap_options(blob, &options)
        .unwrap();
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .unwrap()
        .unchecked_into()
}

async fn hints_of(canvas: &HtmlCanvasElement) -> Vec<Hint> {
    let blob = jpeg(canvas, 92).await;
    let prepared = photo::prepare(&blob, PREP).await.unwrap();
    widget::lens::hints(prepared.advice)
}

#[wasm_bindgen_test]
fn the_widget_reads_the_lens_advice_bits_as_the_lens_sets_them() {
    use lens::advice as set;
    use widget::lens::advice as read;
    assert_eq!(
        [
            read::NO_RECEIPT,
            read::MOVE_CLOSER,
            read::TOO_DARK,
            read::GLARE,
            read::HOLD_STILL,
            read::TILTED,
        ],
        [
            set::NO_RECEIPT,
            set::MOVE_CLOSER,
            set::TOO_DARK,
            set::GLARE,
            set::HOLD_STILL,
            set::TILTED,
        ],
    );
    assert_eq!(
        widget::lens::hints(set::TOO_DARK | set::TILTED),
        [Hint::TooDark, Hint::Tilted]
    );
}

async fn bytes(blob: &Blob) -> Vec<u8> {
    let buffer = wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
        .await
        .unwrap();
    js_sys::Uint8Array::new(&buffer).to_vec()
}

fn blob_of(bytes: &[u8], mime: &str) -> Blob {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    Blob::new_with_u8_array_sequence_and_options(&parts, &options).unwrap()
}

#[wasm_bindgen_test]
async fn a_12_megapixel_photo_is_scaled_to_the_long_side_and_shrinks() {
    let original = jpeg(&receipt_canvas(4000, 3000, Spoil::None), 95).await;
    let prepared = photo::prepare(&original, PREP).await.unwrap();
    assert_eq!((prepared.width, prepared.height), (2000, 1500));
    assert_eq!(prepared.blob.type_(), "image/jpeg");
    assert!(
        prepared.blob.size() < original.size() / 2.0,
        "{} -> {}",
        original.size(),
        prepared.blob.size()
    );
    assert_eq!(widget::lens::hints(prepared.advice), []);
    // What is sent decodes to what was promised.
    let decoded = decoded(&prepared.blob).await;
    assert_eq!((decoded.width(), decoded.height()), (2000, 1500));
}

#[wasm_bindgen_test]
async fn a_small_photo_is_not_scaled_up() {
    let original = jpeg(&receipt_canvas(1200, 900, Spoil::None), 90).await;
    let prepared = photo::prepare(&original, PREP).await.unwrap();
    assert_eq!((prepared.width, prepared.height), (1200, 900));
}

/// Inserts an EXIF block with the given orientation right after the JPEG's SOI.
fn with_exif_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
    let mut exif = vec![0xFF, 0xE1, 0x00, 34];
    exif.extend_from_slice(b"Exif\0\0");
    exif.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian TIFF, IFD at 8
    exif.extend_from_slice(&[0x00, 0x01]); // one entry
    exif.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0, orientation, 0, 0]);
    exif.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[wasm_bindgen_test]
async fn the_exif_orientation_of_a_phone_photo_is_honoured() {
    // Stored 1200x900 (landscape) with "rotate 90° clockwise": a portrait photo.
    let stored = bytes(&jpeg(&receipt_canvas(1200, 900, Spoil::None), 90).await).await;
    let rotated = blob_of(&with_exif_orientation(&stored, 6), "image/jpeg");
    let prepared = photo::prepare(&rotated, PREP).await.unwrap();
    assert_eq!((prepared.width, prepared.height), (900, 1200));
    // The prepared JPEG has no EXIF left to rotate it twice.
    let decoded = decoded(&prepared.blob).await;
    assert_eq!((decoded.width(), decoded.height()), (900, 1200));
}

#[wasm_bindgen_test]
async fn a_good_receipt_photo_has_no_hint() {
    assert_eq!(hints_of(&receipt_canvas(1600, 1200, Spoil::None)).await, []);
}

#[wasm_bindgen_test]
async fn quality_hints_name_what_is_wrong() {
    let cases = [
        (receipt_canvas(1600, 1200, Spoil::Blur), Hint::Blurred),
        (receipt_canvas(1600, 1200, Spoil::Dark), Hint::TooDark),
        (receipt_canvas(1600, 1200, Spoil::Glare), Hint::TooBright),
        (receipt_canvas(640, 480, Spoil::None), Hint::TooSmall),
    ];
    for (canvas, expected) in cases {
        let hints = hints_of(&canvas).await;
        assert!(hints.contains(&expected), "{expected:?} not in {hints:?}");
    }
    // A wall, no receipt.
    let (wall, ctx) = canvas(1600, 1200);
    ctx.set_fill_style_str("#b5533c");
    ctx.fill_rect(0.0, 0.0, 1600.0, 1200.0);
    assert_eq!(hints_of(&wall).await, [Hint::NoReceipt]);
}

#[wasm_bindgen_test]
async fn the_photos_of_a_long_receipt_are_combined_top_to_bottom() {
    let top = jpeg(&receipt_canvas(1000, 1500, Spoil::None), 90).await;
    let bottom = jpeg(&receipt_canvas(1200, 1800, Spoil::None), 90).await;
    let tall = photo::combine(&[top, bottom], PREP).await.unwrap();
    let decoded = decoded(&tall).await;
    // Both parts at the narrower width, one above the other.
    assert_eq!((decoded.width(), decoded.height()), (1000, 1500 + 1500));
}

#[wasm_bindgen_test]
async fn a_receipt_on_a_table_is_sent_straightened_to_its_corners() {
    // The paper covers 15% to 85% of the width, 5% to 95% of the height.
    let photo = jpeg(&receipt_canvas(1600, 1200, Spoil::None), 92).await;
    let prepared = photo::prepare(&photo, PREP).await.unwrap();
    let corners = prepared.corners.expect("the receipt's corners");
    let truth = [0.15, 0.05, 0.85, 0.05, 0.85, 0.95, 0.15, 0.95];
    for (found, true_) in corners.iter().zip(truth) {
        assert!((found - true_).abs() < 0.03, "{corners:?}");
    }
    let straightened = decoded(&prepared.straightened.expect("straightened")).await;
    // The paper's own proportions (1120 x 1080), not the photo's (4:3).
    let ratio = f64::from(straightened.width()) / f64::from(straightened.height());
    assert!((ratio - 1120.0 / 1080.0).abs() < 0.06, "{ratio}");
    // The whole photo is kept beside it, for corners moved by hand.
    let whole = decoded(&prepared.blob).await;
    assert_eq!((whole.width(), whole.height()), (1600, 1200));
}

/// Rows `from..to` of `canvas`, as a JPEG: one part of a long receipt.
async fn part(canvas: &HtmlCanvasElement, from: u32, to: u32) -> Blob {
    let (out, ctx) = self::canvas(canvas.width(), to - from);
    let (w, h) = (f64::from(canvas.width()), f64::from(to - from));
    ctx.draw_image_with_html_canvas_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
        canvas,
        0.0,
        f64::from(from),
        w,
        h,
        0.0,
        0.0,
        w,
        h,
    )
    .unwrap();
    jpeg(&out, 90).await
}

#[wasm_bindgen_test]
async fn the_rows_two_parts_of_a_long_receipt_share_are_shown_once() {
    let receipt = receipt_canvas(1000, 3000, Spoil::None);
    let (top, bottom) = (
        part(&receipt, 0, 1800).await,
        part(&receipt, 1300, 3000).await,
    );
    let tall = photo::combine(&[top, bottom], PREP).await.unwrap();
    let decoded = decoded(&tall).await;
    // The 500 rows both show, once: the receipt's own height, give or take
    // a row of the samples the parts are compared in (about 4 here).
    assert_eq!(decoded.width(), 1000);
    assert!(
        decoded.height().abs_diff(3000) <= 5,
        "{} rows tall, the receipt is 3000",
        decoded.height()
    );
}

#[wasm_bindgen_test]
async fn quality_is_lowered_to_fit_the_size_limit() {
    let original = jpeg(&receipt_canvas(2000, 1500, Spoil::None), 95).await;
    let roomy = photo::prepare(&original, PREP).await.unwrap();
    let tight = Prep {
        max_bytes: (roomy.blob.size() * 0.7) as u64,
        ..PREP
    };
    let squeezed = photo::prepare(&original, tight).await.unwrap();
    assert!(
        squeezed.blob.size() as u64 <= tight.max_bytes,
        "{} > {}",
        squeezed.blob.size(),
        tight.max_bytes
    );
    // Same pixels, fewer bytes.
    assert_eq!(
        (squeezed.width, squeezed.height),
        (roomy.width, roomy.height)
    );
}

#[wasm_bindgen_test]
async fn a_file_that_is_not_a_photo_is_refused_and_heic_is_passed_on() {
    let notes = blob_of(b"these are shopping notes", "image/jpeg");
    let error = photo::prepare(&notes, PREP).await.unwrap_err();
    assert_eq!(error, Refused::NotAPhoto);
    // Chromium cannot decode HEIC: the original goes to the proxy, which takes it.
    let heic = blob_of(b"\0\0\0\x18ftypheic", "image/heic");
    let passed = photo::prepare(&heic, PREP).await.unwrap();
    assert_eq!(passed.blob.size(), heic.size());
    assert_eq!((passed.advice, passed.straightened), (0, None));
    // ... where it is within the size the proxy takes.
    let tight = Prep {
        max_bytes: 4,
        ..PREP
    };
    let error = photo::prepare(&heic, tight).await.unwrap_err();
    assert_eq!(error, Refused::TooLargeToShrink);
}

/// Rows `from..to` of a vision fixture's flat receipt, on a canvas.
fn flat_part(receipt: &vision::Grey, from: u32, to: u32) -> HtmlCanvasElement {
    let (canvas, ctx) = canvas(receipt.width, to - from);
    let rows = &receipt.pixels[(from * receipt.width) as usize..(to * receipt.width) as usize];
    let rgba: Vec<u8> = rows.iter().flat_map(|&v| [v, v, v, 255]).collect();
    let data = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
        wasm_bindgen::Clamped(&rgba),
        receipt.width,
        to - from,
    )
    .unwrap();
    ctx.put_image_data(&data, 0.0, 0.0).unwrap();
    canvas
}

/// As a shopper's gallery parts go: each prepared for the campaign first
/// (re-encoded at its quality), then joined.
#[wasm_bindgen_test]
async fn prepared_parts_of_a_flat_receipt_are_joined_with_what_they_share_shown_once() {
    let receipt = vision::fixtures::flat_receipt(11, 800, 2400);
    let prep = Prep {
        long_side: 1600,
        quality: 70,
        ..PREP
    };
    let mut prepared = Vec::new();
    for (from, to) in [(0, 1500), (900, 2400)] {
        let part = jpeg(&flat_part(&receipt, from, to), 92).await;
        prepared.push(photo::prepare(&part, prep).await.unwrap().blob);
    }
    let tall = photo::combine(&prepared, prep).await.unwrap();
    let decoded = decoded(&tall).await;
    assert!(
        decoded.height().abs_diff(2400) <= 6,
        "{} rows tall, the receipt is 2400",
        decoded.height()
    );
}
