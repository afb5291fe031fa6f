//! Plain-words text for statuses and amounts (pure functions, tested on the host
//! and in the browser).

use api::{ReasonCode, SubmissionStatus};

use wasm_bindgen::JsValue;

use crate::camera::CameraError;
use crate::photo::Hint;

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

/// A photo quality hint, as advice.
pub fn photo_hint(hint: Hint) -> &'static str {
    match hint {
        Hint::Blurred => "Looks blurred: hold the phone steady and retake it.",
        Hint::TooDark => "Too dark: find more light and retake it.",
        Hint::TooBright => "Too bright: avoid glare on the paper and retake it.",
        Hint::TooSmall => "Very small: move closer so the print is readable.",
        Hint::NoReceipt => "We cannot see a receipt in this photo.",
    }
}

/// Why the live camera is not there, and what to do instead.
pub fn camera_error(error: CameraError) -> &'static str {
    match error {
        CameraError::Denied => {
            "The camera is blocked for this page. You can allow it in your browser's settings, or use your camera app or gallery instead."
        }
        CameraError::NoCamera => {
            "No camera was found on this device. You can choose a photo from your gallery instead."
        }
        CameraError::Busy => {
            "The camera is in use by another app. Close that app and try again, or use your camera app instead."
        }
        CameraError::Unsupported => {
            "This browser cannot show the camera here. Use your camera app or gallery instead."
        }
    }
}

/// Said when no QR reader could be loaded (the decoder failed to download).
pub const SCANNER_UNAVAILABLE: &str =
    "The QR scanner could not be loaded. You can type the details printed under the code instead.";

/// Said after a QR code that was read but refused.
pub const QR_TRY_AGAIN: &str = "Scan the code on your receipt again, or type its details.";

/// Said when a chosen photo has no readable QR code.
pub const QR_NOT_FOUND: &str = "No QR code could be read in this photo. Try a closer, sharper photo of the code, scan it live, or type its details.";

/// An amount with its currency, e.g. `37.87 EUR`.
pub fn amount(value: f64, currency: Option<&str>) -> String {
    match currency {
        Some(c) if !c.is_empty() => format!("{value:.2} {c}"),
        _ => format!("{value:.2}"),
    }
}

/// A receipt's date and time, formatted for the locale (e.g. `13 Jan 2019, 15:48`).
pub fn fiscal_time(t: &api::fiscal::FiscalTime, locale: &str) -> String {
    let date = js_sys::Date::new_with_year_month_day_hr_min_sec(
        u32::from(t.year),
        i32::from(t.month) - 1,
        i32::from(t.day),
        i32::from(t.hour),
        i32::from(t.minute),
        i32::from(t.second),
    );
    let options = js_sys::Object::new();
    for (key, value) in [("dateStyle", "medium"), ("timeStyle", "short")] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    String::from(date.to_locale_string(locale, &options))
}

/// An amount in hundredths with its ISO currency, formatted for the locale (e.g.
/// `127,00 ₽` in Russian, `RUB 127.00` in English).
pub fn money(cents: u64, currency: &str, locale: &str) -> String {
    let options = js_sys::Object::new();
    for (key, value) in [("style", "currency"), ("currency", currency)] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    let locales = js_sys::Array::of1(&locale.into());
    let formatter = js_sys::Intl::NumberFormat::new(&locales, &options);
    #[allow(clippy::cast_precision_loss)]
    let value = cents as f64 / 100.0;
    formatter
        .format()
        .call1(&JsValue::NULL, &value.into())
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| amount(value, Some(currency)))
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
    fn receipt_dates_and_money_follow_the_locale() {
        let t = api::fiscal::FiscalQr::parse(
            "t=20190113T154800&s=127.00&fn=8716000100025114&i=114318&fp=3578721879&n=1",
        )
        .unwrap()
        .time;
        let en = fiscal_time(&t, "en-GB");
        assert!(en.contains("2019") && en.contains("15:48"), "{en}");
        assert!(en.contains("Jan"), "{en}");
        let fr = fiscal_time(&t, "fr");
        assert!(fr.contains("janv"), "{fr}");
        assert!(
            money(12_700, "RUB", "ru").contains("127,00"),
            "{}",
            money(12_700, "RUB", "ru")
        );
        assert!(
            money(12_700, "EUR", "en").contains("127.00"),
            "{}",
            money(12_700, "EUR", "en")
        );
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
