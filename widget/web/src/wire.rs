//! The proxy's JSON, once the browser's `JSON.parse` has parsed it, read into
//! the `api` types field by field ([`FromJs`]).
//!
//! serde with serde-wasm-bindgen read them generically, but cost the bundle
//! several kilobytes gzip: its generic deserializer for each type, and its
//! error messages, which link Rust's float formatting. The widget reads a
//! dozen types; each reader below is a few lines, and `tests` checks every one
//! against serde's own JSON of the same value, so the two cannot drift.
//!
//! As serde does: unknown fields are ignored, an unknown code is the type's
//! catch-all (`ReasonCode::Other`, `ErrorCode::Unknown`), and a missing
//! required field makes the whole answer unreadable (`None`). Optional fields
//! read a missing, `null` or mistyped value as absent.

use api::{
    Campaign, Capabilities, ErrorCode, Goal, LineItem, Merchant, Offer, OfferOutcome, Outcome,
    PhotoRules, Reason, ReasonCode, Receipt, Submission, SubmissionCreated, SubmissionStatus,
};
use wasm_bindgen::{JsCast, JsValue};

/// A type read from parsed JSON.
pub trait FromJs: Sized {
    fn from_js(value: &JsValue) -> Option<Self>;
}

fn field(value: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(value, &name.into()).unwrap_or_default()
}

fn text(value: &JsValue, name: &str) -> Option<String> {
    field(value, name).as_string()
}

fn number(value: &JsValue, name: &str) -> Option<f64> {
    field(value, name).as_f64()
}

/// A whole number that fits `T` (`None` otherwise, as serde would refuse it).
fn whole<T: TryFrom<u64>>(value: &JsValue, name: &str) -> Option<T> {
    let n = number(value, name)?;
    if n < 0.0 || n.fract() != 0.0 {
        return None;
    }
    T::try_from(n as u64).ok()
}

fn flag(value: &JsValue, name: &str) -> Option<bool> {
    field(value, name).as_bool()
}

/// An object of texts by key (a reason's words by language); empty where
/// it is not one.
fn words(value: &JsValue) -> Vec<(String, String)> {
    if !value.is_object() {
        return Vec::new();
    }
    js_sys::Object::keys(value.unchecked_ref::<js_sys::Object>())
        .iter()
        .filter_map(|key| {
            let key = key.as_string()?;
            let said = text(value, &key)?;
            Some((key, said))
        })
        .collect()
}

/// An optional object field read as `T`.
fn nested<T: FromJs>(value: &JsValue, name: &str) -> Option<T> {
    let inner = field(value, name);
    if inner.is_object() {
        T::from_js(&inner)
    } else {
        None
    }
}

/// A list field; a missing one is empty (`#[serde(default)]`).
fn list<T: FromJs>(value: &JsValue, name: &str) -> Option<Vec<T>> {
    let inner = field(value, name);
    if inner.is_undefined() || inner.is_null() {
        return Some(Vec::new());
    }
    Vec::from_js(&inner)
}

impl<T: FromJs> FromJs for Vec<T> {
    /// A plain loop: `collect` into an `Option<Vec<T>>` would put its
    /// iterator adapters in the bundle once for every `T`.
    fn from_js(value: &JsValue) -> Option<Self> {
        let array = value.dyn_ref::<js_sys::Array>()?;
        let mut items = Self::with_capacity(array.length() as usize);
        for i in 0..array.length() {
            items.push(T::from_js(&array.get(i))?);
        }
        Some(items)
    }
}

impl FromJs for String {
    fn from_js(value: &JsValue) -> Option<Self> {
        value.as_string()
    }
}

fn status(value: &JsValue, name: &str) -> Option<SubmissionStatus> {
    SubmissionStatus::parse(&text(value, name)?)
}

impl FromJs for ErrorCode {
    fn from_js(value: &JsValue) -> Option<Self> {
        Some(Self::parse(&value.as_string()?))
    }
}

impl FromJs for Campaign {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            id: text(v, "id")?,
            title: text(v, "title")?,
            reward: text(v, "reward"),
            reward_when: text(v, "reward_when"),
            review_days: whole(v, "review_days"),
            locale: text(v, "locale")?,
            photos: PhotoRules::from_js(&field(v, "photos"))?,
            capabilities: Capabilities::from_js(&field(v, "capabilities"))?,
        })
    }
}

impl FromJs for PhotoRules {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            min_count: whole(v, "min_count")?,
            max_count: whole(v, "max_count")?,
            max_bytes: whole(v, "max_bytes")?,
            accept: Vec::from_js(&field(v, "accept"))?,
            long_side: whole(v, "long_side").unwrap_or(api::DEFAULT_LONG_SIDE),
            quality: whole(v, "quality").unwrap_or(api::DEFAULT_QUALITY),
        })
    }
}

impl FromJs for Capabilities {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            qr: flag(v, "qr")?,
            offers: flag(v, "offers")?,
            manual_review: flag(v, "manual_review")?,
            quality_check: flag(v, "quality_check")?,
            combine_photos: flag(v, "combine_photos")?,
        })
    }
}

impl FromJs for Merchant {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            id: text(v, "id")?,
            name: text(v, "name")?,
        })
    }
}

impl FromJs for Offer {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            id: text(v, "id")?,
            title: text(v, "title")?,
            image_url: text(v, "image_url"),
            goals: Vec::from_js(&field(v, "goals"))?,
        })
    }
}

impl FromJs for api::ClaimedOffer {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            offer_id: text(v, "offer_id")?,
            quantity: whole(v, "quantity")?,
        })
    }
}

impl FromJs for Goal {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            quantity: whole(v, "quantity")?,
            award: text(v, "award")?,
        })
    }
}

impl FromJs for SubmissionCreated {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            id: text(v, "id")?,
            status: status(v, "status")?,
            poll_after_ms: whole(v, "poll_after_ms")?,
        })
    }
}

impl FromJs for Submission {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            id: text(v, "id")?,
            campaign: text(v, "campaign")?,
            status: status(v, "status")?,
            created_at: text(v, "created_at")?,
            updated_at: text(v, "updated_at")?,
            outcome: nested(v, "outcome"),
            delayed: flag(v, "delayed").unwrap_or(false),
        })
    }
}

impl FromJs for Outcome {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            reasons: list(v, "reasons")?,
            receipt: nested(v, "receipt"),
            offers: list(v, "offers")?,
        })
    }
}

impl FromJs for api::QualityCheck {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            usable: flag(v, "usable")?,
            reasons: list(v, "reasons")?,
        })
    }
}

impl FromJs for Reason {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            code: ReasonCode::parse(&text(v, "code")?),
            message: text(v, "message")?,
            words: words(&field(v, "words")),
        })
    }
}

impl FromJs for Receipt {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            store: text(v, "store"),
            address: text(v, "address"),
            date: text(v, "date"),
            time: text(v, "time"),
            total: number(v, "total"),
            currency: text(v, "currency"),
            items: list(v, "items")?,
        })
    }
}

impl FromJs for LineItem {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            description: text(v, "description")?,
            quantity: number(v, "quantity"),
            total: number(v, "total"),
        })
    }
}

impl FromJs for OfferOutcome {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Self {
            offer_id: text(v, "offer_id")?,
            title: text(v, "title"),
            state: status(v, "state")?,
            award: text(v, "award"),
            reason: nested(v, "reason"),
            review_available: flag(v, "review_available").unwrap_or(false),
        })
    }
}

/// The code of an error body, `{"error": {"code", ...}}`.
pub fn error_code(body: &JsValue) -> Option<ErrorCode> {
    ErrorCode::from_js(&field(&field(body, "error"), "code"))
}

/// The field an error body names, `{"error": {"field"}}`, where it names one.
pub fn error_field(body: &JsValue) -> Option<String> {
    text(&field(body, "error"), "field")
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    /// `value` as the proxy sends it (serde's JSON), parsed by the browser and
    /// read back.
    fn round_trip<T: serde::Serialize + FromJs>(value: &T) -> Option<T> {
        let json = serde_json::to_string(value).unwrap();
        T::from_js(&js_sys::JSON::parse(&json).unwrap())
    }

    fn parsed(json: &str) -> JsValue {
        js_sys::JSON::parse(json).unwrap()
    }

    #[test]
    fn every_type_reads_back_what_serde_writes() {
        let outcome = Outcome {
            reasons: vec![Reason {
                code: ReasonCode::DateOutOfRange,
                message: "The date is outside the promotion".into(),
                words: Vec::new(),
            }],
            receipt: Some(Receipt {
                store: Some("CLAREL".into()),
                address: None,
                date: Some("2025-09-24".into()),
                time: Some("20:08".into()),
                total: Some(37.87),
                currency: Some("EUR".into()),
                items: vec![LineItem {
                    description: "SERUM".into(),
                    quantity: Some(2.0),
                    total: Some(24.19),
                }],
            }),
            offers: vec![OfferOutcome {
                offer_id: "191405".into(),
                title: Some("Glow Serum".into()),
                state: SubmissionStatus::NeedsReview,
                award: Some("1.50 USD".into()),
                reason: None,
                review_available: true,
            }],
        };
        let submission = Submission {
            id: "3f2a9c1b-0000".into(),
            campaign: "promo".into(),
            status: SubmissionStatus::Rejected,
            created_at: "2026-11-29T10:00:00Z".into(),
            updated_at: "2026-11-29T10:00:03Z".into(),
            outcome: Some(outcome),
            delayed: false,
        };
        assert_eq!(round_trip(&submission).as_ref(), Some(&submission));
        let pending = Submission {
            outcome: None,
            status: SubmissionStatus::Queued,
            delayed: true,
            ..submission
        };
        assert_eq!(round_trip(&pending).as_ref(), Some(&pending));

        let campaign = Campaign {
            id: "promo".into(),
            title: "Buy two".into(),
            reward: Some("10 EUR back".into()),
            reward_when: None,
            review_days: Some(2),
            locale: "es-ES".into(),
            photos: PhotoRules {
                min_count: 0,
                max_count: 5,
                max_bytes: 10_485_760,
                accept: vec!["image/jpeg".into(), "image/png".into()],
                long_side: 1600,
                quality: 70,
            },
            capabilities: Capabilities {
                qr: true,
                offers: false,
                manual_review: true,
                quality_check: false,
                combine_photos: true,
            },
        };
        assert_eq!(round_trip(&campaign).as_ref(), Some(&campaign));
        let offers = vec![Offer {
            id: "191405".into(),
            title: "Glow Serum".into(),
            image_url: Some("https://cdn.example/serum.png".into()),
            goals: vec![Goal {
                quantity: 2,
                award: "1.50 USD".into(),
            }],
        }];
        assert_eq!(round_trip(&offers).as_ref(), Some(&offers));
        let merchants = vec![Merchant {
            id: "7".into(),
            name: "CLAREL".into(),
        }];
        assert_eq!(round_trip(&merchants).as_ref(), Some(&merchants));
        let created = SubmissionCreated {
            id: "abc".into(),
            status: SubmissionStatus::Queued,
            poll_after_ms: 700,
        };
        assert_eq!(round_trip(&created).as_ref(), Some(&created));
    }

    #[test]
    fn unknown_codes_and_fields_are_read_as_serde_reads_them_and_missing_ones_refused() {
        let reason = Reason::from_js(&parsed(
            r#"{"code": "a_newer_reason", "message": "m", "extra": 1}"#,
        ));
        assert_eq!(reason.map(|r| r.code), Some(ReasonCode::Other));
        let body = parsed(r#"{"error": {"code": "shopper_expired", "message": "m"}}"#);
        assert_eq!(error_code(&body), Some(ErrorCode::ShopperExpired));
        let newer = parsed(r#"{"error": {"code": "a_newer_error", "message": "m"}}"#);
        assert_eq!(error_code(&newer), Some(ErrorCode::Unknown));
        assert_eq!(error_code(&parsed(r#"{"message": "m"}"#)), None);
        // A required field missing, or of the wrong kind: unreadable.
        assert!(Submission::from_js(&parsed(r#"{"id": "a", "status": "queued"}"#)).is_none());
        assert!(Goal::from_js(&parsed(r#"{"quantity": -1, "award": "x"}"#)).is_none());
        assert!(Goal::from_js(&parsed(r#"{"quantity": 1.5, "award": "x"}"#)).is_none());
        assert!(
            SubmissionCreated::from_js(&parsed(
                r#"{"id": "a", "status": "done", "poll_after_ms": 1}"#
            ))
            .is_none()
        );
        // Missing lists are empty, as `#[serde(default)]` makes them.
        let outcome = Outcome::from_js(&parsed("{}")).unwrap();
        assert_eq!(outcome, Outcome::default());
    }
}
