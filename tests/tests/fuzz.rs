//! Fuzzing of what a stranger can reach: the fiscal QR parser, the multipart
//! reader (through the router, as an upload; photos, and e-receipts damaged
//! byte by byte, to the campaign that reads PDF and to those that do not),
//! and the provider answer
//! parsers (each adapter, over real HTTP, against a server answering
//! anything). Property-based (proptest's strategies, random seeds), run for
//! a time budget: `FUZZ_SECONDS` per target (a few by default, as in
//! `cargo xtask ci`; `cargo xtask fuzz` runs them for ten minutes in all).
//! A failing input is printed with the seed that made it (`FUZZ_SEED`
//! replays the run).
//!
//! Alone in its binary, so that its long runs do not hold the end-to-end
//! tests up.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as RunnerConfig, RngAlgorithm, TestRng, TestRunner};
use tower::ServiceExt;

/// How long each target runs.
fn budget() -> Duration {
    let seconds = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    Duration::from_secs(seconds)
}

/// A runner seeded from `FUZZ_SEED`, else from the clock; the seed is printed.
fn runner(target: &str) -> TestRunner {
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    eprintln!("fuzz {target}: FUZZ_SEED={seed}");
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRunner::new_with_rng(
        RunnerConfig::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

/// Runs `check` on values of `strategy` until the budget is spent; answers
/// how many ran.
async fn fuzz<S, F, Fut>(target: &str, strategy: S, mut check: F) -> u64
where
    S: Strategy,
    S::Value: std::fmt::Debug + Clone,
    F: FnMut(S::Value) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let mut runner = runner(target);
    let deadline = Instant::now() + budget();
    let mut cases = 0;
    while Instant::now() < deadline {
        let value = strategy
            .new_tree(&mut runner)
            .expect("a strategy that generates")
            .current();
        if let Err(why) = check(value.clone()).await {
            panic!("fuzz {target}: {why}\ninput: {value:?}");
        }
        cases += 1;
    }
    eprintln!("fuzz {target}: {cases} inputs, nothing found");
    cases
}

// --- The fiscal QR parser ------------------------------------------------

/// Texts near a fiscal code: its keys and plausible values, shuffled,
/// repeated, cut and mixed with anything.
fn qr_texts() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        "[0-9]{0,20}",
        "[0-9]{8}T[0-9]{4,6}",
        "[0-9]{1,7}(\\.[0-9]{0,3})?",
        "\\PC{0,12}",
    ];
    let key = prop_oneof![
        Just("t"),
        Just("s"),
        Just("fn"),
        Just("i"),
        Just("fp"),
        Just("n"),
        Just("x")
    ];
    let near = proptest::collection::vec((key, value), 0..9).prop_map(|pairs| {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    });
    prop_oneof![near, any::<String>(), "[\\x00-\\x7f]{0,300}"]
}

#[tokio::test]
async fn the_fiscal_qr_parser_never_panics_and_what_it_reads_it_writes_back() {
    fuzz("fiscal_qr", qr_texts(), |text| async move {
        let checked = api::fiscal::check_qr_text(&text);
        if let Ok(qr) = api::fiscal::FiscalQr::parse(&text) {
            let again = api::fiscal::FiscalQr::parse(&qr.to_qr_string())
                .map_err(|e| format!("its own text does not parse: {e}"))?;
            if again.to_qr_string() != qr.to_qr_string() {
                return Err("the canonical text changed on a second reading".to_owned());
            }
            if text.chars().count() <= api::fiscal::MAX_QR_CHARS
                && !text.chars().any(char::is_control)
                && checked.is_err()
            {
                return Err("a fiscal code that parses was refused by the check".to_owned());
            }
        }
        Ok(())
    })
    .await;
}

// --- The multipart reader ------------------------------------------------

const BOUNDARY: &str = "fuzzBoundary7MA4YWxk";

/// One part: a field name (the real ones mostly), maybe a file name and a
/// type, and content (photo-like bytes, JSON-like text, anything).
fn part() -> impl Strategy<Value = (String, Option<String>, Option<String>, Vec<u8>)> {
    let name = prop_oneof![
        4 => prop_oneof![
            Just("photo".to_owned()),
            Just("qr".to_owned()),
            Just("offers".to_owned()),
            Just("merchant".to_owned()),
            Just("user".to_owned()),
            Just("user_token".to_owned()),
        ],
        1 => "\\PC{0,20}",
    ];
    let content = prop_oneof![
        // A JPEG's or a PNG's first bytes, then anything.
        proptest::collection::vec(any::<u8>(), 0..600).prop_map(|tail| {
            let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
            jpeg.extend(tail);
            jpeg
        }),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(|tail| {
            let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
            png.extend(tail);
            png
        }),
        "\\[(\\{\"offer_id\": ?(\"[0-9a-z,]{0,8}\"|-?[0-9]{1,12}|null), \"quantity\": ?-?[0-9]{1,4}\\},?){0,3}\\]"
            .prop_map(String::into_bytes),
        qr_texts().prop_map(String::into_bytes),
        e_receipts(),
        proptest::collection::vec(any::<u8>(), 0..200),
    ];
    (
        name,
        proptest::option::of("\\PC{0,40}"),
        proptest::option::of("(image/jpeg|image/png|text/plain|\\PC{0,20})"),
        content,
    )
}

/// A shop's PDF e-receipt, whole or with a few bytes changed (its
/// cross-references, objects and streams damaged), maybe cut short.
fn e_receipts() -> impl Strategy<Value = Vec<u8>> {
    let changes = proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8);
    (
        1..3u32,
        changes,
        proptest::option::of(any::<prop::sample::Index>()),
    )
        .prop_map(|(pages, changes, cut)| {
            let mut pdf = sandbox::e_receipt::pdf(309_000, pages);
            for (at, byte) in changes {
                let at = at.index(pdf.len());
                pdf[at] = byte;
            }
            if let Some(cut) = cut {
                pdf.truncate(cut.index(pdf.len() + 1));
            }
            pdf
        })
}

/// A body: well-formed parts, maybe cut or spliced with anything.
fn multipart_bodies() -> impl Strategy<Value = Vec<u8>> {
    let parts = proptest::collection::vec(part(), 0..6)
        .prop_map(|parts| {
            let mut body = Vec::new();
            for (name, file, kind, content) in parts {
                body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
                let mut disposition = format!("Content-Disposition: form-data; name=\"{name}\"");
                if let Some(file) = file {
                    disposition.push_str(&format!("; filename=\"{file}\""));
                }
                body.extend_from_slice(disposition.as_bytes());
                if let Some(kind) = kind {
                    body.extend_from_slice(format!("\r\nContent-Type: {kind}").as_bytes());
                }
                body.extend_from_slice(b"\r\n\r\n");
                body.extend_from_slice(&content);
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
            body
        })
        .boxed();
    prop_oneof![
        3 => parts.clone(),
        1 => (parts, any::<prop::sample::Index>()).prop_map(|(body, cut)| {
            let at = cut.index(body.len() + 1);
            body[..at].to_vec()
        }),
        1 => proptest::collection::vec(any::<u8>(), 0..800),
    ]
}

/// A proxy in process (its database in `dir`) with campaigns of each shape.
async fn proxy_app(dir: &tempfile::TempDir) -> axum::Router {
    let secret = dir.path().join("token");
    std::fs::write(&secret, "fuzz-token").unwrap();
    let config = proxy::config::Config::from_toml(&format!(
        r#"
        database_url = "sqlite://{db}"
        [limits]
        per_client = {{ per_minute = 1000000, burst = 1000000 }}
        per_campaign = {{ per_minute = 1000000, burst = 1000000 }}
        [providers.apm]
        kind = "apm"
        base_url = "http://127.0.0.1:9/apm"
        api_key = {{ file = {s:?} }}
        [providers.bitlabs]
        kind = "bitlabs"
        base_url = "http://127.0.0.1:9/bitlabs"
        token = {{ file = {s:?} }}
        [providers.photon]
        kind = "photon"
        base_url = "http://127.0.0.1:9/photon"
        client_id = {{ file = {s:?} }}
        username = "fuzz"
        api_key = {{ file = {s:?} }}
        password = {{ file = {s:?} }}
        secret_key = {{ file = {s:?} }}
        [campaigns.qr]
        provider = "apm"
        title = "QR or photos"
        photos = {{ min_count = 0, max_count = 3, max_bytes = 4000 }}
        [campaigns.offers]
        provider = "bitlabs"
        title = "Offers"
        photos = {{ max_count = 2, max_bytes = 4000 }}
        [campaigns.pdf]
        provider = "photon"
        title = "Photos or an e-receipt"
        photos = {{ max_count = 2, max_bytes = 8000, max_pdf_pages = 1 }}
        "#,
        db = dir.path().join("relay.db").display(),
        s = secret.display().to_string(),
    ))
    .expect("fuzz configuration");
    proxy::app(proxy::AppState::new(config).await.expect("state"))
}

#[tokio::test]
async fn an_upload_body_of_any_shape_gets_an_answer_and_never_a_server_error() {
    let dir = tempfile::tempdir().unwrap();
    let app = proxy_app(&dir).await;
    let campaigns = prop_oneof![Just("qr"), Just("offers"), Just("pdf")];
    let expected = [
        StatusCode::ACCEPTED,
        StatusCode::BAD_REQUEST,
        StatusCode::PAYLOAD_TOO_LARGE,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        StatusCode::UNPROCESSABLE_ENTITY,
    ];
    fuzz(
        "multipart",
        (campaigns, multipart_bodies()),
        |(campaign, body)| {
            let app = app.clone();
            async move {
                let request = Request::post(format!("/v1/campaigns/{campaign}/submissions"))
                    .header(
                        header::CONTENT_TYPE,
                        format!("multipart/form-data; boundary={BOUNDARY}"),
                    )
                    .body(Body::from(body))
                    .unwrap();
                let response = app.oneshot(request).await.map_err(|e| e.to_string())?;
                let status = response.status();
                if !expected.contains(&status) {
                    return Err(format!("answered {status}"));
                }
                let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                    .await
                    .map_err(|e| e.to_string())?;
                if status != StatusCode::ACCEPTED
                    && serde_json::from_slice::<api::ErrorBody>(&bytes).is_err()
                {
                    return Err(format!("a {status} without the JSON error body"));
                }
                Ok(())
            }
        },
    )
    .await;
}

// --- The provider answer parsers -----------------------------------------

/// JSON a provider might send: trees of the keys the five providers use,
/// with values of any type.
fn answers() -> impl Strategy<Value = (u16, Vec<u8>)> {
    let key = prop_oneof![
        Just("status"),
        Just("data"),
        Just("id"),
        Just("ticket"),
        Just("state"),
        Just("result"),
        Just("results"),
        Just("offers"),
        Just("merchants"),
        Just("confirmed"),
        Just("rejected"),
        Just("manualReview"),
        Just("offerID"),
        Just("uploadOfferID"),
        Just("errorCode"),
        Just("total"),
        Just("items"),
        Just("store"),
        Just("date"),
        Just("credits"),
        Just("access_token"),
        Just("expires_in"),
        Just("message"),
        Just("reasons"),
        Just("check"),
        Just("receipt"),
        "[a-zA-Z_]{1,12}".prop_map(|k| Box::leak(k.into_boxed_str()) as &str),
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        "\\PC{0,16}".prop_map(serde_json::Value::from),
    ];
    let json = leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::vec((key.clone(), inner), 0..6).prop_map(|pairs| {
                serde_json::Value::Object(
                    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                )
            }),
        ]
    });
    let body = prop_oneof![
        4 => json.prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
        1 => proptest::collection::vec(any::<u8>(), 0..200),
    ];
    let status = prop_oneof![
        6 => Just(200u16),
        1 => Just(201),
        1 => Just(400),
        1 => Just(401),
        1 => Just(404),
        1 => Just(409),
        1 => Just(429),
        1 => Just(500),
        1 => 100u16..600,
    ];
    (status, body)
}

/// A provider answering whatever the current case says (an OAuth token
/// request excepted, so that the calls behind it are reached).
async fn anything_server(answer: Arc<Mutex<(u16, Vec<u8>)>>) -> std::net::SocketAddr {
    let app = axum::Router::new().fallback(move |request: Request<Body>| {
        let answer = answer.clone();
        async move {
            if request.uri().path().ends_with("/oauth2/token") {
                return (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json")],
                    br#"{"access_token": "t", "token_type": "Bearer", "expires_in": 3600}"#
                        .to_vec(),
                );
            }
            let (status, body) = answer.lock().unwrap().clone();
            (
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test]
async fn every_adapter_reads_any_answer_without_panicking() {
    let answer = Arc::new(Mutex::new((200u16, Vec::new())));
    let addr = anything_server(answer.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "fuzz-secret").unwrap();
    let s = secret.display().to_string();
    let base = format!("http://{addr}");
    let config = proxy::config::Config::from_toml(&tests::every_provider_account(&base, &s))
        .expect("fuzz configuration");
    let providers =
        Arc::new(providers::Providers::new(&config.providers, Some("http://127.0.0.1:1")).unwrap());
    let photo = providers::Photo {
        media_type: providers::MediaType::Jpeg,
        bytes: bytes::Bytes::from_static(&[0xFF, 0xD8, 0xFF, 0xD9]),
    };
    let receipt = providers::OutgoingReceipt {
        submission_id: "0f0f0f0f-0000-4000-8000-000000000000".to_owned(),
        campaign: "c".to_owned(),
        locale: "en".to_owned(),
        photos: vec![photo.clone()],
        qr: Some("t=20261129T1200&s=10.00&fn=9999078900004792&i=1&fp=1&n=1".to_owned()),
        merchant: Some("7".to_owned()),
        user: Some("u".to_owned()),
        offers: vec![api::ClaimedOffer {
            offer_id: "191405".to_owned(),
            quantity: 1,
        }],
    };
    let accounts = prop_oneof![
        Just("easypromos"),
        Just("aboutgoods"),
        Just("apm"),
        Just("photon"),
        Just("bitlabs")
    ];
    fuzz(
        "provider_answers",
        (accounts, answers()),
        |(account, reply)| {
            *answer.lock().unwrap() = reply;
            let (providers, receipt, photo) = (providers.clone(), receipt.clone(), photo.clone());
            async move {
                // In a task of its own, so a panic is seen and named.
                let calls = tokio::spawn(async move {
                    let adapter = providers.get(account).expect("an account");
                    let provider = &adapter.provider;
                    let _ = provider.submit(&receipt).await;
                    let _ = provider.poll("ref-1").await;
                    let _ = provider.merchants().await;
                    let _ = provider.offers("7").await;
                    let _ = provider.check_quality(&photo).await;
                });
                calls
                    .await
                    .map_err(|e| format!("the {account} adapter panicked: {e}"))
            }
        },
    )
    .await;
}
