//! `cargo xtask demo`: builds the widget, the proxy and the sandbox, starts the
//! sandbox on a free loopback port with a token generated for this run, starts
//! the proxy with `xtask/demo.toml` in front of it on a fresh database, and prints
//! the demo page's URL.
//! Ctrl-C stops both.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::util::{self, exec};
use crate::{setup, widget};

/// The demo's configuration.
const DEMO_CONFIG: &str = "xtask/demo.toml";

/// What the demo is made of, read from its configuration so that no list is
/// kept twice: its provider accounts (`[providers.NAME]`, each named after the
/// simulator it uses) and the variables its secrets reference
/// (`{ env = "NAME" }`), each of which gets a fresh value per run.
#[derive(Debug, Default, PartialEq)]
struct Demo<'a> {
    providers: Vec<&'a str>,
    secrets: Vec<&'a str>,
}

impl<'a> Demo<'a> {
    fn read(config: &'a str) -> Self {
        let mut demo = Self::default();
        for line in config.lines().map(str::trim) {
            if let Some(name) = line
                .strip_prefix("[providers.")
                .and_then(|rest| rest.strip_suffix(']'))
            {
                demo.providers.push(name);
            }
            if let Some((name, _)) = line
                .split_once("{ env = \"")
                .and_then(|(_, rest)| rest.split_once('"'))
            {
                demo.secrets.push(name);
            }
        }
        demo
    }
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let addr: SocketAddr = match args {
        [] => "127.0.0.1:8080".parse()?,
        [flag, value] if flag == "--addr" => value
            .parse()
            .with_context(|| format!("--addr {value}: expected HOST:PORT"))?,
        _ => bail!("usage: cargo xtask demo [--addr HOST:PORT]"),
    };
    let tools = setup::ensure_build()?;
    widget::build(&tools)?;
    exec(util::cargo().args(["build", "--package", "proxy", "--package", "sandbox"]))?;
    let root = util::root();
    let config = std::fs::read_to_string(root.join(DEMO_CONFIG))
        .with_context(|| format!("reading {DEMO_CONFIG}"))?;
    let demo = Demo::read(&config);
    let mut running = start(addr, &[])?;
    println!();
    println!("  receipt-relay demo: http://{addr}/");
    for provider in &demo.providers {
        println!("    {provider}: http://{addr}/?campaign=demo-{provider}");
    }
    if let Some(key) = &running.operator_key {
        println!(
            "  operator API: curl -H 'Authorization: Bearer {key}' http://{addr}/v1/operator/retention"
        );
    }
    println!(
        "  (sandbox providers on {}; Ctrl-C stops both)",
        running.sandbox_addr
    );
    println!();
    let status = running.proxy.0.wait()?;
    if !status.success() {
        bail!("the proxy stopped: {status}");
    }
    Ok(())
}

/// The demo's sandbox and proxy, running (both stopped when dropped).
pub struct Running {
    pub proxy: Guard,
    _sandbox: Guard,
    pub sandbox_addr: SocketAddr,
    /// The operator key made for this run (`DEMO_OPERATOR_KEY`).
    pub operator_key: Option<String>,
}

/// Starts the sandbox on a free port and the proxy (already built, in
/// `target/debug`) on `addr` with the demo's configuration, each
/// `RECEIPT_RELAY_*` override in `overrides` applied, on a fresh database.
pub fn start(addr: SocketAddr, overrides: &[(&str, &str)]) -> anyhow::Result<Running> {
    let root = util::root();
    let config = std::fs::read_to_string(root.join(DEMO_CONFIG))
        .with_context(|| format!("reading {DEMO_CONFIG}"))?;
    let demo = Demo::read(&config);
    // A fresh database each run: the sandbox forgets everything when it stops,
    // so submissions left by a last run would be followed against a provider
    // that never saw them, and a new shopper's receipt would wait behind them.
    let demo_dir = root.join("target/demo");
    if demo_dir.exists() {
        std::fs::remove_dir_all(&demo_dir).context("removing the last demo's database")?;
    }
    std::fs::create_dir_all(&demo_dir)?;
    // Fresh credentials for this run: the sandbox accepts them, the proxy holds
    // them (demo.toml references these variables).
    let mut credentials = vec![
        ("PHOTON_USERNAME", "demo-user".to_owned()),
        ("ABOUTGOODS_CLIENT_ID", "demo-client".to_owned()),
    ];
    for &name in &demo.secrets {
        credentials.push((name, random_token()?));
    }
    let sandbox_addr = free_port()?;
    let mut sandbox = Command::new(root.join("target/debug/sandbox"));
    sandbox.args(["--addr", &sandbox_addr.to_string()]);
    for (name, value) in &credentials {
        sandbox.env(format!("SANDBOX_{name}"), value);
    }
    let mut sandbox = Guard(sandbox.spawn().context("starting the sandbox")?);
    wait_healthy(sandbox_addr, "/easypromos/v2/ocr/credits", &mut sandbox.0)?;
    let mut proxy = Command::new(root.join("target/debug/proxy"));
    proxy
        .current_dir(&root)
        .args(["--config", DEMO_CONFIG])
        .env("RECEIPT_RELAY_LISTEN", addr.to_string());
    for provider in &demo.providers {
        proxy.env(
            format!(
                "RECEIPT_RELAY_PROVIDERS__{}__BASE_URL",
                provider.to_uppercase()
            ),
            format!("http://{sandbox_addr}/{provider}"),
        );
    }
    proxy.env(
        "RECEIPT_RELAY_PROVIDERS__ABOUTGOODS__TOKEN_URL",
        format!("http://{sandbox_addr}/aboutgoods/oauth2/token"),
    );
    for (name, value) in &credentials {
        proxy.env(name, value);
    }
    for (name, value) in overrides {
        proxy.env(name, value);
    }
    let mut proxy = Guard(proxy.spawn().context("starting the proxy")?);
    wait_healthy(addr, "/healthz", &mut proxy.0)?;
    let operator_key = credentials
        .iter()
        .find(|(name, _)| *name == "DEMO_OPERATOR_KEY")
        .map(|(_, value)| value.clone());
    Ok(Running {
        proxy,
        _sandbox: sandbox,
        sandbox_addr,
        operator_key,
    })
}

/// Kills the child when dropped, so no server outlives the demo.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> anyhow::Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Waits until `addr` answers `path` with any HTTP status, or the child dies.
fn wait_healthy(addr: SocketAddr, path: &str, child: &mut Child) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            bail!("server exited before it was ready: {status}");
        }
        if let Ok(mut stream) = TcpStream::connect(addr) {
            let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n");
            let mut head = [0u8; 12];
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read_exact(&mut head).is_ok()
                && head.starts_with(b"HTTP/1.")
            {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("{addr} did not answer within 30 s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_config_names_its_accounts_and_secret_variables() {
        let config = "[providers.ep]\nkind = \"easypromos\"\ntoken = { env = \"EP_TOKEN\" }\n\n\
                      [providers.pc]\nusername = \"u\"\napi_key = { env = \"PC_KEY\" }\n\n\
                      [campaigns.demo-ep]\nprovider = \"ep\"\n";
        assert_eq!(
            Demo::read(config),
            Demo {
                providers: vec!["ep", "pc"],
                secrets: vec!["EP_TOKEN", "PC_KEY"],
            }
        );
    }
}
