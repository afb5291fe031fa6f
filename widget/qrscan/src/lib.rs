//! The widget's QR decoder, compiled to its own wasm module: quircs (a pure-Rust
//! port of quirc) behind passes that prepare the frame for it (`read.rs`).
//!
//! It is not part of the widget's bundle. The loader fetches it the first time a
//! shopper scans a QR code in a browser without `BarcodeDetector` (Safari, desktop
//! Linux Chromium): phones that have the native detector never download it, and
//! nobody pays for it who does not scan. It was picked by measurement: on the
//! project's fixtures ([`fixtures`]) it reads as many codes as zxing-cpp and more
//! than zedbar (a port of zbar, which it replaced at an eighth of the download:
//! 24 KB gzip against 184 KB); `cargo xtask bench` runs them side by side.

#[cfg(feature = "fixtures")]
pub mod fixtures;

mod read;

use wasm_bindgen::prelude::*;

/// The text of the first QR code found in a grey image (`luma`: one byte per
/// pixel, rows of `width`), or `None` (none found, or fewer bytes than the
/// dimensions say).
#[wasm_bindgen]
#[must_use]
pub fn decode(luma: &[u8], width: u32, height: u32) -> Option<String> {
    read::decode(luma, width as usize, height as usize)
}
