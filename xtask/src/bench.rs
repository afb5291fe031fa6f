//! `cargo xtask bench`: measures what the issues ask to be measured (never
//! asserted in tests) and writes the figures to `docs/bench.md` (committed, with
//! the machine it ran on) and `target/bench.md`.

use std::fmt::Write as _;

use anyhow::Context;

use crate::postgres::Postgres;
use crate::setup;
use crate::util;
use crate::widget;

pub fn run() -> anyhow::Result<()> {
    let tools = setup::ensure()?;
    let dir = widget::build(&tools.build)?;
    let mut report = String::from("# receipt-relay benchmarks\n\n## Widget download\n\n");
    let mut files = vec![dir.join("widget.js")];
    for entry in std::fs::read_dir(dir.join("assets"))? {
        let path = entry?.path();
        // The compressed copies are measured beside their file.
        if !path.extension().is_some_and(|e| e == "gz" || e == "br") {
            files.push(path);
        }
    }
    files.sort();
    // Fetched only when needed: the lens when a shopper first opens the camera
    // or picks a photo, a language's words when a widget speaks it.
    let named = |prefix: &'static str| {
        move |f: &std::path::PathBuf| {
            f.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        }
    };
    let (lens, rest): (Vec<_>, Vec<_>) = files.into_iter().partition(named("lens-"));
    let (words, download): (Vec<_>, Vec<_>) = rest.into_iter().partition(named("words-"));
    let gz_total = size_table(&mut report, &download)?;
    writeln!(
        report,
        "\nThe proxy serves each file compressed as the browser asks: gzip (written with zopfli) or brotli.\n\nBudget: 120 KiB gzip ({:.1} KiB now). No words are built in. Both modules are built with the standard library compiled for size, a panic aborting at once with no message (Debian's rustc-web or rustup's rust-src, `Shipping::build`), and their functions laid out for gzip, each followed by the one most like it (`xtask/src/widget/layout.rs`).\n\nLoaded on demand, the first time a shopper opens the camera, picks a photo or scans a code: the lens (QR decoding, receipt vision, photo preparation, the live camera, and the camera's and the corner editor's dialogs; and a verdict's details, drawn when the verdict comes). Budget: 100 KiB gzip.\n",
        gz_total as f64 / 1024.0
    )?;
    size_table(&mut report, &lens)?;
    report.push_str(
        "\nFetched by the loader beside the wasm, the one of the shopper's language:\n\n",
    );
    size_table(&mut report, &words)?;
    report.push('\n');

    // In Chromium against the widget just built: the first load on a slow
    // phone, photo preparation, and the lens's time per viewfinder frame.
    for bench in ["first_load", "capture", "lens"] {
        let figures = util::output(
            util::cargo()
                .args(["bench", "--package", "tests", "--bench", bench])
                .env("RECEIPT_RELAY_WIDGET_DIR", &dir)
                .env("CHROMEDRIVER", &tools.chromedriver)
                .env("CHROMIUM", &tools.chromium)
                .stderr(std::process::Stdio::inherit()),
        )
        .with_context(|| format!("the {bench} benchmark failed"))?;
        report.push_str(&figures);
        report.push_str("\n\n");
    }
    let zxing = setup::ensure_zxing()?;
    let qr = util::output(
        util::cargo()
            .args(["bench", "--package", "qrscan", "--features", "fixtures"])
            .args(["--bench", "decoders"])
            .env("ZXING_PYTHON", &zxing)
            .stderr(std::process::Stdio::inherit()),
    )
    .context("the QR decoder benchmark failed")?;
    report.push_str(&qr);
    let vision = util::output(
        util::cargo()
            .args(["bench", "--package", "vision", "--features", "fixtures"])
            .args(["--bench", "find"])
            .stderr(std::process::Stdio::inherit()),
    )
    .context("the receipt vision benchmark failed")?;
    report.push_str("\n\n");
    report.push_str(&vision);

    // A promotion's peak, on SQLite and on a throwaway PostgreSQL server.
    let postgres = Postgres::start()?;
    let burst = proxy_bench("burst", &[("BURST_POSTGRES", &postgres.url)])?;
    report.push('\n');
    report.push_str(&burst);

    // Intake beside a plain reverse proxy: nginx, installed where missing.
    if !std::path::Path::new("/usr/sbin/nginx").exists() {
        setup::apt_install(&["nginx-light"])?;
    }
    let intake = proxy_bench("intake", &[("INTAKE_POSTGRES", &postgres.url)])?;
    report.push_str("\n\n");
    report.push_str(&intake);
    let lookup = proxy_bench("photo_lookup", &[("LOOKUP_POSTGRES", &postgres.url)])?;
    let console = proxy_bench("console", &[("CONSOLE_POSTGRES", &postgres.url)])?;
    drop(postgres);

    let uploads = proxy_bench("big_uploads", &[])?;
    report.push_str("\n\n");
    report.push_str(&uploads);

    let hashes = proxy_bench("photo_hash", &[])?;
    report.push_str("\n\n");
    report.push_str(&hashes);
    report.push_str("\n\n");
    report.push_str(&lookup);
    report.push_str("\n\n");
    report.push_str(&console);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    writeln!(
        report,
        "\n\nMeasured on {cpu}, {} cores, by `cargo xtask bench`.",
        std::thread::available_parallelism().map_or(1, usize::from)
    )?;
    for out in ["target/bench.md", "docs/bench.md"] {
        std::fs::write(util::root().join(out), &report)?;
    }
    println!("{report}");
    eprintln!("bench: written to docs/bench.md and target/bench.md");
    Ok(())
}

/// What the proxy's bench `name` prints (its Markdown), run with `env`.
fn proxy_bench(name: &str, env: &[(&str, &str)]) -> anyhow::Result<String> {
    let mut cargo = util::cargo();
    cargo
        .args(["bench", "--package", "proxy", "--bench", name])
        .envs(env.iter().copied())
        .stderr(std::process::Stdio::inherit());
    util::output(&mut cargo).with_context(|| format!("the {name} benchmark failed"))
}

/// A Markdown table of the files' sizes: raw, and as the proxy serves them
/// compressed (the `.gz` and `.br` copies the build writes); returns the gzip
/// total, the one every browser can take.
fn size_table(report: &mut String, files: &[std::path::PathBuf]) -> anyhow::Result<usize> {
    report.push_str("| file | bytes | gzip bytes | brotli bytes |\n|---|---:|---:|---:|\n");
    let mut totals = [0; 3];
    for file in files {
        let sizes = [
            file_len(file, "")?,
            file_len(file, ".gz")?,
            file_len(file, ".br")?,
        ];
        for (total, size) in totals.iter_mut().zip(sizes) {
            *total += size;
        }
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        writeln!(
            report,
            "| {name} | {} | {} | {} |",
            sizes[0], sizes[1], sizes[2]
        )?;
    }
    let [raw, gzip, brotli] = totals;
    writeln!(report, "| **total** | {raw} | **{gzip}** | {brotli} |")?;
    Ok(gzip)
}

/// The length of `file` with `suffix` added to its name.
fn file_len(file: &std::path::Path, suffix: &str) -> anyhow::Result<usize> {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    let path = std::path::PathBuf::from(name);
    let meta = std::fs::metadata(&path)
        .with_context(|| format!("no {}: is the widget built?", path.display()))?;
    Ok(usize::try_from(meta.len())?)
}
