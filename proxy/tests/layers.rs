//! The proxy's layers, checked at build time (as Cargo checks that the
//! `providers` crate knows neither axum nor sqlx): a module names only modules
//! of its own layer or of the layers below, in a `use` (grouped ones too) or
//! inline (`crate::notify::…`), doc links included. ARCHITECTURE.md draws
//! them.

use std::collections::BTreeSet;
use std::path::Path;

/// The layers, lowest first, and the modules of `src/` in each. The crate's
/// root (`lib.rs`, `main.rs`) puts them together and may name any.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &[
            "clock",
            "lifecycle",
            "changes",
            "error",
            "config",
            "photo",
            "metrics",
            "logging",
            "body_rate",
            "limits",
        ],
    ),
    ("storage", &["store"]),
    (
        "rules",
        &["policy", "campaign", "duplicates", "shopper", "catalogue"],
    ),
    (
        "application",
        &["state", "submissions", "worker", "notify", "retention"],
    ),
    ("edge", &["routes", "openapi", "server"]),
];

const ROOT: &[&str] = &["lib", "main"];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// Every `crate::<module>` the text names: `crate::a::b`, and each of
/// `crate::{a, b::c}`.
fn names(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let module = item.trim().split("::").next().unwrap_or_default();
                found.push(module.to_owned());
            }
            continue;
        }
        let module: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        found.push(module);
    }
    found
}

/// Each source file under `dir` with the top module it belongs to.
fn sources(dir: &Path, top: Option<&str>, out: &mut Vec<(String, std::path::PathBuf)>) {
    for entry in std::fs::read_dir(dir).expect("read a module's folder") {
        let path = entry.expect("a folder entry").path();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let module = top.map_or(stem, str::to_owned);
        if path.is_dir() {
            sources(&path, Some(&module), out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((module, path));
        }
    }
}

/// `(file, its module, the module it names)` for every name that reaches up.
fn upward() -> (Vec<(String, String, String)>, BTreeSet<String>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, None, &mut files);
    let mut up = Vec::new();
    let mut unplaced = BTreeSet::new();
    for (module, path) in files {
        if ROOT.contains(&module.as_str()) {
            continue;
        }
        let Some(own) = layer_of(&module) else {
            unplaced.insert(module);
            continue;
        };
        let text = std::fs::read_to_string(&path).expect("read a source file");
        for named in names(&text) {
            if named == module {
                continue;
            }
            // A name that is no module (`crate::AppState` re-exported at the
            // root) reaches past the layers: count it as the top.
            let theirs = layer_of(&named).unwrap_or(LAYERS.len());
            if theirs > own {
                up.push((path.display().to_string(), module.clone(), named));
            }
        }
    }
    (up, unplaced)
}

#[test]
fn a_lower_layer_named_a_higher_one() {
    let (up, unplaced) = upward();
    assert!(
        unplaced.is_empty(),
        "modules in no layer (add them to LAYERS and ARCHITECTURE.md): {unplaced:?}"
    );
    assert!(up.is_empty(), "reaching up a layer: {up:#?}");
}

#[test]
fn the_scan_reads_grouped_and_inline_names() {
    let text =
        "use crate::{clock, store::Db};\nlet x = crate::notify::decided;\n/// [`crate::worker`]";
    assert_eq!(names(text), ["clock", "store", "notify", "worker"]);
}

#[test]
fn every_layer_is_drawn_in_the_architecture() {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ARCHITECTURE.md");
    let doc = std::fs::read_to_string(doc).expect("read ARCHITECTURE.md");
    for (layer, modules) in LAYERS {
        // The bullet: its first line and those indented under it.
        let mut lines = doc
            .lines()
            .skip_while(|l| !l.starts_with(&format!("- **{layer}**")));
        let first = lines
            .next()
            .unwrap_or_else(|| panic!("ARCHITECTURE.md has no `- **{layer}**` bullet"));
        let rest: Vec<&str> = lines.take_while(|l| l.starts_with("  ")).collect();
        let line = format!("{first} {}", rest.join(" "));
        for module in *modules {
            assert!(
                line.contains(&format!("`{module}`")),
                "ARCHITECTURE.md's {layer} line does not name `{module}`"
            );
        }
    }
}
