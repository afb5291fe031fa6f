//! Builds the widget for browsers: wasm32 release build, wasm-bindgen glue,
//! content-hashed file names, and the loader (`widget/loader.js`) pointing at them.
//!
//! Output, served by the proxy (`widget_dir`): `target/widget/widget.js`,
//! `target/widget/assets/widget-<hash>{.js,_bg.wasm}` and the QR decoder the
//! widget loads on demand, `target/widget/assets/qrscan-<hash>{.js,_bg.wasm}`.

use std::fs;
use std::path::{Path, PathBuf};
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
        "--package",
        "qrscan",
        "--features",
        "qrscan/fixtures",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

/// Builds the widget and its on-demand QR decoder, and returns the folder the
/// proxy serves them from.
pub fn build(tools: &BuildTools) -> anyhow::Result<PathBuf> {
    let root = util::root();
    exec(tools.wasm.cargo("build").args([
        "--package",
        "widget",
        "--package",
        "qrscan",
        "--profile",
        "wasm-release",
    ]))?;
    let out = root.join("target/widget");
    let assets = out.join("assets");
    if assets.exists() {
        fs::remove_dir_all(&assets)?;
    }
    fs::create_dir_all(&assets)?;
    let (widget_glue, widget_wasm) = bindgen(tools, "widget", &assets)?;
    let (qr_glue, qr_wasm) = bindgen(tools, "qrscan", &assets)?;
    let loader = fs::read_to_string(root.join("widget/loader.js"))?
        .replace("__GLUE__", &widget_glue)
        .replace("__WASM__", &widget_wasm)
        .replace("__QR_GLUE__", &qr_glue)
        .replace("__QR_WASM__", &qr_wasm);
    fs::write(out.join("widget.js"), loader)?;
    eprintln!("widget: built {}", out.display());
    Ok(out)
}

/// Runs wasm-bindgen on one built crate and writes its glue and module into
/// `assets` under content-hashed names, which it returns.
fn bindgen(tools: &BuildTools, name: &str, assets: &Path) -> anyhow::Result<(String, String)> {
    let root = util::root();
    let wasm = root.join(format!(
        "target/wasm/{WASM_TARGET}/wasm-release/{name}.wasm"
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
                name,
                "--out-dir",
            ])
            .arg(&raw)
            .arg(&wasm),
    )?;
    let glue = fs::read(raw.join(format!("{name}.js"))).context("reading the wasm-bindgen glue")?;
    let module =
        fs::read(raw.join(format!("{name}_bg.wasm"))).context("reading the wasm module")?;
    let mut hasher = Sha256::new();
    hasher.update(&glue);
    hasher.update(&module);
    let hash: String = hasher
        .finalize()
        .iter()
        .take(5)
        .map(|b| format!("{b:02x}"))
        .collect();
    let glue_name = format!("{name}-{hash}.js");
    let wasm_name = format!("{name}-{hash}_bg.wasm");
    fs::write(assets.join(&glue_name), glue)?;
    fs::write(assets.join(&wasm_name), module)?;
    Ok((glue_name, wasm_name))
}
