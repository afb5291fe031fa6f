//! A test app: a real proxy serving on loopback in front of a real sandbox,
//! with its database (a SQLite file, or a PostgreSQL database of its own), and
//! how it is set up, stopped and restarted.

use std::sync::Arc;
use std::time::Duration;

use proxy::AppState;
use proxy::clock::Clock;
use proxy::config::Config;
use proxy::notify::Notifier;
use proxy::worker::Worker;
use sandbox::{RunningSandbox, SandboxConfig};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::config_text;

/// The campaigns every test proxy serves, one per provider.
pub const CAMPAIGNS: [&str; 3] = ["demo-easypromos", "demo-aboutgoods", "demo-photon"];

/// How a test app is set up.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the Easypromos adapter sends requests; `None`: the sandbox.
    pub easypromos_url: Option<String>,
    /// How long the simulated provider takes (real time: a stepped test
    /// keeps it at zero and holds a submission back by not stepping).
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
    /// The proxy runs its background worker, notifier and retention sweep on
    /// the system's clock, and the providers call back by themselves, as in
    /// production: for a browser, which waits in real time. Without it (the
    /// default) the test moves things along (`crate::drive`).
    pub background_worker: bool,
    /// The `[limits]` table's lines; the default lets a test send as much as
    /// it likes from one address.
    pub limits: String,
    /// Serve `/metrics` on an address of its own ([`TestApp::metrics_url`]).
    pub metrics_listen: bool,
    /// The console signs people in through the sandbox's identity provider
    /// (`[console.oidc]`).
    pub console_oidc: bool,
    /// `[console] path`; `None`: the default, `/operator`.
    pub console_path: Option<String>,
}

/// `[limits]` of a test proxy unless a test says otherwise: rates no test
/// reaches, the other limits as shipped.
pub const GENEROUS_LIMITS: &str = "per_client = { per_minute = 1000000, burst = 100000 }\n\
                                   per_campaign = { per_minute = 1000000, burst = 100000 }";

impl Options {
    /// A proxy serving the widget and the demo page, with its background
    /// worker and a provider that takes 300 ms, as a shopper's browser meets
    /// it.
    pub fn live() -> Self {
        Self {
            with_widget: true,
            background_worker: true,
            processing_delay: Duration::from_millis(300),
            ..Self::default()
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            easypromos_url: None,
            processing_delay: Duration::ZERO,
            with_widget: false,
            allowed_origin: None,
            easypromos_token: None,
            webhooks: false,
            sandbox_credits: 1000,
            min_credits: 0,
            aboutgoods_secret: None,
            lease: Duration::from_secs(5),
            max_in_flight: Vec::new(),
            concurrency: 32,
            notify_url: None,
            notify_timeout: None,
            background_worker: false,
            limits: GENEROUS_LIMITS.to_owned(),
            metrics_listen: false,
            console_oidc: false,
            console_path: None,
        }
    }
}

/// A proxy serving on loopback, its sandbox, and its database folder.
#[derive(Debug)]
pub struct TestApp {
    pub address: String,
    pub sandbox: RunningSandbox,
    pub state: AppState,
    /// The worker a test steps (without `background_worker`); a second one
    /// on the same state is a second instance.
    pub worker: Arc<Worker>,
    /// The brand notifier a test steps (without `background_worker`).
    pub notifier: Arc<Notifier>,
    /// The proxy's time; a manual clock without `background_worker`.
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
        config.easypromos.credits = options.sandbox_credits;
        config
    })
    .expect("start sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let database = database_url(&dir).await;
    let clock = if options.background_worker {
        Clock::System
    } else {
        Clock::manual()
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
    let server = if options.background_worker {
        tokio::spawn(proxy::serve(listener, state.clone(), shutdown))
    } else {
        sandbox.controls.hold_callbacks();
        tokio::spawn(proxy::serve_api(listener, state.clone(), shutdown))
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

impl TestApp {
    /// How the app was set up.
    pub fn options(&self) -> &Options {
        &self.options
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
