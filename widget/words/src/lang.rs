//! One file per language.

pub mod de;
pub mod en;
pub mod es;
pub mod fr;
pub mod it;
pub mod pl;
pub mod pt;
pub mod ru;
