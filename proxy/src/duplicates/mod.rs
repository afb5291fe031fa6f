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
use crate::store::{Db, Decision, Key};

mod fingerprint;
mod photo_index;

pub use crate::config::DuplicateAction as Action;
pub use fingerprint::{
    Fingerprint, PHOTO_DISTANCE, PHOTO_HASH, PhotoHash, fingerprint, photo_fingerprint, photo_hash,
    same_photo,
};
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
