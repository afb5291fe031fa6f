//! `proxy`: reads the configuration and serves. All logic lives in the library.
//!
//! Usage: `proxy [--config receipt-relay.toml]` (or `RECEIPT_RELAY_CONFIG`).

use std::path::PathBuf;

use anyhow::Context;

/// Big blocks (upload buffers) go back to the system when freed. glibc's
/// malloc otherwise raises the size it maps blocks from to that of the
/// biggest block freed so far, so that after a burst of uploads, photo-sized
/// buffers are carved from its heaps, which keep their memory: 200 uploads of
/// 3.6 MB held 194 MB instead of 120 MB (`cargo xtask bench`, big uploads).
/// jemalloc (177 MB) and mimalloc (241 MB) did worse.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn return_big_blocks() {
    // SAFETY: mallopt only sets a tuning parameter of the allocator, with a
    // valid value; it is called first thing, before any other thread runs.
    let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024) };
    if set != 1 {
        eprintln!("warning: could not set malloc's mmap threshold");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_big_blocks() {}

fn main() -> anyhow::Result<()> {
    // Before the runtime starts its threads.
    return_big_blocks();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let path: PathBuf = std::env::args()
        .skip_while(|a| a != "--config")
        .nth(1)
        .or_else(|| std::env::var("RECEIPT_RELAY_CONFIG").ok())
        .unwrap_or_else(|| "receipt-relay.toml".to_owned())
        .into();
    let config = proxy::config::Config::load(&path)
        .with_context(|| format!("loading {}", path.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=info".into());
    let logs = proxy::logging::subscriber(config.log_format, filter, std::io::stdout);
    tracing::subscriber::set_global_default(logs).context("installing the logger")?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let state = proxy::AppState::new(config).await?;
    tracing::info!(addr = %listener.local_addr()?, "proxy listening");
    proxy::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("proxy stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM (what container runtimes send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
