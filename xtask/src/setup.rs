//! `cargo xtask setup`: installs what the build and the tests need, idempotently.
//!
//! - the wasm32 target: the ordinary `rustup target add` first (briefly: it hangs
//!   without network), else Debian's browser Rust (`rustc-web`, `cargo-web`,
//!   `rust-web-src`, `rust-web-llvm`, `rust-web-clippy`, `lld-22`), which builds
//!   the standard library for wasm32 from source (`-Zbuild-std`); the modules
//!   that ship are built with the standard library's sources (Debian's, or
//!   rustup's `rust-src`) wherever they can be had, since a standard library
//!   built for size makes them a tenth smaller (`RECEIPT_RELAY_SHIP_WITH_RUSTUP`
//!   set: rustup's first);
//! - `wasm-bindgen-cli` at exactly the `wasm-bindgen` version in `Cargo.lock`;
//! - terser (npm), which minifies the widget's JavaScript, and binaryen (npm),
//!   whose `wasm-opt` shrinks its modules;
//! - Chromium and chromedriver (Debian's `chromium`, `chromium-driver`), and
//!   axe-core (npm) for the accessibility checks;
//! - schemathesis (PyPI, in a virtualenv under `target/schemathesis`), which
//!   checks the proxy against its OpenAPI description.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::util::{self, exec, output};

/// How wasm32 is built on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmToolchain {
    /// rustup's toolchain with the wasm32 target installed.
    Rustup,
    /// Debian's `rustc-web`, building std from source.
    Debian,
}

const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const DEBIAN_RUSTDOC: &str = "/usr/bin/rustdoc";
const DEBIAN_CLIPPY: &str = "/usr/bin/cargo-clippy";
pub const DEBIAN_STD_SRC: &str = "/usr/lib/rustlib/src/rust/library";
const DEBIAN_PACKAGES: &[&str] = &[
    "rustc-web",
    "cargo-web",
    "rust-web-src",
    "rust-web-llvm",
    "rust-web-clippy",
    "lld-22",
];
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

impl WasmToolchain {
    fn command(self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(util::root());
        if self == Self::Debian {
            // Without RUSTC, Debian's cargo would pick rustup's rustc from PATH.
            cmd.env("RUSTC", DEBIAN_RUSTC)
                .env("RUSTDOC", DEBIAN_RUSTDOC)
                .env("CARGO", DEBIAN_CARGO)
                .env("RUSTC_BOOTSTRAP", "1");
        }
        cmd
    }

    /// `cargo <subcommand> --target wasm32-unknown-unknown` (+ build-std where needed).
    pub fn cargo(self, subcommand: &str) -> Command {
        let mut cmd = match self {
            Self::Rustup => util::cargo(),
            Self::Debian => self.command(DEBIAN_CARGO),
        };
        cmd.arg(subcommand);
        self.target_args(&mut cmd);
        cmd
    }

    /// `cargo clippy` for wasm32 with this toolchain's clippy.
    pub fn clippy(self) -> Command {
        let mut cmd = match self {
            Self::Rustup => {
                let mut c = util::cargo();
                c.arg("clippy");
                c
            }
            // Debian's cargo-clippy, run directly: `cargo clippy` would find rustup's
            // cargo-clippy first. It runs $CARGO with its own clippy-driver.
            Self::Debian => {
                let mut c = self.command(DEBIAN_CLIPPY);
                c.arg("clippy");
                c
            }
        };
        self.target_args(&mut cmd);
        cmd
    }

    fn target_args(self, cmd: &mut Command) {
        cmd.args(["--target", WASM_TARGET, "--target-dir"])
            .arg(util::root().join("target/wasm"));
        if self == Self::Debian {
            cmd.arg("-Zbuild-std=std,panic_abort");
        }
    }
}

/// How the modules that ship are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shipping {
    /// With Debian's `rustc-web`, the standard library built with them.
    Debian,
    /// With rustup's toolchain and its `rust-src`, the standard library built
    /// with them.
    RustupSource,
    /// With the prebuilt standard library, as the tests are (larger).
    Prebuilt(WasmToolchain),
}

impl Shipping {
    /// `cargo build` of the modules that ship. With the standard library
    /// built with them, it is built for size and a panic aborts at once, with
    /// no message and no location, and `{:?}` writes nothing: nothing in a
    /// shopper's browser reads them, and the machinery to format them is a
    /// tenth of the widget (measured: 150 -> 138 KiB gzip; the lens 59 -> 40).
    /// `rustflags` are the build's own, to which these are added.
    pub fn build(self, rustflags: &str) -> Command {
        let mut cmd = match self {
            Self::Debian => WasmToolchain::Debian.cargo("build"),
            Self::RustupSource => {
                let mut cmd = WasmToolchain::Rustup.cargo("build");
                cmd.env("RUSTC_BOOTSTRAP", "1")
                    .arg("-Zbuild-std=std,panic_abort");
                cmd
            }
            Self::Prebuilt(wasm) => wasm.cargo("build"),
        };
        let mut flags = rustflags.to_owned();
        if !matches!(self, Self::Prebuilt(_)) {
            cmd.arg("-Zbuild-std-features=optimize_for_size");
            for flag in SHIPPING_RUSTFLAGS {
                if !flags.is_empty() {
                    flags.push('\x1f');
                }
                flags.push_str(flag);
            }
        }
        cmd.env("CARGO_ENCODED_RUSTFLAGS", flags);
        cmd
    }
}

/// What the shipping build adds to rustc's flags where the standard library
/// is built with it (see [`Shipping::build`]).
const SHIPPING_RUSTFLAGS: [&str; 4] = [
    "-Zunstable-options",
    "-Cpanic=immediate-abort",
    "-Zfmt-debug=none",
    "-Zlocation-detail=none",
];

/// What building the widget needs.
#[derive(Debug, Clone)]
pub struct BuildTools {
    /// What the widget is linted and tested with.
    pub wasm: WasmToolchain,
    /// How the modules that ship are built: with the standard library built
    /// for size wherever it can be had.
    pub ship: Shipping,
    pub wasm_bindgen: PathBuf,
    /// terser's command-line script, run with `node`.
    pub terser: PathBuf,
    /// binaryen's `wasm-opt` script, run with `node`.
    pub wasm_opt: PathBuf,
}

/// What the tests need on top.
#[derive(Debug, Clone)]
pub struct Tools {
    pub build: BuildTools,
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    /// axe-core's browser script, which the end-to-end tests run in the page.
    pub axe: PathBuf,
    /// The `schemathesis` command.
    pub schemathesis: PathBuf,
}

/// Installs what building the widget needs (for the demo).
pub fn ensure_build() -> anyhow::Result<BuildTools> {
    let wasm = ensure_wasm_toolchain()?;
    let ship = ensure_shipping(wasm);
    let wasm_bindgen = ensure_wasm_bindgen()?;
    let terser = ensure_npm("terser", TERSER, "terser/bin/terser")?;
    let wasm_opt = ensure_npm("binaryen", BINARYEN, "binaryen/bin/wasm-opt")?;
    eprintln!(
        "setup: wasm32 via {wasm:?}, shipped via {ship:?}; {}; {}; {}",
        wasm_bindgen.display(),
        terser.display(),
        wasm_opt.display()
    );
    Ok(BuildTools {
        wasm,
        ship,
        wasm_bindgen,
        terser,
        wasm_opt,
    })
}

/// Installs whatever is missing for building and testing.
pub fn ensure() -> anyhow::Result<Tools> {
    let build = ensure_build()?;
    let (chromium, chromedriver) = ensure_chromium()?;
    let axe = ensure_axe()?;
    let schemathesis = ensure_schemathesis()?;
    eprintln!(
        "setup: {}; {}; {}; {}",
        chromium.display(),
        chromedriver.display(),
        axe.display(),
        schemathesis.display()
    );
    Ok(Tools {
        build,
        chromium,
        chromedriver,
        axe,
        schemathesis,
    })
}

/// axe-core, pinned, from the npm registry (into `target/axe`, where the tests
/// also look for it).
const AXE_CORE: &str = "axe-core@4.14.1";
/// terser, pinned: minifies the widget's JavaScript (wasm-bindgen's glue and the
/// loader) as any web build would.
const TERSER: &str = "terser@5.51.2";
/// binaryen, pinned: its `wasm-opt` (compiled to JavaScript) runs the passes
/// that make the widget's modules smaller once compressed.
const BINARYEN: &str = "binaryen@132.0.0";

/// schemathesis, pinned, from PyPI.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// schemathesis in a virtualenv of its own (`target/schemathesis`) unless
/// that version is there already; returns its command.
fn ensure_schemathesis() -> anyhow::Result<PathBuf> {
    ensure_pip("schemathesis", &[SCHEMATHESIS], "bin/schemathesis")
}

/// zxing-cpp's Python binding, pinned, from PyPI, with numpy to hand it images:
/// the reference QR decoder `cargo xtask bench` runs beside the widget's.
const ZXING_CPP: [&str; 2] = ["zxing-cpp==3.1.1", "numpy==2.4.6"];

/// A Python with zxing-cpp (`target/zxing`); returns its interpreter.
pub fn ensure_zxing() -> anyhow::Result<PathBuf> {
    ensure_pip("zxing", &ZXING_CPP, "bin/python")
}

/// `packages` (pinned) installed from PyPI into a virtualenv of their own,
/// `target/<dir>`, unless those versions are there already; returns the path of
/// its `file`.
fn ensure_pip(dir: &str, packages: &[&str], file: &str) -> anyhow::Result<PathBuf> {
    let venv = util::root().join("target").join(dir);
    let command = venv.join(file);
    let pinned = venv.join(".version");
    let wanted = packages.join(" ");
    if command.is_file() && std::fs::read_to_string(&pinned).is_ok_and(|v| v == wanted) {
        return Ok(command);
    }
    let make_venv = || {
        exec(
            Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&venv),
        )
    };
    if make_venv().is_err() {
        // Debian's python3 makes virtualenvs only with python3-venv.
        apt_install(&["python3-venv"])?;
        make_venv()?;
    }
    exec(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(packages),
    )?;
    if !command.is_file() {
        bail!(
            "pip installed {wanted} but {} is missing",
            command.display()
        );
    }
    std::fs::write(&pinned, wanted)?;
    Ok(command)
}

fn ensure_axe() -> anyhow::Result<PathBuf> {
    ensure_npm("axe", AXE_CORE, "axe-core/axe.min.js")
}

/// `package` (`name@version`) installed from the npm registry into
/// `target/<dir>` unless that version is there already; returns the path of its
/// `file` (under `node_modules`).
fn ensure_npm(dir: &str, package: &str, file: &str) -> anyhow::Result<PathBuf> {
    let prefix = util::root().join("target").join(dir);
    let script = prefix.join("node_modules").join(file);
    let pinned = prefix.join(".version");
    if script.is_file() && std::fs::read_to_string(&pinned).is_ok_and(|v| v == package) {
        return Ok(script);
    }
    if output(Command::new("npm").arg("--version")).is_none() {
        apt_install(&["npm"])?;
    }
    exec(
        Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--prefix",
            ])
            .arg(&prefix)
            .arg(package),
    )?;
    if !script.is_file() {
        bail!(
            "npm installed {package} but {} is missing",
            script.display()
        );
    }
    std::fs::write(&pinned, package)?;
    Ok(script)
}

fn ensure_wasm_toolchain() -> anyhow::Result<WasmToolchain> {
    let installed =
        |cmd: &mut Command| output(cmd).is_some_and(|o| o.lines().any(|l| l == WASM_TARGET));
    if installed(Command::new("rustup").args(["target", "list", "--installed"])) {
        return Ok(WasmToolchain::Rustup);
    }
    if debian_route_ready() {
        return Ok(WasmToolchain::Debian);
    }
    eprintln!("setup: trying `rustup target add {WASM_TARGET}` (30 s at most)");
    if run_with_timeout(
        Command::new("rustup").args(["target", "add", WASM_TARGET]),
        Duration::from_secs(30),
    ) && installed(Command::new("rustup").args(["target", "list", "--installed"]))
    {
        return Ok(WasmToolchain::Rustup);
    }
    eprintln!("setup: rustup cannot fetch the wasm32 target here; using Debian's rustc-web");
    apt_install(DEBIAN_PACKAGES)?;
    if !debian_route_ready() {
        bail!("Debian's rustc-web was installed but {DEBIAN_RUSTC} or {DEBIAN_STD_SRC} is missing");
    }
    Ok(WasmToolchain::Debian)
}

/// How the modules that ship are built: with the standard library's sources,
/// Debian's or rustup's (`rust-src`, fetched in a minute at most: it hangs
/// without network), else Debian's installed; where none can be had, as `wasm`
/// builds, with a warning that they come out larger.
fn ensure_shipping(wasm: WasmToolchain) -> Shipping {
    if std::env::var_os("RECEIPT_RELAY_SHIP_WITH_RUSTUP").is_none() && debian_route_ready() {
        return Shipping::Debian;
    }
    if wasm == WasmToolchain::Rustup
        && (rustup_source_ready()
            || run_with_timeout(
                Command::new("rustup").args(["component", "add", "rust-src"]),
                Duration::from_secs(60),
            ) && rustup_source_ready())
    {
        return Shipping::RustupSource;
    }
    match apt_install(DEBIAN_PACKAGES) {
        Ok(()) if debian_route_ready() => Shipping::Debian,
        outcome => {
            let why = outcome.err().map_or_else(
                || format!("{DEBIAN_RUSTC} or {DEBIAN_STD_SRC} is missing"),
                |e| e.to_string(),
            );
            eprintln!(
                "setup: no standard library sources to build for size ({why}); the \
                 widget is built with {wasm:?}, about 12 KiB gzip larger"
            );
            Shipping::Prebuilt(wasm)
        }
    }
}

/// Whether rustup's toolchain has the standard library's sources.
fn rustup_source_ready() -> bool {
    output(Command::new("rustc").args(["--print", "sysroot"])).is_some_and(|root| {
        PathBuf::from(root)
            .join("lib/rustlib/src/rust/library")
            .is_dir()
    })
}

fn debian_route_ready() -> bool {
    PathBuf::from(DEBIAN_STD_SRC).is_dir()
        && PathBuf::from(DEBIAN_CLIPPY).is_file()
        && output(Command::new(DEBIAN_RUSTC).arg("--print").arg("target-list"))
            .is_some_and(|l| l.lines().any(|t| t == WASM_TARGET))
}

/// Runs a command, killing it after `limit`; true when it succeeded in time.
fn run_with_timeout(cmd: &mut Command, limit: Duration) -> bool {
    let Ok(mut child) = cmd.spawn() else {
        return false;
    };
    let deadline = std::time::Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(200));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

/// The `wasm-bindgen` version pinned in `Cargo.lock`.
pub fn locked_wasm_bindgen_version() -> anyhow::Result<String> {
    let lock =
        std::fs::read_to_string(util::root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|v| v.strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
        {
            return Ok(version.to_owned());
        }
    }
    bail!("wasm-bindgen is not in Cargo.lock")
}

fn ensure_wasm_bindgen() -> anyhow::Result<PathBuf> {
    let version = locked_wasm_bindgen_version()?;
    let has = |program: &str| {
        output(Command::new(program).arg("--version"))
            .is_some_and(|v| v.split_whitespace().nth(1) == Some(version.as_str()))
    };
    if has("wasm-bindgen") && has("wasm-bindgen-test-runner") {
        return Ok("wasm-bindgen".into());
    }
    eprintln!("setup: installing wasm-bindgen-cli {version} (a few minutes)");
    exec(util::cargo().args([
        "install",
        "wasm-bindgen-cli",
        "--force",
        "--version",
        &version,
    ]))?;
    if !has("wasm-bindgen") {
        bail!("wasm-bindgen {version} was installed but is not on PATH (add ~/.cargo/bin)");
    }
    Ok("wasm-bindgen".into())
}

fn ensure_chromium() -> anyhow::Result<(PathBuf, PathBuf)> {
    let find = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| output(Command::new("which").arg(n)).filter(|p| !p.is_empty()))
            .map(PathBuf::from)
    };
    let browsers = ["chromium", "chromium-browser", "google-chrome"];
    if let (Some(browser), Some(driver)) = (find(&browsers), find(&["chromedriver"])) {
        return Ok((browser, driver));
    }
    apt_install(&["chromium", "chromium-driver"])?;
    match (find(&browsers), find(&["chromedriver"])) {
        (Some(browser), Some(driver)) => Ok((browser, driver)),
        _ => bail!("chromium and chromedriver were installed but are not on PATH"),
    }
}

pub fn apt_install(packages: &[&str]) -> anyhow::Result<()> {
    if output(Command::new("which").arg("apt-get")).is_none() {
        bail!(
            "this is not a Debian-like system: install {} yourself (or the rustup wasm32 target)",
            packages.join(" ")
        );
    }
    let is_root = output(Command::new("id").arg("-u")).as_deref() == Some("0");
    if !is_root {
        bail!(
            "installing {} needs root: run `sudo apt-get install {}` and try again",
            packages.join(" "),
            packages.join(" ")
        );
    }
    eprintln!("setup: apt-get install {}", packages.join(" "));
    exec(Command::new("apt-get").args(["update", "-q"]))?;
    exec(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}
