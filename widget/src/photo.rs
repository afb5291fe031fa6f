//! What the widget asks of a photo and tells the shopper about it: the
//! campaign's rules for preparing it ([`Prep`]) and what is wrong with it
//! ([`Hint`]). The preparation itself (decoded, scaled, encoded, looked at,
//! straightened) is the lens's (`widget/lens/src/photo.rs`, called through
//! `lens.rs`), fetched the first time a shopper picks a photo or opens the
//! camera, so the widget's first load carries none of it.

use web_sys::Blob;
use words::Text;

/// How a campaign wants its photos prepared (from [`api::PhotoRules`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prep {
    /// Longest side of a prepared photo, in pixels.
    pub long_side: u32,
    /// JPEG quality, 1 to 100.
    pub quality: u8,
    /// Largest photo the proxy takes, in bytes (0: no limit known).
    pub max_bytes: u64,
}

impl From<&api::PhotoRules> for Prep {
    fn from(rules: &api::PhotoRules) -> Self {
        Self {
            long_side: rules.long_side,
            quality: rules.quality,
            max_bytes: rules.max_bytes,
        }
    }
}

/// A quality problem seen in a photo: a hint to the shopper, never a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    Blurred,
    TooDark,
    TooBright,
    TooSmall,
    NoReceipt,
    /// Seen at a slant.
    Tilted,
    /// The provider's own check says it cannot use the photo, and why.
    Unusable(api::ReasonCode),
}

impl Hint {
    /// The hint as advice, in the shopper's language.
    pub fn advice(self, t: &Text) -> &'static str {
        match self {
            Self::Blurred => t.hint_blurred(),
            Self::TooDark => t.hint_dark(),
            Self::TooBright => t.hint_bright(),
            Self::TooSmall => t.hint_small(),
            Self::NoReceipt => t.hint_no_receipt(),
            Self::Tilted => t.hint_tilted(),
            Self::Unusable(code) => t.why(code),
        }
    }
}

/// A photo the lens prepared.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The whole photo, scaled and encoded.
    pub blob: Blob,
    /// What would make it better.
    pub hints: Vec<Hint>,
    /// The receipt found in it, straightened, with the corners it was
    /// straightened to (fractions of the width and height).
    pub straightened: Option<(Blob, [f32; 8])>,
}
