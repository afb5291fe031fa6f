//! The stylesheet goes into the bundle minified: comments dropped and
//! whitespace collapsed (about 0.3 KB gzip of the phone's download).

use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=src/style.css");
    let css = std::fs::read_to_string("src/style.css").expect("src/style.css");
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(Path::new(&out).join("style.css"), minify(&css)).expect("write style.css");
}

/// `css` without comments or needless whitespace. Safe for what the widget's
/// stylesheet holds: no string contains a comment, a brace, a semicolon or a
/// comma followed by a space that matters.
fn minify(css: &str) -> String {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    text.push_str(rest);
    let mut out = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (spaced, tight) in [
        (" {", "{"),
        ("{ ", "{"),
        ("; ", ";"),
        (" }", "}"),
        (";}", "}"),
        ("} ", "}"),
        (", ", ","),
        (": ", ":"),
        (" > ", ">"),
    ] {
        out = out.replace(spaced, tight);
    }
    out
}
