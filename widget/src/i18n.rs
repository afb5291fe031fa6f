//! The widget's words in English, Spanish, French and Russian, and the choice of
//! language: the embed tag's `data-lang`, else the browser's languages, else
//! English.
//!
//! Every language is one [`Text`] (in `i18n/{en,es,fr,ru}.rs`): a struct with a
//! field per string, so a language that lacks a string does not compile. Strings
//! with a number or a name take it through a `{placeholder}` ([`fill`]); counted
//! strings list their plural forms separated by `|` ([`Locale::count`]). Errors
//! are kept as a [`Problem`] and put into words only when shown.

mod en;
mod es;
mod fr;
mod ru;

use api::fiscal::{FiscalQrError, QrTextError};
use api::{ErrorCode, ReasonCode, SubmissionStatus};
use yew::AttrValue;

use crate::camera::CameraError;
use crate::photo::Hint;

/// A language the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
    Fr,
    Ru,
}

impl Lang {
    pub const ALL: [Self; 4] = [Self::En, Self::Es, Self::Fr, Self::Ru];

    /// The language of a BCP 47 tag (`es-MX` is Spanish), if the widget speaks it.
    pub fn of_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|lang| lang.code() == primary)
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
            Self::Fr => "fr",
            Self::Ru => "ru",
        }
    }

    pub fn text(self) -> &'static Text {
        match self {
            Self::En => &en::TEXT,
            Self::Es => &es::TEXT,
            Self::Fr => &fr::TEXT,
            Self::Ru => &ru::TEXT,
        }
    }

    /// Which of a counted string's forms (`one|other`, or `one|few|many` in
    /// Russian) goes with `n`, by the CLDR rules for whole numbers.
    pub fn plural_form(self, n: u64) -> usize {
        match self {
            Self::En | Self::Es => usize::from(n != 1),
            Self::Fr => usize::from(n > 1),
            Self::Ru => match (n % 10, n % 100) {
                (1, 11) | (5..=9 | 0, _) | (_, 12..=14) => 2,
                (1, _) => 0,
                _ => 1,
            },
        }
    }
}

/// The shopper's language, and the full tag that dates and amounts are formatted
/// with (`es-MX` formats differently from `es-ES`). Given to every component as
/// a yew context.
#[derive(Debug, Clone, PartialEq)]
pub struct Locale {
    pub lang: Lang,
    pub tag: AttrValue,
}

impl Default for Locale {
    fn default() -> Self {
        Self {
            lang: Lang::En,
            tag: AttrValue::Static("en"),
        }
    }
}

impl Locale {
    /// The first of `wanted` (the embed tag's language, then the browser's, in
    /// order of preference) that the widget speaks; English otherwise.
    pub fn negotiate<'a>(wanted: impl IntoIterator<Item = &'a str>) -> Self {
        wanted
            .into_iter()
            .map(str::trim)
            .find_map(|tag| {
                Lang::of_tag(tag).map(|lang| Self {
                    lang,
                    tag: tag.to_owned().into(),
                })
            })
            .unwrap_or_default()
    }

    /// The browser's languages, most preferred first.
    pub fn browser_languages() -> Vec<String> {
        let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
            return Vec::new();
        };
        let listed: Vec<String> = navigator
            .languages()
            .iter()
            .filter_map(|tag| tag.as_string())
            .collect();
        if listed.is_empty() {
            navigator.language().into_iter().collect()
        } else {
            listed
        }
    }

    pub fn t(&self) -> &'static Text {
        self.lang.text()
    }

    /// A counted string (forms separated by `|`) for `n`, with `{n}` filled in.
    pub fn count(&self, forms: &str, n: u64) -> String {
        let form = forms
            .split('|')
            .nth(self.lang.plural_form(n))
            .or_else(|| forms.rsplit('|').next())
            .unwrap_or(forms);
        fill(form, &[("n", &n.to_string())])
    }

    /// `problem` in words.
    pub fn problem(&self, problem: &Problem) -> String {
        let t = self.t();
        match problem {
            Problem::Network => t.network.to_owned(),
            Problem::BadAnswer => t.bad_answer.to_owned(),
            Problem::Http(status) => fill(t.http_error, &[("n", &status.to_string())]),
            Problem::Refused(code) => t.refused(*code).to_owned(),
            Problem::NotAPhoto => t.not_a_photo.to_owned(),
            Problem::TooLargeToShrink => t.too_large_to_shrink.to_owned(),
            Problem::PreviewFailed => t.preview_failed.to_owned(),
            Problem::GaveUp => t.gave_up.to_owned(),
            Problem::Camera(error) => t.camera_error(*error).to_owned(),
            Problem::ScannerUnavailable => t.scanner_unavailable.to_owned(),
            Problem::QrNotFound => t.qr_not_found.to_owned(),
            Problem::QrNeedTime => t.qr_need_time.to_owned(),
            Problem::QrNeedTotal => t.qr_need_total.to_owned(),
            Problem::QrRefused(error) => format!("{} {}", t.qr_text_error(error), t.qr_try_again),
            Problem::QrTyped(error) => t.fiscal_error(error),
        }
    }
}

/// Something that went wrong, put into the shopper's language when it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No answer from the proxy.
    Network,
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
    /// The upload's retries ran out.
    GaveUp,
    Camera(CameraError),
    /// Neither the browser's detector nor the decoder module could be had.
    ScannerUnavailable,
    /// A chosen photo has no readable QR code.
    QrNotFound,
    QrNeedTime,
    QrNeedTotal,
    /// A scanned or read code that is refused.
    QrRefused(QrTextError),
    /// Typed details that do not make a valid code.
    QrTyped(FiscalQrError),
}

/// `template` with each `{name}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
}

macro_rules! texts {
    ($($(#[doc = $doc:literal])* $name:ident,)*) => {
        /// Every string the widget shows, in one language.
        pub struct Text {
            $($(#[doc = $doc])* pub $name: &'static str,)*
        }

        #[cfg(test)]
        impl Text {
            /// Every string with its field's name.
            pub fn entries(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($name), self.$name)),*]
            }
        }
    };
}

texts! {
    /// The widget's landmark.
    card_label,
    send,
    change,
    /// Counted: `1 offer|{n} offers`.
    count_offers,
    cancelled,

    // Problems.
    network,
    bad_answer,
    /// `{n}`: the HTTP status.
    http_error,
    not_a_photo,
    too_large_to_shrink,
    preview_failed,
    gave_up,
    refused_campaign,
    refused_not_found,
    refused_too_large,
    refused_media_type,
    refused_too_many,
    refused_invalid,
    refused_review,
    refused_rate,
    refused_provider,
    refused_other,

    // Photos.
    take_photo,
    next_part,
    photos_label,
    /// `{n}`: the photo's position.
    photo_alt,
    /// `{n}`: the photo's position.
    remove_photo,
    preparing,
    /// `{n}`: how many photos one receipt may have.
    long_receipt,
    gallery,
    hint_blurred,
    hint_dark,
    hint_bright,
    hint_small,
    hint_no_receipt,

    // The camera.
    camera_denied,
    camera_none,
    camera_busy,
    camera_unsupported,
    camera_starting,
    camera_aim_qr,
    camera_hold,
    camera_fit,
    /// `{n}` of `{max}`.
    camera_taken,
    camera_label,
    camera_done,
    camera_close,
    scanner_label,
    scanner_close,
    torch,
    shutter,

    // The QR code.
    scanner_unavailable,
    qr_try_again,
    qr_not_found,
    qr_set_label,
    qr_remove,
    qr_label,
    qr_scan,
    qr_from_photo,
    qr_type,
    qr_reading,
    qr_form_legend,
    field_date,
    field_time,
    field_total,
    field_fn,
    field_fd,
    field_fp,
    qr_check,
    qr_need_time,
    qr_need_total,
    qr_not_receipt,
    /// `{field}`: one of the `qr_key_*` names.
    qr_missing,
    /// `{field}`: one of the `qr_key_*` names.
    qr_invalid,
    qr_key_t,
    qr_key_s,
    qr_key_fn,
    qr_key_i,
    qr_key_fp,
    qr_key_n,
    qr_key_other,

    // Store and offers.
    loading_stores,
    where_shopped,
    change_store,
    loading_offers,
    /// `{store}`: the store's name.
    what_bought,
    no_offers,
    continue_to_photos,
    how_many,

    // Sending and waiting.
    offline_wait,
    sent_saving,
    /// `{n}`: percent sent.
    sending_percent,
    getting_ready,
    progress_label,
    cancel,
    queued_detail,
    usually_seconds,

    // The verdict.
    headline_checking,
    headline_accepted,
    headline_rejected,
    headline_review,
    headline_failed,
    offer_approved,
    offer_review,
    offer_rejected,
    offer_checking,
    offer_failed,
    reason_not_receipt,
    reason_retake,
    reason_duplicate,
    reason_dates,
    reason_products,
    reason_stores,
    reason_later,
    your_offers,
    ask_review,
    store,
    date,
    items,
    retake,
    send_another,
    start_again,
}

impl Text {
    /// The headline shown for a submission's status.
    pub fn headline(&self, status: SubmissionStatus) -> &'static str {
        match status {
            SubmissionStatus::Queued | SubmissionStatus::Processing => self.headline_checking,
            SubmissionStatus::Accepted => self.headline_accepted,
            SubmissionStatus::Rejected => self.headline_rejected,
            SubmissionStatus::NeedsReview => self.headline_review,
            SubmissionStatus::Failed => self.headline_failed,
        }
    }

    /// One offer's state, in words.
    pub fn offer_state(&self, status: SubmissionStatus) -> &'static str {
        match status {
            SubmissionStatus::Accepted => self.offer_approved,
            SubmissionStatus::NeedsReview => self.offer_review,
            SubmissionStatus::Rejected => self.offer_rejected,
            SubmissionStatus::Queued | SubmissionStatus::Processing => self.offer_checking,
            SubmissionStatus::Failed => self.offer_failed,
        }
    }

    /// What the shopper can do about a reason.
    pub fn reason_hint(&self, code: ReasonCode) -> &'static str {
        match code {
            ReasonCode::NotReceipt => self.reason_not_receipt,
            ReasonCode::Unreadable | ReasonCode::BadQuality => self.reason_retake,
            ReasonCode::Duplicate => self.reason_duplicate,
            ReasonCode::DateOutOfRange => self.reason_dates,
            ReasonCode::ProductMismatch => self.reason_products,
            ReasonCode::StoreMismatch => self.reason_stores,
            ReasonCode::ProviderError | ReasonCode::Other => self.reason_later,
        }
    }

    /// A photo quality hint, as advice.
    pub fn photo_hint(&self, hint: Hint) -> &'static str {
        match hint {
            Hint::Blurred => self.hint_blurred,
            Hint::TooDark => self.hint_dark,
            Hint::TooBright => self.hint_bright,
            Hint::TooSmall => self.hint_small,
            Hint::NoReceipt => self.hint_no_receipt,
        }
    }

    /// Why the live camera is not there, and what to do instead.
    pub fn camera_error(&self, error: CameraError) -> &'static str {
        match error {
            CameraError::Denied => self.camera_denied,
            CameraError::NoCamera => self.camera_none,
            CameraError::Busy => self.camera_busy,
            CameraError::Unsupported => self.camera_unsupported,
        }
    }

    /// The proxy's refusal, by its error code.
    fn refused(&self, code: ErrorCode) -> &'static str {
        match code {
            ErrorCode::UnknownCampaign => self.refused_campaign,
            ErrorCode::NotFound => self.refused_not_found,
            ErrorCode::PhotoTooLarge => self.refused_too_large,
            ErrorCode::UnsupportedMediaType => self.refused_media_type,
            ErrorCode::TooManyPhotos => self.refused_too_many,
            ErrorCode::InvalidField => self.refused_invalid,
            ErrorCode::Conflict => self.refused_review,
            ErrorCode::RateLimited => self.refused_rate,
            ErrorCode::ProviderAuth | ErrorCode::ProviderError | ErrorCode::Unavailable => {
                self.refused_provider
            }
            ErrorCode::BadRequest
            | ErrorCode::Unauthorized
            | ErrorCode::Internal
            | ErrorCode::Unknown => self.refused_other,
        }
    }

    fn qr_text_error(&self, error: &QrTextError) -> String {
        match error {
            QrTextError::NotReceiptCode => self.qr_not_receipt.to_owned(),
            QrTextError::Fiscal(e) => self.fiscal_error(e),
        }
    }

    fn fiscal_error(&self, error: &FiscalQrError) -> String {
        let (template, key) = match error {
            FiscalQrError::Missing(key) => (self.qr_missing, *key),
            FiscalQrError::Invalid(key) => (self.qr_invalid, *key),
        };
        let field = match key {
            "t" => self.qr_key_t,
            "s" => self.qr_key_s,
            "fn" => self.qr_key_fn,
            "i" => self.qr_key_i,
            "fp" => self.qr_key_fp,
            "n" => self.qr_key_n,
            _ => self.qr_key_other,
        };
        fill(template, &[("field", field)])
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    // These run in the browser, where the widget runs.
    use wasm_bindgen_test::wasm_bindgen_test as test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    #[test]
    fn the_embed_language_comes_first_then_the_browsers_then_english() {
        let chosen = Locale::negotiate(["es-MX", "fr-FR"]);
        assert_eq!((chosen.lang, chosen.tag.as_str()), (Lang::Es, "es-MX"));
        let chosen = Locale::negotiate(["de-DE", " RU ", "en"]);
        assert_eq!((chosen.lang, chosen.tag.as_str()), (Lang::Ru, "RU"));
        assert_eq!(Locale::negotiate(["fr_CA"]).lang, Lang::Fr);
        assert_eq!(Locale::negotiate(["de", "pt-BR", ""]), Locale::default());
        assert_eq!(Locale::negotiate([]), Locale::default());
    }

    #[test]
    fn counted_strings_take_each_languages_plural_form() {
        let ru = Locale::negotiate(["ru"]);
        let forms: Vec<String> = [1, 2, 5, 11, 12, 21, 22, 25, 111, 112, 0]
            .into_iter()
            .map(|n| ru.count(ru.t().count_offers, n))
            .collect();
        assert_eq!(
            forms,
            [
                "1 предложение",
                "2 предложения",
                "5 предложений",
                "11 предложений",
                "12 предложений",
                "21 предложение",
                "22 предложения",
                "25 предложений",
                "111 предложений",
                "112 предложений",
                "0 предложений",
            ]
        );
        let en = Locale::default();
        assert_eq!(en.count(en.t().count_offers, 1), "1 offer");
        assert_eq!(en.count(en.t().count_offers, 0), "0 offers");
        let fr = Locale::negotiate(["fr"]);
        assert_eq!(fr.count(fr.t().count_offers, 0), "0 offre");
        assert_eq!(fr.count(fr.t().count_offers, 2), "2 offres");
    }

    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect()
    }

    /// Strings that are the same word in English and in another language.
    const SAME_AS_ENGLISH: [(Lang, &str); 3] = [
        (Lang::Es, "field_total"),
        (Lang::Fr, "field_total"),
        (Lang::Fr, "date"),
    ];

    #[test]
    fn every_language_has_every_string_translated_with_the_same_placeholders() {
        let english = Lang::En.text().entries();
        for lang in Lang::ALL {
            let forms = if lang == Lang::Ru { 3 } else { 2 };
            for ((name, text), (_, en)) in lang.text().entries().into_iter().zip(&english) {
                assert!(!text.trim().is_empty(), "{lang:?} {name} is empty");
                assert_eq!(placeholders(text), placeholders(en), "{lang:?} {name}");
                if name.starts_with("count_") {
                    assert_eq!(text.split('|').count(), forms, "{lang:?} {name}");
                }
                if lang != Lang::En && !SAME_AS_ENGLISH.contains(&(lang, name)) {
                    assert_ne!(text, *en, "{lang:?} {name} is not translated");
                }
            }
        }
    }

    #[test]
    fn every_final_status_has_its_own_headline_in_every_language() {
        for lang in Lang::ALL {
            let finals: Vec<_> = SubmissionStatus::ALL
                .into_iter()
                .filter(|s| s.is_final())
                .map(|s| lang.text().headline(s))
                .collect();
            let unique: BTreeSet<_> = finals.iter().collect();
            assert_eq!(finals.len(), unique.len(), "{lang:?}: {finals:?}");
        }
    }

    #[test]
    fn problems_are_said_in_the_shoppers_language_with_their_details() {
        let missing_drive = Problem::QrRefused(QrTextError::Fiscal(FiscalQrError::Missing("fn")));
        let en = Locale::default().problem(&missing_drive);
        assert!(
            en.starts_with("The fiscal drive number (FN) is missing"),
            "{en}"
        );
        assert!(en.ends_with(Lang::En.text().qr_try_again), "{en}");
        let ru = Locale::negotiate(["ru"]).problem(&missing_drive);
        assert!(ru.contains("«номер фискального накопителя (ФН)»"), "{ru}");
        let es = Locale::negotiate(["es"]).problem(&Problem::Http(502));
        assert_eq!(es, "Algo ha salido mal (HTTP 502). Inténtalo de nuevo.");
        let fr = Locale::negotiate(["fr"]).problem(&Problem::Refused(ErrorCode::UnknownCampaign));
        assert!(fr.contains("promotion est introuvable"), "{fr}");
        // A code this version does not know still gets words.
        let unknown = Locale::negotiate(["ru"]).problem(&Problem::Refused(ErrorCode::Unknown));
        assert_eq!(unknown, Lang::Ru.text().refused_other);
    }

    #[test]
    fn fill_replaces_every_named_placeholder() {
        assert_eq!(
            fill("{n} of {max}, {n}", &[("n", "2"), ("max", "5")]),
            "2 of 5, 2"
        );
        assert_eq!(fill("no placeholder", &[("n", "2")]), "no placeholder");
    }
}
