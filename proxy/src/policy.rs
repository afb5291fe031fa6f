//! [`UploadPolicy`]: what one submission to a campaign may carry, decided once
//! from the campaign's photo rules and its provider's [`Abilities`].
//!
//! It is the one source of the upload rules: the configuration is checked by it
//! when it loads, every route that takes photos reads by it
//! (`routes/upload.rs`), and the widget is told it as the campaign's
//! [`api::PhotoRules`], so the widget and the proxy cannot disagree.

use std::ops::RangeInclusive;

use providers::{Abilities, MediaType};

use crate::config::PhotoLimits;

/// What one submission to a campaign may carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPolicy {
    /// Photos a shopper may take of one receipt; 0 at the low end means its QR
    /// code alone is a whole receipt.
    pub shots: RangeInclusive<u8>,
    /// Photos one upload carries. Where the provider takes one image per
    /// receipt, the widget has combined the shots into one.
    pub photos: RangeInclusive<u8>,
    /// Largest photo, in bytes.
    pub max_bytes: u64,
    /// Largest photo, in pixels (width x height), against decompression bombs.
    pub max_pixels: u64,
    /// What the widget scales and re-encodes each photo to.
    pub long_side: u32,
    pub quality: u8,
    /// The shopper must claim offers (the provider judges claimed offers).
    pub offers: bool,
    /// The codes a QR-only submission may carry.
    pub qr_alone: QrFormats,
    /// Most pages of a PDF e-receipt, sent alone in place of photos; `None`
    /// where the provider reads no PDF.
    pub pdf_pages: Option<u32>,
}

/// The QR codes a campaign takes as a whole receipt (without photos): a fiscal
/// receipt's code always, and codes matching one of the campaign's
/// `qr_patterns` (regular expressions matched against the whole text). A code
/// of no such format is refused before anything is stored.
#[derive(Debug, Clone, Default)]
pub struct QrFormats {
    patterns: Vec<regex::Regex>,
}

impl PartialEq for QrFormats {
    fn eq(&self, other: &Self) -> bool {
        self.patterns.len() == other.patterns.len()
            && self
                .patterns
                .iter()
                .zip(&other.patterns)
                .all(|(a, b)| a.as_str() == b.as_str())
    }
}

impl Eq for QrFormats {}

impl QrFormats {
    /// Fiscal codes and codes that match one of `patterns` whole.
    pub fn new(patterns: &[String]) -> Result<Self, PolicyError> {
        let patterns = patterns
            .iter()
            .enumerate()
            .map(|(i, pattern)| {
                regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|_| {
                        PolicyError(format!("qr_patterns[{i}] is not a regular expression"))
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { patterns })
    }

    /// Whether a QR code's text is one the campaign takes alone.
    pub fn accepts(&self, text: &str) -> bool {
        api::fiscal::FiscalQr::parse(text).is_ok() || self.patterns.iter().any(|p| p.is_match(text))
    }
}

/// Why a campaign's photo rules do not fit its provider. Names keys, never values.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(String);

impl UploadPolicy {
    /// The policy of a campaign with these photo rules whose provider can do
    /// `abilities`; refused where the two cannot work together, rather than
    /// dropping photos on the way.
    pub fn new(limits: &PhotoLimits, abilities: &Abilities) -> Result<Self, PolicyError> {
        let PhotoLimits {
            min_count,
            max_count,
            ..
        } = *limits;
        if max_count == 0 || min_count > max_count {
            return Err(PolicyError(
                "photos.min_count must be at most photos.max_count, which must be at least 1"
                    .to_owned(),
            ));
        }
        if max_count > abilities.most_photos() {
            return Err(PolicyError(format!(
                "its provider takes at most {} photo(s) per receipt; lower photos.max_count",
                abilities.most_photos()
            )));
        }
        if !(1..=100).contains(&limits.quality) || limits.long_side < 800 {
            return Err(PolicyError(
                "photos.quality must be 1 to 100 and photos.long_side at least 800".to_owned(),
            ));
        }
        if limits.max_pdf_pages == 0 {
            return Err(PolicyError(
                "photos.max_pdf_pages must be at least 1".to_owned(),
            ));
        }
        if min_count == 0 && !abilities.qr_alone {
            return Err(PolicyError(
                "its provider needs a photo (photos.min_count = 0 is for QR-only receipts)"
                    .to_owned(),
            ));
        }
        let photos = if abilities.combines_photos() {
            min_count.min(1)..=1
        } else {
            min_count..=max_count
        };
        Ok(Self {
            shots: min_count..=max_count,
            photos,
            max_bytes: limits.max_bytes,
            max_pixels: limits.max_pixels,
            long_side: limits.long_side,
            quality: limits.quality,
            offers: abilities.offers,
            qr_alone: QrFormats::default(),
            pdf_pages: abilities.pdf.then_some(limits.max_pdf_pages),
        })
    }

    /// This policy, taking QR codes alone that match `patterns` besides
    /// fiscal ones.
    pub fn taking_qr_codes(self, patterns: &[String]) -> Result<Self, PolicyError> {
        Ok(Self {
            qr_alone: QrFormats::new(patterns)?,
            ..self
        })
    }

    /// The policy of the photo-quality pre-check: one photo and nothing else.
    pub fn one_photo(&self) -> Self {
        Self {
            shots: 1..=1,
            photos: 1..=1,
            offers: false,
            pdf_pages: None,
            ..self.clone()
        }
    }

    /// What the widget is told.
    pub fn photo_rules(&self) -> api::PhotoRules {
        api::PhotoRules {
            min_count: *self.shots.start(),
            max_count: *self.shots.end(),
            max_bytes: self.max_bytes,
            accept: MediaType::IMAGES
                .iter()
                .chain(self.pdf_pages.map(|_| &MediaType::Pdf))
                .map(|t| t.as_str().to_owned())
                .collect(),
            long_side: self.long_side,
            quality: self.quality,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const APM: Abilities = Abilities {
        photos_per_receipt: 5,
        qr: true,
        qr_alone: true,
        ..Abilities::ONE_IMAGE
    };

    fn limits(min_count: u8, max_count: u8) -> PhotoLimits {
        PhotoLimits {
            min_count,
            max_count,
            ..PhotoLimits::default()
        }
    }

    #[test]
    fn a_qr_code_alone_is_a_fiscal_one_or_one_of_the_campaigns_patterns() {
        let fiscal = "t=20190113T154800&s=127.00&fn=9282440300682838&i=41406&fp=3826178052&n=1";
        let only_fiscal = QrFormats::default();
        assert!(only_fiscal.accepts(fiscal));
        for other in ["hello", "<script>alert(1)</script>", "PROMO-12345678"] {
            assert!(!only_fiscal.accepts(other), "{other}");
        }
        let promo = QrFormats::new(&["PROMO-[0-9]{8}".to_owned()]).unwrap();
        assert!(promo.accepts("PROMO-12345678"));
        assert!(promo.accepts(fiscal));
        // Matched whole: a pattern cannot be satisfied by part of a text.
        assert!(!promo.accepts("x PROMO-12345678 <script>"));
        assert!(QrFormats::new(&["(".to_owned()]).is_err());
    }

    #[test]
    fn a_combining_provider_takes_up_to_four_shots_in_one_upload() {
        let policy = UploadPolicy::new(&limits(1, 4), &Abilities::ONE_IMAGE).unwrap();
        assert_eq!(policy.shots, 1..=4);
        assert_eq!(policy.photos, 1..=1);
        assert_eq!(policy.photo_rules().max_count, 4);
        let error = UploadPolicy::new(&limits(1, 5), &Abilities::ONE_IMAGE).unwrap_err();
        assert!(error.to_string().contains("at most 4 photo"), "{error}");
    }

    /// Two shots required, combined into one image: the upload carries one.
    #[test]
    fn two_required_shots_combined_upload_as_one_photo() {
        let policy = UploadPolicy::new(&limits(2, 3), &Abilities::ONE_IMAGE).unwrap();
        assert_eq!(policy.shots, 2..=3);
        assert_eq!(policy.photos, 1..=1);
    }

    #[test]
    fn only_a_provider_that_takes_a_qr_code_alone_may_go_without_photos() {
        let error = UploadPolicy::new(&limits(0, 1), &Abilities::ONE_IMAGE).unwrap_err();
        assert!(error.to_string().contains("needs a photo"), "{error}");
        let policy = UploadPolicy::new(&limits(0, 5), &APM).unwrap();
        assert_eq!(policy.photos, 0..=5);
        assert!(UploadPolicy::new(&limits(0, 6), &APM).is_err());
    }

    #[test]
    fn bad_counts_and_encodings_are_refused() {
        assert!(UploadPolicy::new(&limits(0, 0), &APM).is_err());
        assert!(UploadPolicy::new(&limits(2, 1), &APM).is_err());
        let blurry = PhotoLimits {
            quality: 0,
            ..limits(1, 1)
        };
        assert!(UploadPolicy::new(&blurry, &APM).is_err());
        let tiny = PhotoLimits {
            long_side: 400,
            ..limits(1, 1)
        };
        assert!(UploadPolicy::new(&tiny, &APM).is_err());
        let no_pages = PhotoLimits {
            max_pdf_pages: 0,
            ..limits(1, 1)
        };
        assert!(UploadPolicy::new(&no_pages, &APM).is_err());
    }

    #[test]
    fn an_e_receipt_is_taken_only_where_the_provider_reads_pdf() {
        const PDF: &str = "application/pdf";
        let photos_only = UploadPolicy::new(&limits(1, 1), &APM).unwrap();
        assert_eq!(photos_only.pdf_pages, None);
        assert!(!photos_only.photo_rules().accept.iter().any(|t| t == PDF));
        let reads_pdf = Abilities {
            pdf: true,
            ..Abilities::ONE_IMAGE
        };
        let policy = UploadPolicy::new(&limits(1, 2), &reads_pdf).unwrap();
        assert_eq!(policy.pdf_pages, Some(crate::config::DEFAULT_MAX_PDF_PAGES));
        let accept = policy.photo_rules().accept;
        assert_eq!(accept.last().map(String::as_str), Some(PDF));
        assert!(accept.iter().any(|t| t == "image/jpeg"));
        // The photo-quality pre-check looks at photos only.
        assert_eq!(policy.one_photo().pdf_pages, None);
    }

    #[test]
    fn the_quality_pre_check_takes_one_photo_and_no_offers() {
        let offers = Abilities {
            offers: true,
            photos_per_receipt: u8::MAX,
            ..Abilities::ONE_IMAGE
        };
        let policy = UploadPolicy::new(&limits(1, 5), &offers).unwrap();
        assert!(policy.offers);
        let one = policy.one_photo();
        assert_eq!(one.photos, 1..=1);
        assert!(!one.offers);
        assert_eq!(one.max_bytes, policy.max_bytes);
    }
}
