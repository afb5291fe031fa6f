//! `cargo xtask fuzz [--seconds N]`: the fuzz targets of `tests/tests/fuzz.rs`
//! (the fiscal QR parser, the multipart reader, the provider answer parsers),
//! each for N seconds (default 600: ten minutes, the three side by side),
//! optimized. `cargo xtask ci` runs them for a few seconds each with the other
//! tests.

use anyhow::{Context, bail};

use crate::util::{self, exec};

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let seconds: u64 = match args {
        [] => 600,
        [flag, value] if flag == "--seconds" => value
            .parse()
            .with_context(|| format!("--seconds {value}: expected a whole number"))?,
        _ => bail!("usage: cargo xtask fuzz [--seconds N]"),
    };
    exec(
        util::cargo()
            .args(["test", "--release", "--package", "tests", "--test", "fuzz"])
            .args(["--", "--nocapture"])
            .env("FUZZ_SECONDS", seconds.to_string())
            // The three targets side by side, whatever the number of cores.
            .env("RUST_TEST_THREADS", "3"),
    )
}
