//! Plain-words text for statuses and amounts (pure functions, tested on the host
//! and in the browser).

use api::{ReasonCode, SubmissionStatus};

/// The headline shown for a submission's status.
pub fn status_headline(status: SubmissionStatus) -> &'static str {
    match status {
        SubmissionStatus::Queued | SubmissionStatus::Processing => "We are checking your receipt…",
        SubmissionStatus::Accepted => "Your receipt was accepted",
        SubmissionStatus::Rejected => "Your receipt was not accepted",
        SubmissionStatus::NeedsReview => "Your receipt will be checked by a person",
        SubmissionStatus::Failed => "We could not check your receipt",
    }
}

/// The class that colours a status: ok, warn or bad.
pub fn status_tone(status: SubmissionStatus) -> &'static str {
    match status {
        SubmissionStatus::Accepted => "rr-ok",
        SubmissionStatus::NeedsReview | SubmissionStatus::Queued | SubmissionStatus::Processing => {
            "rr-warn"
        }
        SubmissionStatus::Rejected | SubmissionStatus::Failed => "rr-bad",
    }
}

/// One offer's state, in words.
pub fn offer_state(status: SubmissionStatus) -> &'static str {
    match status {
        SubmissionStatus::Accepted => "Approved",
        SubmissionStatus::NeedsReview => "A person will check it",
        SubmissionStatus::Rejected => "Not approved",
        SubmissionStatus::Queued | SubmissionStatus::Processing => "Being checked",
        SubmissionStatus::Failed => "Could not be checked",
    }
}

/// What the shopper can do about a reason.
pub fn reason_hint(code: ReasonCode) -> &'static str {
    match code {
        ReasonCode::NotReceipt => "Take a photo of the whole receipt, flat and in good light.",
        ReasonCode::Unreadable | ReasonCode::BadQuality => {
            "Retake the photo in good light, holding the phone steady."
        }
        ReasonCode::Duplicate => "This receipt has already been sent.",
        ReasonCode::DateOutOfRange => {
            "Only purchases made during the promotion count: send a receipt from those dates."
        }
        ReasonCode::ProductMismatch => {
            "Make sure the whole receipt is in the photo, with the promoted products on it."
        }
        ReasonCode::StoreMismatch => "The promotion's terms list the stores that take part.",
        ReasonCode::ProviderError | ReasonCode::Other => "Please try again later.",
    }
}

/// An amount with its currency, e.g. `37.87 EUR`.
pub fn amount(value: f64, currency: Option<&str>) -> String {
    match currency {
        Some(c) if !c.is_empty() => format!("{value:.2} {c}"),
        _ => format!("{value:.2}"),
    }
}

/// A byte count in words, e.g. `2.5 MB`.
pub fn size(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / (1024.0 * 1024.0);
    if mb >= 1.0 {
        format!("{mb:.1} MB")
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // These run in the browser, where the widget runs.
    use wasm_bindgen_test::wasm_bindgen_test as test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    #[test]
    fn amounts_have_two_decimals_and_the_currency() {
        assert_eq!(amount(37.87, Some("EUR")), "37.87 EUR");
        assert_eq!(amount(5.0, None), "5.00");
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size(10 * 1024 * 1024), "10.0 MB");
        assert_eq!(size(1500), "2 KB");
    }

    #[test]
    fn every_final_status_has_its_own_headline() {
        let finals: Vec<_> = SubmissionStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .map(status_headline)
            .collect();
        let unique: std::collections::BTreeSet<_> = finals.iter().collect();
        assert_eq!(finals.len(), unique.len(), "{finals:?}");
    }
}
