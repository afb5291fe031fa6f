//! The proxy's layers, checked at build time (as Cargo checks that the
//! `providers` crate knows neither axum nor sqlx): a lower layer never names a
//! higher one, in a `use` or inline (`crate::notify::…`).

use std::path::Path;

/// What storage (`src/store/`) may name of the proxy: the layers below it.
/// Storage knows no webhook body, policy, configuration, route or worker.
const STORE_MAY_NAME: &[&str] = &["store", "lifecycle", "clock", "changes"];

/// Every `crate::<module>` a file under `dir` names, with where.
fn named_modules(dir: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read the module's folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            found.extend(named_modules(&path));
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read a source file");
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                let module: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                found.push((module, format!("{}:{}", path.display(), n + 1)));
            }
        }
    }
    found
}

#[test]
fn storage_reached_up_to_the_layers_that_call_it() {
    let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
    let named = named_modules(&store);
    assert!(
        named.iter().any(|(module, _)| module == "lifecycle"),
        "the scan finds storage's own imports: {named:?}"
    );
    let upward: Vec<_> = named
        .into_iter()
        .filter(|(module, _)| !STORE_MAY_NAME.contains(&module.as_str()))
        .collect();
    assert!(
        upward.is_empty(),
        "storage names a higher layer: {upward:?}"
    );
}
