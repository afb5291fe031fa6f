//! `sandbox`: serves the provider simulators on loopback for the demo.
//!
//! Tokens come from the environment (`SANDBOX_EASYPROMOS_TOKEN`), or are generated
//! when unset; they are never printed.

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
    if let Ok(token) = std::env::var("SANDBOX_EASYPROMOS_TOKEN") {
        config.easypromos_token = token;
    }
    if let Some(ms) = std::env::var("SANDBOX_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.processing_delay = Duration::from_millis(ms);
    }
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let controls = std::sync::Arc::default();
    tracing::info!(addr = %listener.local_addr()?, "sandbox listening");
    axum::serve(listener, sandbox::router(config, controls)).await?;
    Ok(())
}
