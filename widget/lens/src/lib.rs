//! The widget's eye: one wasm module, apart from the widget's bundle, that the
//! loader fetches when a shopper first opens the camera, picks a photo or scans
//! a code (`loadLens()`), so that the first load costs nothing for it. It binds
//! two pure-Rust crates for JavaScript: [`qrscan`] (QR codes) and [`vision`]
//! (the receipt in a frame), runs the live viewfinder ([`Viewfinder`]: the
//! receipt outlined over the camera, the shot taken by itself and
//! straightened), and draws the dialogs that need it, the camera's
//! ([`CameraDialog`]) and the corner editor's ([`CornersDialog`]), into an
//! element the widget hands it. It also draws what the widget shows once, at
//! the end, a verdict's details ([`OutcomeView`]): by then the photos have
//! almost always fetched it. The widget reads its answers in
//! `widget/src/lens.rs`.
//!
//! - `camera`: the live camera, opened, watched by the viewfinder or
//!   scanned for a QR code, its shots and torch;
//! - `camera_dialog`: the camera's dialog over the widget, drawn with the
//!   shopper's words, for receipt photos or a QR code;
//! - `canvas`: the browser's canvas and codecs, as the others use them;
//! - `code`: a QR code read from the camera or a photo, by the browser's
//!   detector where it has one, else by [`qrscan`];
//! - `dom`: what the dialogs are drawn with (plain DOM), the page's
//!   listeners let go of, the shopper's words read;
//! - `photo`: a picked photo made ready to send (scaled, encoded within the
//!   campaign's limits, looked at, straightened), and a long receipt's parts
//!   joined;
//! - `gallery`: a picked photo's receipt found, and the photo straightened
//!   again to corners the shopper moved;
//! - `outcome`: a verdict's details (reasons, offers, the receipt as the
//!   provider read it), drawn into the widget's verdict;
//! - `corners`: the corner editor's dialog, a picked photo's corners moved
//!   by the shopper;
//! - `track`: when a shot takes itself (pure, tested on the host);
//! - `viewfinder`: the camera's frames read, the outline drawn, the shot
//!   straightened and encoded.

// `mul_add` is a call into software on wasm32 (no FMA): slower, for
// precision a pixel does not need.
#![allow(clippy::suboptimal_flops)]

mod camera;
mod camera_dialog;
mod canvas;
mod code;
mod corners;
mod dom;
mod gallery;
mod outcome;
pub mod photo;
mod track;
mod viewfinder;

use wasm_bindgen::prelude::*;

pub use camera_dialog::CameraDialog;
pub use code::read_code;
pub use corners::CornersDialog;
pub use gallery::straighten;
pub use outcome::OutcomeView;
pub use viewfinder::Viewfinder;

/// The text of the first QR code in a grey image (`luma`: one byte a pixel,
/// rows of `width`), or `None`.
#[wasm_bindgen]
#[must_use]
pub fn decode(luma: &[u8], width: u32, height: u32) -> Option<String> {
    qrscan::decode(luma, width, height)
}

/// The advice [`assess`] answers with, as bits (the widget's `lens.rs` reads them
/// with the same values; its tests hold the two together).
pub mod advice {
    /// No receipt in sight.
    pub const NO_RECEIPT: u32 = 1;
    /// The receipt is small in the frame: move closer.
    pub const MOVE_CLOSER: u32 = 2;
    /// Too dark to read.
    pub const TOO_DARK: u32 = 4;
    /// Light shines off the paper.
    pub const GLARE: u32 = 8;
    /// Blurred: hold still.
    pub const HOLD_STILL: u32 = 16;
    /// Seen at a slant.
    pub const TILTED: u32 = 32;
}

/// What would make a photo or a frame better, from a small grey copy of it
/// with the receipt `quad` found in it: the [`advice`] bits, 0 for a good
/// photo.
#[must_use]
pub fn assess(frame: &vision::Grey, quad: Option<vision::Quad>) -> u32 {
    vision::assess(frame, quad)
        .advice
        .iter()
        .map(|a| match a {
            vision::Advice::NoReceipt => advice::NO_RECEIPT,
            vision::Advice::MoveCloser => advice::MOVE_CLOSER,
            vision::Advice::TooDark => advice::TOO_DARK,
            vision::Advice::Glare => advice::GLARE,
            vision::Advice::HoldStill => advice::HOLD_STILL,
            vision::Advice::Tilted => advice::TILTED,
        })
        .fold(0, |all, bit| all | bit)
}

/// A `width` x `height` image's size fitted within `long_side` (never
/// enlarged); `None` for an empty one.
fn fitted(width: u32, height: u32, long_side: u32) -> Option<(u32, u32)> {
    if width == 0 || height == 0 {
        return None;
    }
    let scale = (long_side as f32 / width.max(height) as f32).min(1.0);
    Some((
        ((width as f32 * scale).round() as u32).max(1),
        ((height as f32 * scale).round() as u32).max(1),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vision::fixtures::{self, Light, Scene, Surface};

    /// The advice on a grey frame, the receipt found in it first.
    fn look(pixels: &[u8], width: u32, height: u32) -> u32 {
        let frame = vision::Grey {
            width,
            height,
            pixels: pixels.to_vec(),
        };
        assess(&frame, vision::find(&frame))
    }

    #[test]
    fn a_receipt_on_a_table_has_no_advice_and_a_blurred_one_says_hold_still() {
        let fixture = fixtures::photograph(Scene {
            surface: Surface::Wood,
            light: Light::Even,
            long: false,
            tilt: 0.0,
            seed: 5,
            paper: 5,
        });
        let frame = &fixture.frame;
        assert_eq!(look(&frame.pixels, frame.width, frame.height), 0);
        // Each pixel the mean of the 9x9 block around it: out of focus.
        let (w, h) = (frame.width as usize, frame.height as usize);
        let blurred: Vec<u8> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let (x0, x1) = (x.saturating_sub(4), (x + 5).min(w));
                let (y0, y1) = (y.saturating_sub(4), (y + 5).min(h));
                let sum: u32 = (y0..y1)
                    .flat_map(|yy| &frame.pixels[yy * w + x0..yy * w + x1])
                    .map(|&v| u32::from(v))
                    .sum();
                (sum / ((x1 - x0) * (y1 - y0)) as u32) as u8
            })
            .collect();
        assert_eq!(
            look(&blurred, frame.width, frame.height) & advice::HOLD_STILL,
            advice::HOLD_STILL
        );
        let blurred = vision::Grey {
            pixels: blurred,
            ..frame.clone()
        };
        assert!(vision::sharpness(&blurred) < vision::sharpness(frame));
    }

    #[test]
    fn a_frame_is_fitted_within_its_long_side_and_never_enlarged() {
        assert_eq!(fitted(1920, 1080, 640), Some((640, 360)));
        assert_eq!(fitted(960, 1280, 640), Some((480, 640)));
        assert_eq!(fitted(300, 200, 640), Some((300, 200)));
        assert_eq!(fitted(0, 1080, 640), None);
    }

    #[test]
    fn a_plain_wall_has_no_receipt_and_a_dark_one_is_too_dark() {
        let wall = vec![85; 480 * 640];
        assert_eq!(look(&wall, 480, 640), advice::NO_RECEIPT);
        let dark = vec![14; 480 * 640];
        assert_eq!(look(&dark, 480, 640), advice::TOO_DARK);
    }
}
