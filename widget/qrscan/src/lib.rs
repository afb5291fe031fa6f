//! The widget's QR decoder: [zedbar](https://crates.io/crates/zedbar) (a Rust port
//! of zbar) behind one function, compiled to its own wasm module.
//!
//! It is not part of the widget's bundle. The loader fetches it the first time a
//! shopper scans a QR code in a browser without `BarcodeDetector` (Safari, desktop
//! Linux Chromium): phones that have the native detector never download it, and
//! nobody pays for it who does not scan. It was picked by measurement: on the
//! votingworks qr-benchmark zbar decodes 98.3% of the photos against rqrr's 79.6%,
//! and `cargo xtask bench` measures both on this project's own fixtures
//! ([`fixtures`]).

#[cfg(feature = "fixtures")]
pub mod fixtures;

use wasm_bindgen::prelude::*;
use zedbar::config::QrCode;
use zedbar::{DecoderConfig, Image, Scanner};

/// The text of the first QR code found in a grey image (`luma`: one byte per
/// pixel, rows of `width`), or `None`.
///
/// When the first pass finds nothing, zedbar retries small codes cropped and
/// enlarged, the image at half and quarter size and a smoothed copy. On the
/// fixture set that reads a third more codes (dim light and slight blur above
/// all) for a median 5 ms more per frame, cheap enough for every live frame.
#[wasm_bindgen]
#[must_use]
pub fn decode(luma: &[u8], width: u32, height: u32) -> Option<String> {
    let config = DecoderConfig::new()
        .enable(QrCode)
        .retry_undecoded_regions(true)
        .retry_downscaled(true)
        .retry_smoothed(true);
    let mut image = Image::from_gray(luma, width, height).ok()?;
    Scanner::with_config(config)
        .scan(&mut image)
        .into_symbols()
        .into_iter()
        .find_map(|symbol| symbol.data_string().map(str::to_owned))
}
