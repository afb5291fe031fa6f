//! The demo page's first load on a phone, measured in headless Chromium at
//! 390x844 with DevTools' "Slow 4G" network (1.6 Mbps down, 750 kbps up,
//! 563 ms round trip) and a 4x slower CPU, cache off: when the widget is
//! interactive (its first `step` event: the campaign is here and the first
//! step is on screen), the bytes the page had transferred by then, and the
//! layout shift (CLS) over the load. Run by `cargo xtask bench`, which puts the
//! Markdown it prints into docs/bench.md.

use std::time::Duration;

use serde_json::{Value, json};
use tests::browser::Browser;
use tests::{Options, spawn_app_with};

const RUNS: usize = 3;

/// Runs before the page's own scripts: notes when the widget is first
/// interactive and adds up the layout shifts not caused by input.
const OBSERVERS: &str = r"
window.rrLoad = { cls: 0 };
document.addEventListener('step', () => {
  if (window.rrLoad.interactive === undefined) window.rrLoad.interactive = performance.now();
});
new PerformanceObserver((list) => {
  for (const shift of list.getEntries()) {
    if (!shift.hadRecentInput) window.rrLoad.cls += shift.value;
  }
}).observe({ type: 'layout-shift', buffered: true });
";

/// What the page transferred before it was interactive, in bytes.
const BYTES_BEFORE: &str = r"
const by = window.rrLoad.interactive;
const entries = performance.getEntriesByType('navigation')
  .concat(performance.getEntriesByType('resource'))
  .filter((e) => e.responseEnd <= by);
return entries.reduce((sum, e) => sum + e.transferSize, 0);
";

struct Run {
    interactive_ms: f64,
    bytes: u64,
    cls: f64,
    /// The widget's height once up, which the loader's placeholder reserves.
    height: f64,
}

async fn load(url: &str) -> Run {
    let browser = Browser::start().await;
    for (cmd, params) in [
        ("Network.enable", json!({})),
        ("Network.setCacheDisabled", json!({"cacheDisabled": true})),
        (
            "Network.emulateNetworkConditions",
            json!({"offline": false, "latency": 563,
                   "downloadThroughput": 1_600_000 / 8 * 9 / 10,
                   "uploadThroughput": 750_000 / 8 * 9 / 10}),
        ),
        ("Emulation.setCPUThrottlingRate", json!({"rate": 4})),
        (
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": OBSERVERS}),
        ),
    ] {
        browser.cdp(cmd, params).await;
    }
    browser.client.goto(url).await.expect("demo page");
    let mut interactive = Value::Null;
    for _ in 0..600 {
        interactive = browser
            .client
            .execute("return window.rrLoad && window.rrLoad.interactive;", vec![])
            .await
            .expect("read the load");
        if interactive.is_number() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let interactive_ms = interactive.as_f64().expect("the widget became interactive");
    // Shifts after the widget is up (its first step growing into place) count.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let bytes = browser
        .client
        .execute(BYTES_BEFORE, vec![])
        .await
        .expect("bytes")
        .as_u64()
        .unwrap_or_default();
    let cls = browser
        .client
        .execute("return window.rrLoad.cls;", vec![])
        .await
        .expect("cls")
        .as_f64()
        .unwrap_or_default();
    let height = browser
        .client
        .execute(
            "return document.querySelector('.receipt-relay').getBoundingClientRect().height;",
            vec![],
        )
        .await
        .expect("height")
        .as_f64()
        .unwrap_or_default();
    browser.close().await;
    Run {
        interactive_ms,
        bytes,
        cls,
        height,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let app = spawn_app_with(Options {
        with_widget: true,
        ..Options::default()
    })
    .await;
    println!("## First load on a phone (Slow 4G, 4x CPU)\n");
    println!(
        "The demo page in headless Chromium at 390x844, cache off, with DevTools' Slow 4G \
         network (1.6 Mbps down, 750 kbps up, 563 ms round trip) and the CPU slowed 4x; \
         median of {RUNS} loads. Interactive: the widget's first `step` event (the campaign \
         is here and its first step on screen). Bytes: what the page had transferred by then \
         (compressed, the page itself included). CLS: the layout shift of the load, the \
         widget growing into place included.\n"
    );
    println!("| campaign | interactive | bytes before interactive | CLS | widget height |");
    println!("|---|---:|---:|---:|---:|");
    for campaign in ["demo-easypromos", "demo-bitlabs"] {
        let mut runs = Vec::new();
        for _ in 0..RUNS {
            runs.push(load(&app.url(&format!("/?campaign={campaign}"))).await);
        }
        println!(
            "| {campaign} | {:.2} s | {:.0} KB | {:.3} | {:.0} px |",
            median(runs.iter().map(|r| r.interactive_ms).collect()) / 1000.0,
            median(runs.iter().map(|r| r.bytes as f64).collect()) / 1024.0,
            median(runs.iter().map(|r| r.cls).collect()),
            median(runs.iter().map(|r| r.height).collect()),
        );
    }
    println!();
}
