//! What a person's decision does in a campaign: its own reasons to reject a
//! receipt (`[[campaigns.<id>.reject_reasons]]`: what a reviewer picks in the
//! console, the API reason code it is filed under, and the words the shopper
//! reads, in each language the widget speaks that the brand wrote them in),
//! and what "not a duplicate" does with a receipt held before the provider
//! saw it (`not_duplicate`).

use std::collections::BTreeMap;

use serde::Deserialize;

/// The languages the widget speaks (the `words` crate's), which a reason's
/// words may be written in.
pub const WIDGET_LANGUAGES: [&str; 8] = ["en", "es", "fr", "ru", "de", "it", "pt", "pl"];

/// What "not a duplicate" does with a receipt held on upload, before the
/// provider saw it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotDuplicate {
    /// It goes on to the provider like any other, whose verdict stands.
    #[default]
    SendOn,
    /// The person's word is enough: accepted as it is, never sent (no
    /// upload to pay for, nothing read).
    Accept,
}

/// One reason a reviewer may give.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectReason {
    /// Stable within the campaign: what the console's form and the operator
    /// API's `reason_id` name.
    pub id: String,
    /// The API reason code it is filed under (`store_mismatch`, ...).
    pub code: String,
    /// What the reviewer reads in the console.
    pub label: String,
    /// What the shopper reads, by language code (`en`, `es`, ...).
    pub words: BTreeMap<String, String>,
}

impl RejectReason {
    /// Why it cannot be used, if it cannot.
    pub fn problem(&self) -> Option<String> {
        if self.id.trim().is_empty() || self.label.trim().is_empty() {
            return Some("needs an id and a label".to_owned());
        }
        if api::ReasonCode::parse(&self.code).as_str() != self.code {
            return Some(format!("code {:?} is no API reason code", self.code));
        }
        if self.words.is_empty() {
            return Some("needs the shopper's words in at least one language".to_owned());
        }
        if let Some(lang) = self
            .words
            .keys()
            .find(|l| !WIDGET_LANGUAGES.contains(&l.as_str()))
        {
            return Some(format!(
                "words in {lang:?}, which the widget does not speak (it speaks {})",
                WIDGET_LANGUAGES.join(", ")
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(code: &str, words: &[(&str, &str)]) -> RejectReason {
        RejectReason {
            id: "store".to_owned(),
            code: code.to_owned(),
            label: "Not a participating store".to_owned(),
            words: words
                .iter()
                .map(|(l, w)| ((*l).to_owned(), (*w).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn a_reason_needs_a_known_code_and_words_in_a_language_the_widget_speaks() {
        assert!(
            reason("store_mismatch", &[("es", "Esta tienda no participa.")])
                .problem()
                .is_none()
        );
        assert!(
            reason("shop_wrong", &[("es", "x")])
                .problem()
                .unwrap()
                .contains("no API reason code")
        );
        assert!(reason("store_mismatch", &[]).problem().is_some());
        assert!(
            reason("store_mismatch", &[("nl", "x")])
                .problem()
                .unwrap()
                .contains("\"nl\"")
        );
    }

    #[test]
    fn the_widget_languages_here_are_the_widgets() {
        let spoken: Vec<&str> = words::Lang::ALL.iter().map(|l| l.code()).collect();
        assert_eq!(spoken, WIDGET_LANGUAGES);
    }
}
