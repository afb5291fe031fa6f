//! What went wrong, kept as a [`Problem`] until it is shown and then put into the
//! shopper's words. Every module that can fail speaks in these; none of them
//! needs to know how a language is chosen.

use api::ErrorCode;
use api::fiscal::{FiscalQrError, QrTextError};
use words::{Text, fill};

/// Something that went wrong, put into the shopper's language when it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No answer from the proxy.
    Network,
    /// The proxy answers, but not to this page: its origin is not in the
    /// campaign's `allowed_origins` (CORS).
    NotAvailable,
    /// The proxy answered something that is not the API's JSON.
    BadAnswer,
    /// An error status without the API's error body.
    Http(u16),
    /// The proxy refused, with its error code.
    Refused(ErrorCode),
    /// A file the browser cannot decode as an image.
    NotAPhoto,
    /// A HEIC photo over the size limit, in a browser that cannot shrink it.
    TooLargeToShrink,
    PreviewFailed,
    /// The upload's retries ran out, the last on whose fault.
    GaveUp(Blame),
    /// More photos picked than the receipt may have: this many were kept.
    TooManyPhotos(usize),
    /// A PDF picked where the campaign's provider reads no PDF.
    PdfNotTaken,
    /// An e-receipt larger than the campaign takes (in MB, rounded up).
    PdfTooLarge(u64),
    /// An e-receipt picked beside photos: it goes alone.
    EReceiptAlone,
    Camera(CameraError),
    /// Neither the browser's detector nor the decoder module could be had.
    ScannerUnavailable,
    /// The lens, which prepares photos and runs the camera's viewfinder,
    /// could not be downloaded.
    LensUnavailable,
    /// ... as the shopper opened the camera.
    CameraUnavailable,
    /// A chosen photo has no readable QR code.
    QrNotFound,
    QrNeedTime,
    QrNeedTotal,
    /// A scanned or read code that is refused.
    QrRefused(QrTextError),
    /// Typed details that do not make a valid code.
    QrTyped(FiscalQrError),
}

/// Whose fault a failure is: the shopper's words and the host page's `error`
/// event both say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// The shopper's connection: no answer came.
    Network,
    /// The proxy (or what stands in front of it) answered with an error.
    Server,
}

impl Problem {
    /// What kind of problem, for the host page's `error` event (the README's
    /// table lists them): whose fault it is where it is a failure.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Network
            | Self::GaveUp(Blame::Network)
            | Self::LensUnavailable
            | Self::CameraUnavailable => "network",
            Self::NotAvailable => "not_available",
            Self::Refused(ErrorCode::UnknownCampaign) => "unknown_campaign",
            Self::BadAnswer | Self::Http(_) | Self::GaveUp(Blame::Server) => "server",
            Self::Refused(ErrorCode::Internal | ErrorCode::Unknown) => "server",
            Self::Refused(
                ErrorCode::ProviderAuth | ErrorCode::ProviderError | ErrorCode::Unavailable,
            ) => "provider",
            Self::Refused(_) => "refused",
            Self::NotAPhoto | Self::TooLargeToShrink | Self::PreviewFailed => "photo",
            Self::TooManyPhotos(_) => "photo",
            Self::PdfNotTaken | Self::PdfTooLarge(_) | Self::EReceiptAlone => "photo",
            Self::Camera(_) => "camera",
            Self::ScannerUnavailable
            | Self::QrNotFound
            | Self::QrNeedTime
            | Self::QrNeedTotal
            | Self::QrRefused(_)
            | Self::QrTyped(_) => "qr",
        }
    }

    /// Whether the same request may well succeed later (a blip, a server
    /// restarting, a provider briefly down): worth trying again by itself.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Network
                | Self::BadAnswer
                | Self::Http(408 | 429 | 500..=599)
                | Self::Refused(
                    ErrorCode::Unavailable
                        | ErrorCode::RateLimited
                        | ErrorCode::Internal
                        | ErrorCode::ProviderError
                        | ErrorCode::TooSlow
                )
        )
    }

    /// The problem in the words of `t`'s language.
    pub fn in_words(&self, t: &Text) -> String {
        match self {
            Self::Network => t.network().to_owned(),
            Self::NotAvailable => t.not_available().to_owned(),
            Self::BadAnswer | Self::Http(500..=599) => t.server_trouble().to_owned(),
            Self::Http(status) => fill(t.http_error(), &[("n", &status.to_string())]),
            Self::Refused(code) => t.refused(*code).to_owned(),
            Self::NotAPhoto => t.not_a_photo().to_owned(),
            Self::TooLargeToShrink => t.too_large_to_shrink().to_owned(),
            Self::PreviewFailed => t.preview_failed().to_owned(),
            Self::GaveUp(Blame::Network) => t.gave_up().to_owned(),
            Self::GaveUp(Blame::Server) => t.gave_up_server().to_owned(),
            Self::TooManyPhotos(max) => fill(t.too_many_photos(), &[("n", &max.to_string())]),
            Self::PdfNotTaken => t.pdf_not_taken().to_owned(),
            Self::PdfTooLarge(mb) => fill(t.pdf_too_large(), &[("n", &mb.to_string())]),
            Self::EReceiptAlone => t.e_receipt_alone().to_owned(),
            Self::Camera(error) => error.explained(t),
            Self::ScannerUnavailable => t.scanner_unavailable().to_owned(),
            Self::LensUnavailable => t.lens_unavailable().to_owned(),
            Self::CameraUnavailable => t.camera_unavailable().to_owned(),
            Self::QrNotFound => t.qr_not_found().to_owned(),
            Self::QrNeedTime => t.qr_need_time().to_owned(),
            Self::QrNeedTotal => t.qr_need_total().to_owned(),
            Self::QrRefused(error) => format!("{} {}", t.qr_text_error(error), t.qr_try_again()),
            Self::QrTyped(error) => t.fiscal_error(error),
        }
    }
}

/// Where a blocked camera is allowed again in the shopper's browser, by its
/// user agent: Safari on an iPhone, Firefox, or Chrome and its kin (Android's
/// browsers); `None` for one we cannot name.
fn how_to_allow(t: &Text) -> Option<&'static str> {
    let agent = js_sys::JsString::from(web_sys::window()?.navigator().user_agent().ok()?);
    let has = |name: &str| agent.includes(name, 0);
    if has("Firefox") || has("FxiOS") {
        Some(t.camera_allow_firefox())
    } else if has("iPhone") || has("iPad") {
        // Chrome on iOS keeps its permissions in the phone's settings.
        (!has("CriOS")).then(|| t.camera_allow_ios())
    } else if has("Chrome") {
        Some(t.camera_allow_chrome())
    } else {
        None
    }
}

/// Why the live camera is not available, each with words for the shopper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraError {
    /// The shopper (or the browser's settings) refused the permission.
    Denied,
    /// The device has no camera.
    NoCamera,
    /// Another app holds the camera.
    Busy,
    /// The browser has no `getUserMedia` (or the page is not secure).
    Unsupported,
}

impl CameraError {
    /// Why the live camera is not there, and what to do instead: for a
    /// blocked one (browsers do not ask twice), how to allow it in this
    /// browser.
    pub fn explained(self, t: &Text) -> String {
        match self {
            Self::Denied => match how_to_allow(t) {
                Some(how) => format!("{} {how}", t.camera_denied()),
                None => t.camera_denied().to_owned(),
            },
            Self::NoCamera => t.camera_none().to_owned(),
            Self::Busy => t.camera_busy().to_owned(),
            Self::Unsupported => t.camera_unsupported().to_owned(),
        }
    }

    /// From the `DOMException` name `getUserMedia` rejects with.
    pub fn from_name(name: &str) -> Self {
        match name {
            "NotAllowedError" | "SecurityError" | "PermissionDeniedError" => Self::Denied,
            "NotFoundError" | "OverconstrainedError" | "DevicesNotFoundError" => Self::NoCamera,
            "NotReadableError" | "AbortError" | "TrackStartError" => Self::Busy,
            _ => Self::Unsupported,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    /// One problem of each kind, with the kind the host page hears.
    fn one_of_each_kind() -> [(Problem, &'static str); 13] {
        [
            (Problem::Network, "network"),
            (Problem::GaveUp(Blame::Network), "network"),
            (Problem::GaveUp(Blame::Server), "server"),
            (Problem::Http(503), "server"),
            (Problem::BadAnswer, "server"),
            (Problem::Refused(ErrorCode::Unavailable), "provider"),
            (Problem::Refused(ErrorCode::ProviderAuth), "provider"),
            (
                Problem::Refused(ErrorCode::UnknownCampaign),
                "unknown_campaign",
            ),
            (Problem::NotAvailable, "not_available"),
            (Problem::Refused(ErrorCode::InvalidField), "refused"),
            (Problem::TooManyPhotos(3), "photo"),
            (Problem::Camera(CameraError::Denied), "camera"),
            (Problem::QrNotFound, "qr"),
        ]
    }

    #[test]
    fn a_server_fault_was_blamed_on_the_shoppers_connection() {
        // Whose fault, as the host page's `error` event says it.
        for (problem, kind) in one_of_each_kind() {
            assert_eq!(problem.kind(), kind, "{problem:?}");
        }
        // What is worth trying again by itself, and what is definite.
        for passing in [
            Problem::Network,
            Problem::Http(502),
            Problem::Refused(ErrorCode::RateLimited),
        ] {
            assert!(passing.is_transient(), "{passing:?}");
        }
        for definite in [
            Problem::NotAvailable,
            Problem::Refused(ErrorCode::UnknownCampaign),
            Problem::Http(404),
            Problem::Refused(ErrorCode::ShopperExpired),
        ] {
            assert!(!definite.is_transient(), "{definite:?}");
        }
    }

    /// The backticked names in the README's row for the host page's `event`
    /// (`| \`event\` | detail |`), what is in brackets left out.
    pub(crate) fn readme_names(event: &str) -> std::collections::BTreeSet<String> {
        let readme = include_str!("../../README.md");
        let row = readme
            .lines()
            .find(|line| line.starts_with(&format!("| `{event}` |")))
            .unwrap_or_else(|| panic!("the README's event table has no {event} row"));
        let detail = row.splitn(3, '|').nth(2).unwrap_or_default();
        let mut outside = String::new();
        let mut depth = 0_u32;
        for c in detail.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                c if depth == 0 => outside.push(c),
                _ => {}
            }
        }
        outside
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn the_readme_listed_error_kinds_the_widget_does_not_send() {
        let kinds = one_of_each_kind().map(|(problem, _)| problem.kind().to_owned());
        assert_eq!(readme_names("error"), kinds.into_iter().collect());
    }
}
