//! `cargo xtask bench`: measures what the issues ask to be measured (never
//! asserted in tests) and writes the figures to `target/bench.md`.

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::Context;

use crate::setup;
use crate::util;
use crate::widget;

pub fn run() -> anyhow::Result<()> {
    let tools = setup::ensure_build()?;
    let dir = widget::build(&tools)?;
    let mut report = String::from("# receipt-relay benchmarks\n\n## Widget download\n\n");
    report.push_str("| file | bytes | gzip -9 bytes |\n|---|---:|---:|\n");
    let mut files = vec![dir.join("widget.js")];
    for entry in std::fs::read_dir(dir.join("assets"))? {
        files.push(entry?.path());
    }
    files.sort();
    let (mut raw_total, mut gz_total) = (0, 0);
    for file in &files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let gz = gzip_len(&bytes)?;
        raw_total += bytes.len();
        gz_total += gz;
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        writeln!(report, "| {name} | {} | {gz} |", bytes.len())?;
    }
    writeln!(report, "| **total** | {raw_total} | **{gz_total}** |")?;
    let out = util::root().join("target/bench.md");
    std::fs::write(&out, &report)?;
    println!("{report}");
    eprintln!("bench: written to {}", out.display());
    Ok(())
}

/// Compressed size with the system's gzip at its best level, as a web server
/// would serve it.
fn gzip_len(bytes: &[u8]) -> anyhow::Result<usize> {
    let mut child = std::process::Command::new("gzip")
        .arg("-9c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("starting gzip")?;
    child.stdin.take().context("gzip stdin")?.write_all(bytes)?;
    let out = child.wait_with_output()?;
    Ok(out.stdout.len())
}
