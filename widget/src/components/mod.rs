//! The widget's components, one per file.

pub mod photo_picker;
pub mod verdict;
pub mod waiting;
