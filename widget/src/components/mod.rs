//! The widget's components, one per file.

pub mod camera;
pub mod offer_picker;
pub mod photo_picker;
pub mod qr_entry;
pub mod sending;
pub mod verdict;
pub mod waiting;
