//! The widget's eye: one wasm module, apart from the widget's bundle, that the
//! loader fetches when a shopper first opens the camera, picks a photo or scans
//! a code (`loadLens()`), so that the first load costs nothing for it. It binds
//! two pure-Rust crates for JavaScript: [`qrscan`] (QR codes) and [`vision`]
//! (the receipt in a frame). The widget reads its answers in `widget/src/lens.rs`.

use wasm_bindgen::prelude::*;

/// The text of the first QR code in a grey image (`luma`: one byte a pixel,
/// rows of `width`), or `None`.
#[wasm_bindgen]
#[must_use]
pub fn decode(luma: &[u8], width: u32, height: u32) -> Option<String> {
    qrscan::decode(luma, width, height)
}

/// What [`look`] answers, as numbers: the advice as bits (`advice`), then the
/// receipt's outline where one was found, its four corners clockwise from the
/// top left, in the frame's pixels (`x0 y0 x1 y1 x2 y2 x3 y3`). Bits, most
/// important first as the shopper is told them:
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

/// Where the receipt is in a grey frame and what would make the photo better:
/// `[advice bits, x0, y0, x1, y1, x2, y2, x3, y3]`, or only `[advice bits]`
/// when no receipt was found (see [`advice`]). A frame with fewer bytes than its
/// dimensions say has no receipt.
#[wasm_bindgen]
#[must_use]
pub fn look(luma: &[u8], width: u32, height: u32) -> Vec<f32> {
    let Some(frame) = vision::Grey::new(width, height, luma) else {
        return vec![advice::NO_RECEIPT as f32];
    };
    let assessment = vision::assess(&frame, vision::find(&frame));
    let bits = assessment
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
        .fold(0, |all, bit| all | bit);
    let mut out = vec![bits as f32];
    if let Some(quad) = assessment.quad {
        out.extend(quad.0.iter().flat_map(|p| [p.x, p.y]));
    }
    out
}
