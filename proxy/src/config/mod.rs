//! The proxy's configuration: one TOML file, overridable by environment variables.
//!
//! Secrets are never written in the file: a secret field holds a reference,
//! `token = { env = "EASYPROMOS_TOKEN" }` or `token = { file = "/run/secrets/ep" }`,
//! resolved at load time into a [`providers::Secret`], which cannot be printed,
//! serialized or logged. Any key can be overridden from the environment with the
//! `RECEIPT_RELAY_` prefix and `__` as the separator, e.g.
//! `RECEIPT_RELAY_PROVIDERS__EASYPROMOS__BASE_URL`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use providers::ProviderConfig;
use serde::{Deserialize, Serialize};

pub mod console;
mod limits;
pub mod reasons;

pub use limits::{LimitsConfig, Rate};

/// Why a configuration could not be loaded. Messages name keys, never values.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {0}")]
    Parse(#[from] Box<figment::Error>),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the proxy listens.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The proxy's own public URL (`https://relay.example.com`), from which the
    /// callback URLs given to providers are built. Required when a provider
    /// account uses callbacks.
    #[serde(default)]
    pub public_url: Option<String>,
    /// `sqlite://path/to/file.db` (created when missing).
    #[serde(default = "default_database_url")]
    pub database_url: String,
    /// The built widget (`widget.js` and its hashed assets); `cargo xtask` writes
    /// it to `target/widget`.
    #[serde(default)]
    pub widget_dir: Option<PathBuf>,
    /// The bearer token of the operator API (`/v1/operator/...`); without it,
    /// the operator API does not exist.
    #[serde(default)]
    pub operator_key: Option<providers::Secret>,
    /// Where Prometheus scrapes `/metrics` without the operator key (an
    /// address only the monitoring network reaches, e.g. `10.0.0.5:9100`);
    /// without it, `/metrics` is on `listen`, behind the operator key.
    #[serde(default)]
    pub metrics_listen: Option<SocketAddr>,
    /// `"text"` (the default) or `"json"`: one JSON object per log line.
    #[serde(default)]
    pub log_format: LogFormat,
    /// A folder of static pages served at `/` (the demo landing page).
    #[serde(default)]
    pub www_dir: Option<PathBuf>,
    #[serde(default)]
    pub worker: WorkerConfig,
    /// Rate limits, timeouts and connection limits (see [`LimitsConfig`]).
    #[serde(default)]
    pub limits: LimitsConfig,
    /// How long personal data is kept (an operator may change it at run time).
    #[serde(default)]
    pub retention: Retention,
    /// The review console (`[console]`).
    #[serde(default)]
    pub console: console::ConsoleConfig,
    /// Provider accounts by name; campaigns refer to them.
    pub providers: BTreeMap<String, ProviderConfig>,
    /// Campaigns by public id.
    pub campaigns: BTreeMap<String, CampaignConfig>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_database_url() -> String {
    "sqlite://receipt-relay.db".to_owned()
}

/// How the background worker follows submissions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerConfig {
    /// Wait between two polls of a submission the provider is still reading.
    #[serde(with = "crate::clock::as_millis", rename = "poll_interval_ms")]
    pub poll_interval: Duration,
    /// First retry delay after an upstream failure; doubles on each failure.
    #[serde(with = "crate::clock::as_millis", rename = "retry_base_ms")]
    pub retry_base: Duration,
    /// Longest retry delay.
    #[serde(with = "crate::clock::as_millis", rename = "retry_max_ms")]
    pub retry_max: Duration,
    /// How long a worker owns a submission it is working on without renewing
    /// it; it renews every third of this while the submission is in hand, so
    /// another instance takes it over only once the first is gone (crashed,
    /// killed) for this long.
    #[serde(with = "crate::clock::as_millis", rename = "lease_ms")]
    pub lease: Duration,
    /// Submissions forwarded or polled at once by one instance.
    pub concurrency: usize,
    /// Per provider account (a `[providers]` name): calls in flight at once
    /// from one instance, where its kind's default does not suit the account.
    pub max_in_flight: BTreeMap<String, u32>,
    /// After this many unusable answers in a row (other failures in between end
    /// the run), a submission is `failed`.
    pub max_malformed: u32,
    /// For providers that call back: how often to poll anyway, in case a
    /// callback is lost.
    #[serde(with = "crate::clock::as_millis", rename = "callback_fallback_ms")]
    pub callback_fallback: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(1000),
            retry_base: Duration::from_millis(1000),
            retry_max: Duration::from_secs(300),
            lease: Duration::from_secs(60),
            concurrency: 32,
            max_in_flight: BTreeMap::new(),
            max_malformed: 5,
            callback_fallback: Duration::from_secs(120),
        }
    }
}

/// One campaign.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignConfig {
    /// Name of an entry of `[providers]`.
    pub provider: String,
    pub title: String,
    /// What the shopper gets for an accepted receipt, e.g. "10 EUR back".
    #[serde(default)]
    pub reward: Option<String>,
    /// When and how it comes, e.g. "by bank transfer within 5 working days".
    #[serde(default)]
    pub reward_when: Option<String>,
    /// Working days a person takes to check a receipt sent to manual review,
    /// told to the shopper who asked for one.
    #[serde(default)]
    pub review_days: Option<u32>,
    /// The title and reward in other languages, by language code
    /// (`[campaigns.<id>.translations.es]`); what one leaves out is said as
    /// above.
    #[serde(default)]
    pub translations: BTreeMap<String, CampaignWords>,
    #[serde(default = "default_locale")]
    pub locale: String,
    /// Origins (scheme://host[:port]) of the pages allowed to call the API for
    /// this campaign from a browser.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub photos: PhotoLimits,
    /// The brand's backend, told every verdict.
    #[serde(default)]
    pub notify: Option<NotifyConfig>,
    /// The key the brand's backend signs shopper tokens with (HS256 JWTs:
    /// `sub` the shopper, `aud` the campaign, `exp`).
    #[serde(default)]
    pub shopper_key: Option<providers::Secret>,
    /// Take a submission only with a shopper token signed with `shopper_key`.
    #[serde(default)]
    pub require_signed_user: bool,
    /// Seconds of clock difference between the brand's servers and ours
    /// forgiven when a shopper token's `exp` and `nbf` are checked.
    #[serde(default = "default_shopper_leeway_s")]
    pub shopper_leeway_s: u64,
    /// QR codes other than fiscal receipts' that a QR-only submission may
    /// carry: regular expressions, each matched against the whole text (a
    /// provider's own receipt ids, say). Without them, only fiscal codes.
    #[serde(default)]
    pub qr_patterns: Vec<String>,
    /// What a receipt sent again becomes (`"reject"`, `"review"`, `"off"`).
    #[serde(default)]
    pub duplicates: DuplicateAction,
    /// How far back an earlier submission counts, in days.
    #[serde(default = "default_duplicates_window_days")]
    pub duplicates_window_days: u32,
    /// The campaign's own reasons to reject, with the shopper's words in
    /// each language (the console offers these; without them, the API's
    /// reason codes).
    #[serde(default)]
    pub reject_reasons: Vec<reasons::RejectReason>,
    /// What a person's "not a duplicate" does with a receipt held before the
    /// provider saw it (`"send_on"`, the default, or `"accept"`).
    #[serde(default)]
    pub not_duplicate: reasons::NotDuplicate,
}

/// `[retention]`: how long personal data is kept (the retention module applies it;
/// an operator may change it at run time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// Days the photos of a `failed` submission are kept.
    pub failed_photos_days: u32,
    /// Days a final submission (and its personal data) is kept.
    pub submissions_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            failed_photos_days: 3,
            submissions_days: 365,
        }
    }
}

impl Retention {
    /// Whether both are at least a day (nothing is dropped the moment it ends).
    pub fn is_valid(self) -> bool {
        self.failed_photos_days >= 1 && self.submissions_days >= 1
    }

    /// Both, in words (the audit log's detail).
    pub fn summary(self) -> String {
        format!(
            "failed photos {} days, submissions {} days",
            self.failed_photos_days, self.submissions_days
        )
    }
}

/// What a campaign does with a duplicate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateAction {
    /// Refused: `rejected`, reason `duplicate`.
    Reject,
    /// Sent to a person: `needs_review`, reason `duplicate`.
    Review,
    /// Let through.
    #[default]
    Off,
}

/// A campaign's own words in one language.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignWords {
    pub title: Option<String>,
    pub reward: Option<String>,
    pub reward_when: Option<String>,
}

impl CampaignConfig {
    /// The title and reward in the language of `tag` (`es-MX` reads
    /// `translations.es`), each falling back to the campaign's own where the
    /// shopper speaks the campaign's `locale` or named no language, and to
    /// nothing otherwise: a shopper is never shown another language's words
    /// (the widget says its own instead).
    pub fn words(&self, tag: Option<&str>) -> CampaignWords {
        let primary = |t: &str| {
            t.split(['-', '_'])
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        let code = tag.map(primary).filter(|c| !c.is_empty());
        let foreign = code.as_ref().is_some_and(|c| *c != primary(&self.locale));
        let translated = code.and_then(|c| self.translations.get(&c));
        let pick = |own: &Option<String>, of: fn(&CampaignWords) -> &Option<String>| {
            translated
                .and_then(|w| of(w).clone())
                .or_else(|| own.clone().filter(|_| !foreign))
        };
        CampaignWords {
            title: pick(&Some(self.title.clone()), |w| &w.title),
            reward: pick(&self.reward, |w| &w.reward),
            reward_when: pick(&self.reward_when, |w| &w.reward_when),
        }
    }
}

fn default_shopper_leeway_s() -> u64 {
    30
}

fn default_duplicates_window_days() -> u32 {
    90
}

/// `notify = { url = "https://brand.example/hooks/receipts", secret = { env = "..." } }`:
/// every final status of the campaign's submissions, and every manual-review
/// request, is POSTed to `url`, signed as the Standard Webhooks specification
/// says with `secret` (`whsec_` and base64, as the brand's receiver library
/// makes it). `timeout_ms` is how long the receiver has to answer one
/// delivery; one that answers later counts as failed and gets the same event
/// again (the same `webhook-id`) after the backoff.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    pub url: String,
    pub secret: providers::Secret,
    #[serde(
        default = "default_notify_timeout",
        with = "crate::clock::as_millis",
        rename = "timeout_ms"
    )]
    pub timeout: Duration,
}

/// The receiver's time to answer one delivery, unless configured: long enough
/// to store an event, short enough that a stuck receiver holds no sender.
pub const DEFAULT_NOTIFY_TIMEOUT: Duration = Duration::from_secs(10);

fn default_notify_timeout() -> Duration {
    DEFAULT_NOTIFY_TIMEOUT
}

fn default_locale() -> String {
    "en".to_owned()
}

/// Photo rules of a campaign.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PhotoLimits {
    pub min_count: u8,
    pub max_count: u8,
    /// Largest photo, in bytes.
    pub max_bytes: u64,
    /// Largest photo, in pixels (width x height), against decompression bombs.
    pub max_pixels: u64,
    /// Longest side the widget scales a photo down to, in pixels.
    pub long_side: u32,
    /// JPEG quality (1 to 100) the widget re-encodes a photo at.
    pub quality: u8,
    /// Most pages of a PDF e-receipt, where the provider reads PDF (its
    /// bytes are limited by `max_bytes`).
    pub max_pdf_pages: u32,
}

/// A shop's e-receipt is a page or two; a long one, a few.
pub const DEFAULT_MAX_PDF_PAGES: u32 = 5;

impl Default for PhotoLimits {
    fn default() -> Self {
        Self {
            min_count: 1,
            max_count: 1,
            max_bytes: 10 * 1024 * 1024,
            max_pixels: 50_000_000,
            long_side: api::DEFAULT_LONG_SIDE,
            quality: api::DEFAULT_QUALITY,
            max_pdf_pages: DEFAULT_MAX_PDF_PAGES,
        }
    }
}

impl Config {
    /// Loads the TOML file at `path`, then applies `RECEIPT_RELAY_*` variables.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::from_figment(
            Figment::new().merge(Toml::file_exact(path)).merge(
                Env::prefixed("RECEIPT_RELAY_")
                    .ignore(&["config"])
                    .split("__"),
            ),
        )
    }

    /// Parses a configuration from TOML text (no environment overrides).
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        Self::from_figment(Figment::new().merge(Toml::string(text)))
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Self = figment.extract().map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !self.retention.is_valid() {
            return Err(ConfigError::Invalid(
                "retention.failed_photos_days and retention.submissions_days must be at least 1"
                    .to_owned(),
            ));
        }
        let worker = &self.worker;
        if worker.concurrency == 0 || worker.lease < Duration::from_millis(300) {
            return Err(ConfigError::Invalid(
                "worker.concurrency must be at least 1 and worker.lease_ms at least 300".to_owned(),
            ));
        }
        if let Some((name, _)) = worker
            .max_in_flight
            .iter()
            .find(|(name, n)| **n == 0 || !self.providers.contains_key(*name))
        {
            return Err(ConfigError::Invalid(format!(
                "worker.max_in_flight.{name} must name a provider account and be at least 1"
            )));
        }
        if let Some(problem) = self.console.path_problem() {
            return Err(ConfigError::Invalid(problem));
        }
        if self.console.oidc.is_some() && self.public_url.is_none() {
            return Err(ConfigError::Invalid(
                "console.oidc needs public_url, to build the redirect URI".to_owned(),
            ));
        }
        for (name, provider) in &self.providers {
            if provider.callbacks().is_some() && self.public_url.is_none() {
                return Err(ConfigError::Invalid(format!(
                    "provider {name:?}: callbacks need public_url, to build the callback URL"
                )));
            }
        }
        for (id, campaign) in &self.campaigns {
            let url_safe = !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !url_safe {
                return Err(ConfigError::Invalid(format!(
                    "campaign id {id:?} may only hold letters, digits, '-' and '_'"
                )));
            }
            if !self.providers.contains_key(&campaign.provider) {
                return Err(ConfigError::Invalid(format!(
                    "campaign {id:?} uses provider {:?}, which is not in [providers]",
                    campaign.provider
                )));
            }
            for (n, reason) in campaign.reject_reasons.iter().enumerate() {
                let again = campaign.reject_reasons[..n]
                    .iter()
                    .any(|r| r.id == reason.id);
                if let Some(problem) = reason
                    .problem()
                    .or_else(|| again.then(|| "has an id used twice".to_owned()))
                {
                    return Err(ConfigError::Invalid(format!(
                        "campaign {id:?}: reject reason {:?} {problem}",
                        reason.id
                    )));
                }
            }
            if campaign.require_signed_user && campaign.shopper_key.is_none() {
                return Err(ConfigError::Invalid(format!(
                    "campaign {id:?}: require_signed_user needs shopper_key"
                )));
            }
            if let Some(notify) = &campaign.notify {
                let url = reqwest::Url::parse(&notify.url).ok();
                if !url.is_some_and(|u| matches!(u.scheme(), "https" | "http")) {
                    return Err(ConfigError::Invalid(format!(
                        "campaign {id:?}: notify.url must be an http(s) URL"
                    )));
                }
                if notify.timeout.is_zero() {
                    return Err(ConfigError::Invalid(format!(
                        "campaign {id:?}: notify.timeout_ms must be more than 0"
                    )));
                }
                if standardwebhooks::Webhook::new(notify.secret.expose()).is_err() {
                    return Err(ConfigError::Invalid(format!(
                        "campaign {id:?}: notify.secret must be a Standard Webhooks secret (whsec_ and base64)"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The largest request body any campaign can legitimately send.
    pub fn max_body_bytes(&self) -> usize {
        let largest = self
            .campaigns
            .values()
            .map(|c| u64::from(c.photos.max_count) * c.photos.max_bytes)
            .max()
            .unwrap_or(0);
        // Room for the text fields and the multipart framing.
        usize::try_from(largest)
            .unwrap_or(usize::MAX)
            .saturating_add(256 * 1024)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `body` with `SECRET_PATH` naming a file that holds a secret.
    pub(crate) fn with_secret_file(body: &str) -> (tempfile::NamedTempFile, String) {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "s3cr3t-value\n").unwrap();
        let text = body.replace("SECRET_PATH", &file.path().display().to_string());
        (file, text)
    }

    /// A configuration that loads: one Easypromos campaign.
    pub(crate) const GOOD: &str = r#"
        [providers.ep]
        kind = "easypromos"
        base_url = "http://127.0.0.1:1/easypromos"
        token = { file = "SECRET_PATH" }

        [campaigns.summer-promo]
        provider = "ep"
        title = "Summer"
        allowed_origins = ["https://brand.example"]
        photos = { max_count = 1, max_bytes = 1000 }
    "#;

    #[test]
    fn a_campaigns_reasons_and_the_consoles_path_are_checked_as_the_file_loads() {
        let reason = |id: &str| {
            format!(
                "[[campaigns.summer-promo.reject_reasons]]\nid = \"{id}\"\ncode = \"store_mismatch\"\nlabel = \"Store\"\nwords = {{ es = \"Tienda\" }}\n"
            )
        };
        let (_f, text) = with_secret_file(&format!("{GOOD}\n{}", reason("store")));
        let config = Config::from_toml(&text).unwrap();
        assert_eq!(config.campaigns["summer-promo"].reject_reasons.len(), 1);
        assert_eq!(config.console.path, "/operator");
        let (_f, twice) =
            with_secret_file(&format!("{GOOD}\n{}{}", reason("store"), reason("store")));
        let refused = Config::from_toml(&twice).unwrap_err().to_string();
        assert!(refused.contains("used twice"), "{refused}");
        let (_f, taken) = with_secret_file(&format!("[console]\npath = \"/v1/staff\"\n{GOOD}"));
        let refused = Config::from_toml(&taken).unwrap_err().to_string();
        assert!(refused.contains("/v1"), "{refused}");
    }

    #[test]
    fn a_file_referenced_secret_is_loaded_and_debug_prints_no_secret() {
        let (_f, text) = with_secret_file(GOOD);
        let config = Config::from_toml(&text).unwrap();
        let ProviderConfig::Easypromos(ep) = &config.providers["ep"] else {
            panic!("not easypromos");
        };
        assert_eq!(ep.token.expose(), "s3cr3t-value");
        let printed = format!("{config:?}");
        assert!(!printed.contains("s3cr3t"), "{printed}");
        assert_eq!(config.campaigns["summer-promo"].photos.max_bytes, 1000);
        assert_eq!(config.campaigns["summer-promo"].photos.min_count, 1);
    }

    #[test]
    fn an_inline_secret_is_refused_without_echoing_it() {
        let text = GOOD.replace("{ file = \"SECRET_PATH\" }", "\"inline-s3cr3t\"");
        let error = Config::from_toml(&text).unwrap_err().to_string();
        assert!(error.contains("never written inline"), "{error}");
        assert!(!error.contains("inline-s3cr3t"), "{error}");
    }

    #[test]
    fn a_missing_environment_variable_is_named() {
        let text = GOOD.replace(
            "{ file = \"SECRET_PATH\" }",
            "{ env = \"RECEIPT_RELAY_TEST_SURELY_UNSET\" }",
        );
        let error = Config::from_toml(&text).unwrap_err().to_string();
        assert!(error.contains("RECEIPT_RELAY_TEST_SURELY_UNSET"), "{error}");
    }

    #[test]
    fn a_campaigns_title_and_reward_are_said_in_the_shoppers_language_never_in_another() {
        let (_f, text) = with_secret_file(GOOD);
        let text = format!(
            "{text}
            reward = \"10 EUR back\"
            [campaigns.summer-promo.translations.es]
            title = \"Verano\"
            "
        );
        let config = Config::from_toml(&text).unwrap();
        let campaign = &config.campaigns["summer-promo"];
        let es = campaign.words(Some("es-MX"));
        assert_eq!(es.title.as_deref(), Some("Verano"));
        // Not translated: the English reward is not said to a Spanish shopper.
        assert_eq!(es.reward, None);
        assert_eq!(es.reward_when, None);
        // The campaign's own language (English by default), or none named.
        for own in [Some("en-GB"), Some(""), None] {
            let words = campaign.words(own);
            assert_eq!(words.title.as_deref(), Some("Summer"), "{own:?}");
            assert_eq!(words.reward.as_deref(), Some("10 EUR back"), "{own:?}");
        }
        assert_eq!(campaign.words(Some("de")).title, None);
        let typo = text.replace("title = \"Verano\"", "titel = \"Verano\"");
        assert!(
            Config::from_toml(&typo).is_err(),
            "unknown keys are refused"
        );
    }

    #[test]
    fn a_campaign_with_an_unknown_provider_is_refused() {
        let (_f, text) = with_secret_file(GOOD);
        let text = text.replace("provider = \"ep\"", "provider = \"nope\"");
        let error = Config::from_toml(&text).unwrap_err().to_string();
        assert!(error.contains("nope"), "{error}");
    }

    #[test]
    fn a_campaign_id_that_is_not_url_safe_is_refused() {
        let (_f, text) = with_secret_file(GOOD);
        let text = text.replace("[campaigns.summer-promo]", "[campaigns.\"a/b\"]");
        assert!(Config::from_toml(&text).is_err());
    }

    #[test]
    fn callbacks_need_a_key_and_the_public_url() {
        let (_f, text) = with_secret_file(GOOD);
        let keyless = text.replace(
            "kind = \"easypromos\"",
            "kind = \"easypromos\"\ncallbacks = { header = \"X-Key\" }",
        );
        let error = Config::from_toml(&keyless).unwrap_err().to_string();
        assert!(error.contains("key"), "{error}");

        let path = _f.path().display().to_string();
        let with_key = text.replace(
            "kind = \"easypromos\"",
            &format!("kind = \"easypromos\"\ncallbacks = {{ key = {{ file = {path:?} }} }}"),
        );
        let error = Config::from_toml(&with_key).unwrap_err().to_string();
        assert!(error.contains("public_url"), "{error}");

        let complete = format!("public_url = \"https://relay.example\"\n{with_key}");
        let config = Config::from_toml(&complete).unwrap();
        assert!(config.providers["ep"].callbacks().is_some());
    }

    #[test]
    fn notify_needs_an_http_url_and_a_standard_webhooks_secret_never_echoed() {
        let dir = tempfile::tempdir().unwrap();
        let token = dir.path().join("token");
        std::fs::write(&token, "t0ken").unwrap();
        let secret = dir.path().join("whsec");
        let with_notify = |url: &str, value: &str| {
            std::fs::write(&secret, value).unwrap();
            GOOD.replace("SECRET_PATH", &token.display().to_string())
                .replace(
                    "photos = { max_count = 1, max_bytes = 1000 }",
                    &format!(
                        "photos = {{ max_count = 1, max_bytes = 1000 }}\nnotify = {{ url = {url:?}, secret = {{ file = {:?} }} }}",
                        secret.display().to_string()
                    ),
                )
        };
        let good = with_notify(
            "https://brand.example/hooks",
            "whsec_c2VjcmV0LWtleS1ieXRlcw==",
        );
        assert!(Config::from_toml(&good).is_ok());
        let error = Config::from_toml(&with_notify("ftp://brand.example", "whsec_c2VjcmV0"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("notify.url"), "{error}");
        let error = Config::from_toml(&with_notify("https://brand.example", "not*base64!"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("notify.secret"), "{error}");
        assert!(!error.contains("not*base64"), "{error}");
    }

    #[test]
    fn the_body_limit_fits_the_largest_campaign() {
        let (_f, text) = with_secret_file(GOOD);
        let config = Config::from_toml(&text).unwrap();
        assert_eq!(config.max_body_bytes(), 1000 + 256 * 1024);
    }

    #[test]
    fn logs_are_text_unless_json_is_asked_for_and_nothing_else_is_taken() {
        let (_f, text) = with_secret_file(GOOD);
        assert_eq!(
            Config::from_toml(&text).unwrap().log_format,
            LogFormat::Text
        );
        let json = format!("log_format = \"json\"\n{text}");
        assert_eq!(
            Config::from_toml(&json).unwrap().log_format,
            LogFormat::Json
        );
        let other = format!("log_format = \"xml\"\n{text}");
        assert!(Config::from_toml(&other).is_err());
    }
}
