//! Aboutgoods Receipt Analysis v2 adapter (`seeds/001_*`).
//!
//! Every call carries an OAuth2 bearer token obtained with the client-credentials
//! grant. The token is cached until shortly before it expires, and fetched again
//! once when the API answers 401 (a token revoked early).
//!
//! A receipt is one document: `POST {base_url}/documents` (or
//! `/campaigns/{campaign_uid}/documents`, or `/endpoints/{endpoint_uid}/documents`,
//! whichever the config names) with the image itself as the body and the query
//! `name` = our submission id (unique per company), `dominantLanguage` from the
//! campaign's locale and `userPseudoId` = the shopper's id. The answer's `uid` is
//! the reference, and `GET /documents/{uid}` is polled until the status is
//! `PROCESSED` or `NOT_EXPLOITABLE`.
//!
//! - 402 (quota exceeded): the submission is held and retried; nothing is lost.
//! - 409 (name already exists): our earlier upload went through but its answer was
//!   lost (a crash, a timeout). The document is found again by its name
//!   (`GET /documents?filter=name:ID`) and followed, so a retry never analyses a
//!   receipt twice.
//! - `POST /documents/check` is the campaign's image-quality pre-check
//!   (`POST /v1/campaigns/{campaign}/quality-check`).
//!
//! Assumptions where the document is silent (the sandbox implements the same):
//! - the token URL (`token_url`, default `https://auth.agkit.io/oauth2/token`, Ory
//!   Hydra's path) takes `grant_type=client_credentials` (and `scope`) as a
//!   form with HTTP Basic client authentication, Hydra's default, and answers
//!   `{access_token, token_type, expires_in}`;
//! - a `PROCESSED` document without `processedRules` (no promotion rules on the
//!   account) is accepted as read.

use std::sync::Arc;
use std::time::{Duration, Instant};

use api::{LineItem, Outcome, QualityCheck, ReasonCode, Receipt, SubmissionStatus};
use async_trait::async_trait;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::outcomes::{OutcomeTable, ReasonRow, StatusRow};
use crate::{
    Abilities, Account, BuildError, Kind, MediaType, OutgoingReceipt, Photo, Progress, Provider,
    ProviderError, Secret, Verdict, send_json,
};

/// `[providers.NAME]` with `kind = "aboutgoods"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AboutgoodsConfig {
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Where tokens come from (undocumented; see the module doc).
    #[serde(default = "default_token_url")]
    pub token_url: String,
    /// Not secret on its own; sent with the secret in HTTP Basic.
    pub client_id: String,
    pub client_secret: Secret,
    /// The OAuth2 scope asked for; by default `access:promo` where documents
    /// go to a campaign (the document requires it there), none otherwise.
    #[serde(default)]
    pub scope: Option<String>,
    /// Send documents to this Aboutgoods campaign (its rules are checked).
    #[serde(default)]
    pub campaign_uid: Option<String>,
    /// Or to this endpoint. With neither, documents go to `/documents`.
    #[serde(default)]
    pub endpoint_uid: Option<String>,
}

impl Kind for AboutgoodsConfig {
    // One image per document, and a quality pre-check; "we can read also
    // PDF" (the document's general infos).
    const ABILITIES: Abilities = Abilities {
        quality_check: true,
        pdf: true,
        // Its documents: a call past the account's quota is refused.
        metered: Some("one call of the Aboutgoods quota"),
        ..Abilities::ONE_IMAGE
    };
    const OUTCOMES: &'static OutcomeTable = &OUTCOMES;

    fn build(self, account: &Account<'_>) -> Result<Arc<dyn Provider>, BuildError> {
        Ok(Arc::new(Aboutgoods::new(self, account.http.clone())))
    }
}

impl AboutgoodsConfig {
    /// The scope the token is asked for: the configured one, else
    /// `access:promo` where documents go to a campaign (the document: "the
    /// scope 'access:promo' must be activated" on `/campaigns/...`).
    fn scope(&self) -> Option<&str> {
        self.scope
            .as_deref()
            .or_else(|| self.campaign_uid.as_ref().map(|_| "access:promo"))
    }

    /// Where documents are created.
    fn documents_path(&self) -> String {
        match (&self.campaign_uid, &self.endpoint_uid) {
            (Some(campaign), _) => format!("/campaigns/{campaign}/documents"),
            (None, Some(endpoint)) => format!("/endpoints/{endpoint}/documents"),
            (None, None) => "/documents".to_owned(),
        }
    }
}

fn default_base_url() -> String {
    "https://receipt.agkit.io/v2".to_owned()
}

fn default_token_url() -> String {
    "https://auth.agkit.io/oauth2/token".to_owned()
}

/// A token is renewed this long before it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(30);

#[derive(Debug)]
struct Token {
    value: Secret,
    renew_at: Instant,
}

#[derive(Debug)]
pub struct Aboutgoods {
    config: AboutgoodsConfig,
    http: reqwest::Client,
    /// One fetch at a time: concurrent callers wait for it and share the token.
    token: Mutex<Option<Token>>,
}

impl Aboutgoods {
    pub fn new(config: AboutgoodsConfig, http: reqwest::Client) -> Self {
        Self {
            config,
            http,
            token: Mutex::new(None),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }

    /// The cached token, or a new one. `stale` is a token the API refused: it is
    /// replaced, unless another caller has replaced it already.
    async fn token(&self, stale: Option<&str>) -> Result<String, ProviderError> {
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref() {
            let refused = stale.is_some_and(|s| s == token.value.expose());
            if !refused && Instant::now() < token.renew_at {
                return Ok(token.value.expose().to_owned());
            }
        }
        #[derive(Deserialize)]
        struct Granted {
            access_token: String,
            #[serde(default = "default_expires_in")]
            expires_in: u64,
        }
        fn default_expires_in() -> u64 {
            3600
        }
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(scope) = self.config.scope() {
            form.push(("scope", scope));
        }
        let granted: Granted = send_json(
            self.http
                .post(&self.config.token_url)
                .basic_auth(
                    &self.config.client_id,
                    Some(self.config.client_secret.expose()),
                )
                .form(&form),
        )
        .await
        .map_err(|error| match error {
            // The token endpoint answers 400/401 `invalid_client` to bad credentials.
            ProviderError::Refused {
                status: 400 | 401, ..
            } => ProviderError::Auth(401),
            other => other,
        })?;
        let lifetime = Duration::from_secs(granted.expires_in).saturating_sub(TOKEN_MARGIN);
        let value = granted.access_token;
        *slot = Some(Token {
            value: Secret::new(value.clone()),
            renew_at: Instant::now() + lifetime,
        });
        Ok(value)
    }

    /// Sends an authenticated request built by `build`; on 401 the token is
    /// renewed and the request sent once more.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder + Send,
    ) -> Result<T, ProviderError> {
        let token = self.token(None).await?;
        match send_json(build().bearer_auth(&token)).await {
            Err(ProviderError::Auth(401)) => {
                let renewed = self.token(Some(&token)).await?;
                send_json(build().bearer_auth(renewed)).await
            }
            other => other,
        }
    }

    /// The document named `name`, for the 409 case.
    async fn find_by_name(&self, name: &str) -> Result<Option<String>, ProviderError> {
        #[derive(Deserialize)]
        struct Page {
            results: Vec<Uid>,
        }
        #[derive(Deserialize)]
        struct Uid {
            uid: String,
        }
        let filter = format!("name:{name}");
        let page: Page = self
            .call(|| {
                self.http
                    .get(self.url("/documents"))
                    .query(&[("filter", filter.as_str())])
            })
            .await?;
        Ok(page.results.into_iter().next().map(|d| d.uid))
    }
}

/// `dominantLanguage`: `{iso 639-1}-{ISO 3166-1}`. A locale with a region is sent
/// as it is; a language alone gets its most usual country.
pub fn dominant_language(locale: &str) -> String {
    if locale.contains('-') {
        return locale.to_owned();
    }
    let country = match locale {
        "en" => "GB",
        "cs" => "CZ",
        "da" => "DK",
        "el" => "GR",
        "sv" => "SE",
        "uk" => "UA",
        other => return format!("{other}-{}", other.to_ascii_uppercase()),
    };
    format!("{locale}-{country}")
}

#[derive(Deserialize)]
struct Created {
    uid: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    status: String,
    #[serde(default)]
    process_report: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default)]
    processed_rules: Option<Rules>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Data {
    #[serde(default)]
    shop: Shop,
    buy_date: Option<String>,
    buy_hour: Option<String>,
    total: Option<f64>,
    currency: Option<String>,
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize, Default)]
struct Shop {
    sign: Option<String>,
    address: Option<String>,
    city: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(default)]
    raw_label: String,
    short_label: Option<String>,
    quantity: Option<f64>,
    price: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rules {
    all_rules_matched: bool,
    date_rule: Option<Rule>,
    sign_rule: Option<Rule>,
    item_rule: Option<Rule>,
    price_rule: Option<Rule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    is_matched: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checked {
    status: String,
    #[serde(default)]
    process_report: String,
}

#[async_trait]
impl Provider for Aboutgoods {
    async fn submit(&self, receipt: &OutgoingReceipt) -> Result<(String, Progress), ProviderError> {
        let photo = receipt.first_photo()?;
        let mut query = vec![
            ("name", receipt.submission_id.clone()),
            ("dominantLanguage", dominant_language(&receipt.locale)),
        ];
        if let Some(user) = &receipt.user {
            query.push(("userPseudoId", user.clone()));
        }
        let url = self.url(&self.config.documents_path());
        let created: Result<Created, _> = self
            .call(|| {
                self.http
                    .post(&url)
                    .query(&query)
                    .header(reqwest::header::CONTENT_TYPE, photo_media_type(photo))
                    .body(photo.bytes.clone())
            })
            .await;
        match created {
            Ok(created) => Ok((created.uid, Progress::Pending)),
            Err(ProviderError::Refused { status: 402, .. }) => {
                tracing::warn!(campaign = %receipt.campaign, "Aboutgoods quota exceeded: submissions are held until it is raised");
                Err(ProviderError::Held(
                    "the Aboutgoods quota is exceeded".to_owned(),
                ))
            }
            Err(ProviderError::Refused { status: 409, .. }) => {
                match self.find_by_name(&receipt.submission_id).await? {
                    Some(uid) => Ok((uid, Progress::Pending)),
                    None => Err(ProviderError::Malformed(
                        "409 for a name no document has".to_owned(),
                    )),
                }
            }
            Err(other) => Err(other),
        }
    }

    async fn poll(&self, reference: &str) -> Result<Progress, ProviderError> {
        let url = self.url(&format!("/documents/{reference}"));
        let document: Document = self.call(|| self.http.get(&url)).await?;
        map_document(document)
    }

    async fn check_quality(&self, photo: &Photo) -> Result<QualityCheck, ProviderError> {
        let url = self.url("/documents/check");
        let checked: Checked = self
            .call(|| {
                self.http
                    .post(&url)
                    .header(reqwest::header::CONTENT_TYPE, photo_media_type(photo))
                    .body(photo.bytes.clone())
            })
            .await?;
        let usable = checked.status == "EXPLOITABLE";
        let reasons = if usable {
            Vec::new()
        } else {
            vec![OUTCOMES.reason(&checked.process_report, String::new())]
        };
        Ok(QualityCheck { usable, reasons })
    }
}

/// The seed names `image/jpg` for JPEG bodies.
fn photo_media_type(photo: &Photo) -> &'static str {
    match photo.media_type {
        MediaType::Jpeg => "image/jpg",
        other => other.as_str(),
    }
}

const WAITING: StatusRow =
    StatusRow::undecided("`WAITING_FOR_DOCUMENT`, `WAITING_FOR_PROCESS`, `PROCESSING`");
const PROCESSED_MATCHED: StatusRow = StatusRow::decides(
    "`PROCESSED`, `allRulesMatched: true` or no `processedRules`",
    SubmissionStatus::Accepted,
);
const PROCESSED_UNMATCHED: StatusRow = StatusRow::decides(
    "`PROCESSED`, `allRulesMatched: false` (a reason per rule not matched)",
    SubmissionStatus::Rejected,
);
const NOT_EXPLOITABLE: StatusRow = StatusRow::decides(
    "`NOT_EXPLOITABLE` (the reason from `processReport`)",
    SubmissionStatus::Rejected,
);

/// How Aboutgoods answers map to our outcome (see `docs/outcomes.md`).
pub const OUTCOMES: OutcomeTable = OutcomeTable {
    provider: "Aboutgoods",
    seed: "001",
    synchronous: false,
    statuses: &[
        WAITING,
        PROCESSED_MATCHED,
        PROCESSED_UNMATCHED,
        NOT_EXPLOITABLE,
    ],
    reasons: &[
        ReasonRow::new(
            "BAD_QUALITY_IMAGE",
            ReasonCode::BadQuality,
            "The photo is too blurry, too dark or too small.",
        ),
        ReasonRow::new(
            "NOT_ENOUGH_TEXT",
            ReasonCode::Unreadable,
            "Not enough of the receipt's text could be read.",
        ),
        ReasonRow::new(
            "MULTIPLE_RECEIPT",
            ReasonCode::BadQuality,
            "The photo shows more than one receipt; send one receipt per photo.",
        ),
        ReasonRow::unreadable("UNREADABLE"),
        ReasonRow::new(
            "BAD_LOCALE",
            ReasonCode::Other,
            "Receipts in this language or from this country cannot be read.",
        ),
        ReasonRow::not_receipt("NOT_RECEIPT"),
        ReasonRow::new(
            "ERROR_IMAGE_FORMAT",
            ReasonCode::BadQuality,
            "The image format could not be read.",
        ),
        ReasonRow::new(
            "dateRule",
            ReasonCode::DateOutOfRange,
            "The purchase date is outside the promotion's dates.",
        ),
        ReasonRow::new(
            "signRule",
            ReasonCode::StoreMismatch,
            "The receipt is not from a participating store.",
        ),
        ReasonRow::new(
            "itemRule",
            ReasonCode::ProductMismatch,
            "The receipt does not show the promotion's products.",
        ),
        ReasonRow::new(
            "priceRule",
            ReasonCode::ProductMismatch,
            "The amount spent on the promotion's products is below its minimum.",
        ),
        ReasonRow::CATCH_ALL,
    ],
};

fn map_document(document: Document) -> Result<Progress, ProviderError> {
    let answer = match document.status.as_str() {
        "PROCESSED" => match &document.processed_rules {
            Some(rules) if !rules.all_rules_matched => PROCESSED_UNMATCHED,
            _ => PROCESSED_MATCHED,
        },
        "NOT_EXPLOITABLE" => NOT_EXPLOITABLE,
        "WAITING_FOR_DOCUMENT" | "WAITING_FOR_PROCESS" | "PROCESSING" => WAITING,
        other => {
            return Err(ProviderError::Malformed(format!(
                "unknown document status {other:?}"
            )));
        }
    };
    let Some(status) = answer.status else {
        return Ok(Progress::Pending);
    };
    let reasons = match answer {
        NOT_EXPLOITABLE => vec![OUTCOMES.reason(&document.process_report, String::new())],
        PROCESSED_UNMATCHED => unmatched_rules(document.processed_rules.as_ref()),
        _ => Vec::new(),
    };
    let receipt = document
        .data
        .filter(|_| answer != NOT_EXPLOITABLE)
        .map(|d| Receipt {
            store: d.shop.sign,
            address: match (d.shop.address, d.shop.city) {
                (Some(address), Some(city)) => Some(format!("{address}, {city}")),
                (address, city) => address.or(city),
            },
            date: d.buy_date,
            time: d.buy_hour.map(|h| h.chars().take(5).collect()),
            total: d.total,
            currency: d.currency,
            items: d
                .items
                .into_iter()
                .map(|i| LineItem {
                    description: i.short_label.unwrap_or(i.raw_label),
                    quantity: i.quantity,
                    total: i.price,
                })
                .collect(),
        });
    Ok(Progress::Done(Box::new(Verdict {
        status,
        outcome: Outcome {
            reasons,
            receipt,
            ..Outcome::default()
        },
    })))
}

/// A reason for each promotion rule the receipt did not match (or one catch-all
/// reason when the provider names none).
fn unmatched_rules(rules: Option<&Rules>) -> Vec<api::Reason> {
    let Some(rules) = rules else {
        return Vec::new();
    };
    let reasons: Vec<_> = [
        ("dateRule", &rules.date_rule),
        ("signRule", &rules.sign_rule),
        ("itemRule", &rules.item_rule),
        ("priceRule", &rules.price_rule),
    ]
    .into_iter()
    .filter(|(_, rule)| rule.as_ref().is_some_and(|r| !r.is_matched))
    .map(|(code, _)| OUTCOMES.reason(code, String::new()))
    .collect();
    if reasons.is_empty() {
        vec![OUTCOMES.reason("*", String::new())]
    } else {
        reasons
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: serde_json::Value) -> Result<Progress, ProviderError> {
        map_document(serde_json::from_value(value).unwrap())
    }

    fn done(value: serde_json::Value) -> Verdict {
        match map(value).unwrap() {
            Progress::Done(verdict) => *verdict,
            Progress::Pending => panic!("not done"),
        }
    }

    #[test]
    fn waiting_statuses_are_pending() {
        for status in ["WAITING_FOR_DOCUMENT", "WAITING_FOR_PROCESS", "PROCESSING"] {
            assert_eq!(
                map(json!({"status": status, "processReport": "NOT_ANALYZED"})).unwrap(),
                Progress::Pending
            );
        }
    }

    #[test]
    fn the_seed_example_is_rejected_for_its_date_rule_with_the_receipt_kept() {
        // The document's own example: every rule but the date rule matched.
        let verdict = done(json!({
            "status": "PROCESSED", "processReport": "NO_ERROR",
            "data": {"shop": {"city": "Toulon", "sign": "Carrefour", "address": "CENTRE CIAL MAYOL"},
                "total": 6.51, "buyDate": "2016-12-07", "buyHour": "11:08",
                "items": [{"id": "47267", "rawLabel": "PEPSI REGULAR 2,26", "shortLabel": "PEPSI REGULAR",
                    "quantity": 1, "price": 2.26}]},
            "processedRules": {"uid": "1234", "name": "Quaker",
                "dateRule": {"min": "2019-01-01", "max": "2019-11-01", "isMatched": false},
                "signRule": {"signList": ["Carrefour"], "isMatched": true},
                "itemRule": {"term": "Quaker", "isMatched": true},
                "allRulesMatched": false, "totalPriceOfMatchedItems": 1.64}
        }));
        assert_eq!(verdict.status, SubmissionStatus::Rejected);
        let codes: Vec<_> = verdict.outcome.reasons.iter().map(|r| r.code).collect();
        assert_eq!(codes, [ReasonCode::DateOutOfRange]);
        let receipt = verdict.outcome.receipt.unwrap();
        assert_eq!(receipt.store.as_deref(), Some("Carrefour"));
        assert_eq!(
            receipt.address.as_deref(),
            Some("CENTRE CIAL MAYOL, Toulon")
        );
        assert_eq!(receipt.items[0].description, "PEPSI REGULAR");
    }

    #[test]
    fn processed_with_all_rules_or_no_rules_is_accepted() {
        let matched = done(json!({"status": "PROCESSED", "processReport": "NO_ERROR",
            "processedRules": {"allRulesMatched": true, "dateRule": {"isMatched": true}}}));
        assert_eq!(matched.status, SubmissionStatus::Accepted);
        let plain = done(json!({"status": "PROCESSED", "processReport": "NO_ERROR", "data": {}}));
        assert_eq!(plain.status, SubmissionStatus::Accepted);
        assert!(plain.outcome.reasons.is_empty());
    }

    #[test]
    fn not_exploitable_is_rejected_with_its_process_report() {
        let verdict =
            done(json!({"status": "NOT_EXPLOITABLE", "processReport": "BAD_QUALITY_IMAGE"}));
        assert_eq!(verdict.status, SubmissionStatus::Rejected);
        assert_eq!(verdict.outcome.reasons[0].code, ReasonCode::BadQuality);
        assert!(verdict.outcome.receipt.is_none());
    }

    #[test]
    fn an_unknown_status_is_malformed() {
        assert!(matches!(
            map(json!({"status": "EXPLODED"})),
            Err(ProviderError::Malformed(_))
        ));
    }

    #[test]
    fn documents_go_to_the_configured_campaign_endpoint_or_the_account() {
        let config = |campaign: Option<&str>, endpoint: Option<&str>| AboutgoodsConfig {
            base_url: default_base_url(),
            token_url: default_token_url(),
            client_id: "c".to_owned(),
            client_secret: Secret::new("s"),
            scope: None,
            campaign_uid: campaign.map(str::to_owned),
            endpoint_uid: endpoint.map(str::to_owned),
        };
        assert_eq!(config(None, None).documents_path(), "/documents");
        assert_eq!(
            config(None, Some("e1")).documents_path(),
            "/endpoints/e1/documents"
        );
        assert_eq!(
            config(Some("c1"), Some("e1")).documents_path(),
            "/campaigns/c1/documents"
        );
    }

    #[test]
    fn a_token_for_a_campaigns_documents_asks_for_the_access_promo_scope() {
        let config = |campaign: Option<&str>, scope: Option<&str>| AboutgoodsConfig {
            base_url: default_base_url(),
            token_url: default_token_url(),
            client_id: "c".to_owned(),
            client_secret: Secret::new("s"),
            scope: scope.map(str::to_owned),
            campaign_uid: campaign.map(str::to_owned),
            endpoint_uid: None,
        };
        assert_eq!(config(Some("c1"), None).scope(), Some("access:promo"));
        assert_eq!(config(None, None).scope(), None);
        assert_eq!(config(Some("c1"), Some("custom")).scope(), Some("custom"));
    }

    #[test]
    fn locales_become_dominant_languages() {
        assert_eq!(dominant_language("fr-FR"), "fr-FR");
        assert_eq!(dominant_language("fr"), "fr-FR");
        assert_eq!(dominant_language("en"), "en-GB");
        assert_eq!(dominant_language("es"), "es-ES");
    }
}
