//! The widget's components, one per file.

pub mod offer_picker;
pub mod photo_picker;
pub mod verdict;
pub mod waiting;
