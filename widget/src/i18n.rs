//! The shopper's language in the widget: its words and rules, and errors put
//! into them.
//!
//! The words and each language's rules are the `words` crate. The bundle holds
//! no words: the loader chooses the language (the embed tag's `data-lang`, else
//! the browser's languages, else English), fetches its JSON list of strings
//! while the wasm downloads, and passes both to `mount` ([`Locale::from_js`]).
//! Errors are kept as a [`Problem`] and put into words only when shown
//! ([`Locale::problem`]).

use wasm_bindgen::{JsCast, JsValue};
pub use words::{Lang, Text, fill};
use yew::AttrValue;

use crate::problem::Problem;

/// The shopper's language with its words. Given to every component in the
/// `shared` prop.
#[derive(Clone)]
pub struct Locale {
    pub lang: Lang,
    /// The full BCP 47 tag dates and amounts are formatted with (`es-MX`
    /// formats differently from `es-ES`).
    pub tag: AttrValue,
    text: &'static Text,
    /// The same words as the JS array the loader fetched, handed to the
    /// lens's dialogs (undefined where the words were built in).
    words: JsValue,
}

impl std::fmt::Debug for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Locale({:?}, {})", self.lang, self.tag)
    }
}

/// The words are the language's: comparing the language and tag is enough.
impl PartialEq for Locale {
    fn eq(&self, other: &Self) -> bool {
        (self.lang, &self.tag) == (other.lang, &other.tag)
    }
}

impl Locale {
    /// `tag` speaking with `text`, which must be its language's words.
    pub fn new(tag: AttrValue, text: &'static Text) -> Self {
        Self {
            lang: Lang::of_tag(&tag).unwrap_or(Lang::En),
            tag,
            text,
            words: JsValue::UNDEFINED,
        }
    }

    /// The language the loader chose (`tag`, English if none) with the words
    /// it fetched: a JS array of strings in [`Text`] order. `None` unless
    /// there are exactly as many strings as this build has words. They live
    /// as long as the page (a few KB per mount).
    pub fn from_js(tag: Option<String>, words: &JsValue) -> Option<Self> {
        let list: &js_sys::Array = words.dyn_ref()?;
        let strings = list
            .iter()
            .map(|s| s.as_string().map(|s| &*String::leak(s)))
            .collect::<Option<Vec<&'static str>>>()?;
        let text = Text::from_strings(strings)?;
        Some(Self {
            words: words.clone(),
            ..Self::new(
                tag.map_or(AttrValue::Static("en"), Into::into),
                Box::leak(Box::new(text)),
            )
        })
    }

    pub fn t(&self) -> &'static Text {
        self.text
    }

    /// The words as the lens's dialogs take them.
    pub fn words(&self) -> &JsValue {
        &self.words
    }

    /// A counted string (forms separated by `|`) for `n`, with `{n}` filled in.
    pub fn count(&self, forms: &str, n: u64) -> String {
        self.lang.count(forms, n)
    }

    /// `problem` in words.
    pub fn problem(&self, problem: &Problem) -> String {
        problem.in_words(self.t())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::CameraError;
    use api::fiscal::{FiscalQrError, QrTextError};
    use api::{ErrorCode, SubmissionStatus};
    // These run in the browser, where the widget runs.
    use wasm_bindgen_test::wasm_bindgen_test as test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    fn speaking(tag: &'static str) -> Locale {
        let lang = Lang::of_tag(tag).unwrap();
        Locale::new(tag.into(), lang.text())
    }

    /// A language's words as the loader passes them: a JS array of strings.
    fn words_of(lang: Lang) -> JsValue {
        let list: js_sys::Array = lang
            .text()
            .entries()
            .into_iter()
            .map(|(_, s)| JsValue::from_str(s))
            .collect();
        list.into()
    }

    #[test]
    fn a_language_is_read_from_exactly_its_strings() {
        let fr = Locale::from_js(Some("fr-CA".to_owned()), &words_of(Lang::Fr)).unwrap();
        assert_eq!((fr.lang, fr.tag.as_str()), (Lang::Fr, "fr-CA"));
        assert_eq!(fr.t().entries(), Lang::Fr.text().entries());
        assert_eq!(
            fr.count(fr.t().count_offers(), 2),
            "2 offres",
            "French plurals"
        );
        let en = Locale::from_js(None, &words_of(Lang::En)).unwrap();
        assert_eq!((en.lang, en.tag.as_str()), (Lang::En, "en"));
    }

    #[test]
    fn words_that_do_not_fit_this_build_are_refused() {
        let short: js_sys::Array = [JsValue::from_str("uno")].into_iter().collect();
        assert!(Locale::from_js(None, &short.into()).is_none());
        let numbers: js_sys::Array = (0..Text::LEN).map(|n| JsValue::from(n as f64)).collect();
        assert!(Locale::from_js(None, &numbers.into()).is_none());
        assert!(Locale::from_js(None, &JsValue::from_str("not a list")).is_none());
        assert!(Locale::from_js(None, &JsValue::UNDEFINED).is_none());
    }

    #[test]
    fn problems_are_said_in_the_shoppers_language_with_their_details() {
        let missing_drive = Problem::QrRefused(QrTextError::Fiscal(FiscalQrError::Missing("fn")));
        let en = speaking("en").problem(&missing_drive);
        assert!(
            en.starts_with("The fiscal drive number (FN) is missing"),
            "{en}"
        );
        assert!(en.ends_with(Lang::En.text().qr_try_again()), "{en}");
        let ru = speaking("ru").problem(&missing_drive);
        assert!(ru.contains("«номер фискального накопителя (ФН)»"), "{ru}");
        let es = speaking("es").problem(&Problem::Http(418));
        assert_eq!(es, "Algo ha salido mal (HTTP 418). Inténtalo de nuevo.");
        // A gateway's error is the server's trouble, not the shopper's.
        let es = speaking("es").problem(&Problem::Http(502));
        assert_eq!(es, Lang::Es.text().server_trouble());
        let fr = speaking("fr").problem(&Problem::Refused(ErrorCode::UnknownCampaign));
        assert!(fr.contains("promotion est introuvable"), "{fr}");
        // A code this version does not know still gets words.
        let unknown = speaking("ru").problem(&Problem::Refused(ErrorCode::Unknown));
        assert_eq!(unknown, Lang::Ru.text().refused_other());
        // Blocked: how to allow it, in this browser (Chrome, here).
        let denied = speaking("es").problem(&Problem::Camera(CameraError::Denied));
        assert_eq!(
            denied,
            format!(
                "{} {}",
                Lang::Es.text().camera_denied(),
                Lang::Es.text().camera_allow_chrome()
            )
        );
        assert_eq!(
            speaking("en").t().headline(SubmissionStatus::Accepted),
            Lang::En.text().headline_accepted()
        );
    }
}
