//! What an operator's log holds: never a token, even at TRACE level and when the
//! provider refuses the credentials.
//!
//! Alone in its own test binary on purpose (not a module of `e2e`): `tracing`
//! caches per call site whether anyone listens, and other tests running on
//! other threads of the same process make that cache miss the capture
//! installed here (it did, once the `limits` tests ran beside it).

use api::SubmissionStatus;
use tests::{Options, fixtures, spawn_app, spawn_app_with};

#[tokio::test]
async fn no_log_line_carries_a_token_even_when_the_provider_refuses_it() {
    let (logs, guard) = tests::logs::Logs::capture();
    let wrong_token = "wrong-token-that-must-not-be-logged".to_owned();

    // The whole happy path, at TRACE level.
    let app = spawn_app().await;
    let id = app
        .submit_photo("demo-easypromos", fixtures::receipt_jpeg())
        .await;
    app.settle(&id).await;
    let right_token = app.sandbox.config.easypromos.token.clone();

    // A proxy holding a token the provider refuses.
    let refused = spawn_app_with(Options {
        easypromos_token: Some(wrong_token.clone()),
        ..Options::default()
    })
    .await;
    let id = refused
        .submit_photo("demo-easypromos", fixtures::receipt_jpeg())
        .await;
    refused.step_worker().await;
    // Refused credentials keep the submission (an operator can fix the token).
    assert_eq!(
        refused.get_submission(&id).await.status,
        SubmissionStatus::Queued
    );

    // A synchronous call (the quality pre-check) refused for its credentials.
    let wrong_secret = "ag-wrong-secret-that-must-not-be-logged".to_owned();
    let aboutgoods = spawn_app_with(Options {
        aboutgoods_secret: Some(wrong_secret.clone()),
        ..Options::default()
    })
    .await;
    let response = aboutgoods
        .http
        .post(aboutgoods.url("/v1/campaigns/demo-aboutgoods/quality-check"))
        .multipart(reqwest::multipart::Form::new().part(
            api::field::PHOTO,
            reqwest::multipart::Part::bytes(fixtures::receipt_jpeg()).file_name("r.jpg"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);

    let text = logs.text();
    assert!(text.contains("submission stored"), "nothing was captured");
    assert!(
        text.lines()
            .any(|l| l.contains("refused our credentials") && l.contains("demo-aboutgoods")),
        "the quality check's auth error must name the campaign"
    );
    assert!(
        !text.contains(&wrong_secret),
        "the client secret was logged"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("credentials refused") && l.contains("demo-easypromos")),
        "the auth error must name the campaign"
    );
    assert!(
        !text.contains(&right_token),
        "the provider token was logged"
    );
    assert!(
        !text.contains(&wrong_token),
        "the configured token was logged"
    );
    drop(guard);

    // As JSON (`log_format = "json"`), every line about a receipt, from its
    // upload to its verdict, carries its upload's request id. (One test, so
    // the two captures never run at once: see the module's doc.)
    let (json, _guard) = tests::logs::Logs::capture_json();
    let request_id = "req-upload-to-verdict-1";
    let response = app
        .http
        .post(app.url("/v1/campaigns/demo-easypromos/submissions"))
        .header("x-request-id", request_id)
        .multipart(reqwest::multipart::Form::new().part(
            api::field::PHOTO,
            reqwest::multipart::Part::bytes(fixtures::receipt_jpeg()).file_name("r.jpg"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(response.headers()["x-request-id"], request_id, "told back");
    let id = response.json::<api::SubmissionCreated>().await.unwrap().id;
    app.settle(&id).await;
    let lines: Vec<serde_json::Value> = json
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    let about = |message: &str| {
        lines.iter().any(|l| {
            l["message"] == message
                && l["spans"]
                    .as_array()
                    .is_some_and(|spans| spans.iter().any(|s| s["request_id"] == request_id))
        })
    };
    assert!(about("submission stored"), "the upload's line");
    assert!(about("provider acknowledged"), "the worker's line");
    assert!(about("verdict"), "the verdict's line");
}
