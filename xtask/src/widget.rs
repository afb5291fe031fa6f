//! Builds the widget for browsers: wasm32 release build, wasm-bindgen glue,
//! content-hashed file names, and the loader (`widget/loader.js`) pointing at them.
//!
//! Output, served by the proxy (`widget_dir`):
//! `target/widget/widget.js` and `target/widget/assets/widget-<hash>{.js,_bg.wasm}`.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::setup::{BuildTools, WASM_TARGET};
use crate::util::{self, exec};

/// `cargo xtask widget`: the widget's clippy (as CI runs it), then its build.
pub fn lint_and_build() -> anyhow::Result<()> {
    let tools = crate::setup::ensure_build()?;
    lint(&tools)?;
    build(&tools).map(drop)
}

/// Clippy on the widget for wasm32, warnings denied.
pub fn lint(tools: &BuildTools) -> anyhow::Result<()> {
    exec(tools.wasm.clippy().args([
        "--package",
        "widget",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

/// Builds the widget and returns the folder the proxy serves it from.
pub fn build(tools: &BuildTools) -> anyhow::Result<PathBuf> {
    let root = util::root();
    exec(
        tools
            .wasm
            .cargo("build")
            .args(["--package", "widget", "--profile", "wasm-release"]),
    )?;
    let wasm = root.join(format!(
        "target/wasm/{WASM_TARGET}/wasm-release/widget.wasm"
    ));
    let raw = root.join("target/widget-raw");
    exec(
        Command::new(&tools.wasm_bindgen)
            .args([
                "--target",
                "web",
                "--no-typescript",
                // The name section is for debuggers; it is a third of the module.
                "--remove-name-section",
                "--remove-producers-section",
                "--out-name",
                "widget",
                "--out-dir",
            ])
            .arg(&raw)
            .arg(&wasm),
    )?;

    let glue = fs::read(raw.join("widget.js")).context("reading the wasm-bindgen glue")?;
    let module = fs::read(raw.join("widget_bg.wasm")).context("reading the wasm module")?;
    let mut hasher = Sha256::new();
    hasher.update(&glue);
    hasher.update(&module);
    let hash: String = hasher
        .finalize()
        .iter()
        .take(5)
        .map(|b| format!("{b:02x}"))
        .collect();

    let out = root.join("target/widget");
    let assets = out.join("assets");
    if assets.exists() {
        fs::remove_dir_all(&assets)?;
    }
    fs::create_dir_all(&assets)?;
    let glue_name = format!("widget-{hash}.js");
    let wasm_name = format!("widget-{hash}_bg.wasm");
    fs::write(assets.join(&glue_name), glue)?;
    fs::write(assets.join(&wasm_name), module)?;
    let loader = fs::read_to_string(root.join("widget/loader.js"))?
        .replace("__GLUE__", &glue_name)
        .replace("__WASM__", &wasm_name);
    fs::write(out.join("widget.js"), loader)?;
    eprintln!("widget: built {}", out.display());
    Ok(out)
}
