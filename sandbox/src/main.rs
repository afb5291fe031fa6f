//! `sandbox`: serves the provider simulators on loopback for the demo.
//!
//! Credentials come from the environment (`SANDBOX_EASYPROMOS_TOKEN`,
//! `SANDBOX_ABOUTGOODS_CLIENT_SECRET`, `SANDBOX_PHOTON_CLIENT_ID`, ...), or are
//! generated when unset; they are never printed. `SANDBOX_DELAY_MS` is how long
//! an asynchronous provider takes to read a receipt, `SANDBOX_LATENCY_MS` how long
//! every request takes to be answered (a slow provider).

use std::time::Duration;

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let addr = std::env::args()
        .skip_while(|a| a != "--addr")
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".to_owned());
    let mut config = sandbox::SandboxConfig::generated();
    for (name, slot) in [
        ("SANDBOX_EASYPROMOS_TOKEN", &mut config.easypromos.token),
        (
            "SANDBOX_ABOUTGOODS_CLIENT_ID",
            &mut config.aboutgoods.client_id,
        ),
        (
            "SANDBOX_ABOUTGOODS_CLIENT_SECRET",
            &mut config.aboutgoods.client_secret,
        ),
        ("SANDBOX_APM_API_KEY", &mut config.apm_api_key),
        ("SANDBOX_BITLABS_TOKEN", &mut config.bitlabs_token),
        ("SANDBOX_PHOTON_CLIENT_ID", &mut config.photon.client_id),
        ("SANDBOX_PHOTON_USERNAME", &mut config.photon.username),
        ("SANDBOX_PHOTON_API_KEY", &mut config.photon.api_key),
        ("SANDBOX_PHOTON_PASSWORD", &mut config.photon.password),
        ("SANDBOX_PHOTON_SECRET_KEY", &mut config.photon.secret_key),
    ] {
        if let Ok(value) = std::env::var(name) {
            *slot = value;
        }
    }
    let millis = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .map(Duration::from_millis)
    };
    if let Some(delay) = millis("SANDBOX_DELAY_MS") {
        config.processing_delay = delay;
    }
    if let Some(latency) = millis("SANDBOX_LATENCY_MS") {
        config.latency = latency;
    }
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let controls = std::sync::Arc::default();
    tracing::info!(addr = %listener.local_addr()?, "sandbox listening");
    axum::serve(listener, sandbox::router(config, controls)).await?;
    Ok(())
}
