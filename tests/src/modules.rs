//! Which top module of a crate names which, read from its sources: every
//! `crate::…` path (`use` lines, grouped ones, inline paths and doc links).
//! `tests/tests/modules.rs` checks the proxy's layers and that no crate's
//! modules import each other in a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every top module a text names as `crate::<module>`: `crate::a::b`, and
/// each item of `crate::{a, b::{c, d}}` (only the outer names).
pub fn names(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut item_start) = (0, true);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_ascii_alphanumeric() || c == '_') => {
                        found.push(word(&group[i..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.push(word(rest));
        }
    }
    found
}

fn word(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// For each top module of the crate whose sources are in `src` (the root's
/// `lib` and `main` left out), the other top modules it names, with the file
/// that names each.
pub fn graph(src: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut files = Vec::new();
    sources(src, None, &mut files);
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (module, path) in files {
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read a source file");
        let named = graph.entry(module.clone()).or_default();
        for name in names(&text) {
            if name != module {
                named
                    .entry(name)
                    .or_insert_with(|| path.display().to_string());
            }
        }
    }
    graph
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

/// A circle of modules that name each other (`[a, b, a]`: `a` names `b`,
/// which names `a`), if there is one. Names that are no module of the graph
/// (a type re-exported at the root) lead nowhere.
pub fn circle(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Option<Vec<String>> {
    // Depth first, with the path walked so far: a name already on it closes
    // a circle; a module left behind has none through it.
    fn walk<'a>(
        graph: &'a BTreeMap<String, BTreeMap<String, String>>,
        module: &'a str,
        path: &mut Vec<&'a str>,
        cleared: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| *m == module) {
            let mut found: Vec<String> = path[at..].iter().map(|m| (*m).to_owned()).collect();
            found.push(module.to_owned());
            return Some(found);
        }
        if cleared.contains(module) {
            return None;
        }
        path.push(module);
        for next in graph.get(module).into_iter().flat_map(BTreeMap::keys) {
            if graph.contains_key(next)
                && let Some(found) = walk(graph, next, path, cleared)
            {
                return Some(found);
            }
        }
        path.pop();
        cleared.insert(module);
        None
    }
    let mut cleared = BTreeSet::new();
    graph
        .keys()
        .find_map(|module| walk(graph, module, &mut Vec::new(), &mut cleared))
}
