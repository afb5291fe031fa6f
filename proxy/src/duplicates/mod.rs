//! Duplicate receipts, caught per campaign: the main fraud a cash-back promotion
//! sees. `duplicates = "reject"` refuses a duplicate, `"review"` sends it to a
//! person (`needs_review`), `"off"` (the default) lets it through; only
//! submissions of the last `duplicates_window_days` count.
//!
//! What proves a receipt was sent before, and what only hints at it:
//!
//! - The same fiscal QR code (its drive, document and sign: FN + FD + FP) as an
//!   earlier submission proves it: caught on upload, before anything goes to
//!   the provider.
//! - The same receipt as the provider read it (store, date, time, total) as an
//!   earlier submission proves it: caught when the verdict comes back.
//! - A photo like an earlier submission's only hints at it: receipts of one
//!   shop look alike, and a fingerprint is no proof. The receipt goes on to
//!   the provider, and when its reading comes back it decides
//!   ([`decide`]): read data that clearly differs (another store, date or
//!   time, a total beyond OCR noise) is another receipt; read data that agrees
//!   is the same receipt. Where nothing was read to tell, a campaign that
//!   opts into review (`"review"`) holds it for a person; otherwise the
//!   provider's verdict stands.
//! - A different fiscal QR code proves another receipt: no photo likeness and
//!   no read data overrides it.
//!
//! An erased shopper's receipts still count: their keys are kept as keyed
//! hashes and their photos' fingerprints, linked to no one (`Db::erase_user`),
//! and a match names the earlier submission as [`crate::store::ERASED`].
//!
//! The shopper sees the normalized reason `duplicate`; the brand and the
//! operator see which earlier submission it matched (`duplicate_of`).

use std::time::Duration;

use api::fiscal::FiscalQr;
use api::{Outcome, Reason, ReasonCode, SubmissionStatus};
use providers::Verdict;

use crate::campaign::Campaign;
use image::GrayImage;

use crate::photo::Glance;
use crate::store::{Db, Decision, Key};

mod photo_index;

pub use crate::config::DuplicateAction as Action;
pub use photo_index::PhotoIndex;

impl Action {
    /// The status a duplicate ends in, `None` when duplicates are let through.
    pub fn status(self) -> Option<SubmissionStatus> {
        match self {
            Self::Reject => Some(SubmissionStatus::Rejected),
            Self::Review => Some(SubmissionStatus::NeedsReview),
            Self::Off => None,
        }
    }
}

/// Until when an upload's photos are kept once the provider has them: where
/// its campaign holds duplicates for a person, for the campaign's duplicates
/// window, so the reviewer of a later one sees this receipt beside it;
/// elsewhere `None`, and they go with the upload.
pub fn photos_until(
    campaign: &crate::config::CampaignConfig,
    clock: &crate::clock::Clock,
) -> Option<i64> {
    (campaign.duplicates == crate::config::DuplicateAction::Review).then(|| {
        clock.after(Duration::from_secs(
            u64::from(campaign.duplicates_window_days) * 86_400,
        ))
    })
}

/// Where an earlier submission of the campaign has the same `key`: the status
/// a duplicate ends in and that submission. `None` when the campaign lets
/// duplicates through or none matches. With `qr_key`, an earlier submission
/// with another fiscal QR never matches.
pub async fn earlier(
    db: &Db,
    campaign: &Campaign,
    key: Key,
    value: &str,
    id: &str,
    qr_key: Option<&str>,
) -> Result<Option<(SubmissionStatus, String)>, sqlx::Error> {
    let Some(status) = campaign.config.duplicates.status() else {
        return Ok(None);
    };
    let found = db
        .find_duplicate(&campaign.id, key, value, since(db, campaign), id, qr_key)
        .await?;
    Ok(found.map(|of| (status, of)))
}

/// The earlier submission of the campaign with a photo like one of these, not
/// known to be another receipt by its fiscal QR: a suspicion for [`decide`]
/// to settle, never a verdict by itself.
pub async fn photo_match(
    db: &Db,
    index: &PhotoIndex,
    campaign: &Campaign,
    hashes: &[PhotoHash],
    qr_key: Option<&str>,
) -> Result<Option<String>, sqlx::Error> {
    if campaign.config.duplicates.status().is_none() || hashes.is_empty() {
        return Ok(None);
    }
    index
        .find(db, &campaign.id, since(db, campaign), hashes, qr_key)
        .await
}

/// The start of the campaign's duplicates window (Unix ms).
fn since(db: &Db, campaign: &Campaign) -> i64 {
    let window = Duration::from_secs(24 * 3600) * campaign.config.duplicates_window_days;
    db.clock()
        .now_ms()
        .saturating_sub(crate::clock::millis(window))
}

/// A provider's verdict on submission `id`, as it is stored: what the provider
/// read identifies the receipt; where an accepted receipt was accepted before
/// (the same read data, or a photo like an earlier one's with read data that
/// does not clearly differ from it), the campaign's action decides instead.
pub async fn decide(
    db: &Db,
    campaign: &Campaign,
    id: &str,
    verdict: Verdict,
) -> Result<Decision, sqlx::Error> {
    let Verdict { status, outcome } = verdict;
    let receipt_key = outcome.receipt.as_ref().and_then(receipt_key);
    let mut decision = Decision {
        status,
        outcome,
        receipt_key,
        duplicate_of: None,
    };
    let Some(action) = campaign.config.duplicates.status() else {
        return Ok(decision);
    };
    if decision.status != SubmissionStatus::Accepted {
        return Ok(decision);
    }
    let Some(row) = db.get(id).await? else {
        return Ok(decision);
    };
    let qr_key = row.qr_key.as_deref();
    let mut found = match decision.receipt_key.as_deref() {
        Some(key) => earlier(db, campaign, Key::Receipt, key, id, qr_key).await?,
        None => None,
    };
    if found.is_none()
        && let Some(of) = row.photo_match_of.as_deref()
    {
        found = settle_photo_match(db, action, decision.outcome.receipt.as_ref(), of).await?;
    }
    if let Some((status, of)) = found {
        tracing::warn!(submission = %id, duplicate_of = %of, campaign = %campaign.id, "duplicate receipt");
        decision.status = status;
        decision.outcome.reasons.insert(0, reason());
        for offer in &mut decision.outcome.offers {
            offer.state = status;
        }
        decision.duplicate_of = Some(of);
    }
    Ok(decision)
}

/// What a photo like earlier submission `of`'s comes to once the provider has
/// read this receipt (`read`): the same receipt where the two readings agree,
/// another where they clearly differ, and, where there is nothing to compare,
/// a person's to decide if the campaign reviews duplicates.
async fn settle_photo_match(
    db: &Db,
    action: SubmissionStatus,
    read: Option<&api::Receipt>,
    of: &str,
) -> Result<Option<(SubmissionStatus, String)>, sqlx::Error> {
    let earlier = db
        .get(of)
        .await?
        .and_then(|row| row.outcome)
        .and_then(|outcome| outcome.receipt);
    let held = (action == SubmissionStatus::NeedsReview)
        .then(|| (SubmissionStatus::NeedsReview, of.to_owned()));
    Ok(match (read, earlier.as_ref()) {
        (Some(read), Some(earlier)) if comparable(read) && comparable(earlier) => {
            (!clearly_differ(read, earlier)).then(|| (action, of.to_owned()))
        }
        _ => held,
    })
}

/// Whether a reading has enough to compare: a total, or a date.
fn comparable(receipt: &api::Receipt) -> bool {
    receipt.total.is_some() || receipt.date.is_some()
}

/// Whether two readings are of two receipts: a store, date or time that both
/// read and that differ, or totals further apart than OCR noise (more than 10
/// cents and more than 1%).
pub fn clearly_differ(a: &api::Receipt, b: &api::Receipt) -> bool {
    let text = |value: &Option<String>| {
        value
            .as_deref()
            .map(|v| {
                v.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            })
            .filter(|v| !v.is_empty())
    };
    let differ =
        |x: Option<String>, y: Option<String>| matches!((x, y), (Some(x), Some(y)) if x != y);
    if differ(text(&a.store), text(&b.store))
        || differ(text(&a.date), text(&b.date))
        || differ(text(&a.time), text(&b.time))
    {
        return true;
    }
    match (a.total, b.total) {
        (Some(x), Some(y)) => {
            let gap = (x - y).abs();
            gap > 0.10 && gap > 0.01 * x.abs().max(y.abs())
        }
        _ => false,
    }
}

/// What a photo is known by, kept after the photo itself is gone.
pub type PhotoHash = image_hasher::ImageHash;

/// How the hash is made, for the record (`docs/bench.md`).
pub const PHOTO_HASH: &str = "of the receipt found in the photo (seen at an eighth of its size, or finer to be at least 240 px long, in grey), straightened upright, its ink against the paper at 64x128: a DCT hash of its lowest 16x32 frequencies (512 bits), looked up as it stands and upside down; where no receipt is found, a 16x32 gradient hash of the printed area of the photo at an eighth";

/// Bits two photos' hashes may differ by and still be alike: chosen from the
/// phone-photo table in `docs/bench.md` (1,000 receipts on textured
/// surfaces, every pair). There no two different receipts are alike up to
/// 96 bits (the first at 128); at 80 every copy re-encoded, cropped in its
/// margins, turned a little or a quarter, upside down, or the same paper
/// photographed again is caught, nearly all cropped 5% each side, and about
/// half of those scaled to 60% (their glance is small). A likeness is only a
/// hint either way: it never refuses a shopper.
pub const PHOTO_DISTANCE: u32 = 80;

/// What a photo is known by: the fingerprint stored, and where the receipt
/// was found and straightened, the one of it turned half way round (a
/// receipt photographed upside down), looked up too.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    pub kept: PhotoHash,
    pub turned: Option<PhotoHash>,
}

impl Fingerprint {
    /// Every fingerprint an upload's photo is looked up by.
    pub fn all(&self) -> impl Iterator<Item = &PhotoHash> {
        std::iter::once(&self.kept).chain(&self.turned)
    }
}

/// The fingerprint a photo is stored with, `None` for one that cannot be
/// decoded here (HEIC) or is not whole: such a photo is not checked. An
/// upload has its photos' glances from their check already
/// ([`fingerprint`]).
pub fn photo_hash(bytes: &[u8]) -> Option<PhotoHash> {
    photo_fingerprint(bytes).map(|print| print.kept)
}

/// A photo's [`Fingerprint`], as [`photo_hash`] makes it.
pub fn photo_fingerprint(bytes: &[u8]) -> Option<Fingerprint> {
    let media_type = crate::photo::detect_type(bytes)?;
    let glance = crate::photo::check(bytes, media_type, u64::MAX).ok()??;
    Some(fingerprint(&glance))
}

/// The fingerprint of a photo's glance (grey, an eighth of its size or finer
/// for a small photo, `photo::glance_scale`): of
/// the receipt found in it, straightened upright and cropped to its print
/// (`vision`), so that a copy cropped, turned a little or a quarter, or
/// photographed again from another angle is known; where no receipt is
/// found (a flat scan, a photo of the paper alone), of its printed area as
/// it is.
pub fn fingerprint(glance: &Glance) -> Fingerprint {
    let (width, height) = glance.image.dimensions();
    let frame = vision::Grey {
        width,
        height,
        pixels: glance.image.as_raw().clone(),
    };
    let Some(quad) = vision::find(&frame) else {
        return Fingerprint {
            // At an eighth, however finely the photo was seen: the hash of
            // its print's lines depends on the scale they are seen at.
            kept: grey_hash(&printed_area(&glance.eighth())),
            turned: None,
        };
    };
    let upright = vision::straighten(&frame, &quad, STRAIGHTENED_SIDE);
    let mut receipt = GrayImage::from_raw(upright.width, upright.height, upright.pixels)
        .unwrap_or_else(|| glance.image.clone());
    // A receipt is taller than wide: one photographed sideways is turned
    // back a quarter, so only upside down is left to try.
    if receipt.width() > receipt.height() {
        receipt = image::imageops::rotate90(&receipt);
    }
    let ink = ink(&image::imageops::resize(
        &receipt,
        RECEIPT_SIZE.0,
        RECEIPT_SIZE.1,
        image::imageops::FilterType::Triangle,
    ));
    Fingerprint {
        kept: ink_hash(&ink),
        turned: Some(ink_hash(&image::imageops::rotate180(&ink))),
    }
}

/// The longer side a receipt is straightened to before its fingerprint.
const STRAIGHTENED_SIDE: u32 = 256;

/// The size a straightened receipt is fingerprinted at: every receipt the
/// same, whatever the photo's size and the receipt's length.
const RECEIPT_SIZE: (u32, u32) = (64, 128);

/// How much ink each pixel holds against the paper's own brightness around
/// it (the brightest within a twentieth of the width, smoothed): the light
/// falling across the paper, a shadow, a lamp, are gone; the print stays.
fn ink(receipt: &GrayImage) -> GrayImage {
    let (w, h) = receipt.dimensions();
    let reach = (w / 20).max(2);
    let brightest = |src: &GrayImage, along_rows: bool| {
        GrayImage::from_fn(w, h, |x, y| {
            let (at, limit) = if along_rows { (x, w) } else { (y, h) };
            let (lo, hi) = (at.saturating_sub(reach), (at + reach).min(limit - 1));
            let max = (lo..=hi)
                .map(|k| {
                    if along_rows {
                        src.get_pixel(k, y)[0]
                    } else {
                        src.get_pixel(x, k)[0]
                    }
                })
                .max()
                .unwrap_or(0);
            image::Luma([max])
        })
    };
    let paper = image::imageops::blur(&brightest(&brightest(receipt, true), false), 4.0);
    GrayImage::from_fn(w, h, |x, y| {
        let (p, level) = (
            f32::from(receipt.get_pixel(x, y)[0]),
            f32::from(paper.get_pixel(x, y)[0]).max(1.0),
        );
        image::Luma([((1.0 - (p / level).min(1.0)) * 510.0).min(255.0) as u8])
    })
}

/// A 512-bit DCT hash (the lowest 16x32 frequencies against their mean) of
/// a receipt's ink.
fn ink_hash(ink: &GrayImage) -> PhotoHash {
    let hasher = image_hasher::HasherConfig::new()
        .hash_size(16, 32)
        .hash_alg(image_hasher::HashAlg::Mean)
        .preproc_dct()
        .to_hasher();
    hasher.hash_image(&image::DynamicImage::ImageLuma8(ink.clone()))
}

/// A 16x32 gradient hash of a grey image.
fn grey_hash(grey: &GrayImage) -> PhotoHash {
    let hasher = image_hasher::HasherConfig::new()
        .hash_size(16, 32)
        .hash_alg(image_hasher::HashAlg::Gradient)
        .to_hasher();
    hasher.hash_image(&image::DynamicImage::ImageLuma8(grey.clone()))
}

/// The part of a receipt photo that holds print: the bounding box of pixels
/// clearly darker than the paper, so a copy cropped in its margins hashes the
/// same. "Clearly darker" is half way from the photo's mean to its darkest
/// hundredth: seen at an eighth, a line of print is a shade, not black.
fn printed_area(grey: &GrayImage) -> GrayImage {
    let (w, h) = grey.dimensions();
    let mut histogram = [0u64; 256];
    for p in grey.pixels() {
        histogram[usize::from(p[0])] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let mean = histogram
        .iter()
        .enumerate()
        .map(|(value, n)| value as u64 * n)
        .sum::<u64>()
        / total.max(1);
    let mut seen = 0;
    let darkest = histogram
        .iter()
        .position(|n| {
            seen += n;
            seen * 100 >= total
        })
        .unwrap_or(0) as u64;
    if mean.saturating_sub(darkest) < 24 {
        return grey.clone();
    }
    let ink = ((mean + darkest) / 2) as u8;
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for (x, y, p) in grey.enumerate_pixels() {
        if p[0] < ink {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    if x1 <= x0 || y1 <= y0 {
        return grey.clone();
    }
    image::imageops::crop_imm(grey, x0, y0, x1 - x0 + 1, y1 - y0 + 1).to_image()
}

/// Whether two photos' hashes are close enough to be one photo.
pub fn same_photo(a: &PhotoHash, b: &PhotoHash) -> bool {
    a.dist(b) <= PHOTO_DISTANCE
}

/// The reason a duplicate is given.
pub fn reason() -> Reason {
    Reason {
        code: ReasonCode::Duplicate,
        message: "This receipt has already been sent.".to_owned(),
        words: Vec::new(),
    }
}

/// The outcome of a duplicate caught before the provider saw it.
pub fn caught_on_upload() -> Outcome {
    Outcome {
        reasons: vec![reason()],
        ..Outcome::default()
    }
}

/// What identifies a fiscal receipt in its QR code: the fiscal drive, the
/// document number and the fiscal sign (the same receipt, whatever else the
/// text says or in what order). `None` for a text that is not a fiscal QR.
pub fn qr_key(qr: &str) -> Option<String> {
    let parsed = FiscalQr::parse(qr).ok()?;
    Some(format!(
        "fn{}:fd{}:fp{}",
        parsed.drive, parsed.document, parsed.sign
    ))
}

/// The fiscal receipt's key ([`qr_key`]'s) from the fiscal data it prints
/// (an e-receipt's text): its fiscal drive (ФН / FN, 16 digits), document
/// (ФД / FD) and sign (ФП, ФПД / FP), each label followed by its number.
/// `None` where one of the three is not printed.
pub fn printed_fiscal_key(text: &str) -> Option<String> {
    static FISCAL: std::sync::LazyLock<[regex::Regex; 3]> = std::sync::LazyLock::new(|| {
        let number = |labels: &str, digits: &str| {
            regex::Regex::new(&format!(
                r"(?i)\b(?:{labels})\b[^0-9A-Za-zА-Яа-я]{{0,4}}([0-9]{{{digits}}})\b"
            ))
            .expect("a fiscal pattern")
        };
        [
            number("ФН|FN", "16"),
            number("ФД|FD", "1,10"),
            number("ФПД|ФП|FPD|FP", "1,10"),
        ]
    });
    let [drive, document, sign] = &*FISCAL;
    let find = |pattern: &regex::Regex| Some(pattern.captures(text)?.get(1)?.as_str().to_owned());
    Some(format!(
        "fn{}:fd{}:fp{}",
        find(drive)?,
        find(document)?,
        find(sign)?
    ))
}

/// What identifies a receipt as a provider read it: the store, the date, the
/// time and the total (in cents). `None` when too little was read to tell one
/// receipt from another (no date, time or total): two receipts of one shop on
/// one day with one total are two receipts.
pub fn receipt_key(receipt: &api::Receipt) -> Option<String> {
    let date = receipt.date.as_deref()?.trim();
    let time = receipt.time.as_deref()?.trim();
    let total = receipt.total?;
    if date.is_empty() || time.is_empty() {
        return None;
    }
    let cents = (total * 100.0).round() as i64;
    let store = receipt
        .store
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    Some(format!("{store}|{date}|{time}|{cents}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_e_receipts_printed_fiscal_data_is_its_qr_codes_key() {
        let qr = "t=20190113T154800&s=127.00&fn=9282440300682838&i=41406&fp=3826178052&n=1";
        let printed = "CLAREL\nИТОГ 127.00\nФН: 9282440300682838 ФД: 41406\nФП: 3826178052";
        assert_eq!(printed_fiscal_key(printed), qr_key(qr));
        let latin = "fn 9282440300682838  fd 41406  fpd 3826178052";
        assert_eq!(printed_fiscal_key(latin), qr_key(qr));
        // A number of the wrong length, or a label missing: no key.
        assert_eq!(
            printed_fiscal_key("FN 92824403 FD 41406 FP 3826178052"),
            None
        );
        assert_eq!(printed_fiscal_key("FN 9282440300682838 FD 41406"), None);
        assert_eq!(printed_fiscal_key("INFN 9282440300682838 FD 1 FP 2"), None);
    }

    fn read(store: &str, date: &str, time: &str, total: f64) -> api::Receipt {
        api::Receipt {
            store: Some(store.to_owned()),
            address: None,
            date: Some(date.to_owned()),
            time: Some(time.to_owned()),
            total: Some(total),
            currency: Some("EUR".to_owned()),
            items: Vec::new(),
        }
    }

    #[test]
    fn readings_of_two_receipts_clearly_differ_and_ocr_noise_does_not() {
        let a = read("CLAREL", "2025-09-24", "20:08", 37.87);
        // One receipt read twice: case, spaces and a misread cent.
        assert!(!clearly_differ(
            &a,
            &read(" clarel ", "2025-09-24", "20:08", 37.81)
        ));
        // Another shop, another day, another minute, another total.
        assert!(clearly_differ(
            &a,
            &read("DIA", "2025-09-24", "20:08", 37.87)
        ));
        assert!(clearly_differ(
            &a,
            &read("CLAREL", "2025-09-25", "20:08", 37.87)
        ));
        assert!(clearly_differ(
            &a,
            &read("CLAREL", "2025-09-24", "20:09", 37.87)
        ));
        assert!(clearly_differ(
            &a,
            &read("CLAREL", "2025-09-24", "20:08", 12.40)
        ));
        // What one reading lacks is no difference.
        let mut partial = read("CLAREL", "2025-09-24", "20:08", 37.87);
        partial.store = None;
        partial.time = None;
        assert!(!clearly_differ(&a, &partial));
    }

    #[test]
    fn a_fiscal_qr_is_known_by_its_drive_document_and_sign_in_any_order() {
        let a = qr_key("t=20190113T154800&s=127.00&fn=9282440300682838&i=41406&fp=3826178052&n=1");
        let b = qr_key("fn=9282440300682838&fp=3826178052&i=41406&n=1&s=127.00&t=20190113T1548");
        assert!(a.is_some());
        assert_eq!(a, b);
        let other =
            qr_key("t=20190113T154800&s=127.00&fn=9282440300682838&i=41407&fp=3826178052&n=1");
        assert_ne!(a, other);
        assert_eq!(qr_key("not a fiscal code"), None);
    }

    #[test]
    fn a_receipt_read_twice_has_one_key_and_a_receipt_read_poorly_none() {
        let read = |store: &str, total: Option<f64>| api::Receipt {
            store: Some(store.to_owned()),
            address: None,
            date: Some("2025-09-24".to_owned()),
            time: Some("18:02".to_owned()),
            total,
            currency: Some("EUR".to_owned()),
            items: Vec::new(),
        };
        assert_eq!(
            receipt_key(&read("CLAREL ", Some(37.87))),
            receipt_key(&read("clarel", Some(37.870_000_1)))
        );
        assert_ne!(
            receipt_key(&read("CLAREL", Some(37.87))),
            receipt_key(&read("CLAREL", Some(37.88)))
        );
        assert_eq!(receipt_key(&read("CLAREL", None)), None);
        let no_time = api::Receipt {
            time: None,
            ..read("CLAREL", Some(37.87))
        };
        assert_eq!(receipt_key(&no_time), None);
    }
}
