//! Builds the widget for browsers: wasm32 release build (source paths remapped
//! to crate names), wasm-bindgen glue, wasm-opt's size passes, the functions
//! laid out by likeness for gzip (`layout`), short import and closure-export
//! names, minified JavaScript,
//! content-hashed file names, and the loader (`widget/loader.js`) pointing at them.
//!
//! Output, served by the proxy (`widget_dir`): `target/widget/widget.js`,
//! `target/widget/assets/widget-<hash>{.js,_bg.wasm}`, and what the widget loads
//! on demand: the lens (QR decoding and receipt vision),
//! `target/widget/assets/lens-<hash>{.js,_bg.wasm}`,
//! and each language, `target/widget/assets/words-<lang>-<hash>.json`.
//! Beside each file, its `.gz` (zopfli) and `.br` (brotli) copy.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use crate::setup::{BuildTools, Shipping, WASM_TARGET};
use crate::util::{self, exec};

mod layout;

/// `cargo xtask widget`: the widget's clippy (as CI runs it), then its build.
pub fn lint_and_build() -> anyhow::Result<()> {
    let tools = crate::setup::ensure_build()?;
    lint(&tools)?;
    build(&tools).map(drop)
}

/// `cargo xtask dist`: the widget, then a release proxy that carries it
/// (`--features embed-widget`): one file to deploy with its configuration.
pub fn dist() -> anyhow::Result<()> {
    let tools = crate::setup::ensure_build()?;
    build(&tools)?;
    exec(util::cargo().args([
        "build",
        "--release",
        "--package",
        "proxy",
        "--features",
        "embed-widget",
    ]))?;
    eprintln!(
        "dist: {} carries the widget; deploy it with its configuration",
        util::root().join("target/release/proxy").display()
    );
    Ok(())
}

/// Clippy on the widget for wasm32, and on the lens it loads (with the QR
/// decoder and the receipt vision in it), warnings denied.
pub fn lint(tools: &BuildTools) -> anyhow::Result<()> {
    exec(tools.wasm.clippy().args([
        "--package",
        "widget",
        "--package",
        "lens",
        "--package",
        "qrscan",
        "--package",
        "vision",
        "--package",
        "web",
        "--features",
        "qrscan/fixtures,vision/fixtures",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

/// Builds the widget and its on-demand lens, and returns the folder the proxy
/// serves them from.
pub fn build(tools: &BuildTools) -> anyhow::Result<PathBuf> {
    let root = util::root();
    exec(tools.ship.build(&remapped_sources()).args([
        "--package",
        "widget",
        "--package",
        "lens",
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
    let (lens_glue, lens_wasm) = bindgen(tools, "lens", &assets)?;
    let words = write_words(&assets)?;
    let loader = fs::read_to_string(root.join("widget/loader.js"))?
        .replace("__GLUE__", &widget_glue)
        .replace("__WASM__", &widget_wasm)
        .replace("__LENS_GLUE__", &lens_glue)
        .replace("__LENS_WASM__", &lens_wasm)
        .replace("__WORDS__", &words);
    fs::write(out.join("widget.js"), minify_js(tools, &loader, false)?)?;
    precompress(&out)?;
    let download = sizes(&[
        out.join("widget.js.gz"),
        assets.join(format!("{widget_glue}.gz")),
        assets.join(format!("{widget_wasm}.gz")),
    ])?;
    let budget = budget(&tools.ship);
    anyhow::ensure!(
        download <= budget,
        "widget: {download} bytes gzip to download (loader, glue, wasm), over the budget of {budget}"
    );
    let lens = sizes(&[
        assets.join(format!("{lens_glue}.gz")),
        assets.join(format!("{lens_wasm}.gz")),
    ])?;
    anyhow::ensure!(
        lens <= LENS_BUDGET_GZIP,
        "widget: the lens is {lens} bytes gzip (glue, wasm), over its budget of {LENS_BUDGET_GZIP}"
    );
    eprintln!(
        "widget: built {} ({:.1} of {} KiB gzip; the lens {:.1} of {} KiB)",
        out.display(),
        download as f64 / 1024.0,
        budget / 1024,
        lens as f64 / 1024.0,
        LENS_BUDGET_GZIP / 1024
    );
    Ok(out)
}

/// The files' sizes together, in bytes.
fn sizes(files: &[PathBuf]) -> std::io::Result<u64> {
    files
        .iter()
        .map(|file| fs::metadata(file).map(|m| m.len()))
        .sum()
}

/// rustc flags that shorten the source paths panic messages carry (each crate's
/// folder in cargo's registry, the standard library's sources) to the crate's
/// own name: some 3 KB less in the widget, and nothing about the machine that
/// built it.
fn remapped_sources() -> String {
    let cargo_home = std::env::var_os("CARGO_HOME").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
        PathBuf::from,
    );
    let registries = fs::read_dir(cargo_home.join("registry/src"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path());
    registries
        .chain([PathBuf::from(crate::setup::DEBIAN_STD_SRC)])
        .map(|dir| format!("--remap-path-prefix={}/=", dir.display()))
        .collect::<Vec<_>>()
        .join("\x1f")
}

/// What a phone downloads before the widget is up (loader, glue, wasm; gzip)
/// may not exceed 120 KiB (the brief's 150, less what the lens took out of
/// the first load: issue 25): the build fails past it. Built with the
/// prebuilt standard library, where no sources could be had (about 12 KiB
/// larger, `setup::ensure_shipping` warns), the brief's 150.
fn budget(ship: &Shipping) -> u64 {
    if matches!(ship, Shipping::Prebuilt(_)) {
        150 * 1024
    } else {
        120 * 1024
    }
}

/// The lens (QR decoding and receipt vision, fetched when a shopper first opens
/// the camera or picks a photo) may not exceed 100 KiB gzip.
const LENS_BUDGET_GZIP: u64 = 100 * 1024;

/// Runs wasm-bindgen on one built crate, shortens its imports' names and
/// minifies its glue, and writes glue and module into `assets` under
/// content-hashed names, which it returns.
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
    let glue = fs::read_to_string(raw.join(format!("{name}.js")))
        .context("reading the wasm-bindgen glue")?;
    let module_path = raw.join(format!("{name}_bg.wasm"));
    shrink(tools, &module_path)?;
    let module = fs::read(&module_path).context("reading the wasm module")?;
    let (module, renamed) = shorten_names(&module, &format!("./{name}_bg.js"))?;
    let glue = minify_js(tools, &rename_glue(&glue, &renamed)?, true)?;
    let glue = glue.as_bytes();
    let hash = content_hash(&[glue, &module]);
    let glue_name = format!("{name}-{hash}.js");
    let wasm_name = format!("{name}-{hash}_bg.wasm");
    fs::write(assets.join(&glue_name), glue)?;
    fs::write(assets.join(&wasm_name), module)?;
    Ok((glue_name, wasm_name))
}

/// binaryen's `wasm-opt` over `module`, in place, for the smallest gzip; then
/// its functions laid out by likeness ([`layout`]). `-Oz`, but a function
/// with one caller is not inlined into it: that would move its body away
/// from the functions like it, and gzip loses more than the call costs
/// (measured on the widget: some 10 KB gzip more, for 18 KB raw less).
/// Nothing more: the passes `-Oz` runs, run again after it (duplicate
/// functions, code folding...), made the laid-out widget 0.4 KiB larger.
fn shrink(tools: &BuildTools, module: &Path) -> anyhow::Result<()> {
    wasm_opt(
        tools,
        module,
        &["-Oz", "--one-caller-inline-max-function-size=0"],
    )?;
    fs::write(module, layout::name_by_likeness(&fs::read(module)?)?)?;
    // Laid out by the names just given, which then go.
    wasm_opt(
        tools,
        module,
        &[
            "--reorder-functions-by-name",
            "--strip-debug",
            // The features it was built with, for tools; browsers ignore it.
            "--strip-target-features",
        ],
    )
}

/// binaryen's `wasm-opt` over `module`, in place, with `passes`.
fn wasm_opt(tools: &BuildTools, module: &Path, passes: &[&str]) -> anyhow::Result<()> {
    exec(
        Command::new("node")
            .arg(&tools.wasm_opt)
            .arg(module)
            .args(passes)
            .arg("-o")
            .arg(module),
    )
}

/// Writes each language as a JSON list of its strings in `words::Text` order,
/// under a content-hashed name; returns the loader's map of language code to
/// file name, as a JS object literal.
fn write_words(assets: &Path) -> anyhow::Result<String> {
    let mut map = serde_json::Map::new();
    for lang in words::Lang::ALL {
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

/// The names shortened in a module, each as (old name, new name).
#[derive(Debug, Default)]
struct Renames {
    /// Functions the module imports from its glue.
    imports: Vec<(String, String)>,
    /// Closure entry points the module exports to its glue.
    exports: Vec<(String, String)>,
}

/// What wasm-bindgen names the exported entry points of Rust closures, before
/// a hash: `wasm_bindgen__convert__closures_____invoke__h<16 hex digits>`.
const CLOSURE_EXPORT: &str = "wasm_bindgen__convert__closures";

/// The module with every function it imports from its glue (`glue_module`)
/// renamed short (`a`, `b`, … `ba`, …), its closures' exports too (`_a`, …),
/// and the renames made.
///
/// wasm-bindgen names imports `__wbg_<name>_<16 hex digits>`: two hundred of them
/// are some 9 KB, in the module and again in the glue, and the hex digits do not
/// compress; so do the closures' exports. Only the import and export sections
/// are rewritten; every other section is copied byte for byte.
fn shorten_names(module: &[u8], glue_module: &str) -> anyhow::Result<(Vec<u8>, Renames)> {
    use wasm_encoder::reencode::{Reencode, RoundtripReencoder};

    let mut out = wasm_encoder::Module::new();
    let mut renamed = Renames::default();
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        let payload = payload?;
        if let wasmparser::Payload::ImportSection(reader) = &payload {
            let mut section = wasm_encoder::ImportSection::new();
            for group in reader.clone() {
                let wasmparser::Imports::Single(_, import) = group? else {
                    bail!("the module has compact imports, which wasm-bindgen does not write");
                };
                let name = if import.module == glue_module {
                    let short = short_name(renamed.imports.len());
                    renamed
                        .imports
                        .push((import.name.to_owned(), short.clone()));
                    short
                } else {
                    import.name.to_owned()
                };
                let ty = RoundtripReencoder
                    .entity_type(import.ty)
                    .map_err(|e| anyhow::anyhow!("re-encoding an import: {e:?}"))?;
                section.import(import.module, &name, ty);
            }
            out.section(&section);
        } else if let wasmparser::Payload::ExportSection(reader) = &payload {
            let mut section = wasm_encoder::ExportSection::new();
            for export in reader.clone() {
                let export = export?;
                let name = if export.name.starts_with(CLOSURE_EXPORT) {
                    let short = format!("_{}", short_name(renamed.exports.len()));
                    renamed
                        .exports
                        .push((export.name.to_owned(), short.clone()));
                    short
                } else {
                    export.name.to_owned()
                };
                let kind = RoundtripReencoder
                    .export_kind(export.kind)
                    .map_err(|e| anyhow::anyhow!("re-encoding an export: {e:?}"))?;
                section.export(&name, kind, export.index);
            }
            out.section(&section);
        } else if let Some((id, range)) = payload.as_section() {
            out.section(&wasm_encoder::RawSection {
                id,
                data: &module[range],
            });
        }
    }
    Ok((out.finish(), renamed))
}

/// `a`…`z`, `A`…`Z`, then two letters and more: the `n`th short import name.
fn short_name(mut n: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = vec![LETTERS[n % LETTERS.len()]];
    n /= LETTERS.len();
    while n > 0 {
        n -= 1;
        name.push(LETTERS[n % LETTERS.len()]);
        n /= LETTERS.len();
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII letters")
}

/// The glue with its imports object's keys renamed as the module's imports
/// were (each found exactly once, as `        <name>: function(`), and its
/// calls of the closures' exports too (each once, as `wasm.<name>(`): a
/// wasm-bindgen that writes its glue differently fails the build here, not in a
/// shopper's browser.
fn rename_glue(glue: &str, renamed: &Renames) -> anyhow::Result<String> {
    let mut glue = glue.to_owned();
    let keys = renamed.imports.iter().map(|(old, new)| {
        (
            format!("\n        {old}: function("),
            format!("\n        {new}: function("),
        )
    });
    let calls = renamed
        .exports
        .iter()
        .map(|(old, new)| (format!("wasm.{old}("), format!("wasm.{new}(")));
    for (old, new) in keys.chain(calls) {
        if glue.matches(&old).count() != 1 {
            bail!("the wasm-bindgen glue does not have {old:?} once as expected");
        }
        glue = glue.replace(&old, &new);
    }
    Ok(glue)
}

/// Writes `<file>.gz` (zopfli: the smallest gzip, which every browser takes) and
/// `<file>.br` (brotli at its best level) beside each file the proxy serves from
/// `out`, so phones download the compressed bytes and the proxy compresses
/// nothing per request. One thread per file: zopfli takes seconds on a module.
fn precompress(out: &Path) -> anyhow::Result<()> {
    let mut files = vec![out.join("widget.js")];
    for entry in fs::read_dir(out.join("assets"))? {
        files.push(entry?.path());
    }
    std::thread::scope(|scope| {
        let jobs: Vec<_> = files
            .iter()
            .map(|file| scope.spawn(move || compress_beside(file)))
            .collect();
        jobs.into_iter().try_for_each(|job| {
            job.join()
                .map_err(|_| anyhow::anyhow!("a compression thread panicked"))?
        })
    })
}

fn compress_beside(file: &Path) -> anyhow::Result<()> {
    let bytes = fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let beside = |suffix: &str| {
        let mut name = file.as_os_str().to_owned();
        name.push(format!(".{suffix}"));
        PathBuf::from(name)
    };
    let mut gzip = Vec::new();
    zopfli::compress(
        zopfli::Options::default(),
        zopfli::Format::Gzip,
        bytes.as_slice(),
        &mut gzip,
    )?;
    fs::write(beside("gz"), gzip)?;
    let mut brotli = Vec::new();
    {
        // Quality 11 (best), window 2^22 bytes: larger than any file here.
        let mut writer = brotli::CompressorWriter::new(&mut brotli, 4096, 11, 22);
        writer.write_all(&bytes)?;
    }
    fs::write(beside("br"), brotli)?;
    Ok(())
}

/// `source` minified with terser; `module` for ES modules (the glue), else a
/// classic script (the loader).
fn minify_js(tools: &BuildTools, source: &str, module: bool) -> anyhow::Result<String> {
    let mut cmd = Command::new("node");
    cmd.arg(&tools.terser)
        .args(["--compress", "--mangle", "--comments", "false"]);
    if module {
        cmd.arg("--module");
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting terser (node)")?;
    child
        .stdin
        .take()
        .context("terser's stdin")?
        .write_all(source.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("terser failed on the widget's JavaScript");
    }
    String::from_utf8(out.stdout).context("terser's output")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_unique_letters() {
        let names: Vec<String> = (0..3000).map(short_name).collect();
        assert_eq!(names[..3], ["a", "b", "c"]);
        assert_eq!(names[51], "Z");
        assert_eq!(names[52], "aa");
        let unique: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        assert!(
            names
                .iter()
                .all(|n| n.bytes().all(|b| b.is_ascii_alphabetic()))
        );
    }

    #[test]
    fn a_glue_name_that_is_not_found_once_fails_the_build() {
        let glue = "const import0 = {\n        __wbg_a_1: function(x) {},\n        __wbg_b_2: function(y) {},\n};\nfunction f(a) { wasm.wasm_bindgen__convert__closures__invoke__h1(a); }";
        let renamed = Renames {
            imports: vec![
                ("__wbg_a_1".to_owned(), "a".to_owned()),
                ("__wbg_b_2".to_owned(), "b".to_owned()),
            ],
            exports: vec![(
                "wasm_bindgen__convert__closures__invoke__h1".to_owned(),
                "_a".to_owned(),
            )],
        };
        let out = rename_glue(glue, &renamed).unwrap();
        assert_eq!(
            out,
            "const import0 = {\n        a: function(x) {},\n        b: function(y) {},\n};\nfunction f(a) { wasm._a(a); }"
        );
        let missing = Renames {
            imports: vec![("__wbg_c_3".to_owned(), "c".to_owned())],
            ..Renames::default()
        };
        assert!(rename_glue(glue, &missing).is_err());
        let uncalled = Renames {
            exports: vec![(
                "wasm_bindgen__convert__closures__invoke__h2".to_owned(),
                "_b".to_owned(),
            )],
            ..Renames::default()
        };
        assert!(rename_glue(glue, &uncalled).is_err());
    }
}
