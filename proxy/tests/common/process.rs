//! A proxy process, as deployed: the built binary with a configuration file,
//! on a free loopback port; killed when dropped. The two-instance test and the
//! burst benchmark start them, on a database [`database_url`] makes.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running proxy process.
pub struct Instance {
    pub child: Child,
    pub url: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Instance {
    /// Starts the proxy with `config` and waits until it is ready.
    pub async fn start(config: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_proxy"))
            .arg("--config")
            .arg(config)
            .env("RECEIPT_RELAY_LISTEN", format!("127.0.0.1:{port}"))
            // Every RECEIPT_RELAY_* variable is a configuration key to the proxy.
            .env_remove("RECEIPT_RELAY_TEST_POSTGRES")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start a proxy process");
        let instance = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let ready = reqwest::get(format!("{}/readyz", instance.url)).await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return instance;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the proxy at {} never became ready", instance.url);
    }

    /// Peak resident memory so far (`VmHWM`), in MB.
    #[allow(dead_code)]
    pub fn peak_rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

/// The rates a burst from one test address needs lifted (`[limits]` lines):
/// the shipped ones are made for a crowd of addresses.
#[allow(dead_code)]
pub const LIFTED_RATES: &str = "per_client = { per_minute = 1000000, burst = 100000 }\n\
                                per_campaign = { per_minute = 1000000, burst = 100000 }";

/// Writes the configuration of a proxy process into `dir`: on `database`,
/// one Easypromos account in front of `sandbox` (its token in a file beside),
/// and campaign `promo` with `campaign` lines; `tables` (`[worker]`,
/// `[limits]`...) come before. Answers the file's path.
#[allow(dead_code)]
pub fn write_config(
    dir: &Path,
    database: &str,
    sandbox: &sandbox::RunningSandbox,
    tables: &str,
    campaign: &str,
) -> std::path::PathBuf {
    let token = dir.join("token");
    std::fs::write(&token, &sandbox.config.easypromos.token).expect("write the token");
    let config = dir.join("relay.toml");
    let text = format!(
        "database_url = \"{database}\"\n{tables}\n\
         [providers.easypromos]\nkind = \"easypromos\"\nbase_url = \"{}\"\n\
         token = {{ file = {:?} }}\n\
         [campaigns.promo]\nprovider = \"easypromos\"\ntitle = \"Promo\"\n{campaign}\n",
        sandbox.url("easypromos"),
        token.display().to_string()
    );
    std::fs::write(&config, text).expect("write the configuration");
    config
}

/// A SQLite file in `dir`, or, where `postgres` names a server, a fresh
/// database on it named after `prefix`.
#[allow(dead_code)]
pub async fn database_url(dir: &Path, postgres: Option<&str>, prefix: &str) -> String {
    let Some(server) = postgres else {
        return format!("sqlite://{}", dir.join("relay.db").display());
    };
    let url = format!(
        "{}/{prefix}_{}",
        server.trim_end_matches('/'),
        sandbox::random_uuid().replace('-', "")
    );
    <sqlx::Postgres as sqlx::migrate::MigrateDatabase>::create_database(&url)
        .await
        .expect("create a database");
    url
}
