//! The widget's QR decoder: quircs (a pure-Rust port of quirc) behind passes
//! that prepare the frame for it (`read.rs`).
//!
//! It is not part of the widget's bundle: `widget/lens` binds it, with the
//! receipt vision, into the module the loader fetches when a shopper first opens
//! the camera or picks a photo. It was picked by measurement: on the project's
//! fixtures ([`fixtures`]) it reads as many codes as zxing-cpp and more than
//! zedbar (a port of zbar, which it replaced at an eighth of the download);
//! `cargo xtask bench` runs them side by side.

#[cfg(feature = "fixtures")]
pub mod fixtures;

mod read;

/// The text of the first QR code found in a grey image (`luma`: one byte per
/// pixel, rows of `width`), or `None` (none found, or fewer bytes than the
/// dimensions say).
#[must_use]
pub fn decode(luma: &[u8], width: u32, height: u32) -> Option<String> {
    read::decode(luma, width as usize, height as usize)
}
