//! Loopback simulators of the receipt providers' APIs.
//!
//! Each provider lives under its own path prefix of one server (Easypromos under
//! `/easypromos`), so a proxy's `base_url` for it is `http://ADDR/easypromos`. The
//! simulators are strict on purpose: wrong auth gets the provider's 401, a missing
//! field its 400, and the bodies are the documented ones. They power the demo and
//! every test; nothing about them is known to the proxy or the widget. Beside
//! them, [`oidc`] is a brand's OpenID Connect identity provider, for the
//! review console's sign-in.
//!
//! Which verdict a receipt gets is steered by the image itself (see [`verdict`]),
//! so a browser test picks a verdict by picking a fixture photo.

pub mod aboutgoods;
pub mod apm;
pub mod bitlabs;
pub mod e_receipt;
pub mod easypromos;
pub mod oidc;
pub mod photon;
pub mod sample;
pub mod verdict;
mod webhook;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

/// How the simulated providers behave.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// How long an asynchronous provider takes to finish a receipt.
    pub processing_delay: Duration,
    /// How long every request takes to be answered, as a slow provider's API
    /// does (`SANDBOX_LATENCY_MS`).
    pub latency: Duration,
    pub easypromos: easypromos::Settings,
    pub aboutgoods: aboutgoods::Settings,
    /// The `api-key` APM accepts.
    pub apm_api_key: String,
    /// The bearer token BitLabs accepts.
    pub bitlabs_token: String,
    pub photon: photon::Credentials,
    /// The review console's client at the brand's identity provider.
    pub oidc: oidc::Settings,
}

impl SandboxConfig {
    /// A configuration with freshly generated credentials, so that no secret is
    /// ever fixed in the repository.
    pub fn generated() -> Self {
        Self {
            processing_delay: Duration::from_millis(1500),
            latency: Duration::ZERO,
            easypromos: easypromos::Settings {
                token: random_token("ep"),
                credits: 1000,
            },
            aboutgoods: aboutgoods::Settings {
                client_id: "sandbox-client".to_owned(),
                client_secret: random_token("ag_secret"),
                token_ttl: Duration::from_secs(3600),
                campaign_uid: "fc928982-3acc-4aea-bca3-e50d22e0b6ca".to_owned(),
                endpoint_uid: "3b1f3a5e-0c1d-4a53-9d55-8a3c2f0e4b71".to_owned(),
            },
            apm_api_key: random_token("apm"),
            bitlabs_token: random_token("bl"),
            photon: photon::Credentials {
                client_id: random_token("pc_client"),
                username: "sandbox-user".to_owned(),
                api_key: random_token("pc_key"),
                password: random_token("pc_password"),
                secret_key: random_token("pc_secret"),
            },
            oidc: oidc::Settings {
                client_id: "receipt-relay-console".to_owned(),
                client_secret: random_token("oidc_secret"),
            },
        }
    }
}

/// A random token of the shape providers hand out.
pub fn random_token(prefix: &str) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let hex: String = (0..32)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
        .collect();
    format!("{prefix}_sandbox_{hex}")
}

/// A random UUID v4 in text form.
pub fn random_uuid() -> String {
    use rand::Rng;
    let b: [u8; 16] = rand::rng().random();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_be_bytes([b[4], b[5]]),
        u16::from_be_bytes([b[6], b[7]]) & 0x0fff,
        (u16::from_be_bytes([b[8], b[9]]) & 0x3fff) | 0x8000,
        u64::from_be_bytes([0, 0, b[10], b[11], b[12], b[13], b[14], b[15]]),
    )
}

/// Switches a test can flip while the sandbox runs.
#[derive(Debug, Default)]
pub struct Controls {
    outage: AtomicBool,
    /// Aboutgoods tokens issued before the current epoch are refused.
    pub(crate) aboutgoods_epoch: AtomicU64,
    pub(crate) aboutgoods_quota_exceeded: AtomicBool,
    pub(crate) bitlabs_busy: AtomicBool,
    garbled: AtomicBool,
    /// Photon's webhook as registered in its dashboard: (URL, key).
    pub(crate) photon_webhook: std::sync::Mutex<Option<(String, String)>>,
    /// Requests answered so far, by `METHOD /path`.
    requests: std::sync::Mutex<std::collections::HashMap<String, u64>>,
    /// While `Some`, callbacks wait here for the test to send them.
    held: std::sync::Mutex<Option<Vec<webhook::Callback>>>,
    /// While `true`, requests are taken but not answered.
    answers_held: tokio::sync::watch::Sender<bool>,
    /// Bumped on every request, for [`Controls::until_requests`].
    arrivals: tokio::sync::watch::Sender<u64>,
}

impl Controls {
    /// How many `method` requests to `path` (e.g. `/easypromos/v2/ocr/tickets`)
    /// the sandbox has had: what a provider would count, say uploads.
    pub fn requests(&self, method: &str, path: &str) -> u64 {
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&format!("{method} {path}"))
            .copied()
            .unwrap_or(0)
    }

    /// Waits until the sandbox has had `n` `method` requests to `path`: a test
    /// knows a call is in flight without polling for it.
    pub async fn until_requests(&self, method: &str, path: &str, n: u64) {
        let mut arrivals = self.arrivals.subscribe();
        // Only fails if the sender is gone, and `self` holds it.
        let _ = arrivals
            .wait_for(|_| self.requests(method, path) >= n)
            .await;
    }

    /// While on, every provider takes requests but answers none of them, as
    /// a slow provider would: a test holds a call in flight as long as it
    /// needs, then lets it answer with [`Controls::release_answers`].
    pub fn hold_answers(&self) {
        self.answers_held.send_replace(true);
    }

    /// Lets every held request, and every later one, be answered.
    pub fn release_answers(&self) {
        self.answers_held.send_replace(false);
    }

    /// While on, every provider answers `503 Service Unavailable`.
    pub fn set_outage(&self, on: bool) {
        self.outage.store(on, Ordering::SeqCst);
    }

    /// Revokes every Aboutgoods access token handed out so far: the next call
    /// with one gets 401, as after a key rotation.
    pub fn revoke_aboutgoods_tokens(&self) {
        self.aboutgoods_epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// Registers Photon's webhook, as an operator does in Photon's dashboard:
    /// results of documents uploaded from now on are posted to `url` with `key`
    /// in the `X-Webhook-Key` header.
    pub fn set_photon_webhook(&self, url: &str, key: &str) {
        *self
            .photon_webhook
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((url.to_owned(), key.to_owned()));
    }

    /// While on, every provider does what it is asked, but its answer is cut
    /// off on the way: a 200 whose JSON ends half way (a proxy or a network
    /// that dropped the connection mid-answer).
    pub fn set_garbled_answers(&self, on: bool) {
        self.garbled.store(on, Ordering::SeqCst);
    }

    /// While on, BitLabs answers uploads with 409: an upload is in progress.
    pub fn set_bitlabs_busy(&self, on: bool) {
        self.bitlabs_busy.store(on, Ordering::SeqCst);
    }

    /// From now on, the providers' callbacks wait for
    /// [`Controls::send_held_callbacks`] instead of going out by themselves
    /// after the processing delay: a test steps them as it steps the worker.
    pub fn hold_callbacks(&self) {
        self.held_list().get_or_insert_with(Vec::new);
    }

    /// Sends every held callback once, in the order they were made, and
    /// answers the status each got (an unreachable receiver counts as 0).
    pub async fn send_held_callbacks(&self) -> Vec<u16> {
        let held = self.held_list().as_mut().map(std::mem::take);
        let client = reqwest::Client::new();
        let mut statuses = Vec::new();
        for callback in held.unwrap_or_default() {
            let status = webhook::send(&client, &callback).await;
            statuses.push(status.map_or(0, |r| r.status().as_u16()));
        }
        statuses
    }

    /// Keeps `callback` where callbacks are held; hands it back when they are
    /// not.
    fn hold(&self, callback: webhook::Callback) -> Option<webhook::Callback> {
        match self.held_list().as_mut() {
            Some(held) => {
                held.push(callback);
                None
            }
            None => Some(callback),
        }
    }

    fn held_list(&self) -> std::sync::MutexGuard<'_, Option<Vec<webhook::Callback>>> {
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// While on, Aboutgoods answers new documents with 402 (quota exceeded).
    pub fn set_aboutgoods_quota_exceeded(&self, on: bool) {
        self.aboutgoods_quota_exceeded.store(on, Ordering::SeqCst);
    }
}

/// A simulator's routes, served under the path prefix it is given.
type Simulator = fn(&str, &SandboxConfig, Arc<Controls>) -> Router;

/// Every simulated provider, by the `kind` a proxy account names it with; each
/// is served under `/{kind}` (what [`RunningSandbox::url`] gives).
const SIMULATORS: [(&str, Simulator); 5] = [
    ("easypromos", easypromos::router),
    ("aboutgoods", aboutgoods::router),
    ("apm", apm::router),
    ("photon", photon::router),
    ("bitlabs", bitlabs::router),
];

/// The provider kinds the sandbox simulates.
pub fn kinds() -> impl Iterator<Item = &'static str> {
    SIMULATORS.into_iter().map(|(kind, _)| kind)
}

/// The largest request body the simulators take: above the largest upload any
/// campaign allows (five photos of 10 MB), as the real providers take them.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The router of every simulated provider.
pub fn router(config: SandboxConfig, controls: Arc<Controls>) -> Router {
    let latency = config.latency;
    let identity = oidc::router("/oidc", config.oidc.clone());
    SIMULATORS
        .into_iter()
        .fold(identity, |router, (kind, simulator)| {
            router.merge(simulator(&format!("/{kind}"), &config, controls.clone()))
        })
        .layer(middleware::from_fn_with_state(
            (controls, latency),
            conditions,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// What every simulated provider suffers: its latency, an outage while one is
/// switched on, and answers cut off while that is.
async fn conditions(
    State((controls, latency)): State<(Arc<Controls>, Duration)>,
    request: Request,
    next: Next,
) -> Response {
    *controls
        .requests
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(format!("{} {}", request.method(), request.uri().path()))
        .or_default() += 1;
    controls.arrivals.send_modify(|n| *n += 1);
    // Only fails if the sender is gone, and `controls` holds it.
    let _ = controls
        .answers_held
        .subscribe()
        .wait_for(|held| !held)
        .await;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if controls.outage.load(Ordering::SeqCst) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "error", "message": "Service unavailable"})),
        )
            .into_response();
    }
    let response = next.run(request).await;
    if controls.garbled.load(Ordering::SeqCst) && response.status().is_success() {
        return (
            StatusCode::OK,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            r#"{"status": "ok", "data": {"confir"#,
        )
            .into_response();
    }
    response
}

/// A sandbox serving on a loopback port in the background.
#[derive(Debug)]
pub struct RunningSandbox {
    pub addr: SocketAddr,
    pub config: SandboxConfig,
    pub controls: Arc<Controls>,
}

impl RunningSandbox {
    /// Base URL of one provider's simulator, e.g. `url("easypromos")`.
    pub fn url(&self, provider: &str) -> String {
        format!("http://{}/{provider}", self.addr)
    }
}

/// Serves the sandbox on `listener` in a background task.
pub fn spawn(listener: TcpListener, config: SandboxConfig) -> std::io::Result<RunningSandbox> {
    let addr = listener.local_addr()?;
    let controls = Arc::new(Controls::default());
    let app = router(config.clone(), controls.clone());
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "sandbox server stopped");
        }
    });
    Ok(RunningSandbox {
        addr,
        config,
        controls,
    })
}

/// Now, as RFC 3339 in UTC, the way the providers' documents write times.
pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
