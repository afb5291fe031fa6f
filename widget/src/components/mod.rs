//! The widget's components, one per file.

pub mod camera;
pub mod capture;
pub mod corners;
pub mod dialog;
pub mod offer_picker;
pub mod photo_picker;
pub mod qr_entry;
pub mod sending;
pub mod verdict;
pub mod waiting;

use wasm_bindgen::JsCast;
use web_sys::{Blob, Event, HtmlInputElement};

/// The files a file input's `change` event carries. The input is emptied, so that
/// the shopper can pick the same file again after removing it.
pub fn chosen_files(e: &Event) -> Vec<Blob> {
    let Some(input) = e
        .target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
    else {
        return Vec::new();
    };
    let files = input
        .files()
        .map(|list| {
            (0..list.length())
                .filter_map(|i| list.get(i))
                .map(Blob::from)
                .collect()
        })
        .unwrap_or_default();
    input.set_value("");
    files
}
