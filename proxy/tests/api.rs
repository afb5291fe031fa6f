//! The public API driven in process (`app(state)` with `oneshot`): bad input gets
//! the documented JSON error and stores nothing; CORS follows the campaign.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use proxy::config::Config;
use proxy::{AppState, app};
use serde_json::Value;
use tower::ServiceExt;

const BOUNDARY: &str = "rr-test-boundary";

/// A proxy with its own SQLite file; the provider is never called here (no
/// worker runs), so submissions stay queued where the test can look at them.
async fn state(dir: &tempfile::TempDir) -> AppState {
    let secret = dir.path().join("token");
    std::fs::write(&secret, "t0ken-never-shown").unwrap();
    let config = Config::from_toml(&format!(
        r#"
        database_url = "sqlite://{}"
        [providers.ep]
        kind = "apm"
        base_url = "http://127.0.0.1:9/apm"
        api_key = {{ file = {:?} }}
        [campaigns.promo]
        provider = "ep"
        title = "Promo"
        allowed_origins = ["https://brand.example"]
        photos = {{ max_count = 2, max_bytes = 20000 }}
        [providers.one-image]
        kind = "easypromos"
        base_url = "http://127.0.0.1:9/easypromos"
        token = {{ file = {:?} }}
        [campaigns.tall]
        provider = "one-image"
        title = "Long receipts, one image"
        photos = {{ max_count = 3, max_bytes = 20000, long_side = 1600, quality = 70 }}
        [campaigns.other]
        provider = "ep"
        title = "Other"
        allowed_origins = ["https://other.example"]
        [providers.bl]
        kind = "bitlabs"
        base_url = "http://127.0.0.1:9/bitlabs"
        token = {{ file = {:?} }}
        [campaigns.offers]
        provider = "bl"
        title = "Cash back on offers"
        "#,
        dir.path().join("relay.db").display(),
        secret.display().to_string(),
        secret.display().to_string(),
        secret.display().to_string()
    ))
    .unwrap();
    AppState::new(config).await.unwrap()
}

fn jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(40, 60, image::Rgb([240, 240, 240]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// A multipart body with these `(field, filename, bytes)` parts.
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let disposition = match filename {
            Some(f) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: image/jpeg\r\n\r\n"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn post(campaign: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(format!("/v1/campaigns/{campaign}/submissions"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap()
}

async fn send(router: Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Sends a request that must fail, and checks that nothing was stored.
async fn refused(request: Request<Body>) -> (StatusCode, Value) {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).await;
    let (status, body) = send(app(state.clone()), request).await;
    assert_eq!(
        state.db.submission_count().await.unwrap(),
        0,
        "a refused upload stored a row"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    (status, body)
}

#[tokio::test]
async fn a_good_photo_is_stored_with_its_bytes_and_answered_202() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).await;
    let photo = jpeg();
    let response = app(state.clone())
        .oneshot(post(
            "promo",
            multipart(&[
                ("photo", Some("r.jpg"), &photo),
                ("user", None, b"shopper-1"),
            ]),
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let created: api::SubmissionCreated = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(created.status, api::SubmissionStatus::Queued);
    assert_eq!(location, format!("/v1/submissions/{}", created.id));
    let photos = state.db.photos(&created.id).await.unwrap();
    assert_eq!(photos.len(), 1);
    assert_eq!(
        photos[0].bytes.as_ref(),
        photo.as_slice(),
        "original bytes are kept"
    );
    assert_eq!(photos[0].media_type, providers::MediaType::Jpeg);

    let (status, body) = send(
        app(state),
        Request::get(&location).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "queued");
    assert_eq!(body["campaign"], "promo");
    assert!(body["outcome"].is_null());
}

#[tokio::test]
async fn a_file_that_is_not_an_image_is_415_whatever_its_name() {
    let (status, body) = refused(post(
        "promo",
        multipart(&[("photo", Some("receipt.jpg"), b"%PDF-1.4 not a photo at all")]),
    ))
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body["error"]["code"], "unsupported_media_type");
    assert_eq!(body["error"]["field"], "photo");
}

#[tokio::test]
async fn a_photo_over_the_campaign_limit_is_413() {
    let mut big = jpeg();
    big.resize(30_000, 0);
    let (status, body) = refused(post(
        "promo",
        multipart(&[("photo", Some("big.jpg"), &big)]),
    ))
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "photo_too_large");
}

#[tokio::test]
async fn more_photos_than_the_campaign_takes_is_422() {
    let photo = jpeg();
    let parts = [("photo", Some("1.jpg"), photo.as_slice()); 3];
    let (status, body) = refused(post("promo", multipart(&parts))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "too_many_photos");
}

#[tokio::test]
async fn where_the_provider_takes_one_image_the_photos_must_come_combined() {
    let photo = jpeg();
    let parts = [("photo", Some("1.jpg"), photo.as_slice()); 2];
    let (status, body) = refused(post("tall", multipart(&parts))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "too_many_photos");

    // The widget is told to let the shopper take three, and to combine them.
    let dir = tempfile::tempdir().unwrap();
    let (_, campaign) = send(
        app(state(&dir).await),
        Request::get("/v1/campaigns/tall")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(campaign["photos"]["max_count"], 3);
    assert_eq!(campaign["photos"]["long_side"], 1600);
    assert_eq!(campaign["photos"]["quality"], 70);
    assert_eq!(campaign["capabilities"]["combine_photos"], true);
}

#[tokio::test]
async fn no_photo_at_all_is_422() {
    let (status, body) = refused(post("promo", multipart(&[("user", None, b"u")]))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "photo");
}

#[tokio::test]
async fn a_broken_multipart_body_is_400() {
    let mut body = multipart(&[("photo", Some("r.jpg"), &jpeg())]);
    body.truncate(body.len() / 2);
    let (status, body) = refused(post("promo", body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_request");
}

#[tokio::test]
async fn a_body_that_is_not_multipart_is_400() {
    let request = Request::post("/v1/campaigns/promo/submissions")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let (status, _) = refused(request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn malformed_offers_are_422() {
    let (status, body) = refused(post(
        "offers",
        multipart(&[
            ("photo", Some("r.jpg"), &jpeg()),
            ("offers", None, b"[{\"offer\":1}]"),
        ]),
    ))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "offers");
}

#[tokio::test]
async fn offers_that_are_not_one_offer_each_once_in_a_real_quantity_are_refused() {
    for offers in [
        // Three ids joined in one: it would claim three offers at the provider.
        r#"[{"offer_id": "191405,143787,150001", "quantity": 1}]"#,
        r#"[{"offer_id": "191405", "quantity": 0}]"#,
        r#"[{"offer_id": "", "quantity": 1}]"#,
        r#"[{"offer_id": "191405", "quantity": 1, "price": 0}]"#,
        r#"[{"offer_id": "191405", "quantity": 1}, {"offer_id": "191405", "quantity": 2}]"#,
        r#"[{"offer_id": "191405", "quantity": 1000}]"#,
        r#"[{"offer_id": -3, "quantity": 1}]"#,
    ] {
        let (status, body) = refused(post(
            "offers",
            multipart(&[
                ("photo", Some("r.jpg"), &jpeg()),
                ("merchant", None, b"7"),
                ("offers", None, offers.as_bytes()),
            ]),
        ))
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{offers}");
        assert_eq!(body["error"]["field"], "offers", "{offers}");
    }
}

#[tokio::test]
async fn a_numeric_offer_id_as_offers_lists_it_is_taken_as_its_digits() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).await;
    // (The provider cannot be reached here: the claim goes on unchecked, for
    // the provider to check on upload.)
    let response = app(state.clone())
        .oneshot(post(
            "offers",
            multipart(&[
                ("photo", Some("r.jpg"), &jpeg()),
                ("merchant", None, b"7"),
                ("offers", None, br#"[{"offer_id": 191405, "quantity": 2}]"#),
            ]),
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let created: api::SubmissionCreated = serde_json::from_slice(&bytes).unwrap();
    let row = state.db.get(&created.id).await.unwrap().unwrap();
    assert_eq!(
        row.offers,
        vec![api::ClaimedOffer {
            offer_id: "191405".to_owned(),
            quantity: 2
        }]
    );
}

#[tokio::test]
async fn an_unknown_campaign_is_404_for_reads_and_uploads() {
    let (status, body) = refused(post(
        "nope",
        multipart(&[("photo", Some("r.jpg"), &jpeg())]),
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "unknown_campaign");
    let (status, _) = refused(
        Request::get("/v1/campaigns/nope")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = refused(
        Request::get("/v1/submissions/nope")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn the_public_campaign_description_names_no_provider_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (status, body) = send(
        app(state(&dir).await),
        Request::get("/v1/campaigns/promo")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["photos"]["max_count"], 2);
    assert_eq!(body["photos"]["long_side"], api::DEFAULT_LONG_SIDE);
    assert_eq!(body["photos"]["quality"], api::DEFAULT_QUALITY);
    // APM takes several photos and a QR code; it has no offers or review.
    assert_eq!(
        body["capabilities"],
        serde_json::json!({"qr": true, "offers": false, "manual_review": false,
            "quality_check": false, "combine_photos": false})
    );
    let text = body.to_string();
    for secret_or_internal in ["t0ken", "127.0.0.1", "apm", "\"ep\""] {
        assert!(!text.contains(secret_or_internal), "{text}");
    }
}

#[tokio::test]
async fn cors_grants_only_the_campaigns_allowed_origins() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).await;
    // (origin, path, granted?)
    let cases = [
        (
            "https://brand.example",
            "/v1/campaigns/promo/submissions",
            true,
        ),
        // Another campaign's origin is not this campaign's.
        (
            "https://other.example",
            "/v1/campaigns/promo/submissions",
            false,
        ),
        ("https://evil.example", "/v1/submissions/x", false),
        // Submission ids are not tied to a campaign in the URL: any campaign's
        // origin may ask.
        ("https://other.example", "/v1/submissions/x", true),
        // A campaign that does not exist hides nothing: its 404 is readable
        // anywhere, so a typo in a page's tag is not taken for a refusal.
        ("https://evil.example", "/v1/campaigns/no-such-promo", true),
    ];
    for (origin, path, expected) in cases {
        let preflight = Request::options(path)
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "idempotency-key")
            .body(Body::empty())
            .unwrap();
        let response = app(state.clone()).oneshot(preflight).await.unwrap();
        let granted = response
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            granted,
            expected.then(|| origin.to_owned()),
            "{origin} {path}"
        );
    }
}

#[tokio::test]
async fn health_checks_answer() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).await;
    for path in ["/healthz", "/readyz"] {
        let response = app(state.clone())
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn submission_json_is_never_cached_and_nothing_served_is_sniffed() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).await;
    let response = app(state.clone())
        .oneshot(post(
            "promo",
            multipart(&[("photo", Some("r.jpg"), &jpeg())]),
        ))
        .await
        .unwrap();
    let location = response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    // A submission holds what a shopper bought: no shared cache may keep it.
    let answer = app(state.clone())
        .oneshot(Request::get(&location).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(answer.headers()[header::CACHE_CONTROL], "no-store");
    // Every answer, errors and health included, forbids type sniffing and
    // keeps its address out of referrers.
    for path in [location.as_str(), "/v1/campaigns/nope", "/healthz"] {
        let answer = app(state.clone())
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(
            answer.headers()[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff",
            "{path}"
        );
        assert_eq!(
            answer.headers()[header::REFERRER_POLICY],
            "strict-origin-when-cross-origin",
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_quality_check_that_is_not_multipart_and_an_oversized_callback_answer_json() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).await;
    // Once a plain-text 400 from axum's extractor.
    let (status, body) = send(
        app(state.clone()),
        Request::post("/v1/campaigns/promo/quality-check")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_request", "{body}");
    // Once a plain-text 413.
    let (status, body) = send(
        app(state),
        Request::post("/webhooks/easypromos")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(vec![b' '; 3 * 1024 * 1024]))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "photo_too_large", "{body}");
}

/// A submission `post` as a browser sends it from a page at `origin`.
fn post_from(origin: &str, same_site: Option<&str>) -> Request<Body> {
    let mut request = post("promo", multipart(&[("photo", Some("r.jpg"), &jpeg())]));
    request
        .headers_mut()
        .insert(header::ORIGIN, origin.parse().unwrap());
    if let Some(site) = same_site {
        request
            .headers_mut()
            .insert("sec-fetch-site", site.parse().unwrap());
    }
    request
}

#[tokio::test]
async fn a_page_the_campaign_does_not_allow_cannot_submit_or_ask_for_review_in_a_shoppers_name() {
    // CORS only hid the answer: the submission was stored all the same.
    let (status, body) = refused(post_from("https://evil.example", Some("cross-site"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "origin_not_allowed");
    // Another campaign's origin is not this one's.
    let (status, _) = refused(post_from("https://other.example", Some("cross-site"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).await;
    // The campaign's own page, and the proxy's own pages, may.
    for (origin, site) in [
        ("https://brand.example", Some("cross-site")),
        ("http://relay.example", Some("same-origin")),
    ] {
        let (status, _) = send(app(state.clone()), post_from(origin, site)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{origin}");
    }
    // As does a caller that is no browser page (no `Origin`).
    let (status, _) = send(
        app(state.clone()),
        post("promo", multipart(&[("photo", Some("r.jpg"), &jpeg())])),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // A review asked for from a foreign page is refused before anything is looked up.
    let (status, body) = send(
        app(state),
        Request::post("/v1/submissions/any/review")
            .header(header::ORIGIN, "https://evil.example")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "origin_not_allowed");
}

#[tokio::test]
async fn photos_are_judged_by_decoding_them_so_no_trick_in_their_first_bytes_gets_through() {
    let good = jpeg();
    let sof = good
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline JPEG's start of frame");
    // The pixel limit once applied only where `imagesize` could read the
    // header: one legal 0xFF fill byte before the frame hid a 50000x50000 one.
    let mut bomb = good.clone();
    bomb[sof + 5..sof + 9].copy_from_slice(&[0xC3, 0x50, 0xC3, 0x50]);
    bomb.insert(sof, 0xFF);
    // A JPEG header that goes on as a web page.
    let mut polyglot = good[..sof + 20].to_vec();
    polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
    // Cut off in the middle.
    let truncated = good[..good.len() * 6 / 10].to_vec();
    for (what, photo) in [
        ("fill byte before a huge frame", bomb),
        ("jpeg header then html", polyglot),
        ("truncated", truncated),
    ] {
        let (status, body) = refused(post(
            "promo",
            multipart(&[("photo", Some("r.jpg"), &photo)]),
        ))
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {body}");
        assert_eq!(body["error"]["field"], "photo", "{what}");
    }
}

#[tokio::test]
async fn an_idempotency_key_reused_for_other_content_is_refused_not_taken_for_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).await;
    let upload = |photo: &[u8], user: &[u8]| {
        let mut request = post(
            "promo",
            multipart(&[("photo", Some("r.jpg"), photo), ("user", None, user)]),
        );
        request
            .headers_mut()
            .insert("idempotency-key", "key-1".parse().unwrap());
        request
    };
    let (status, first) = send(app(state.clone()), upload(&jpeg(), b"shopper-1")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // The same upload again (a retry): the first submission.
    let (status, again) = send(app(state.clone()), upload(&jpeg(), b"shopper-1")).await;
    assert_eq!((status, &again["id"]), (StatusCode::ACCEPTED, &first["id"]));
    // Another photo, or another shopper, under that key: once silently the
    // first submission's answer.
    let mut other_photo = jpeg();
    other_photo.extend_from_slice(&[0, 0]);
    for (photo, user) in [
        (other_photo, b"shopper-1".as_slice()),
        (jpeg(), b"shopper-2"),
    ] {
        let (status, body) = send(app(state.clone()), upload(&photo, user)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], "idempotency_conflict");
    }
    assert_eq!(state.db.submission_count().await.unwrap(), 1);
}

#[tokio::test]
async fn a_five_megabyte_file_name_was_accepted() {
    let name = "r".repeat(5 * 1024 * 1024);
    let (status, body) = refused(post(
        "promo",
        multipart(&[("photo", Some(name.as_str()), &jpeg())]),
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "bad_request");
}

#[tokio::test]
async fn a_text_field_was_read_whole_before_its_length_was_checked() {
    use tokio::io::AsyncWriteExt;
    // A text field that goes on and on, and a client that then stops sending
    // without ending the body: the field is refused once it passes 4 KB,
    // without waiting for the rest.
    let mut start =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\n")
            .into_bytes();
    start.extend(std::iter::repeat_n(b'u', 16 * 1024));
    let (mut client, server) = tokio::io::duplex(64 * 1024);
    client.write_all(&start).await.unwrap();
    let request = Request::post("/v1/campaigns/promo/submissions")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from_stream(tokio_util::io::ReaderStream::new(server)))
        .unwrap();
    let (status, body) = tokio::time::timeout(std::time::Duration::from_secs(30), refused(request))
        .await
        .expect("answered without the rest of the body");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "user");
    drop(client);
}

/// `/v1/openapi.json` described only the widget's seven routes, though the
/// README said it could not drift: the operator API, `/metrics`, callbacks,
/// health checks and the widget's files were left out. It is made by the
/// router now; here, what it describes.
#[tokio::test]
async fn the_description_left_out_the_operator_api_metrics_and_every_other_route() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(state(&dir).await);
    let response = app
        .oneshot(
            Request::get("/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["openapi"], "3.1.0");
    let paths = json["paths"].as_object().unwrap();
    for (path, method) in [
        ("/v1/openapi.json", "get"),
        ("/v1/campaigns/{campaign}", "get"),
        ("/v1/campaigns/{campaign}/merchants", "get"),
        ("/v1/campaigns/{campaign}/offers", "get"),
        ("/v1/campaigns/{campaign}/quality-check", "post"),
        ("/v1/campaigns/{campaign}/submissions", "post"),
        ("/v1/submissions/{id}", "get"),
        ("/v1/submissions/{id}/review", "post"),
        ("/v1/operator/campaigns/{campaign}/submissions", "get"),
        ("/v1/operator/campaigns/{campaign}/export.csv", "get"),
        ("/v1/operator/submissions/{id}", "get"),
        ("/v1/operator/users/{user}", "delete"),
        ("/v1/operator/retention", "get"),
        ("/v1/operator/retention", "patch"),
        ("/v1/operator/retention", "put"),
        ("/metrics", "get"),
        ("/webhooks/{provider}", "post"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/widget.js", "get"),
        ("/widget/{file}", "get"),
    ] {
        let operation = &paths[path][method];
        assert!(operation.is_object(), "{method} {path} is not described");
        // Every API error is the JSON error body, and says so.
        if path.starts_with("/v1/") || path.starts_with("/webhooks/") {
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    // What needs the operator key says so.
    let operator = &paths["/v1/operator/users/{user}"]["delete"];
    assert_eq!(
        operator["security"][0]["operator_key"],
        serde_json::json!([])
    );
    assert_eq!(
        json["components"]["securitySchemes"]["operator_key"]["scheme"],
        "bearer"
    );
    let limited = &paths["/v1/campaigns/{campaign}/merchants"]["get"]["responses"]["429"];
    assert!(limited["headers"]["retry-after"].is_object(), "{limited}");
}

/// Routes are registered only through `utoipa_axum::routes!`, which reads
/// each handler's description: a plain axum `.route(...)` in the proxy would
/// serve a route the description does not have.
#[test]
fn a_route_could_be_served_without_being_described() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.join("lib.rs"), src.join("metrics.rs")];
    for entry in std::fs::read_dir(src.join("routes")).unwrap() {
        files.push(entry.unwrap().path());
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for needle in [".route(", ".route_service(", ".nest_service(", ".nest("] {
            assert!(
                !text.contains(needle),
                "{} registers a route with `{needle}`: use `.routes(routes!(handler))`",
                file.display()
            );
        }
    }
}
