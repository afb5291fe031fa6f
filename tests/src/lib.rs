//! Helpers for the workspace integration tests: a real proxy serving on loopback
//! in front of a real sandbox ([`spawn_app`]), fixture photos, a Chromium driven
//! through WebDriver ([`browser`]), and a recording forwarder ([`tee`]) that keeps
//! every byte the browser receives.
//!
//! - [`app`]: a test app and how it is set up ([`Options`]), started, stopped
//!   and restarted.
//! - [`drive`]: moving its time and work along: a test app runs no background
//!   worker unless asked, so a test steps the worker, the notifier and the
//!   provider's callbacks, or drains them all ([`TestApp::drain`]).
//! - [`client`]: what a shopper's page and the brand's systems send it.
//! - [`config`]: the configuration a test proxy runs with, and the keys a
//!   brand signs with.
//! - [`modules`]: which module of a crate names which, read from its sources
//!   (for the layer and import-circle checks).

pub mod app;
pub mod browser;
pub mod client;
pub mod config;
pub mod drive;
pub mod fixtures;
pub mod logs;
pub mod modules;
pub mod tee;

use std::path::{Path, PathBuf};

use api::Submission;

pub use app::{
    CAMPAIGNS, GENEROUS_LIMITS, Options, POSTGRES_ENV, TestApp, database_url, serve_on_loopback,
    spawn_app, spawn_app_scripting_easypromos, spawn_app_with,
};
pub use config::{
    every_provider_account, notify_secret, operator_key, shopper_key, shopper_token, signed_token,
    unix_now,
};

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
