//! `cargo xtask ci`: every check, in the order that fails fastest.

use crate::demo;
use crate::postgres::Postgres;
use crate::setup;
use crate::util::{self, exec};
use crate::widget;

/// The integration tests that run a second time on PostgreSQL, as (package,
/// test binary, test name filters): every flow a submission takes through the
/// database (and the brand's outbox), a person's decisions and the console's
/// accounts and sessions, the metrics read from it, and two instances on one
/// database.
const POSTGRES_TESTS: &[(&str, &str, &[&str])] = &[
    (
        "tests",
        "e2e",
        &[
            "flow::",
            "worker::",
            "notify::",
            "operator::",
            "console::",
            "console_admin::",
            "console_browse::",
            "decisions::",
            "retention::",
            "duplicates::",
            "metrics::",
        ],
    ),
    ("proxy", "instances", &[]),
];

/// Cargo for a one-off check: no incremental caches, which would double the
/// disk a fresh machine needs and never be reused.
fn cargo() -> std::process::Command {
    let mut cmd = util::cargo();
    cmd.env("CARGO_INCREMENTAL", "0");
    cmd
}

pub fn run() -> anyhow::Result<()> {
    let tools = setup::ensure()?;
    exec(cargo().args(["fmt", "--all", "--check"]))?;
    exec(cargo().args([
        "clippy",
        "--workspace",
        "--exclude",
        "widget",
        "--all-targets",
        "--features",
        "qrscan/fixtures,vision/fixtures",
        "--",
        "-D",
        "warnings",
    ]))?;
    widget::lint(&tools.build)?;
    let widget_dir = widget::build(&tools.build)?;

    // Host tests, including the end-to-end tests in Chromium against the widget
    // just built.
    // The proxy carries the widget just built (as `cargo xtask dist` builds
    // it), so the browser tests load the widget from inside the binary.
    exec(
        cargo()
            .args(["test", "--workspace", "--exclude", "widget"])
            .args([
                "--features",
                "qrscan/fixtures,vision/fixtures,proxy/embed-widget",
            ])
            .env("RECEIPT_RELAY_WIDGET_DIR", &widget_dir)
            .env("CHROMEDRIVER", &tools.chromedriver)
            .env("CHROMIUM", &tools.chromium)
            .env("AXE_CORE", &tools.axe),
    )?;

    // The flows again, on a throwaway PostgreSQL server (stopped when `postgres`
    // drops), each test on a database of its own.
    let postgres = Postgres::start()?;
    for (package, binary, filters) in POSTGRES_TESTS {
        let mut flows = cargo();
        flows.args(["test", "--package", package, "--test", binary]);
        flows.args(["--features", "proxy/embed-widget", "--"]);
        flows.args(*filters);
        exec(flows.env("RECEIPT_RELAY_TEST_POSTGRES", &postgres.url))?;
    }
    drop(postgres);

    // The widget's, its api reading's and the QR decoder's own tests, in
    // headless Chromium
    // (wasm-bindgen-test-runner reads webdriver.json for Chromium's flags).
    exec(
        tools
            .build
            .wasm
            .cargo("test")
            .env("CARGO_INCREMENTAL", "0")
            .args([
                "--package",
                "widget",
                "--package",
                "web",
                "--package",
                "qrscan",
            ])
            .args(["--features", "qrscan/fixtures"])
            .env("CHROMEDRIVER", &tools.chromedriver)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
    )?;
    contract(&tools.schemathesis)?;
    eprintln!("ci: all checks passed");
    Ok(())
}

/// The live API against its OpenAPI description (`/v1/openapi.json`):
/// schemathesis on the demo's proxy and sandbox, every check but
/// `positive_data_acceptance` (a body the schema allows is not always a
/// photo, nor a JSON list of offers), with a fixed seed so that a run is
/// repeatable. The demo's rate limits are lifted: every request comes from
/// here.
fn contract(schemathesis: &std::path::Path) -> anyhow::Result<()> {
    exec(
        cargo()
            .args(["build", "--package", "proxy", "--package", "sandbox"])
            .args(["--features", "proxy/embed-widget"]),
    )?;
    let addr = demo::free_port()?;
    let lifted = [
        ("RECEIPT_RELAY_LIMITS__PER_CLIENT__PER_MINUTE", "1000000"),
        ("RECEIPT_RELAY_LIMITS__PER_CLIENT__BURST", "100000"),
        ("RECEIPT_RELAY_LIMITS__PER_CAMPAIGN__PER_MINUTE", "1000000"),
        ("RECEIPT_RELAY_LIMITS__PER_CAMPAIGN__BURST", "100000"),
    ];
    let _demo = demo::start(addr, &lifted)?;
    exec(
        std::process::Command::new(schemathesis)
            // Its cache goes where it runs: under target/, not in the checkout.
            .current_dir(util::root().join("target"))
            .arg("--config-file")
            .arg(util::root().join("xtask/schemathesis.toml"))
            .arg("run")
            .arg(format!("http://{addr}/v1/openapi.json"))
            .args([
                "--checks",
                "all",
                "--exclude-checks",
                "positive_data_acceptance",
            ])
            // One worker: Hypothesis describes a strategy's lambdas with
            // `ast.parse`, which is not safe across threads in the Python 3.11
            // the tool runs on (two workers once failed inside the tool with
            // "AST constructor recursion depth mismatch").
            .args([
                "--max-examples",
                "40",
                "--workers",
                "1",
                "--seed",
                "20261129",
            ]),
    )
}
