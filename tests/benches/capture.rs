//! Photo preparation in the widget, measured in headless Chromium at phone size:
//! a 12 MP phone photo picked from the gallery, from the input's `change` event
//! to its prepared thumbnail in the DOM (timed in the page with
//! `performance.now()`), and the bytes that would be uploaded. Run by
//! `cargo xtask bench`, which puts the Markdown it prints into docs/bench.md.

use serde_json::Value;
use tests::browser::{self, Browser};
use tests::{Options, fixtures, spawn_app_with};

const RUNS: usize = 7;

/// Records, in the page, when a photo input changes and when a thumbnail appears.
const STOPWATCH: &str = r"
const root = document.querySelector('.receipt-relay').shadowRoot;
window.rrBench = [];
root.addEventListener('change', () => { window.rrStart = performance.now(); }, true);
new MutationObserver(() => {
  const img = root.querySelector('.rr-thumb img');
  if (img && window.rrStart !== undefined) {
    window.rrBench.push(performance.now() - window.rrStart);
    window.rrStart = undefined;
  }
}).observe(root, { childList: true, subtree: true });
";

const PREPARED_SIZE: &str = r"
const done = arguments[arguments.length - 1];
const img = document.querySelector('.receipt-relay').shadowRoot.querySelector('.rr-thumb img');
fetch(img.src).then(r => r.blob()).then(b => done(b.size));
";

#[tokio::main]
async fn main() {
    let app = spawn_app_with(Options::live()).await;
    let photo = fixtures::write("bench-12mp.jpg", &fixtures::phone_photo_12mp());
    let original = std::fs::metadata(&photo).expect("fixture").len();
    let browser = Browser::start().await;
    browser.client.goto(&app.url("/")).await.expect("demo page");
    let widget = browser.widget().await;
    browser
        .client
        .execute(STOPWATCH, vec![])
        .await
        .expect("stopwatch");

    let mut prepared = 0;
    for _ in 0..RUNS {
        browser::choose_photo(&widget, &photo).await;
        prepared = browser
            .client
            .execute_async(PREPARED_SIZE, vec![])
            .await
            .expect("prepared size")
            .as_u64()
            .expect("a size");
        browser::click(&widget, ".rr-remove").await;
        browser::wait_count(&widget, ".rr-thumb", 0).await;
    }
    let times = browser
        .client
        .execute("return window.rrBench;", vec![])
        .await
        .expect("times");
    browser.close().await;
    let mut ms: Vec<f64> = match times {
        Value::Array(values) => values.iter().filter_map(Value::as_f64).collect(),
        _ => Vec::new(),
    };
    ms.sort_by(f64::total_cmp);
    assert_eq!(ms.len(), RUNS, "every run timed");
    #[allow(clippy::cast_precision_loss)]
    let reduction = 100.0 * (1.0 - prepared as f64 / original as f64);
    println!("## Photo preparation (12 MP phone photo, headless Chromium)\n");
    println!("| | |\n|---|---:|");
    println!("| photo as taken (4000x3000 JPEG q92) | {original} bytes |");
    println!("| as uploaded (2000x1500 JPEG q80) | {prepared} bytes ({reduction:.0}% smaller) |");
    println!(
        "| time to prepare, median of {RUNS} (min to max) | {:.0} ms ({:.0} to {:.0} ms) |",
        ms[RUNS / 2],
        ms[0],
        ms[RUNS - 1]
    );
}
