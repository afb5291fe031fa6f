//! The widget's words: every string it shows, in English, Spanish, French,
//! Russian, German, Italian, Portuguese and Polish, and the rules that go with
//! a language (plural forms, placeholders).
//!
//! Every language is one [`Text`] (in `lang/<code>.rs`): a struct with a
//! field per string, so a language that lacks a string does not compile. Strings
//! with a number or a name take it through a `{placeholder}` ([`fill`]); counted
//! strings list their plural forms separated by `|` ([`Lang::count`]).
//!
//! The widget carries no words. `cargo xtask widget` writes every language out
//! as a content-hashed JSON list of its strings ([`Text::entries`] order), and
//! the loader fetches the one a shopper needs while the wasm downloads
//! ([`Text::from_strings`]): a language costs its speakers one small request
//! and everybody else nothing, and adding one costs the bundle nothing.

pub mod lang;

use api::fiscal::{FiscalQrError, QrTextError};
use api::{ErrorCode, ReasonCode, SubmissionStatus};

/// A language the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
    Fr,
    Ru,
    De,
    It,
    Pt,
    Pl,
}

impl Lang {
    pub const ALL: [Self; 8] = [
        Self::En,
        Self::Es,
        Self::Fr,
        Self::Ru,
        Self::De,
        Self::It,
        Self::Pt,
        Self::Pl,
    ];

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
            Self::De => "de",
            Self::It => "it",
            Self::Pt => "pt",
            Self::Pl => "pl",
        }
    }

    /// This language's words, built in. Linking it links every language: the
    /// widget calls it only in tests and loads the others at run time (`xtask`
    /// writes them out as JSON); the build and the tests use it.
    pub fn text(self) -> &'static Text {
        match self {
            Self::En => &lang::en::TEXT,
            Self::Es => &lang::es::TEXT,
            Self::Fr => &lang::fr::TEXT,
            Self::Ru => &lang::ru::TEXT,
            Self::De => &lang::de::TEXT,
            Self::It => &lang::it::TEXT,
            Self::Pt => &lang::pt::TEXT,
            Self::Pl => &lang::pl::TEXT,
        }
    }

    /// Which of a counted string's forms (`one|other`, or `one|few|many` in
    /// Russian and Polish) goes with `n`, by the CLDR rules for whole numbers.
    pub fn plural_form(self, n: u64) -> usize {
        match self {
            Self::En | Self::Es | Self::De | Self::It => usize::from(n != 1),
            // Brazilian and European Portuguese differ on 0; CLDR's `pt` says one.
            Self::Fr | Self::Pt => usize::from(n > 1),
            Self::Ru => match (n % 10, n % 100) {
                (1, 11) | (5..=9 | 0, _) | (_, 12..=14) => 2,
                (1, _) => 0,
                _ => 1,
            },
            Self::Pl => match (n, n % 10, n % 100) {
                (1, _, _) => 0,
                (_, 2..=4, 12..=14) => 2,
                (_, 2..=4, _) => 1,
                _ => 2,
            },
        }
    }

    /// A counted string (forms separated by `|`) for `n`, with `{n}` filled in.
    pub fn count(self, forms: &str, n: u64) -> String {
        let form = forms
            .split('|')
            .nth(self.plural_form(n))
            .or_else(|| forms.rsplit('|').next())
            .unwrap_or(forms);
        fill(form, &[("n", &n.to_string())])
    }
}

/// `template` with each `{name}` replaced by its value, in one pass: a value is
/// never read as a template itself. A `{` that names no value stays as it is.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let named = after.find('}').and_then(|close| {
            let name = &after[..close];
            let (_, value) = values.iter().find(|(n, _)| *n == name)?;
            Some((value, close))
        });
        match named {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

macro_rules! texts {
    ($($(#[doc = $doc:literal])* $name:ident,)*) => {
        /// Every string the widget shows, by name: what a language file fills in
        /// (a language that lacks one does not compile).
        pub struct Words {
            $($(#[doc = $doc])* pub $name: &'static str,)*
        }

        /// Each string's place in a [`Text`].
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Clone, Copy)]
        enum Key {
            $($name,)*
        }

        /// Every string the widget shows, in one language: [`Words`] in field
        /// order, read through a method per string (`t.send()`). A list rather
        /// than a struct, so that a language fetched at run time is a list of
        /// strings taken as it is ([`Text::from_strings`]).
        pub struct Text([&'static str; Text::LEN]);

        impl Text {
            /// How many strings a language has.
            pub const LEN: usize = [$(stringify!($name)),*].len();

            /// A language from its named strings (at compile time).
            pub const fn new(words: Words) -> Self {
                Self([$(words.$name),*])
            }

            /// A language from its strings in field order (as [`Text::entries`]
            /// lists them); `None` unless there are exactly [`Text::LEN`].
            pub fn from_strings(strings: Vec<&'static str>) -> Option<Self> {
                strings.try_into().ok().map(Self)
            }

            /// Every string with its name, in field order.
            pub fn entries(&self) -> Vec<(&'static str, &'static str)> {
                [$(stringify!($name)),*].into_iter().zip(self.0).collect()
            }

            $(
                $(#[doc = $doc])*
                pub fn $name(&self) -> &'static str {
                    self.0[Key::$name as usize]
                }
            )*
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
    not_sent_yet,

    // Problems.
    network,
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
    refused_unsigned,
    refused_expired,
    refused_provider,
    refused_other,
    /// The proxy refused this page's origin (CORS), or the campaign is unknown.
    not_available,
    server_trouble,
    gave_up_server,
    /// `{n}`: how many photos one receipt may have.
    too_many_photos,
    /// A PDF picked where the campaign takes photos only.
    pdf_not_taken,
    /// `{n}`: the campaign's largest file, in MB.
    pdf_too_large,
    /// A PDF picked beside photos.
    e_receipt_alone,
    /// The button that tries again what failed.
    retry,

    // Photos.
    take_photo,
    next_part,
    photos_label,
    /// `{n}`: the photo's position.
    photo_alt,
    /// `{n}`: the photo's position.
    remove_photo,
    /// `{n}`: the photo's position. Beside a photo with a hint.
    retake_photo,
    /// Where the campaign's provider reads PDF: picks the shop's e-receipt.
    e_receipt,
    /// The picked e-receipt, in place of a photo's preview.
    e_receipt_alt,
    remove_e_receipt,
    /// Beside a photo straightened to the receipt found in it, and the
    /// corner editor's name.
    adjust_corners,
    corners_help,
    /// `{n}`: the corner's number, 1 to 4 from the top left, clockwise.
    corner,
    /// The photo as it was, under the corners.
    photo_alt_original,
    use_corners,
    preparing,
    /// `{n}`: how many photos one receipt may have.
    long_receipt,
    gallery,
    hint_blurred,
    hint_dark,
    hint_bright,
    hint_small,
    hint_no_receipt,
    hint_tilted,
    /// Before sending photos in which the widget sees no receipt.
    no_receipt_question,
    /// Before sending photos the provider's own check found unusable.
    unusable_question,
    send_anyway,

    // The camera.
    camera_denied,
    /// How to allow a blocked camera, said after `camera_denied` in the browser it fits.
    camera_allow_ios,
    camera_allow_chrome,
    camera_allow_firefox,
    camera_none,
    camera_busy,
    camera_unsupported,
    camera_starting,
    camera_aim_qr,
    camera_hold,
    camera_fit,
    /// The live viewfinder outlines a receipt and will take it by itself.
    camera_outlined,
    /// `{n}` of `{max}`.
    camera_taken,
    camera_label,
    camera_done,
    camera_close,
    scanner_label,
    scanner_close,
    torch,
    shutter,
    /// The thumbnail of the newest photo, in the camera.
    last_photo,
    /// The part that prepares photos and runs the viewfinder did not download.
    lens_unavailable,
    /// ... as the shopper opened the camera (which it runs).
    camera_unavailable,

    // The QR code.
    scanner_unavailable,
    qr_try_again,
    qr_not_found,
    qr_set_label,
    qr_remove,
    qr_add,
    /// Where photos or the QR code alone are enough.
    qr_instead,
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
    /// The search box over a long list of stores.
    search_stores,
    /// `{query}`: what the shopper typed.
    no_store_found,
    show_all_stores,
    change_store,
    loading_offers,
    /// `{store}`: the store's name.
    what_bought,
    no_offers,
    continue_to_photos,
    how_many,

    // Sending and waiting.
    offline_wait,
    offline_waiting,
    sent_saving,
    /// `{n}`: percent sent.
    sending_percent,
    getting_ready,
    progress_label,
    cancel,
    queued_detail,
    delayed_detail,
    usually_seconds,
    /// `{n}`: seconds since the receipt was sent.
    waited,
    taking_longer,

    // The verdict.
    headline_checking,
    headline_accepted,
    headline_rejected,
    headline_review,
    headline_failed,
    /// Some offers accepted, others not (or still with a person).
    headline_partly,
    /// `{ref}`: the receipt's short reference.
    reference,
    /// `{amount}`: the awards of the accepted offers, added up.
    award_total,
    /// Counted, `{n}` working days: when a person will have checked it.
    review_within,
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
    // A refusal's headline, by its reason; the provider's own words are detail.
    why_not_receipt,
    why_unreadable,
    why_bad_quality,
    why_duplicate,
    why_dates,
    why_products,
    why_stores,
    why_other,
    /// `{text}`: the provider's own words, where a reason has none of ours.
    provider_says,
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
            SubmissionStatus::Queued | SubmissionStatus::Processing => self.headline_checking(),
            SubmissionStatus::Accepted => self.headline_accepted(),
            SubmissionStatus::Rejected => self.headline_rejected(),
            SubmissionStatus::NeedsReview => self.headline_review(),
            SubmissionStatus::Failed => self.headline_failed(),
        }
    }

    /// One offer's state, in words.
    pub fn offer_state(&self, status: SubmissionStatus) -> &'static str {
        match status {
            SubmissionStatus::Accepted => self.offer_approved(),
            SubmissionStatus::NeedsReview => self.offer_review(),
            SubmissionStatus::Rejected => self.offer_rejected(),
            SubmissionStatus::Queued | SubmissionStatus::Processing => self.offer_checking(),
            SubmissionStatus::Failed => self.offer_failed(),
        }
    }

    /// A refusal's headline, by its normalized reason: the same words in
    /// every language whatever the provider wrote.
    pub fn why(&self, code: ReasonCode) -> &'static str {
        match code {
            ReasonCode::NotReceipt => self.why_not_receipt(),
            ReasonCode::Unreadable => self.why_unreadable(),
            ReasonCode::BadQuality => self.why_bad_quality(),
            ReasonCode::Duplicate => self.why_duplicate(),
            ReasonCode::DateOutOfRange => self.why_dates(),
            ReasonCode::ProductMismatch => self.why_products(),
            ReasonCode::StoreMismatch => self.why_stores(),
            ReasonCode::ProviderError | ReasonCode::Other => self.why_other(),
        }
    }

    /// What the shopper can do about a reason.
    pub fn reason_hint(&self, code: ReasonCode) -> &'static str {
        match code {
            ReasonCode::NotReceipt => self.reason_not_receipt(),
            ReasonCode::Unreadable | ReasonCode::BadQuality => self.reason_retake(),
            ReasonCode::Duplicate => self.reason_duplicate(),
            ReasonCode::DateOutOfRange => self.reason_dates(),
            ReasonCode::ProductMismatch => self.reason_products(),
            ReasonCode::StoreMismatch => self.reason_stores(),
            ReasonCode::ProviderError | ReasonCode::Other => self.reason_later(),
        }
    }

    /// The proxy's refusal, by its error code.
    pub fn refused(&self, code: ErrorCode) -> &'static str {
        match code {
            ErrorCode::UnknownCampaign => self.refused_campaign(),
            ErrorCode::NotFound => self.refused_not_found(),
            ErrorCode::PhotoTooLarge => self.refused_too_large(),
            ErrorCode::UnsupportedMediaType => self.refused_media_type(),
            ErrorCode::TooManyPhotos => self.refused_too_many(),
            ErrorCode::InvalidField | ErrorCode::IdempotencyConflict => self.refused_invalid(),
            ErrorCode::Conflict => self.refused_review(),
            ErrorCode::RateLimited => self.refused_rate(),
            ErrorCode::TooSlow => self.network(),
            ErrorCode::ShopperUnsigned => self.refused_unsigned(),
            ErrorCode::ShopperExpired => self.refused_expired(),
            ErrorCode::OriginNotAllowed => self.not_available(),
            ErrorCode::ProviderAuth | ErrorCode::ProviderError | ErrorCode::Unavailable => {
                self.refused_provider()
            }
            ErrorCode::BadRequest
            | ErrorCode::Unauthorized
            | ErrorCode::Internal
            | ErrorCode::Unknown => self.refused_other(),
        }
    }

    pub fn qr_text_error(&self, error: &QrTextError) -> String {
        match error {
            QrTextError::NotReceiptCode => self.qr_not_receipt().to_owned(),
            QrTextError::Fiscal(e) => self.fiscal_error(e),
        }
    }

    pub fn fiscal_error(&self, error: &FiscalQrError) -> String {
        let (template, key) = match error {
            FiscalQrError::Missing(key) => (self.qr_missing(), *key),
            FiscalQrError::Invalid(key) => (self.qr_invalid(), *key),
        };
        let field = match key {
            "t" => self.qr_key_t(),
            "s" => self.qr_key_s(),
            "fn" => self.qr_key_fn(),
            "i" => self.qr_key_i(),
            "fp" => self.qr_key_fp(),
            "n" => self.qr_key_n(),
            _ => self.qr_key_other(),
        };
        fill(template, &[("field", field)])
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect()
    }

    /// Strings that are the same word in English and in another language.
    const SAME_AS_ENGLISH: [(Lang, &str); 4] = [
        (Lang::Es, "field_total"),
        (Lang::Fr, "field_total"),
        (Lang::Fr, "date"),
        (Lang::Pt, "field_total"),
    ];

    #[test]
    fn every_language_has_every_string_translated_with_the_same_placeholders() {
        let english = Lang::En.text().entries();
        for lang in Lang::ALL {
            let forms = if matches!(lang, Lang::Ru | Lang::Pl) {
                3
            } else {
                2
            };
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
    fn a_language_is_rebuilt_from_exactly_its_strings_in_order() {
        let strings = || -> Vec<&str> {
            Lang::Ru
                .text()
                .entries()
                .into_iter()
                .map(|(_, s)| s)
                .collect()
        };
        let rebuilt = Text::from_strings(strings()).expect("all the strings");
        assert_eq!(rebuilt.entries(), Lang::Ru.text().entries());
        assert_eq!(strings().len(), Text::LEN);
        assert!(
            Text::from_strings(strings()[1..].to_vec()).is_none(),
            "one short"
        );
        let mut over = strings();
        over.push("extra");
        assert!(Text::from_strings(over).is_none(), "one over");
    }

    #[test]
    fn counted_strings_take_each_languages_plural_form() {
        let forms: Vec<String> = [1, 2, 5, 11, 12, 21, 22, 25, 111, 112, 0]
            .into_iter()
            .map(|n| Lang::Ru.count(Lang::Ru.text().count_offers(), n))
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
        let en = Lang::En.text().count_offers();
        assert_eq!(Lang::En.count(en, 1), "1 offer");
        assert_eq!(Lang::En.count(en, 0), "0 offers");
        let fr = Lang::Fr.text().count_offers();
        assert_eq!(Lang::Fr.count(fr, 0), "0 offre");
        assert_eq!(Lang::Fr.count(fr, 2), "2 offres");
        let pt = Lang::Pt.text().count_offers();
        assert_eq!(Lang::Pt.count(pt, 0), "0 oferta");
        assert_eq!(Lang::Pt.count(pt, 2), "2 ofertas");
        let pl = Lang::Pl.text().count_offers();
        let forms: Vec<String> = [1, 2, 4, 5, 12, 14, 22, 25, 0]
            .into_iter()
            .map(|n| Lang::Pl.count(pl, n))
            .collect();
        assert_eq!(
            forms,
            [
                "1 oferta",
                "2 oferty",
                "4 oferty",
                "5 ofert",
                "12 ofert",
                "14 ofert",
                "22 oferty",
                "25 ofert",
                "0 ofert",
            ]
        );
        let de = Lang::De.text().count_offers();
        assert_eq!(Lang::De.count(de, 1), "1 Angebot");
        assert_eq!(Lang::De.count(de, 3), "3 Angebote");
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
    fn a_tag_names_its_language_by_its_primary_subtag() {
        assert_eq!(Lang::of_tag("es-MX"), Some(Lang::Es));
        assert_eq!(Lang::of_tag("FR_ca"), Some(Lang::Fr));
        assert_eq!(Lang::of_tag("ru"), Some(Lang::Ru));
        assert_eq!(Lang::of_tag("de-AT"), Some(Lang::De));
        assert_eq!(Lang::of_tag("pt-BR"), Some(Lang::Pt));
        assert_eq!(Lang::of_tag("nl-NL"), None);
        assert_eq!(Lang::of_tag(""), None);
    }

    #[test]
    fn fill_replaces_every_named_placeholder() {
        assert_eq!(
            fill("{n} of {max}, {n}", &[("n", "2"), ("max", "5")]),
            "2 of 5, 2"
        );
        assert_eq!(fill("no placeholder", &[("n", "2")]), "no placeholder");
        // A value is not read as a template: a store called "{n} & Co" stays so.
        assert_eq!(
            fill("At {store}: {n}", &[("store", "{n} & Co"), ("n", "3")]),
            "At {n} & Co: 3"
        );
        // Braces that name nothing, or never close, are left as written.
        assert_eq!(fill("{x} {n} {", &[("n", "1")]), "{x} 1 {");
    }
}
