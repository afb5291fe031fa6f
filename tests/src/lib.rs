//! Helpers for the workspace integration tests: a real proxy serving on loopback
//! in front of a real sandbox ([`spawn_app`]), fixture photos, a Chromium driven
//! through WebDriver ([`browser`]), and a recording forwarder ([`tee`]) that keeps
//! every byte the browser receives.

pub mod browser;
pub mod fixtures;
pub mod logs;
pub mod tee;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use api::Submission;
use proxy::AppState;
use proxy::clock::Clock;
use proxy::config::Config;
use proxy::notify::Notifier;
use proxy::worker::Worker;
use sandbox::{RunningSandbox, SandboxConfig};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The campaigns every test proxy serves, one per provider.
pub const CAMPAIGNS: [&str; 3] = ["demo-easypromos", "demo-aboutgoods", "demo-photon"];

/// How a test app is set up.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the Easypromos adapter sends requests; `None`: the sandbox.
    pub easypromos_url: Option<String>,
    /// How long the simulated provider takes.
    pub processing_delay: Duration,
    /// Serve the built widget and the demo page (for browser tests).
    pub with_widget: bool,
    /// One more origin every campaign allows (a brand's page served by the
    /// test or the bench on a port of its own).
    pub allowed_origin: Option<String>,
    /// The token the proxy holds; `None`: the sandbox's (the right one).
    pub easypromos_token: Option<String>,
    /// Easypromos in webhook mode (the worker then polls only every 10 minutes,
    /// so a verdict within a test's time comes by callback).
    pub webhooks: bool,
    /// Credits the simulated Easypromos account starts with.
    pub sandbox_credits: u64,
    /// The proxy holds Easypromos submissions under this many credits.
    pub min_credits: u64,
    /// The Aboutgoods client secret the proxy holds; `None`: the sandbox's.
    pub aboutgoods_secret: Option<String>,
    /// How long every simulated provider takes to answer a request.
    pub latency: Duration,
    /// `worker.lease_ms`.
    pub lease: Duration,
    /// `worker.max_in_flight`, by account.
    pub max_in_flight: Vec<(&'static str, u32)>,
    /// `worker.concurrency`.
    pub concurrency: usize,
    /// The brand's receiver `demo-easypromos` and `demo-bitlabs` notify
    /// (`notify.url`).
    pub notify_url: Option<String>,
    /// `notify.timeout_ms`; `None`: the proxy's default.
    pub notify_timeout: Option<Duration>,
    /// The proxy runs no background worker: the test steps it
    /// ([`TestApp::step_worker`]), and its clock stands still until the test
    /// moves it ([`TestApp::clock`]).
    pub stepped_worker: bool,
    /// The `[limits]` table's lines; the default lets a test send as much as
    /// it likes from one address.
    pub limits: String,
    /// Serve `/metrics` on an address of its own ([`TestApp::metrics_url`]).
    pub metrics_listen: bool,
}

/// `[limits]` of a test proxy unless a test says otherwise: rates no test
/// reaches, the other limits as shipped.
pub const GENEROUS_LIMITS: &str = "per_client = { per_minute = 1000000, burst = 100000 }\n\
                                   per_campaign = { per_minute = 1000000, burst = 100000 }";

impl Default for Options {
    fn default() -> Self {
        Self {
            easypromos_url: None,
            processing_delay: Duration::from_millis(300),
            with_widget: false,
            allowed_origin: None,
            easypromos_token: None,
            webhooks: false,
            sandbox_credits: 1000,
            min_credits: 0,
            aboutgoods_secret: None,
            latency: Duration::ZERO,
            lease: Duration::from_secs(5),
            max_in_flight: Vec::new(),
            concurrency: 32,
            notify_url: None,
            notify_timeout: None,
            stepped_worker: false,
            limits: GENEROUS_LIMITS.to_owned(),
            metrics_listen: false,
        }
    }
}

/// A proxy serving on loopback, its sandbox, and its database folder.
#[derive(Debug)]
pub struct TestApp {
    pub address: String,
    pub sandbox: RunningSandbox,
    pub state: AppState,
    /// The worker a test steps (with `stepped_worker`); a second one on the
    /// same state is a second instance.
    pub worker: Arc<Worker>,
    /// The brand notifier a test steps (with `stepped_worker`).
    pub notifier: Arc<Notifier>,
    /// The proxy's time; a manual clock with `stepped_worker`.
    pub clock: Clock,
    pub http: reqwest::Client,
    /// The key Easypromos callbacks must carry (webhook mode).
    pub webhook_key: String,
    /// The header value APM callbacks must carry (account `apm-callbacks`).
    pub apm_callback_key: String,
    /// The key Photon's webhook must carry (account `photon-hooks`; the sandbox
    /// calls it once a test registers it with `Controls::set_photon_webhook`).
    pub photon_webhook_key: String,
    stop: CancellationToken,
    server: Option<JoinHandle<std::io::Result<()>>>,
    /// Holds the SQLite file and the secret files; removed on drop.
    pub dir: tempfile::TempDir,
    /// The proxy's `database_url` ([`database_url`]).
    pub database: String,
    /// `http://host:port/metrics` where `metrics_listen` is on.
    pub metrics_url: Option<String>,
    options: Options,
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The built widget (`cargo xtask ci` builds it and sets `RECEIPT_RELAY_WIDGET_DIR`).
pub fn widget_dir() -> PathBuf {
    let dir = std::env::var_os("RECEIPT_RELAY_WIDGET_DIR")
        .map_or_else(|| PathBuf::from("target/widget"), PathBuf::from);
    // Tests run in their package's folder; a relative path means the workspace's.
    let dir = workspace_root().join(dir);
    assert!(
        dir.join("widget.js").is_file(),
        "no built widget in {}: run `cargo xtask ci` (it builds the widget first)",
        dir.display()
    );
    dir
}

/// Asserts that a submission was accepted with the receipt every simulated
/// provider reads from an accepted photo (`sandbox::sample`).
pub fn assert_accepted_sample(submission: &Submission) {
    assert_eq!(
        submission.status,
        api::SubmissionStatus::Accepted,
        "{submission:?}"
    );
    let receipt = submission
        .outcome
        .as_ref()
        .and_then(|o| o.receipt.as_ref())
        .expect("an accepted receipt carries what was read");
    assert_eq!(receipt.store.as_deref(), Some(sandbox::sample::STORE));
    assert_eq!(receipt.total, Some(sandbox::sample::TOTAL));
    assert_eq!(receipt.currency.as_deref(), Some(sandbox::sample::CURRENCY));
    assert_eq!(receipt.date.as_deref(), Some(sandbox::sample::DATE));
    assert_eq!(receipt.items.len(), sandbox::sample::LINES.len());
}

/// The value of the sample `name{labels}` in a Prometheus text page, where the
/// sample's labels include every one of `labels`.
pub fn prometheus_sample(page: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    page.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .find(|(series, _)| {
            let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
            metric == name
                && labels
                    .iter()
                    .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
        })
        .and_then(|(_, value)| value.parse().ok())
}

/// Serves `router` on a free loopback port in the background and answers its
/// address: a provider scripted by a test, or a brand's receiver.
pub async fn serve_on_loopback(router: axum::Router) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

/// A test app whose Easypromos account talks to `provider`, a provider the
/// test scripts (its routes under `/easypromos`), instead of the sandbox's.
pub async fn spawn_app_scripting_easypromos(provider: axum::Router, options: Options) -> TestApp {
    let address = serve_on_loopback(provider).await;
    spawn_app_with(Options {
        easypromos_url: Some(format!("http://{address}/easypromos")),
        ..options
    })
    .await
}

/// Starts a sandbox and a proxy in front of it, with default options.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

/// Starts a sandbox and a proxy in front of it.
pub async fn spawn_app_with(options: Options) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind sandbox");
    let sandbox = sandbox::spawn(listener, {
        let mut config = SandboxConfig::generated();
        config.processing_delay = options.processing_delay;
        config.latency = options.latency;
        config.easypromos.credits = options.sandbox_credits;
        config
    })
    .expect("start sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let database = database_url(&dir).await;
    let clock = if options.stepped_worker {
        Clock::manual()
    } else {
        Clock::System
    };
    start_proxy(sandbox, dir, database, clock, options).await
}

/// The environment variable naming a PostgreSQL server (`postgres://user@host:port`)
/// on which each test app gets a database of its own; without it, a SQLite file.
/// `cargo xtask ci` runs the flow tests both ways.
pub const POSTGRES_ENV: &str = "RECEIPT_RELAY_TEST_POSTGRES";

/// Where a test app's proxy keeps its state: a SQLite file in its folder, or a
/// fresh database on the PostgreSQL server [`POSTGRES_ENV`] names.
pub async fn database_url(dir: &tempfile::TempDir) -> String {
    let Ok(server) = std::env::var(POSTGRES_ENV) else {
        return format!("sqlite://{}", dir.path().join("relay.db").display());
    };
    let name = format!("test_{}", uuid_hex());
    let url = format!("{}/{name}", server.trim_end_matches('/'));
    <sqlx::Postgres as sqlx::migrate::MigrateDatabase>::create_database(&url)
        .await
        .expect("create a test database");
    url
}

/// 32 random hex digits.
fn uuid_hex() -> String {
    sandbox::random_uuid().replace('-', "")
}

async fn start_proxy(
    sandbox: RunningSandbox,
    dir: tempfile::TempDir,
    database: String,
    clock: Clock,
    options: Options,
) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let address = format!("http://{}", listener.local_addr().expect("local addr"));
    let metrics_address = options.metrics_listen.then(|| {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port for metrics")
    });
    let webhook_key = sandbox::random_token("whk");
    let apm_callback_key = sandbox::random_token("apm_cb");
    let photon_webhook_key = sandbox::random_token("pc_hook");
    let mut text = config_text(
        &sandbox,
        &dir,
        &database,
        &options,
        &address,
        [&webhook_key, &apm_callback_key, &photon_webhook_key],
    );
    if let Some(metrics) = metrics_address {
        text.insert_str(0, &format!("metrics_listen = \"{metrics}\"\n"));
    }
    let config = Config::from_toml(&text).expect("test configuration");
    let state = AppState::with_clock(config, clock.clone())
        .await
        .expect("proxy state");
    let stop = CancellationToken::new();
    let shutdown = stop.clone();
    let shutdown = async move { shutdown.cancelled().await };
    let server = if options.stepped_worker {
        tokio::spawn(proxy::serve_api(listener, state.clone(), shutdown))
    } else {
        tokio::spawn(proxy::serve(listener, state.clone(), shutdown))
    };
    TestApp {
        address,
        sandbox,
        worker: Worker::new(state.clone()),
        notifier: Notifier::new(state.clone()),
        state,
        clock,
        http: reqwest::Client::new(),
        webhook_key,
        apm_callback_key,
        photon_webhook_key,
        stop,
        server: Some(server),
        dir,
        database,
        metrics_url: metrics_address.map(|a| format!("http://{a}/metrics")),
        options,
    }
}

/// The folder of a test app's directory that holds its secret files.
const SECRETS: &str = "secrets";

/// The configuration a test proxy runs with: the real TOML path, with every
/// secret referenced from a file, as an operator would.
fn config_text(
    sandbox: &RunningSandbox,
    dir: &tempfile::TempDir,
    database: &str,
    options: &Options,
    address: &str,
    [webhook_key, apm_callback_key, photon_webhook_key]: [&str; 3],
) -> String {
    let secrets = dir.path().join(SECRETS);
    std::fs::create_dir_all(&secrets).expect("secrets folder");
    let secret = |name: &str, value: &str| {
        let path = secrets.join(name);
        std::fs::write(&path, value).expect("write secret file");
        format!("{{ file = {:?} }}", path.display().to_string())
    };
    let photon = &sandbox.config.photon;
    let aboutgoods = &sandbox.config.aboutgoods;
    let easypromos_token = secret(
        "easypromos.token",
        options
            .easypromos_token
            .as_ref()
            .unwrap_or(&sandbox.config.easypromos.token),
    );
    let easypromos_url = options
        .easypromos_url
        .clone()
        .unwrap_or_else(|| sandbox.url("easypromos"));
    // The widget this proxy carries where it carries one (as CI builds it),
    // else the built folder.
    let site = match (options.with_widget, proxy::routes::assets::embedded()) {
        (false, _) => String::new(),
        (true, Some(_)) => format!(
            "www_dir = {:?}\n",
            workspace_root().join("www").display().to_string()
        ),
        (true, None) => format!(
            "widget_dir = {:?}\nwww_dir = {:?}\n",
            widget_dir().display().to_string(),
            workspace_root().join("www").display().to_string()
        ),
    };
    let mut easypromos_extra = format!("min_credits = {}\n", options.min_credits);
    if options.webhooks {
        easypromos_extra.push_str(&format!(
            "callbacks = {{ key = {} }}\n",
            secret("easypromos.webhook_key", webhook_key)
        ));
    }
    // Two accounts (polling and webhook) share the sandbox's Photon credentials.
    let photon_account = format!(
        "kind = \"photon\"\nbase_url = \"{}\"\nclient_id = {}\nusername = \"{}\"\napi_key = {}\npassword = {}\nsecret_key = {}",
        sandbox.url("photon"),
        secret("photon.client_id", &photon.client_id),
        photon.username,
        secret("photon.api_key", &photon.api_key),
        secret("photon.password", &photon.password),
        secret("photon.secret_key", &photon.secret_key),
    );
    let photos = "photos = { max_count = 1, max_bytes = 2097152 }";
    let extra = options
        .allowed_origin
        .as_ref()
        .map_or_else(String::new, |origin| format!(", {origin:?}"));
    let origins = format!("allowed_origins = [\"{address}\", \"https://brand.example\"{extra}]");
    let operator_key = secret("operator.key", &operator_key(dir));
    let shopper_key = secret("shopper.key", &shopper_key(dir));
    let notify = options.notify_url.as_ref().map_or_else(String::new, |url| {
        format!(
            "notify = {{ url = {url:?}, secret = {}{} }}",
            secret("notify.secret", &notify_secret(dir)),
            options
                .notify_timeout
                .map_or_else(String::new, |t| format!(", timeout_ms = {}", t.as_millis()))
        )
    });
    format!(
        r#"
database_url = "{database}"
public_url = "{address}"
operator_key = {operator_key}
{site}
[worker]
poll_interval_ms = 100
retry_base_ms = 100
retry_max_ms = 400
lease_ms = {lease_ms}
concurrency = {concurrency}
callback_fallback_ms = 600000
{max_in_flight}

[limits]
{limits}

[providers.easypromos]
kind = "easypromos"
base_url = "{easypromos_url}"
token = {easypromos_token}
{easypromos_extra}

[providers.aboutgoods]
kind = "aboutgoods"
base_url = "{aboutgoods_url}"
token_url = "{aboutgoods_url}/oauth2/token"
client_id = "{aboutgoods_client}"
client_secret = {aboutgoods_secret}
campaign_uid = "{aboutgoods_campaign}"

[providers.apm]
kind = "apm"
base_url = "{apm_url}"
api_key = {apm_key}
currency = "RUB"

[providers.apm-callbacks]
kind = "apm"
base_url = "{apm_url}"
api_key = {apm_key}
callbacks = {{ key = {apm_callback_key} }}
review = {{ products = [{{ name = "Glow Serum", id = 7 }}] }}

[providers.photon-hooks]
{photon_account}
callbacks = {{ key = {photon_webhook_key} }}

[providers.bitlabs]
kind = "bitlabs"
base_url = "{bitlabs_url}"
token = {bitlabs_token}

[providers.photon]
{photon_account}

[campaigns.demo-easypromos]
provider = "easypromos"
title = "Buy two, get 10 EUR back"
{origins}
{photos}
{notify}

# The brand vouches for its shoppers (a JWT signed with the shopper key).
[campaigns.demo-signed]
provider = "easypromos"
title = "For signed-in members"
{origins}
{photos}
shopper_key = {shopper_key}
require_signed_user = true

# Signed shoppers where the brand has them, anonymous receipts otherwise; no
# clock difference forgiven.
[campaigns.demo-signed-optional]
provider = "easypromos"
title = "Members and guests"
{origins}
{photos}
shopper_key = {shopper_key}
shopper_leeway_s = 0

# Duplicates caught: the same QR refused, the same receipt sent to a person.
[campaigns.demo-apm-once]
provider = "apm"
title = "One receipt, once (APM)"
{origins}
photos = {{ min_count = 0, max_count = 5, max_bytes = 2097152 }}
duplicates = "reject"

[campaigns.demo-easypromos-once]
provider = "easypromos"
title = "One receipt, once"
{origins}
{photos}
duplicates = "review"

[campaigns.demo-easypromos-strict]
provider = "easypromos"
title = "One receipt, once, no appeal"
{origins}
{photos}
duplicates = "reject"

[campaigns.demo-aboutgoods]
provider = "aboutgoods"
title = "Achetez-en deux, 10 EUR rembourses"
reward = "10 EUR rembourses"
reward_when = "Par virement sous 5 jours ouvres"
locale = "fr"
{origins}
{photos}

[campaigns.demo-aboutgoods.translations.es]
title = "Compra dos y te devolvemos 10 EUR"
reward = "10 EUR de reembolso"
reward_when = "Por transferencia en 5 dias habiles"

[campaigns.demo-aboutgoods.translations.en]
title = "Buy two, get 10 EUR back"
reward = "10 EUR back"

[campaigns.demo-apm]
provider = "apm"
title = "Buy two, get 500 RUB back (APM)"
reward = "500 RUB back"
{origins}
photos = {{ min_count = 0, max_count = 5, max_bytes = 2097152 }}
qr_patterns = ["APM-RCPT-[0-9]{{4}}"]

[campaigns.demo-apm.translations.ru]
title = "Купите два — вернём 500 ₽ (APM)"
reward = "500 ₽ на карту"

[campaigns.demo-apm.translations.fr]
title = "Achetez-en deux, 500 RUB remboursés (APM)"
reward = "500 RUB remboursés"

[campaigns.demo-apm-callbacks]
provider = "apm-callbacks"
title = "Buy two, get 10 EUR back (APM, callbacks)"
{origins}
photos = {{ min_count = 0, max_count = 5, max_bytes = 2097152 }}

[campaigns.demo-photon-hooks]
provider = "photon-hooks"
title = "Buy two, get 10 EUR back (Photon, webhook)"
{origins}
{photos}

[campaigns.demo-bitlabs]
provider = "bitlabs"
title = "Magic Receipts: get cash back on your shopping"
review_days = 2
{origins}
photos = {{ min_count = 1, max_count = 5, max_bytes = 2097152 }}
{notify}

# BitLabs judges offers and reads no receipt: a likeness there has nothing
# to compare, and this campaign holds it for a person.
[campaigns.demo-bitlabs-once]
provider = "bitlabs"
title = "Magic Receipts, one receipt once"
{origins}
photos = {{ min_count = 1, max_count = 5, max_bytes = 2097152 }}
duplicates = "review"

[campaigns.demo-photon]
provider = "photon"
title = "Buy two, get 10 EUR back (Photon)"
{origins}
photos = {{ max_count = 3, max_bytes = 2097152, long_side = 1600, quality = 70 }}
"#,
        lease_ms = options.lease.as_millis(),
        concurrency = options.concurrency,
        max_in_flight = max_in_flight(&options.max_in_flight),
        limits = options.limits,
        aboutgoods_url = sandbox.url("aboutgoods"),
        aboutgoods_client = aboutgoods.client_id,
        aboutgoods_secret = secret(
            "aboutgoods.client_secret",
            options
                .aboutgoods_secret
                .as_ref()
                .unwrap_or(&aboutgoods.client_secret)
        ),
        aboutgoods_campaign = aboutgoods.campaign_uid,
        apm_url = sandbox.url("apm"),
        bitlabs_url = sandbox.url("bitlabs"),
        bitlabs_token = secret("bitlabs.token", &sandbox.config.bitlabs_token),
        apm_key = secret("apm.api_key", &sandbox.config.apm_api_key),
        apm_callback_key = secret("apm.callback_key", apm_callback_key),
        photon_webhook_key = secret("photon.webhook_key", photon_webhook_key),
    )
}

/// One account of every provider kind as configuration, each at
/// `{base}/{kind}` and named after its kind, every secret read from the file
/// `secret`: for tests that drive the adapters against a server of their own.
pub fn every_provider_account(base: &str, secret: &str) -> String {
    format!(
        r#"
        [providers.easypromos]
        kind = "easypromos"
        base_url = "{base}/easypromos"
        token = {{ file = {secret:?} }}
        [providers.aboutgoods]
        kind = "aboutgoods"
        base_url = "{base}/aboutgoods"
        token_url = "{base}/aboutgoods/oauth2/token"
        client_id = "test-client"
        client_secret = {{ file = {secret:?} }}
        campaign_uid = "c"
        [providers.apm]
        kind = "apm"
        base_url = "{base}/apm"
        api_key = {{ file = {secret:?} }}
        [providers.photon]
        kind = "photon"
        base_url = "{base}/photon"
        client_id = {{ file = {secret:?} }}
        username = "test-user"
        api_key = {{ file = {secret:?} }}
        password = {{ file = {secret:?} }}
        secret_key = {{ file = {secret:?} }}
        [providers.bitlabs]
        kind = "bitlabs"
        base_url = "{base}/bitlabs"
        token = {{ file = {secret:?} }}
        [campaigns.c]
        provider = "easypromos"
        title = "c"
        "#
    )
}

/// The operator API's bearer token of a test app (derived from its folder, so a
/// restart keeps it).
pub fn operator_key(dir: &tempfile::TempDir) -> String {
    let name = dir
        .path()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    format!("op_sandbox_{}", name.unwrap_or_default())
}

/// The key the test brand signs its shoppers' tokens with (campaign
/// `demo-signed`), derived from the app's folder.
pub fn shopper_key(dir: &tempfile::TempDir) -> String {
    let name = dir
        .path()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    format!("shopper_key_sandbox_{}", name.unwrap_or_default())
}

/// A shopper token as a brand's backend makes one (README): a JWT, HS256,
/// with `sub` the shopper, `aud` the campaign and `exp` `valid_for` seconds
/// from now (negative: already expired), signed with `key`.
pub fn shopper_token(key: &str, user: &str, campaign: &str, valid_for: i64) -> String {
    let exp = unix_now() + valid_for;
    signed_token(
        key,
        &serde_json::json!({"sub": user, "aud": campaign, "exp": exp}),
    )
}

/// Seconds since the Unix epoch, by the system's clock (a brand's backend's).
pub fn unix_now() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs();
    i64::try_from(now).expect("seconds")
}

/// A JWT with these claims, signed HS256 with `key`.
pub fn signed_token(key: &str, claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(key.as_bytes()),
    )
    .expect("sign a shopper token")
}

/// The Standard Webhooks secret a test app signs its notifications with: one
/// per app, derived from its folder's name so a restart keeps it.
pub fn notify_secret(dir: &tempfile::TempDir) -> String {
    use base64::Engine as _;
    let seed = dir.path().display().to_string();
    let key: Vec<u8> = seed.bytes().cycle().skip(3).take(32).collect();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
}

/// `[worker.max_in_flight]` with these accounts' limits (nothing without any).
fn max_in_flight(limits: &[(&str, u32)]) -> String {
    if limits.is_empty() {
        return String::new();
    }
    let entries: Vec<String> = limits.iter().map(|(a, n)| format!("{a} = {n}")).collect();
    format!("max_in_flight = {{ {} }}", entries.join(", "))
}

impl TestApp {
    /// Steps the test's worker once (with `stepped_worker`): everything due now
    /// is taken (within the limits) and processed; answers how many submissions
    /// were taken.
    pub async fn step_worker(&self) -> usize {
        self.worker.run_once().await
    }

    /// Sends the brand's notifications that are due (with `stepped_worker`);
    /// answers how many were taken.
    pub async fn step_notifier(&self) -> usize {
        self.notifier.run_once().await
    }

    /// `method path` on the operator API, with the operator key.
    pub fn operator(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(operator_key(&self.dir))
    }

    /// `GET path` on the operator API, as JSON.
    pub async fn operator_json(&self, path: &str) -> serde_json::Value {
        let response = self
            .operator(reqwest::Method::GET, path)
            .send()
            .await
            .expect("GET");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.expect("JSON")
    }

    /// Every secret the test proxy holds (provider credentials and the keys
    /// callbacks carry), read from the files its configuration references, so
    /// that a provider added to the harness is covered without another list.
    pub fn secrets(&self) -> Vec<String> {
        let files = std::fs::read_dir(self.dir.path().join(SECRETS)).expect("secrets folder");
        let secrets: Vec<String> = files
            .map(|file| std::fs::read_to_string(file.expect("secret file").path()).expect("read"))
            .collect();
        assert!(secrets.len() >= 8, "too few secrets: {}", secrets.len());
        secrets
    }

    /// The proxy's `/metrics` page, read with the operator key.
    pub async fn metrics(&self) -> String {
        let response = self
            .operator(reqwest::Method::GET, "/metrics")
            .send()
            .await
            .expect("GET /metrics");
        assert_eq!(response.status(), 200);
        response.text().await.expect("the metrics page")
    }

    /// The proxy's URL for `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Posts a submission with these photos to a campaign.
    pub async fn submit(
        &self,
        campaign: &str,
        photos: &[Vec<u8>],
        idempotency_key: Option<&str>,
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new();
        for (i, photo) in photos.iter().enumerate() {
            form = form.part(
                api::field::PHOTO,
                reqwest::multipart::Part::bytes(photo.clone())
                    .file_name(format!("receipt-{i}.jpg")),
            );
        }
        let mut request = self
            .http
            .post(self.url(&format!("/v1/campaigns/{campaign}/submissions")))
            .multipart(form);
        if let Some(key) = idempotency_key {
            request = request.header(api::IDEMPOTENCY_KEY_HEADER, key);
        }
        request.send().await.expect("POST submission")
    }

    /// Posts photos and a QR code (`qr` field) and returns the new submission's id.
    pub async fn submit_qr(&self, campaign: &str, photos: &[Vec<u8>], qr: &str) -> String {
        let form = reqwest::multipart::Form::new().text(api::field::QR, qr.to_owned());
        self.submit_form(campaign, photos, form).await
    }

    /// Posts photos and, where given, a QR code as shopper `user`; returns
    /// the new submission's id.
    pub async fn submit_as(
        &self,
        campaign: &str,
        user: &str,
        photos: &[Vec<u8>],
        qr: Option<&str>,
    ) -> String {
        let mut form = reqwest::multipart::Form::new().text(api::field::USER, user.to_owned());
        if let Some(qr) = qr {
            form = form.text(api::field::QR, qr.to_owned());
        }
        self.submit_form(campaign, photos, form).await
    }

    /// Posts photos with the offers claimed at a merchant and returns the new
    /// submission's id.
    pub async fn submit_offers(
        &self,
        campaign: &str,
        photos: &[Vec<u8>],
        merchant: &str,
        offers: &[(&str, u32)],
    ) -> String {
        let offers: Vec<api::ClaimedOffer> = offers
            .iter()
            .map(|(id, quantity)| api::ClaimedOffer {
                offer_id: (*id).to_owned(),
                quantity: *quantity,
            })
            .collect();
        let form = reqwest::multipart::Form::new()
            .text(api::field::MERCHANT, merchant.to_owned())
            .text(
                api::field::OFFERS,
                serde_json::to_string(&offers).expect("offers JSON"),
            );
        self.submit_form(campaign, photos, form).await
    }

    /// Posts `form` plus these photos; expects 202 and returns the id.
    async fn submit_form(
        &self,
        campaign: &str,
        photos: &[Vec<u8>],
        form: reqwest::multipart::Form,
    ) -> String {
        let form = photos.iter().fold(form, |form, photo| {
            form.part(
                api::field::PHOTO,
                reqwest::multipart::Part::bytes(photo.clone()).file_name("receipt.jpg"),
            )
        });
        let response = self
            .http
            .post(self.url(&format!("/v1/campaigns/{campaign}/submissions")))
            .multipart(form)
            .send()
            .await
            .expect("POST submission");
        assert_eq!(response.status(), 202, "{:?}", response.text().await);
        let created: api::SubmissionCreated = response.json().await.expect("202 body");
        created.id
    }

    /// Posts one photo and returns the new submission's id.
    pub async fn submit_photo(&self, campaign: &str, photo: Vec<u8>) -> String {
        let response = self.submit(campaign, &[photo], None).await;
        assert_eq!(response.status(), 202, "{:?}", response.text().await);
        let created: api::SubmissionCreated = response.json().await.expect("202 body");
        created.id
    }

    pub async fn get_submission(&self, id: &str) -> Submission {
        let response = self
            .http
            .get(self.url(&format!("/v1/submissions/{id}")))
            .send()
            .await
            .expect("GET submission");
        assert_eq!(response.status(), 200);
        response.json().await.expect("submission body")
    }

    /// Polls the submission until `done` holds, as the widget does (bounded, so a
    /// regression fails instead of hanging).
    pub async fn wait_for(&self, id: &str, done: impl Fn(&Submission) -> bool) -> Submission {
        let mut last = None;
        for _ in 0..300 {
            let submission = self.get_submission(id).await;
            if done(&submission) {
                return submission;
            }
            last = Some(submission);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("submission never reached the expected state; last seen: {last:?}");
    }

    /// Waits (bounded) until the worker has failed on the submission `failures`
    /// times in a row, and returns its row; panics if it never does.
    pub async fn wait_for_failures(&self, id: &str, failures: u32) -> proxy::store::SubmissionRow {
        for _ in 0..400 {
            let row = self
                .state
                .db
                .get(id)
                .await
                .expect("read submission")
                .expect("submission exists");
            if row.attempts >= failures {
                return row;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the worker did not fail {failures} time(s) on {id}");
    }

    /// Waits (bounded) until the provider has acknowledged the submission, and
    /// returns the provider's reference for it.
    pub async fn provider_ref(&self, id: &str) -> String {
        // Read from the row, not the status: a fast provider may already have
        // decided by the time this looks.
        for _ in 0..400 {
            let row = self.state.db.get(id).await.expect("read submission");
            if let Some(reference) = row.and_then(|row| row.provider_ref) {
                return reference;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the provider never acknowledged {id}");
    }

    /// Waits for a final status.
    pub async fn wait_final(&self, id: &str) -> Submission {
        self.wait_for(id, |s| s.status.is_final()).await
    }

    /// Stops the proxy gracefully, as SIGTERM would; the sandbox and the database
    /// stay, so [`TestApp::restart`] can start a new proxy on them.
    pub async fn stop(&mut self) {
        self.stop.cancel();
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server result");
        }
    }

    /// Starts a fresh proxy process state (new pool, new worker) on the same
    /// database and sandbox, as after a restart.
    pub async fn restart(self) -> Self {
        self.restart_with(|_| {}).await
    }

    /// Stops the proxy and starts it again on the same database and sandbox,
    /// with its options changed by `change` (an operator fixing a secret, say).
    pub async fn restart_with(mut self, change: impl FnOnce(&mut Options)) -> Self {
        self.stop().await;
        change(&mut self.options);
        let Self {
            sandbox,
            dir,
            database,
            clock,
            options,
            ..
        } = self;
        start_proxy(sandbox, dir, database, clock, options).await
    }
}
