//! Wire types of the public widget <-> proxy HTTP API, version 1.
//!
//! This crate is the only contract between the widget (wasm32) and the proxy
//! (host): both depend on it, so a field renamed here is renamed on both sides at
//! once. It holds plain data and serde only, so it compiles small for the browser.
//! Nothing in here may name a provider, a provider URL or a secret: everything here
//! is seen by the browser.

pub mod fiscal;

use serde::{Deserialize, Serialize};

/// Request header that makes a submission retry-safe: the same key for the same
/// campaign always answers with the same submission.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// Multipart field names of `POST /v1/campaigns/{campaign}/submissions`.
pub mod field {
    /// A receipt photo; repeated for a long receipt.
    pub const PHOTO: &str = "photo";
    /// The receipt's QR code as text.
    pub const QR: &str = "qr";
    /// JSON array of claimed offers, `[{offer_id, quantity}]`.
    pub const OFFERS: &str = "offers";
    /// The merchant the shopper says they bought at.
    pub const MERCHANT: &str = "merchant";
    /// The host page's pseudonymous shopper id.
    pub const USER: &str = "user";
    /// The shopper's id signed by the brand's backend (a JWT), where the
    /// campaign asks for one.
    pub const USER_TOKEN: &str = "user_token";
}

/// Where a submission is in its life. The last four are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// Stored by the proxy, not yet acknowledged by the provider.
    Queued,
    /// The provider has it and has not answered yet.
    Processing,
    Accepted,
    Rejected,
    /// A person at the provider (or the brand) has to look at it.
    NeedsReview,
    /// It could not be processed at all (not a verdict on the receipt).
    Failed,
}

impl SubmissionStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [Self; 6] = [
        Self::Queued,
        Self::Processing,
        Self::Accepted,
        Self::Rejected,
        Self::NeedsReview,
        Self::Failed,
    ];

    /// A final status never changes again, so the widget stops polling.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Queued | Self::Processing)
    }

    /// The snake_case name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Processing => "processing",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::NeedsReview => "needs_review",
            Self::Failed => "failed",
        }
    }

    /// Parses the wire / storage name back.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// `202 Accepted` body of a new submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmissionCreated {
    pub id: String,
    pub status: SubmissionStatus,
    /// How long the widget should wait before its first `GET /v1/submissions/{id}`.
    pub poll_after_ms: u32,
}

/// `GET /v1/submissions/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Submission {
    pub id: String,
    pub campaign: String,
    pub status: SubmissionStatus,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
    /// Present once the status is final.
    pub outcome: Option<Outcome>,
    /// Still waiting, and the last try to reach the provider failed (it is
    /// down, or refused the proxy's credentials): the receipt is kept and is
    /// sent again by itself, and the shopper may close the page.
    #[serde(default)]
    pub delayed: bool,
}

/// What the provider decided, in one shape whatever the provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Outcome {
    /// Why it was rejected or needs review; empty when accepted.
    #[serde(default)]
    pub reasons: Vec<Reason>,
    /// The receipt as the provider read it, where the provider reads receipts.
    #[serde(default)]
    pub receipt: Option<Receipt>,
    /// One entry per claimed offer, where offers were claimed.
    #[serde(default)]
    pub offers: Vec<OfferOutcome>,
}

/// One reason, with a code unified across providers and a plain-words message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reason {
    pub code: ReasonCode,
    pub message: String,
    /// The brand's own words for it, by language code (`en`, `es`, ...),
    /// where a person rejected the receipt with one of the campaign's
    /// reasons: the widget shows the shopper's. A JSON object on the wire;
    /// pairs here, which cost the widget less than a map.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "pairs")]
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeMap<String, String>))]
    pub words: Vec<(String, String)>,
}

/// `(key, text)` pairs as a JSON object of texts.
mod pairs {
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(pairs: &[(String, String)], out: S) -> Result<S::Ok, S::Error> {
        let mut map = out.serialize_map(Some(pairs.len()))?;
        for (key, text) in pairs {
            map.serialize_entry(key, text)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        input: D,
    ) -> Result<Vec<(String, String)>, D::Error> {
        struct Texts;
        impl<'de> Visitor<'de> for Texts {
            type Value = Vec<(String, String)>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of texts")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                Ok(pairs)
            }
        }
        input.deserialize_map(Texts)
    }
}

/// Reason codes unified across providers. The widget words each one for shoppers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    NotReceipt,
    Unreadable,
    BadQuality,
    Duplicate,
    DateOutOfRange,
    ProductMismatch,
    StoreMismatch,
    /// The provider could not process it (outage, refused request).
    ProviderError,
    /// A reason this version of the API does not know yet.
    #[serde(other)]
    Other,
}

impl ReasonCode {
    /// Every code this version knows (`Other` stands for the rest).
    pub const ALL: [Self; 9] = [
        Self::NotReceipt,
        Self::Unreadable,
        Self::BadQuality,
        Self::Duplicate,
        Self::DateOutOfRange,
        Self::ProductMismatch,
        Self::StoreMismatch,
        Self::ProviderError,
        Self::Other,
    ];

    /// Whether the code says what went wrong by itself: `Other` leaves it to
    /// the provider's own words.
    pub fn is_specific(self) -> bool {
        self != Self::Other
    }

    /// The snake_case name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotReceipt => "not_receipt",
            Self::Unreadable => "unreadable",
            Self::BadQuality => "bad_quality",
            Self::Duplicate => "duplicate",
            Self::DateOutOfRange => "date_out_of_range",
            Self::ProductMismatch => "product_mismatch",
            Self::StoreMismatch => "store_mismatch",
            Self::ProviderError => "provider_error",
            Self::Other => "other",
        }
    }

    /// The code of a wire name; one this version does not know is `Other`,
    /// as serde reads it.
    pub fn parse(name: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == name)
            .unwrap_or(Self::Other)
    }
}

/// A receipt as the provider read it. Amounts are as the provider gave them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    pub store: Option<String>,
    pub address: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    /// `HH:MM`.
    pub time: Option<String>,
    pub total: Option<f64>,
    /// ISO 4217 code.
    pub currency: Option<String>,
    #[serde(default)]
    pub items: Vec<LineItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineItem {
    pub description: String,
    pub quantity: Option<f64>,
    pub total: Option<f64>,
}

/// One offer the shopper claims, sent as the JSON `offers` multipart field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimedOffer {
    pub offer_id: String,
    pub quantity: u32,
}

/// The verdict on one claimed offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferOutcome {
    pub offer_id: String,
    pub title: Option<String>,
    pub state: SubmissionStatus,
    pub award: Option<String>,
    pub reason: Option<Reason>,
    /// A person can be asked to look at this offer again
    /// (`POST /v1/submissions/{id}/review`).
    #[serde(default)]
    pub review_available: bool,
}

impl Outcome {
    /// Whether a rejected submission can be sent to manual review.
    pub fn review_available(&self) -> bool {
        self.offers.iter().any(|o| o.review_available)
    }

    /// Whether some claimed offers were accepted and others were not (or are
    /// still with a person): the receipt was partly accepted.
    pub fn partly_accepted(&self) -> bool {
        let accepted = |o: &&OfferOutcome| o.state == SubmissionStatus::Accepted;
        self.offers.iter().any(|o| accepted(&o)) && !self.offers.iter().all(|o| accepted(&o))
    }

    /// Whether new photos of the same receipt could change the verdict: only
    /// when every reason is about the photos, not about the purchase.
    pub fn retake_helps(&self) -> bool {
        !self.reasons.is_empty() && self.reasons.iter().all(|r| r.code.about_the_photo())
    }
}

impl ReasonCode {
    /// The photo, not the purchase, is at fault: a better photo can help.
    pub fn about_the_photo(self) -> bool {
        matches!(self, Self::NotReceipt | Self::Unreadable | Self::BadQuality)
    }
}

impl Submission {
    /// A short reference a shopper can read out to support: the id's first
    /// eight characters, upper case (ASCII only: Unicode's case tables would
    /// cost the widget's bundle kilobytes).
    pub fn reference(&self) -> String {
        self.id.get(..8).unwrap_or(&self.id).to_ascii_uppercase()
    }
}

/// `GET /v1/campaigns/{campaign}/merchants`: a store the shopper may have bought at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Merchant {
    pub id: String,
    pub name: String,
}

/// `GET /v1/campaigns/{campaign}/offers?merchant=ID`: an offer the shopper may
/// claim, with its buying options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offer {
    pub id: String,
    pub title: String,
    pub image_url: Option<String>,
    /// "Buy `quantity`, get `award`"; at least one.
    pub goals: Vec<Goal>,
}

/// One buying option of an offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Goal {
    pub quantity: u32,
    /// As the provider writes it, e.g. `1.50 USD`.
    pub award: String,
}

/// `GET /v1/campaigns/{campaign}`: what the widget needs to render the capture
/// step. Public by design: no provider, no URL, no secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Campaign {
    pub id: String,
    /// In the language asked for (`?lang=`), where the campaign has it; empty
    /// where that language is not the campaign's own and has no translation.
    pub title: String,
    /// What the shopper gets for an accepted receipt, as the brand words it.
    #[serde(default)]
    pub reward: Option<String>,
    /// When and how the reward comes.
    #[serde(default)]
    pub reward_when: Option<String>,
    /// Working days a person takes to check a receipt sent to manual review,
    /// where the brand says.
    #[serde(default)]
    pub review_days: Option<u32>,
    /// BCP 47 language tag, e.g. `es-ES`.
    pub locale: String,
    pub photos: PhotoRules,
    /// What the campaign's provider can do, so the widget offers only that.
    pub capabilities: Capabilities,
}

/// What a campaign's provider can do. The widget shows a step only where its
/// capability is on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Capabilities {
    /// Takes the receipt's QR code.
    pub qr: bool,
    /// Has merchants and offers the shopper picks from.
    pub offers: bool,
    /// A rejected receipt can be sent to a person (`POST /v1/submissions/{id}/review`).
    pub manual_review: bool,
    /// Checks a photo's quality before it is submitted.
    pub quality_check: bool,
    /// Takes one image per receipt: the widget combines several photos into one.
    pub combine_photos: bool,
}

/// The answer of `POST /v1/campaigns/{campaign}/quality-check`: whether the
/// provider can work with a photo, and if not, why. A hint for the shopper, not a
/// block: the photo can still be submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QualityCheck {
    pub usable: bool,
    #[serde(default)]
    pub reasons: Vec<Reason>,
}

/// Capture rules of a campaign's photos.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoRules {
    pub min_count: u8,
    pub max_count: u8,
    /// Largest accepted photo, in bytes.
    pub max_bytes: u64,
    /// MIME types the proxy accepts (checked by content, not by name).
    pub accept: Vec<String>,
    /// Longest side, in pixels, the widget scales a photo down to before sending.
    #[serde(default = "default_long_side")]
    pub long_side: u32,
    /// JPEG quality (1 to 100) the widget re-encodes a photo at.
    #[serde(default = "default_quality")]
    pub quality: u8,
}

/// A 12 MP phone photo scaled to 2000 px stays legible at a few hundred KB.
pub const DEFAULT_LONG_SIDE: u32 = 2000;
pub const DEFAULT_QUALITY: u8 = 80;

fn default_long_side() -> u32 {
    DEFAULT_LONG_SIDE
}

fn default_quality() -> u8 {
    DEFAULT_QUALITY
}

/// Every error response body: `{"error": {"code", "message", "field"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// Plain words, safe to show to a shopper.
    pub message: String,
    /// The request field at fault, where there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Machine-readable error codes. Each goes with one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the request is not well formed (e.g. broken multipart).
    BadRequest,
    /// 401: a server-to-server caller (a provider's callback) is not who it says.
    Unauthorized,
    /// 401: the campaign needs the shopper's id signed by the brand, and the
    /// token is missing or not the brand's.
    ShopperUnsigned,
    /// 403: the shopper's signed token has expired (the page should get a new
    /// one from the brand's backend).
    ShopperExpired,
    /// 403: a state-changing request from a page whose origin the campaign
    /// does not allow (another site acting in a shopper's name).
    OriginNotAllowed,
    /// 404
    UnknownCampaign,
    /// 404
    NotFound,
    /// 413
    PhotoTooLarge,
    /// 415
    UnsupportedMediaType,
    /// 422
    TooManyPhotos,
    /// 422
    InvalidField,
    /// 422: an `Idempotency-Key` already used for an upload with other content.
    IdempotencyConflict,
    /// 409
    Conflict,
    /// 408: the request's body came slower than the proxy takes.
    TooSlow,
    /// 429
    RateLimited,
    /// 502: the provider refused the proxy's own credentials (an operator must fix
    /// the configuration).
    ProviderAuth,
    /// 502
    ProviderError,
    /// 503
    Unavailable,
    /// 500
    Internal,
    /// A code this version of the API does not know yet.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// Every code this version knows (`Unknown` stands for the rest).
    pub const ALL: [Self; 20] = [
        Self::BadRequest,
        Self::Unauthorized,
        Self::ShopperUnsigned,
        Self::ShopperExpired,
        Self::OriginNotAllowed,
        Self::UnknownCampaign,
        Self::NotFound,
        Self::PhotoTooLarge,
        Self::UnsupportedMediaType,
        Self::TooManyPhotos,
        Self::InvalidField,
        Self::IdempotencyConflict,
        Self::Conflict,
        Self::TooSlow,
        Self::RateLimited,
        Self::ProviderAuth,
        Self::ProviderError,
        Self::Unavailable,
        Self::Internal,
        Self::Unknown,
    ];

    /// The snake_case name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::ShopperUnsigned => "shopper_unsigned",
            Self::ShopperExpired => "shopper_expired",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::UnknownCampaign => "unknown_campaign",
            Self::NotFound => "not_found",
            Self::PhotoTooLarge => "photo_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::TooManyPhotos => "too_many_photos",
            Self::InvalidField => "invalid_field",
            Self::IdempotencyConflict => "idempotency_conflict",
            Self::Conflict => "conflict",
            Self::TooSlow => "too_slow",
            Self::RateLimited => "rate_limited",
            Self::ProviderAuth => "provider_auth",
            Self::ProviderError => "provider_error",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
            Self::Unknown => "unknown",
        }
    }

    /// The code of a wire name; one this version does not know is
    /// `Unknown`, as serde reads it.
    pub fn parse(name: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == name)
            .unwrap_or(Self::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reasons_words_are_an_object_by_language_on_the_wire_and_absent_when_none() {
        let reason = Reason {
            code: ReasonCode::StoreMismatch,
            message: "Not a participating store.".to_owned(),
            words: vec![("es".to_owned(), "Esta tienda no participa.".to_owned())],
        };
        let json = serde_json::to_value(&reason).unwrap();
        assert_eq!(
            json["words"],
            serde_json::json!({"es": "Esta tienda no participa."})
        );
        assert_eq!(serde_json::from_value::<Reason>(json).unwrap(), reason);
        let plain = serde_json::json!({"code": "unreadable", "message": "Blurred."});
        let read: Reason = serde_json::from_value(plain.clone()).unwrap();
        assert!(read.words.is_empty());
        assert_eq!(serde_json::to_value(&read).unwrap(), plain);
    }

    #[test]
    fn reason_and_error_code_names_are_serdes_and_unknown_ones_read_as_the_catch_all() {
        for code in ReasonCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(ReasonCode::parse(code.as_str()), code);
        }
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(ErrorCode::parse(code.as_str()), code);
        }
        assert_eq!(ReasonCode::parse("a_newer_reason"), ReasonCode::Other);
        assert_eq!(ErrorCode::parse("a_newer_error"), ErrorCode::Unknown);
        let newer: ErrorCode = serde_json::from_str("\"a_newer_error\"").unwrap();
        assert_eq!(newer, ErrorCode::Unknown);
    }

    #[test]
    fn status_names_round_trip_through_json_and_parse() {
        for status in SubmissionStatus::ALL {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(SubmissionStatus::parse(status.as_str()), Some(status));
            let back: SubmissionStatus = serde_json::from_str(&json).unwrap();
            assert_eq!(back, status);
        }
        assert_eq!(SubmissionStatus::parse("done"), None);
    }

    #[test]
    fn only_queued_and_processing_are_not_final() {
        let open: Vec<_> = SubmissionStatus::ALL
            .into_iter()
            .filter(|s| !s.is_final())
            .collect();
        assert_eq!(
            open,
            [SubmissionStatus::Queued, SubmissionStatus::Processing]
        );
    }

    #[test]
    fn needs_review_is_snake_case_on_the_wire() {
        assert_eq!(
            serde_json::to_value(SubmissionStatus::NeedsReview).unwrap(),
            "needs_review"
        );
    }

    #[test]
    fn unknown_codes_from_a_newer_proxy_do_not_break_an_older_widget() {
        let reason: Reason =
            serde_json::from_str(r#"{"code":"moon_phase","message":"m"}"#).unwrap();
        assert_eq!(reason.code, ReasonCode::Other);
        let error: ErrorBody =
            serde_json::from_str(r#"{"error":{"code":"teapot","message":"m"}}"#).unwrap();
        assert_eq!(error.error.code, ErrorCode::Unknown);
    }

    #[test]
    fn error_body_has_the_documented_shape() {
        let body = ErrorBody {
            error: ErrorDetail {
                code: ErrorCode::PhotoTooLarge,
                message: "too big".to_owned(),
                field: Some(field::PHOTO.to_owned()),
            },
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"error": {"code": "photo_too_large", "message": "too big", "field": "photo"}})
        );
        let no_field = ErrorDetail {
            field: None,
            ..body.error
        };
        assert!(
            serde_json::to_value(&no_field)
                .unwrap()
                .get("field")
                .is_none()
        );
    }

    #[test]
    fn submission_without_outcome_parses() {
        let s: Submission = serde_json::from_str(
            r#"{"id":"a","campaign":"c","status":"queued","created_at":"t","updated_at":"t","outcome":null}"#,
        )
        .unwrap();
        assert_eq!(s.status, SubmissionStatus::Queued);
        assert!(s.outcome.is_none());
    }
}
