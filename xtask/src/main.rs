//! `cargo xtask`: the project's automation, in Rust (matklad's cargo-xtask).
//!
//! - `setup`: installs what building and testing need (wasm32 toolchain,
//!   wasm-bindgen-cli at the locked version, Chromium and chromedriver);
//! - `widget`: lints and builds the widget into `target/widget` (what `demo` and
//!   `ci` serve), for working on it;
//! - `demo [--addr HOST:PORT]`: builds everything and serves the demo page;
//! - `dist`: builds the widget and a release proxy that carries it;
//! - `ci`: every check, as CI runs it;
//! - `fuzz [--seconds N]`: the fuzz targets, ten minutes by default;
//! - `bench`: measures sizes and times and writes `target/bench.md`.

mod bench;
mod ci;
mod demo;
mod fuzz;
mod postgres;
mod setup;
mod util;
mod widget;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <setup | widget | demo [--addr HOST:PORT] | dist | ci | fuzz [--seconds N] | bench>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::ensure().map(drop),
        Some("widget") => widget::lint_and_build(),
        Some("demo") => demo::run(&args[1..]),
        Some("dist") => widget::dist(),
        Some("ci") => ci::run(),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("bench") => bench::run(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
