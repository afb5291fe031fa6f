//! One file per language.

pub mod en;
pub mod es;
pub mod fr;
pub mod ru;
