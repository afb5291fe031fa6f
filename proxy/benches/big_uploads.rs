//! Memory under big uploads, measured (`cargo xtask bench` runs it; it asserts
//! nothing): 200 phone photos of about 5 MB sent at once to one proxy
//! process, with the upload memory budget as shipped and with it lifted.
//! Prints a Markdown table: the proxy's resident memory before, its peak, and
//! how long until every upload was answered.

#[path = "../tests/common/process.rs"]
mod process;

use std::sync::Arc;
use std::time::Instant;

use process::Instance;
use sandbox::SandboxConfig;

const UPLOADS: usize = 200;

/// A 5 MB JPEG as a phone's camera writes one (fine grain compresses badly).
fn photo() -> Vec<u8> {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let img = image::RgbImage::from_fn(2400, 3400, |_, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let grain = (seed % 128) as u8;
        if y % 24 < 3 {
            image::Rgb([20 + grain, 20 + grain, 20 + grain])
        } else {
            image::Rgb([120 + grain, 120 + grain, 115 + grain])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out.into_inner()
}

fn resident_mb(instance: &Instance) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", instance.child.id()))
        .unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

struct Figures {
    before_mb: f64,
    peak_mb: f64,
    answered_s: f64,
    accepted: usize,
}

async fn run(budget: &str, photo: Arc<Vec<u8>>) -> Figures {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = sandbox::spawn(listener, SandboxConfig::generated()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let database = process::database_url(dir.path(), None, "big_uploads").await;
    // All 200 come from this one address, at once: the rates are lifted.
    let config = process::write_config(
        dir.path(),
        &database,
        &sandbox,
        &format!("[limits]\n{budget}\n{}", process::LIFTED_RATES),
        "photos = { max_bytes = 8388608 }",
    );
    let instance = Instance::start(&config).await;
    let before_mb = resident_mb(&instance);
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut uploads = tokio::task::JoinSet::new();
    for _ in 0..UPLOADS {
        let (http, url, photo) = (http.clone(), instance.url.clone(), photo.clone());
        uploads.spawn(async move {
            let form = reqwest::multipart::Form::new().part(
                api::field::PHOTO,
                reqwest::multipart::Part::bytes(photo.to_vec()).file_name("receipt.jpg"),
            );
            http.post(format!("{url}/v1/campaigns/promo/submissions"))
                .multipart(form)
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
    }
    let mut accepted = 0;
    while let Some(done) = uploads.join_next().await {
        if done.unwrap().is_ok_and(|s| s == 202) {
            accepted += 1;
        }
    }
    let answered_s = started.elapsed().as_secs_f64();
    // The worker forwards them meanwhile; give it the time to reach its peak.
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    Figures {
        before_mb,
        peak_mb: instance.peak_rss_mb(),
        answered_s,
        accepted,
    }
}

#[tokio::main]
async fn main() {
    let photo = Arc::new(photo());
    let mut table = format!(
        "## Big uploads\n\n{UPLOADS} photos of {:.1} MB sent at once to one proxy process (SQLite), \
         which forwards them meanwhile.\n\n\
         | upload memory | resident before | peak resident | all answered | accepted |\n\
         |---|---|---|---|---|\n",
        photo.len() as f64 / 1_048_576.0
    );
    for (name, budget) in [
        ("48 MB (the default)", ""),
        ("unbounded", "upload_memory_mb = 100000"),
    ] {
        let f = run(budget, photo.clone()).await;
        eprintln!("big uploads, {name}: peak {:.0} MB", f.peak_mb);
        table.push_str(&format!(
            "| {name} | {:.0} MB | {:.0} MB | {:.1} s | {}/{UPLOADS} |\n",
            f.before_mb, f.peak_mb, f.answered_s, f.accepted
        ));
    }
    print!("{table}");
}
