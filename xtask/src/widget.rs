//! Builds the widget for browsers: wasm32 release build, wasm-bindgen glue,
//! content-hashed file names, and the loader (`widget/loader.js`) pointing at them.
//!
//! Output, served by the proxy (`widget_dir`): `target/widget/widget.js`,
//! `target/widget/assets/widget-<hash>{.js,_bg.wasm}`, and what the widget loads
//! on demand: the QR decoder, `target/widget/assets/qrscan-<hash>{.js,_bg.wasm}`,
//! and each language but English, `target/widget/assets/words-<lang>-<hash>.json`.

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
    let words = write_words(&assets)?;
    let loader = fs::read_to_string(root.join("widget/loader.js"))?
        .replace("__GLUE__", &widget_glue)
        .replace("__WASM__", &widget_wasm)
        .replace("__QR_GLUE__", &qr_glue)
        .replace("__QR_WASM__", &qr_wasm)
        .replace("__WORDS__", &words);
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
    let hash = content_hash(&[&glue, &module]);
    let glue_name = format!("{name}-{hash}.js");
    let wasm_name = format!("{name}-{hash}_bg.wasm");
    fs::write(assets.join(&glue_name), glue)?;
    fs::write(assets.join(&wasm_name), module)?;
    Ok((glue_name, wasm_name))
}

/// Writes each language but English (built into the widget) as a JSON list of
/// its strings in `words::Text` order, under a content-hashed name; returns the
/// loader's map of language code to file name, as a JS object literal.
fn write_words(assets: &Path) -> anyhow::Result<String> {
    let mut map = serde_json::Map::new();
    for lang in words::Lang::ALL
        .into_iter()
        .filter(|l| *l != words::Lang::En)
    {
        let strings: Vec<&str> = lang.text().entries().into_iter().map(|(_, s)| s).collect();
        let json = serde_json::to_vec(&strings)?;
        let name = format!("words-{}-{}.json", lang.code(), content_hash(&[&json]));
        fs::write(assets.join(&name), json)?;
        map.insert(lang.code().to_owned(), name.into());
    }
    Ok(serde_json::Value::Object(map).to_string())
}

/// The first ten hex digits of the SHA-256 of `parts`, for cache-busting names.
fn content_hash(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher
        .finalize()
        .iter()
        .take(5)
        .map(|b| format!("{b:02x}"))
        .collect()
}
