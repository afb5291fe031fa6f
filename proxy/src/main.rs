//! `proxy`: reads the configuration and serves. All logic lives in the library.
//!
//! Usage: `proxy [--config receipt-relay.toml]` (or `RECEIPT_RELAY_CONFIG`);
//! `proxy operator add --email ana@brand.example --role reviewer|admin
//! [--config ...]` adds a console account and prints the one-time link with
//! which its owner sets a password; `proxy operator link --email ...` prints
//! a new one for an existing account (a forgotten password).

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

/// The value after `flag` on the command line.
fn argument(flag: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != flag).nth(1)
}

async fn run() -> anyhow::Result<()> {
    let path: PathBuf = argument("--config")
        .or_else(|| std::env::var("RECEIPT_RELAY_CONFIG").ok())
        .unwrap_or_else(|| "receipt-relay.toml".to_owned())
        .into();
    let config = proxy::config::Config::load(&path)
        .with_context(|| format!("loading {}", path.display()))?;
    let command: Vec<String> = std::env::args().skip(1).take(2).collect();
    if command.first().is_some_and(|c| c == "operator") {
        return operator(&command, config).await;
    }
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

/// `proxy operator add --email E --role R`: a console account, and the
/// link to set its password, printed.
async fn operator(command: &[String], config: proxy::config::Config) -> anyhow::Result<()> {
    const USAGE: &str = "usage: proxy operator add --email ana@brand.example --role reviewer|admin [--config receipt-relay.toml]\n       proxy operator link --email ana@brand.example [--config receipt-relay.toml]";
    let email = argument("--email").context(USAGE)?;
    let db = proxy::store::Db::connect(&config.database_url, proxy::clock::Clock::System)
        .await
        .context("opening the database")?;
    let public_url = config.public_url.as_deref();
    let invited = match command.get(1).map(String::as_str) {
        Some("add") => {
            let role = argument("--role")
                .as_deref()
                .and_then(proxy::console::Role::parse)
                .context(USAGE)?;
            let invite = proxy::console::invite(&db, &email, role, public_url);
            proxy::console::serving(&config, invite).await?
        }
        Some("link") => {
            let link = proxy::console::password_link(&db, &email, public_url);
            proxy::console::serving(&config, link).await?
        }
        _ => anyhow::bail!(USAGE),
    };
    if config.public_url.is_none() {
        eprintln!("no public_url in the configuration: the link is a path on the proxy's address");
    }
    println!(
        "{} ({}) sets a password at (good for 3 days, once):\n{}",
        invited.email,
        invited.role.as_str(),
        invited.link
    );
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
