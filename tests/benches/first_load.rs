//! The first load on a phone, measured in headless Chromium at 390x844, cache
//! off, CPU slowed 4x, on a brand's page that embeds the widget as the README
//! says and nothing else (the reserved element and the one script tag, served
//! from the brand's own origin: no preload hints), over two networks: a
//! phone's typical one (150 ms round trip, 1.6 Mbps) and a poor one (562 ms,
//! 400 kbps). For each: when the widget is interactive (its first `step`
//! event: the campaign is here and the first step on screen), the bytes
//! transferred by then, and the layout shift (CLS) of the load; and where the
//! time goes: the CPU (the same load with no network limits), the bytes at the
//! network's speed, and the round trips (the rest). Run by `cargo xtask
//! bench`, which puts the Markdown it prints into docs/bench.md.

use std::time::Duration;

use serde_json::{Value, json};
use tests::browser::Browser;
use tests::{Options, spawn_app_with};

const RUNS: usize = 3;

/// The height a brand's page reserves for the widget, as the README says.
const RESERVED_PX: u32 = 340;

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

/// A network as DevTools emulates it: round trip, and bits per second down
/// and up (`None`: no limits).
#[derive(Clone, Copy)]
struct Network {
    name: &'static str,
    latency_ms: u32,
    down_bps: u64,
    up_bps: u64,
}

const PHONE: Network = Network {
    name: "150 ms, 1.6 Mbps",
    latency_ms: 150,
    down_bps: 1_600_000,
    up_bps: 750_000,
};
const POOR: Network = Network {
    name: "562 ms, 400 kbps",
    latency_ms: 562,
    down_bps: 400_000,
    up_bps: 400_000,
};

struct Run {
    interactive_ms: f64,
    bytes: u64,
    cls: f64,
    /// The widget's height once up, which the page reserves.
    height: f64,
}

/// A brand's landing page: a headline, the element the widget mounts into
/// (its height reserved as the README says), the script tag, and the terms
/// below, which a widget that grows would push down.
fn landing_page(proxy: &str, campaign: &str) -> String {
    let terms = "<p>Terms: one reward per receipt, for purchases made during the promotion \
                 at participating stores. Keep your receipt until the reward is paid.</p>"
        .repeat(8);
    format!(
        r##"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Buy two, get 10 EUR back</title>
<style>body {{ font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 40em; padding: 16px; }}
.receipt-relay {{ display: block; min-height: {RESERVED_PX}px; }}</style></head>
<body><h1>Buy two, get 10 EUR back</h1>
<p>Buy two of the promoted products, then send us your receipt.</p>
<div id="receipt" class="receipt-relay"></div>
<script src="{proxy}/widget.js" data-campaign="{campaign}" data-target="#receipt" async></script>
{terms}
</body></html>"##
    )
}

async fn load(url: &str, network: Option<Network>) -> Run {
    let browser = Browser::start().await;
    let conditions = match network {
        Some(n) => json!({"offline": false, "latency": n.latency_ms,
                          "downloadThroughput": n.down_bps / 8,
                          "uploadThroughput": n.up_bps / 8}),
        None => json!({"offline": false, "latency": 0,
                       "downloadThroughput": -1, "uploadThroughput": -1}),
    };
    for (cmd, params) in [
        ("Network.enable", json!({})),
        ("Network.setCacheDisabled", json!({"cacheDisabled": true})),
        ("Network.emulateNetworkConditions", conditions),
        ("Emulation.setCPUThrottlingRate", json!({"rate": 4})),
        (
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": OBSERVERS}),
        ),
    ] {
        browser.cdp(cmd, params).await;
    }
    browser.client.goto(url).await.expect("landing page");
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
    let read = |script: &'static str| {
        let client = browser.client.clone();
        async move { client.execute(script, vec![]).await.expect(script) }
    };
    let bytes = read(BYTES_BEFORE).await.as_u64().unwrap_or_default();
    let cls = read("return window.rrLoad.cls;")
        .await
        .as_f64()
        .unwrap_or_default();
    let height = read("return document.querySelector('#receipt').shadowRoot.querySelector('.rr').getBoundingClientRect().height;")
        .await
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

/// The median of `RUNS` loads: interactive (ms), bytes, CLS, height.
async fn measure(url: &str, network: Option<Network>) -> (f64, f64, f64, f64) {
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        runs.push(load(url, network).await);
    }
    (
        median(runs.iter().map(|r| r.interactive_ms).collect()),
        median(runs.iter().map(|r| r.bytes as f64).collect()),
        median(runs.iter().map(|r| r.cls).collect()),
        median(runs.iter().map(|r| r.height).collect()),
    )
}

#[tokio::main]
async fn main() {
    // The brand's page on an origin of its own, which the campaigns allow.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the landing page");
    let site = format!("http://{}", listener.local_addr().expect("address"));
    let app = spawn_app_with(Options {
        allowed_origin: Some(site.clone()),
        ..Options::live()
    })
    .await;
    let proxy = app.address.clone();
    let pages = axum::Router::new().route(
        "/{campaign}",
        axum::routing::get(
            move |axum::extract::Path(campaign): axum::extract::Path<String>| {
                let page = landing_page(&proxy, &campaign);
                async move { axum::response::Html(page) }
            },
        ),
    );
    tokio::spawn(async move { axum::serve(listener, pages).await });

    println!("## First load on a phone (4x CPU)\n");
    println!(
        "A brand's landing page embedding the widget as the README says (the element it \
         mounts into, {RESERVED_PX} px reserved, and the one script tag; no preload hints), on \
         an origin of its own, in headless Chromium at 390x844, cache off, the CPU slowed \
         4x; median of {RUNS} loads. Interactive: the widget's first `step` event (the \
         campaign is here and its first step on screen). Bytes: what the page had \
         transferred by then (compressed, the page itself included). CLS: the layout shift \
         of the load, the widget growing into place included. Where the time goes: CPU is \
         the same load with no network limits; bytes, what was transferred at the \
         network's speed; round trips, the rest.\n"
    );
    println!(
        "| campaign | network | interactive | bytes | CLS | widget height | CPU | bytes at speed | round trips |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    // `cargo bench --bench first_load -- demo-apm` measures that campaign alone.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    for campaign in [
        "demo-easypromos",
        "demo-aboutgoods",
        "demo-apm",
        "demo-photon",
        "demo-bitlabs",
    ] {
        if !only.is_empty() && !only.iter().any(|o| o == campaign) {
            continue;
        }
        let url = format!("{site}/{campaign}");
        let (cpu, ..) = measure(&url, None).await;
        let networks: &[Network] = if matches!(campaign, "demo-easypromos" | "demo-bitlabs") {
            &[PHONE, POOR]
        } else {
            &[PHONE]
        };
        for network in networks {
            let (interactive, bytes, cls, height) = measure(&url, Some(*network)).await;
            let transfer = bytes * 8.0 / network.down_bps as f64 * 1000.0;
            let trips = (interactive - cpu - transfer).max(0.0);
            println!(
                "| {campaign} | {} | {:.2} s | {:.0} KB | {cls:.3} | {height:.0} px | {:.2} s | {:.2} s | {:.2} s |",
                network.name,
                interactive / 1000.0,
                bytes / 1024.0,
                cpu / 1000.0,
                transfer / 1000.0,
                trips / 1000.0,
            );
        }
    }
    println!();
}
