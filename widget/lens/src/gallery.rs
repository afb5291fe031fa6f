//! A photo from the gallery (or the phone's camera app): where the receipt is
//! in it ([`fractions`] of its width and height, the corners the widget shows to drag), and
//! the photo straightened to corners the shopper moved ([`straighten`]).

use vision::{Point, Quad};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use crate::canvas::{decode, drawn, encode, pixels};

/// A receipt filling this much of the photo is taken as it is: a scan, or a
/// shot straight on and close, with nothing to straighten.
const FILLS: f32 = 0.9;
/// Corners around less of the photo than this are no receipt's.
const LEAST: f32 = 0.01;

/// `quad`, found in a `width` x `height` picture, as its corners top-left,
/// top-right, bottom-right, bottom-left, each `x, y` as fractions of the
/// width and height; `None` where it fills the picture (nothing to
/// straighten: a scan, or a shot straight on and close).
#[must_use]
pub fn fractions(quad: Quad, width: u32, height: u32) -> Option<[f32; 8]> {
    let quad = quad.ordered();
    if quad.area() >= FILLS * Quad::frame(width, height).area() {
        return None;
    }
    let (w, h) = (width as f32, height as f32);
    let [a, b, c, d] = quad.0;
    Some([
        a.x / w,
        a.y / h,
        b.x / w,
        b.y / h,
        c.x / w,
        c.y / h,
        d.x / w,
        d.y / h,
    ])
}

/// `photo` (a picked photo as the widget prepared it) straightened to
/// `corners` (eight fractions, as [`corners`] answers, in any order around
/// the receipt) and cropped to it, as a JPEG of `quality` (0 to 1): a promise
/// of the `Blob`. Corners around next to nothing are refused.
#[wasm_bindgen]
pub async fn straighten(photo: Blob, corners: Vec<f32>, quality: f64) -> Result<JsValue, JsValue> {
    let failed = || JsValue::from_str("not straightened");
    let bitmap = decode(&photo).await.ok_or_else(failed)?;
    let canvas = drawn(&bitmap, u32::MAX).ok_or_else(failed)?;
    bitmap.close();
    let (w, h) = (canvas.width(), canvas.height());
    let quad = quad(&corners, w, h).ok_or_else(failed)?;
    let frame = pixels(&canvas).ok_or_else(failed)?;
    let image = vision::straighten_rgba(&frame, &quad, w.max(h));
    JsFuture::from(encode(&image, quality)?).await
}

/// The quad `corners` (fractions) stand for in a `width` x `height` picture,
/// ordered; `None` for anything but four points inside it around a receipt.
pub fn quad(corners: &[f32], width: u32, height: u32) -> Option<Quad> {
    let [x0, y0, x1, y1, x2, y2, x3, y3] = <[f32; 8]>::try_from(corners).ok()?;
    let fractions = [x0, y0, x1, y1, x2, y2, x3, y3];
    if !fractions.iter().all(|f| (0.0..=1.0).contains(f)) {
        return None;
    }
    let (w, h) = (width as f32, height as f32);
    let point = |x: f32, y: f32| Point::new(x * w, y * h);
    let quad = Quad([point(x0, y0), point(x1, y1), point(x2, y2), point(x3, y3)]).ordered();
    (quad.area() >= LEAST * w * h).then_some(quad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vision::fixtures::{self, Light, Scene, Surface};

    #[test]
    fn a_receipt_on_a_table_has_its_corners_as_fractions_and_a_flat_scan_has_none() {
        let fixture = fixtures::photograph(Scene {
            surface: Surface::Wood,
            light: Light::Even,
            long: false,
            tilt: 12.0,
            seed: 3,
            paper: 3,
        });
        let frame = &fixture.frame;
        let found = vision::find(frame)
            .and_then(|quad| fractions(quad, frame.width, frame.height))
            .expect("corners");
        let (w, h) = (frame.width as f32, frame.height as f32);
        let truth = fixture.corners.ordered();
        for (i, p) in truth.0.iter().enumerate() {
            let (x, y) = (found[2 * i] * w, found[2 * i + 1] * h);
            assert!(
                Point::new(x, y).distance(*p) < 0.05 * w.hypot(h),
                "corner {i}"
            );
        }
        let scan = fixtures::flat_receipt(3, 300, 800);
        let whole = vision::find(&scan).and_then(|quad| fractions(quad, scan.width, scan.height));
        assert_eq!(whole, None);
    }

    #[test]
    fn corners_are_ordered_and_refused_outside_or_around_nothing() {
        let mixed = [0.9, 0.9, 0.1, 0.1, 0.9, 0.1, 0.1, 0.9];
        let ordered = quad(&mixed, 100, 200).unwrap();
        assert_eq!(ordered.0[0], Point::new(10.0, 20.0));
        assert_eq!(ordered.0[2], Point::new(90.0, 180.0));
        assert_eq!(
            quad(&[0.1, 0.1, 1.2, 0.1, 0.9, 0.9, 0.1, 0.9], 100, 100),
            None
        );
        assert_eq!(quad(&[0.5; 8], 100, 100), None);
        assert_eq!(quad(&mixed[..6], 100, 100), None);
        assert_eq!(quad(&[f32::NAN; 8], 100, 100), None);
    }
}
