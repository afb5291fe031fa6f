//! Every provider's requests, as the adapters send them, against a table of
//! fields written from the providers' documents (`shared/seeds/`), not from
//! our sandbox: a recording server on loopback keeps each request's method,
//! path, query keys and body fields, and every one must be a documented call
//! with only documented fields and every required one.

use std::sync::{Arc, Mutex};

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{Method, header};
use axum::response::IntoResponse;

/// One request as the recorder saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    query: Vec<String>,
    body: Body,
}

/// A request body's fields.
#[derive(Debug, Clone, PartialEq)]
enum Body {
    /// `multipart/form-data`: its parts' names.
    Multipart(Vec<String>),
    /// A JSON object: its keys.
    Json(Vec<String>),
    /// Anything else (a file as the whole body), or nothing.
    Raw,
}

/// What a document says one call takes.
struct Documented {
    /// Where it is said (seed file and section), for the failure message.
    source: &'static str,
    method: Method,
    /// The path under the account's base URL; `*` stands for one segment.
    path: &'static str,
    query: Fields,
    body: Shape,
}

/// Field names a call takes, and those it requires. A name ending in `#`
/// stands for the name with any number (BitLabs' `img0`, `img1`...).
struct Fields {
    allowed: &'static [&'static str],
    required: &'static [&'static str],
}

const NONE: Fields = Fields {
    allowed: &[],
    required: &[],
};

enum Shape {
    Multipart(Fields),
    Json(Fields),
    /// The file is the whole body (Aboutgoods), or there is no body.
    Raw,
}

/// Every call the adapters make: those the five documents describe, and
/// those they refer to without describing, as each adapter's module doc
/// assumes them (said so in `source`).
const DOCUMENTED: &[Documented] = &[
    Documented {
        source: "000 Easypromos, poll the event endpoint",
        method: Method::GET,
        path: "/easypromos/v2/ocr/events/*",
        query: NONE,
        body: Shape::Raw,
    },
    Documented {
        source: "001 Aboutgoods, get /documents/{uid}",
        method: Method::GET,
        path: "/aboutgoods/documents/*",
        query: NONE,
        body: Shape::Raw,
    },
    Documented {
        source: "001 Aboutgoods, post /documents/check",
        method: Method::POST,
        path: "/aboutgoods/documents/check",
        query: Fields {
            allowed: &["dominantLanguage"],
            required: &[],
        },
        body: Shape::Raw,
    },
    Documented {
        source: "002 APM, GET /api/receipts/{uuid}",
        method: Method::GET,
        path: "/apm/api/receipts/*",
        query: NONE,
        body: Shape::Raw,
    },
    Documented {
        // "fetch the result using the photon_key": the adapter's assumption.
        source: "003 Photon, fetch the result by photon_key: the adapter's assumption",
        method: Method::GET,
        path: "/photon/api/v4/result",
        query: Fields {
            allowed: &["photon_key"],
            required: &["photon_key"],
        },
        body: Shape::Raw,
    },
    Documented {
        source: "000 Easypromos, Polling workflow / Webhook workflow",
        method: Method::POST,
        path: "/easypromos/v2/ocr/tickets",
        query: NONE,
        body: Shape::Multipart(Fields {
            allowed: &["ticket", "webhook_url", "webhook_key"],
            required: &["ticket"],
        }),
    },
    Documented {
        source: "000 Easypromos, Check available OCR credits",
        method: Method::GET,
        path: "/easypromos/v2/ocr/credits",
        query: NONE,
        body: Shape::Raw,
    },
    Documented {
        source: "001 Aboutgoods, post /documents",
        method: Method::POST,
        path: "/aboutgoods/documents",
        query: Fields {
            allowed: &[
                "name",
                "endpointUid",
                "campaignUid",
                "dominantLanguage",
                "userPseudoId",
            ],
            required: &["name"],
        },
        body: Shape::Raw,
    },
    Documented {
        source: "001 Aboutgoods, post /campaigns/{campaignUid}/documents",
        method: Method::POST,
        path: "/aboutgoods/campaigns/*/documents",
        query: Fields {
            allowed: &["name", "endpointUid", "dominantLanguage", "userPseudoId"],
            required: &["name"],
        },
        body: Shape::Raw,
    },
    Documented {
        // Not in the document (it names Hydra): the adapter's documented
        // assumption, a client-credentials grant at `token_url`.
        source: "001 Aboutgoods, OAuth2 (Hydra) token: the adapter's assumption",
        method: Method::POST,
        path: "/aboutgoods/oauth2/token",
        query: NONE,
        body: Shape::Raw,
    },
    Documented {
        source: "002 APM, POST /api/widgets/receipts",
        method: Method::POST,
        path: "/apm/api/widgets/receipts",
        query: NONE,
        body: Shape::Multipart(Fields {
            allowed: &["photos", "userUuid", "qrAsString", "source", "channel"],
            required: &["photos"],
        }),
    },
    Documented {
        source: "002 APM, POST /api/receipts (Request parts and fields)",
        method: Method::POST,
        path: "/apm/api/receipts",
        query: NONE,
        body: Shape::Multipart(Fields {
            allowed: &[
                "photos",
                "config",
                "source",
                "channel",
                "userUuid",
                "externalId",
            ],
            required: &["photos"],
        }),
    },
    Documented {
        source: "002 APM, Post QR receipt",
        method: Method::POST,
        path: "/apm/api/receipts/qr",
        query: NONE,
        body: Shape::Json(Fields {
            allowed: &[
                "config",
                "meta",
                "channel",
                "qrStr",
                "userUuid",
                "externalId",
            ],
            required: &["qrStr"],
        }),
    },
    Documented {
        source: "003 Photon, POST /api/v4?type=async",
        method: Method::POST,
        path: "/photon/api/v4",
        query: Fields {
            allowed: &["type"],
            required: &["type"],
        },
        body: Shape::Multipart(Fields {
            allowed: &["pdf"],
            required: &["pdf"],
        }),
    },
    Documented {
        source: "004 BitLabs, upload-receipt",
        method: Method::POST,
        path: "/bitlabs/",
        query: Fields {
            allowed: &["cmd", "offerIDs", "merchantID"],
            required: &["cmd", "offerIDs"],
        },
        body: Shape::Multipart(Fields {
            allowed: &["img#", "imgName#"],
            required: &["img#", "imgName#"],
        }),
    },
    Documented {
        // Merchants, and offers-short "with sortType=0 and merchantID": named
        // by the document, their shapes the adapter's assumption.
        source: "004 BitLabs, merchants and offers-short",
        method: Method::GET,
        path: "/bitlabs/",
        query: Fields {
            allowed: &["cmd", "sortType", "merchantID"],
            required: &["cmd"],
        },
        body: Shape::Raw,
    },
    Documented {
        source: "004 BitLabs, manual review request: the adapter's assumption",
        method: Method::POST,
        path: "/bitlabs/",
        query: Fields {
            allowed: &["cmd"],
            required: &["cmd"],
        },
        body: Shape::Json(Fields {
            allowed: &["uploadOfferIDs"],
            required: &["uploadOfferIDs"],
        }),
    },
];

/// Whether `name` is one of `names` (`img#` takes `img0`, `img12`...).
fn named(names: &[&str], name: &str) -> bool {
    names.iter().any(|pattern| match pattern.strip_suffix('#') {
        Some(stem) => name
            .strip_prefix(stem)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
        None => *pattern == name,
    })
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    a.len() == b.len() && a.iter().zip(&b).all(|(p, s)| *p == "*" || p == s)
}

/// Why `fields` break what `documented` says, if they do.
fn check(what: &str, documented: &Fields, fields: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for field in fields {
        if !named(documented.allowed, field) {
            problems.push(format!("{what} `{field}` is not in the document"));
        }
    }
    for required in documented.required {
        if !fields.iter().any(|f| named(&[required], f)) {
            problems.push(format!("{what} `{required}` is required and missing"));
        }
    }
    problems
}

/// What is wrong with one request, by the table: nothing where one of the
/// calls at its method and path takes it whole (BitLabs has several at `/`),
/// else what is wrong by the first of them.
fn problems(seen: &Seen) -> Vec<String> {
    let candidates: Vec<&Documented> = DOCUMENTED
        .iter()
        .filter(|d| d.method == seen.method && path_matches(d.path, &seen.path))
        .collect();
    if candidates.is_empty() {
        return vec![format!(
            "{} {} is no documented call",
            seen.method, seen.path
        )];
    }
    let found: Vec<Vec<String>> = candidates.iter().map(|d| by(d, seen)).collect();
    if found.iter().any(Vec::is_empty) {
        return Vec::new();
    }
    found.into_iter().next().unwrap_or_default()
}

/// What is wrong with one request, by one documented call.
fn by(documented: &Documented, seen: &Seen) -> Vec<String> {
    let mut problems = check("query parameter", &documented.query, &seen.query);
    match (&documented.body, &seen.body) {
        (Shape::Multipart(fields), Body::Multipart(parts)) => {
            problems.extend(check("part", fields, parts));
        }
        (Shape::Json(fields), Body::Json(keys)) => problems.extend(check("JSON key", fields, keys)),
        (Shape::Raw, Body::Raw) => {}
        (_, body) => problems.push(format!("a body of the wrong shape: {body:?}")),
    }
    problems
        .into_iter()
        .map(|p| format!("{} {} ({}): {p}", seen.method, seen.path, documented.source))
        .collect()
}

/// Keeps every request and answers what lets an adapter go on: a token for
/// the token call, `{}` for the rest (the adapter's reading of answers is
/// not what this test is about).
async fn record(seen: Arc<Mutex<Vec<Seen>>>, request: Request) -> axum::response::Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').map_or(pair, |(k, _)| k).to_owned())
        .collect();
    let kind = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = if kind.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &()).await.unwrap();
        let mut names = Vec::new();
        while let Some(field) = multipart.next_field().await.unwrap() {
            names.push(field.name().unwrap_or_default().to_owned());
        }
        Body::Multipart(names)
    } else if kind.starts_with("application/json") {
        let bytes = axum::body::to_bytes(request.into_body(), 1 << 20)
            .await
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        Body::Json(
            value
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default(),
        )
    } else {
        Body::Raw
    };
    let token = path.ends_with("/oauth2/token");
    seen.lock().unwrap().push(Seen {
        method,
        path,
        query,
        body,
    });
    if token {
        axum::Json(
            serde_json::json!({"access_token": "t", "token_type": "bearer", "expires_in": 3600}),
        )
        .into_response()
    } else {
        axum::Json(serde_json::json!({})).into_response()
    }
}

/// APM's photo upload with callbacks (`POST /api/receipts`) sent a `meta` part
/// its document lists only for `/api/receipts/qr`, and no `externalId`, the
/// field the document gives for our id. Every adapter's receipt upload is
/// checked against the documents here.
#[tokio::test]
async fn apms_photo_upload_sent_a_meta_part_its_document_does_not_list() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = {
        let seen = seen.clone();
        axum::Router::new().fallback(move |request: Request| record(seen.clone(), request))
    };
    let address = tests::serve_on_loopback(recorder).await;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "contract-secret").unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, "callback-key").unwrap();
    let (s, k) = (secret.display().to_string(), key.display().to_string());
    let base = format!("http://{address}");
    // Every kind's account, and the other ways some of them send: with
    // callbacks, into an Aboutgoods campaign's rules.
    let config = proxy::config::Config::from_toml(&format!(
        r#"
        public_url = "https://relay.example"
        [providers.easypromos-hooks]
        kind = "easypromos"
        base_url = "{base}/easypromos"
        token = {{ file = {s:?} }}
        callbacks = {{ key = {{ file = {k:?} }} }}
        [providers.aboutgoods-documents]
        kind = "aboutgoods"
        base_url = "{base}/aboutgoods"
        token_url = "{base}/aboutgoods/oauth2/token"
        client_id = "contract"
        client_secret = {{ file = {s:?} }}
        [providers.apm-callbacks]
        kind = "apm"
        base_url = "{base}/apm"
        api_key = {{ file = {s:?} }}
        callbacks = {{ key = {{ file = {k:?} }} }}
        {}"#,
        tests::every_provider_account(&base, &s)
    ))
    .expect("contract configuration");
    let providers =
        providers::Providers::new(&config.providers, Some("https://relay.example")).unwrap();
    let photo = providers::Photo {
        media_type: providers::MediaType::Jpeg,
        bytes: bytes::Bytes::from(tests::fixtures::receipt_jpeg()),
    };
    let qr = "t=20190113T154800&s=127.00&fn=9282440300682838&i=41406&fp=3826178052&n=1";
    let receipt = providers::OutgoingReceipt {
        submission_id: "0f0f0f0f-1234-4000-8000-000000000000".to_owned(),
        campaign: "c".to_owned(),
        locale: "fr-FR".to_owned(),
        photos: vec![photo.clone(), photo],
        qr: Some(qr.to_owned()),
        merchant: Some("7".to_owned()),
        user: Some("shopper-1".to_owned()),
        offers: vec![api::ClaimedOffer {
            offer_id: "191405".to_owned(),
            quantity: 1,
        }],
    };
    let qr_alone = providers::OutgoingReceipt {
        photos: Vec::new(),
        ..receipt.clone()
    };
    let sends = [
        ("easypromos", &receipt),
        ("easypromos-hooks", &receipt),
        ("aboutgoods", &receipt),
        ("aboutgoods-documents", &receipt),
        ("apm", &receipt),
        ("apm-callbacks", &receipt),
        ("apm-callbacks", &qr_alone),
        ("photon", &receipt),
        ("bitlabs", &receipt),
    ];
    for (account, outgoing) in sends {
        let adapter = providers.get(account).expect("an account");
        // What the recorder answers need not satisfy the adapter.
        let _ = adapter.provider.submit(outgoing).await;
    }
    // And every other call each adapter makes.
    let appealed = api::Outcome {
        offers: vec![api::OfferOutcome {
            offer_id: "191405".to_owned(),
            title: None,
            state: api::SubmissionStatus::Rejected,
            award: None,
            reason: None,
            review_available: true,
        }],
        ..api::Outcome::default()
    };
    for account in ["easypromos", "aboutgoods", "apm", "photon", "bitlabs"] {
        let provider = &providers.get(account).expect("an account").provider;
        let _ = provider.poll("ref-1").await;
        let _ = provider.merchants().await;
        let _ = provider.offers("7").await;
        let _ = provider.check_quality(&receipt.photos[0]).await;
        let _ = provider.request_review("191405:12", &appealed).await;
    }
    let seen = seen.lock().unwrap().clone();
    for path in [
        "/easypromos/v2/ocr/events/ref-1",
        "/aboutgoods/documents/check",
        "/photon/api/v4/result",
        "/easypromos/v2/ocr/tickets",
        "/aboutgoods/documents",
        "/apm/api/widgets/receipts",
        "/apm/api/receipts",
        "/apm/api/receipts/qr",
        "/photon/api/v4",
        "/bitlabs/",
    ] {
        assert!(
            seen.iter().any(|s| s.path == path),
            "no request to {path}: {seen:?}"
        );
    }
    // BitLabs' three kinds of call at one path, each seen.
    let bitlabs = |method: &Method, json: bool| {
        seen.iter().any(|s| {
            s.path == "/bitlabs/" && s.method == *method && matches!(s.body, Body::Json(_)) == json
        })
    };
    assert!(bitlabs(&Method::GET, false), "no merchants or offers call");
    assert!(bitlabs(&Method::POST, true), "no manual review request");
    let problems: Vec<String> = seen.iter().flat_map(problems).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    // Our id goes where the document gives it a place.
    let with_config = seen.iter().find(|s| s.path == "/apm/api/receipts").unwrap();
    assert!(
        matches!(&with_config.body, Body::Multipart(parts) if parts.iter().any(|p| p == "externalId")),
        "{with_config:?}"
    );
}

#[test]
fn the_table_takes_what_it_lists_and_nothing_else() {
    let seen = |path: &str, body: Body| Seen {
        method: Method::POST,
        path: path.to_owned(),
        query: Vec::new(),
        body,
    };
    let apm = |parts: &[&str]| {
        seen(
            "/apm/api/receipts",
            Body::Multipart(parts.iter().map(|p| (*p).to_owned()).collect()),
        )
    };
    assert!(problems(&apm(&["photos", "config", "externalId"])).is_empty());
    assert_eq!(problems(&apm(&["photos", "meta"])).len(), 1);
    assert_eq!(problems(&apm(&["config"])).len(), 1, "photos are required");
    assert_eq!(
        problems(&seen("/apm/api/unknown", Body::Raw)).len(),
        1,
        "an undocumented call"
    );
    assert!(named(&["img#"], "img12") && !named(&["img#"], "img") && !named(&["img#"], "imgName0"));
}
