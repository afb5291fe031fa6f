//! The shopper's language in the widget: which one (the embed tag's `data-lang`,
//! else the browser's languages, else English), its words, and errors put into
//! them.
//!
//! The words and each language's rules are the `words` crate. The widget builds
//! in English only; another language is fetched when a widget that speaks it
//! mounts ([`Locale::load`]), from the JSON file `cargo xtask widget` writes for
//! it, and kept for the page's lifetime. Errors are kept as a [`Problem`] and put
//! into words only when shown ([`Locale::problem`]).

use std::cell::RefCell;

use wasm_bindgen::JsCast;
pub use words::{Lang, Text, fill};
use yew::AttrValue;

use crate::problem::Problem;

/// The language a widget was asked to speak, before its words are loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub lang: Lang,
    /// The full BCP 47 tag dates and amounts are formatted with (`es-MX`
    /// formats differently from `es-ES`).
    pub tag: AttrValue,
}

impl Choice {
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
            .unwrap_or(Self {
                lang: Lang::En,
                tag: AttrValue::Static("en"),
            })
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
}

/// The shopper's language with its words. Given to every component as a yew
/// context.
#[derive(Clone)]
pub struct Locale {
    pub lang: Lang,
    pub tag: AttrValue,
    text: &'static Text,
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

impl Default for Locale {
    fn default() -> Self {
        Self::new(Choice::negotiate([]), &words::lang::en::TEXT)
    }
}

thread_local! {
    /// The languages fetched so far, shared by every widget on the page.
    static LOADED: RefCell<Vec<(Lang, &'static Text)>> = const { RefCell::new(Vec::new()) };
}

impl Locale {
    /// `choice` speaking with `text`, which must be its language's words.
    pub fn new(choice: Choice, text: &'static Text) -> Self {
        Self {
            lang: choice.lang,
            tag: choice.tag,
            text,
        }
    }

    /// `choice` with its words: English's are built in; another language's are
    /// fetched from `url` (the loader's `words` map) once per page. Where they
    /// cannot be had, the widget speaks English rather than not at all.
    pub async fn load(choice: Choice, url: Option<String>) -> Self {
        if choice.lang == Lang::En {
            return Self::new(choice, &words::lang::en::TEXT);
        }
        let cached = LOADED.with_borrow(|loaded| {
            loaded
                .iter()
                .find(|(lang, _)| *lang == choice.lang)
                .map(|(_, text)| *text)
        });
        if let Some(text) = cached {
            return Self::new(choice, text);
        }
        let fetched = match url {
            Some(url) => fetch_words(&url).await,
            None => None,
        };
        match fetched {
            Some(text) => {
                LOADED.with_borrow_mut(|loaded| loaded.push((choice.lang, text)));
                Self::new(choice, text)
            }
            None => Self::default(),
        }
    }

    pub fn t(&self) -> &'static Text {
        self.text
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

/// A language's words from its JSON file: a list of strings in [`Text`]'s field
/// order. They live as long as the page (a few KB, fetched once per language).
async fn fetch_words(url: &str) -> Option<&'static Text> {
    let response = gloo_net::http::Request::get(url).send().await.ok()?;
    if !response.ok() {
        return None;
    }
    let list: js_sys::Array = js_sys::JSON::parse(&response.text().await.ok()?)
        .ok()?
        .dyn_into()
        .ok()?;
    if list.length() as usize != Text::LEN {
        return None;
    }
    let strings = list
        .iter()
        .map(|s| s.as_string().map(|s| &*String::leak(s)))
        .collect::<Option<Vec<&'static str>>>()?;
    Text::from_strings(strings).map(|text| &*Box::leak(Box::new(text)))
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
        let choice = Choice::negotiate([tag]);
        let text = choice.lang.text();
        Locale::new(choice, text)
    }

    /// A language's words as `cargo xtask widget` writes them, in a `data:` URL.
    fn words_url(lang: Lang) -> String {
        let list: js_sys::Array = lang
            .text()
            .entries()
            .into_iter()
            .map(|(_, s)| wasm_bindgen::JsValue::from_str(s))
            .collect();
        let json = String::from(js_sys::JSON::stringify(&list).unwrap());
        format!(
            "data:application/json,{}",
            String::from(js_sys::encode_uri_component(&json))
        )
    }

    #[test]
    fn the_embed_language_comes_first_then_the_browsers_then_english() {
        let chosen = Choice::negotiate(["es-MX", "fr-FR"]);
        assert_eq!((chosen.lang, chosen.tag.as_str()), (Lang::Es, "es-MX"));
        let chosen = Choice::negotiate(["de-DE", " RU ", "en"]);
        assert_eq!((chosen.lang, chosen.tag.as_str()), (Lang::Ru, "RU"));
        assert_eq!(Choice::negotiate(["fr_CA"]).lang, Lang::Fr);
        assert_eq!(
            Choice::negotiate(["de", "pt-BR", ""]),
            Choice::negotiate([])
        );
        assert_eq!(Choice::negotiate([]).lang, Lang::En);
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    async fn a_language_is_loaded_from_its_words_file_once() {
        let fr = Locale::load(Choice::negotiate(["fr-CA"]), Some(words_url(Lang::Fr))).await;
        assert_eq!((fr.lang, fr.tag.as_str()), (Lang::Fr, "fr-CA"));
        assert_eq!(fr.t().entries(), Lang::Fr.text().entries());
        assert_eq!(
            fr.count(fr.t().count_offers(), 2),
            "2 offres",
            "French plurals"
        );
        // The second widget in French on the page needs no file.
        let again = Locale::load(Choice::negotiate(["fr"]), None).await;
        assert!(std::ptr::eq(again.t(), fr.t()));
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    async fn words_that_cannot_be_had_leave_the_widget_in_english() {
        let english = Locale::default();
        let no_file = Locale::load(Choice::negotiate(["es"]), None).await;
        assert_eq!(no_file, english);
        let not_json = Locale::load(
            Choice::negotiate(["es"]),
            Some("data:application/json,not%20json".to_owned()),
        )
        .await;
        assert_eq!(not_json, english);
        let too_short = Locale::load(
            Choice::negotiate(["es"]),
            Some("data:application/json,%5B%22uno%22%5D".to_owned()),
        )
        .await;
        assert_eq!(too_short, english);
        assert_eq!(too_short.t().send(), "Send receipt");
    }

    #[test]
    fn problems_are_said_in_the_shoppers_language_with_their_details() {
        let missing_drive = Problem::QrRefused(QrTextError::Fiscal(FiscalQrError::Missing("fn")));
        let en = Locale::default().problem(&missing_drive);
        assert!(
            en.starts_with("The fiscal drive number (FN) is missing"),
            "{en}"
        );
        assert!(en.ends_with(Lang::En.text().qr_try_again()), "{en}");
        let ru = speaking("ru").problem(&missing_drive);
        assert!(ru.contains("«номер фискального накопителя (ФН)»"), "{ru}");
        let es = speaking("es").problem(&Problem::Http(502));
        assert_eq!(es, "Algo ha salido mal (HTTP 502). Inténtalo de nuevo.");
        let fr = speaking("fr").problem(&Problem::Refused(ErrorCode::UnknownCampaign));
        assert!(fr.contains("promotion est introuvable"), "{fr}");
        // A code this version does not know still gets words.
        let unknown = speaking("ru").problem(&Problem::Refused(ErrorCode::Unknown));
        assert_eq!(unknown, Lang::Ru.text().refused_other());
        let denied = speaking("es").problem(&Problem::Camera(CameraError::Denied));
        assert_eq!(denied, Lang::Es.text().camera_denied());
        assert_eq!(
            Locale::default().t().headline(SubmissionStatus::Accepted),
            Lang::En.text().headline_accepted()
        );
    }
}
