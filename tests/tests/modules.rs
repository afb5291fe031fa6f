//! How the crates' modules depend on each other, read from their sources
//! ([`tests::modules`]):
//!
//! - the proxy's layers, as Cargo checks that the `providers` crate knows
//!   neither axum nor sqlx: a module names only modules of its own layer or of
//!   the layers below. ARCHITECTURE.md draws them;
//! - no circle of imports among the modules of `proxy/src`, `widget/src` or
//!   the providers crate.

use std::collections::BTreeMap;
use tests::modules::{circle, graph, names};

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
        &[
            "state",
            "submissions",
            "worker",
            "notify",
            "retention",
            "audit",
        ],
    ),
    ("edge", &["routes", "console", "openapi", "server"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

#[test]
fn a_lower_layer_named_a_higher_one() {
    let proxy = graph(&tests::workspace_root().join("proxy/src"));
    let mut up = Vec::new();
    let mut unplaced = Vec::new();
    for (module, named) in &proxy {
        let Some(own) = layer_of(module) else {
            unplaced.push(module);
            continue;
        };
        for (name, file) in named {
            // A name that is no module (`crate::AppState` re-exported at the
            // root) reaches past the layers: count it as the top.
            let theirs = layer_of(name).unwrap_or(LAYERS.len());
            if theirs > own {
                up.push((file, module, name));
            }
        }
    }
    assert!(
        unplaced.is_empty(),
        "modules in no layer (add them to LAYERS and ARCHITECTURE.md): {unplaced:?}"
    );
    assert!(up.is_empty(), "reaching up a layer: {up:#?}");
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    for crate_src in ["proxy/src", "proxy/providers/src", "widget/src"] {
        let graph = graph(&tests::workspace_root().join(crate_src));
        assert!(graph.len() > 3, "{crate_src} was not read");
        assert_eq!(circle(&graph), None, "a circle of imports in {crate_src}");
    }
}

#[test]
fn the_scan_reads_grouped_nested_and_inline_names() {
    let text = "use crate::{clock, store::{Db, queue::Lease}, photo};\nlet x = crate::notify::decided;\n/// [`crate::worker`]";
    assert_eq!(names(text), ["clock", "store", "photo", "notify", "worker"]);
}

#[test]
fn a_circle_is_found_and_a_chain_is_not() {
    let graph_of = |edges: &[(&str, &str)]| {
        let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (from, to) in edges {
            graph.entry((*to).to_owned()).or_default();
            graph
                .entry((*from).to_owned())
                .or_default()
                .insert((*to).to_owned(), String::new());
        }
        graph
    };
    let chain = graph_of(&[
        ("state", "effects"),
        ("hooks", "state"),
        ("hooks", "effects"),
    ]);
    assert_eq!(circle(&chain), None);
    let looped = graph_of(&[("draft", "state"), ("hooks", "draft"), ("state", "hooks")]);
    assert_eq!(
        circle(&looped),
        Some(
            ["draft", "state", "hooks", "draft"]
                .map(String::from)
                .to_vec()
        )
    );
}

#[test]
fn every_layer_is_drawn_in_the_architecture() {
    let doc = tests::workspace_root().join("ARCHITECTURE.md");
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
