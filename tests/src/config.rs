//! The configuration a test proxy runs with (the real TOML path, every secret
//! in a file of its own, as an operator keeps them), and the keys a test
//! brand signs its shoppers and receives its notifications with.

use sandbox::RunningSandbox;

use crate::app::Options;
use crate::{widget_dir, workspace_root};

/// The folder of a test app's directory that holds its secret files.
pub(crate) const SECRETS: &str = "secrets";

/// The configuration a test proxy runs with: the real TOML path, with every
/// secret referenced from a file, as an operator would.
pub(crate) fn config_text(
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
    let console_path = options
        .console_path
        .as_ref()
        .map_or_else(String::new, |path| format!("[console]\npath = {path:?}\n"));
    let console_oidc = if options.console_oidc {
        format!(
            "[console.oidc]\nissuer = \"{}\"\nclient_id = \"{}\"\nclient_secret = {}\nname = \"Sandbox ID\"\n",
            sandbox.url("oidc"),
            sandbox.config.oidc.client_id,
            secret("oidc.client_secret", &sandbox.config.oidc.client_secret),
        )
    } else {
        String::new()
    };
    let console = format!("{console_path}{console_oidc}");
    format!(
        r#"
database_url = "{database}"
public_url = "{address}"
operator_key = {operator_key}
{site}
{console}
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

# The same QR code held for a person, who may send it on.
[campaigns.demo-apm-review]
provider = "apm"
title = "One receipt, once, a person decides (APM)"
{origins}
photos = {{ min_count = 0, max_count = 5, max_bytes = 2097152 }}
duplicates = "review"

# The same QR code held for a person, whose word is enough.
[campaigns.demo-apm-trusted]
provider = "apm"
title = "One receipt, once, a person's word is final (APM)"
{origins}
photos = {{ min_count = 0, max_count = 5, max_bytes = 2097152 }}
duplicates = "review"
not_duplicate = "accept"

[campaigns.demo-easypromos-once]
provider = "easypromos"
title = "One receipt, once"
{origins}
{photos}
duplicates = "review"
{notify}

# The brand's own reasons to reject, in the shopper's language.
[[campaigns.demo-easypromos-once.reject_reasons]]
id = "duplicate"
code = "duplicate"
label = "Paid out already"
words = {{ en = "This receipt was paid out already.", es = "Este ticket ya se pagó en esta promoción." }}

[[campaigns.demo-easypromos-once.reject_reasons]]
id = "store"
code = "store_mismatch"
label = "Not a participating store"
words = {{ en = "This store does not take part in the promotion.", es = "Esta tienda no participa en la promoción.", fr = "Ce magasin ne participe pas à l'offre." }}

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

# E-receipts: PDFs of at most two pages, the same one refused.
[campaigns.demo-aboutgoods-once]
provider = "aboutgoods"
title = "One e-receipt, once"
{origins}
photos = {{ max_count = 1, max_bytes = 2097152, max_pdf_pages = 2 }}
duplicates = "reject"

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
