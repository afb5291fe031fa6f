//! Contract tests: the Photon Commerce simulator accepts what `seeds/003_*`
//! documents (four credential headers, `type=async`, the `pdf` field) and refuses
//! the rest; the result fetch follows the assumption in `sandbox::photon`.

mod common;

use std::time::Duration;

use common::{PAPER, RED, eventually, jpeg, start};
use reqwest::multipart::{Form, Part};
use sandbox::RunningSandbox;
use sandbox::photon::Credentials;
use serde_json::Value;

/// The four documented headers, each replaceable to test refusals.
fn headers(c: &Credentials) -> Vec<(&'static str, String)> {
    vec![
        ("CLIENT-ID", c.client_id.clone()),
        (
            "AUTHORIZATION",
            format!("apikey {}:{}", c.username, c.api_key),
        ),
        ("PASSWORD", c.password.clone()),
        ("SECRET-KEY", c.secret_key.clone()),
    ]
}

fn with(
    mut request: reqwest::RequestBuilder,
    headers: &[(&str, String)],
) -> reqwest::RequestBuilder {
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request
}

async fn upload(
    sb: &RunningSandbox,
    query: &str,
    form: Form,
    headers: &[(&str, String)],
) -> reqwest::Response {
    with(
        reqwest::Client::new().post(format!("{}/api/v4{query}", sb.url("photon"))),
        headers,
    )
    .multipart(form)
    .send()
    .await
    .unwrap()
}

/// A well-formed async upload of a photo of `rgb` paper; its JSON answer.
async fn upload_photo(sb: &RunningSandbox, rgb: [u8; 3]) -> Value {
    upload(
        sb,
        "?type=async",
        pdf_form(jpeg(rgb)),
        &headers(&sb.config.photon),
    )
    .await
    .json()
    .await
    .unwrap()
}

fn pdf_form(bytes: Vec<u8>) -> Form {
    Form::new().part("pdf", Part::bytes(bytes).file_name("receipt.jpg"))
}

async fn fetch(sb: &RunningSandbox, key: &str) -> (u16, Value) {
    let response = with(
        reqwest::Client::new()
            .get(format!("{}/api/v4/result", sb.url("photon")))
            .query(&[("photon_key", key)]),
        &headers(&sb.config.photon),
    )
    .send()
    .await
    .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn each_of_the_four_credential_headers_is_required() {
    let sb = start(Duration::ZERO).await;
    let good = headers(&sb.config.photon);
    let ok = upload(&sb, "?type=async", pdf_form(jpeg(PAPER)), &good).await;
    assert_eq!(ok.status(), 200);
    for i in 0..good.len() {
        let mut wrong = good.clone();
        wrong[i].1.push('x');
        let response = upload(&sb, "?type=async", pdf_form(jpeg(PAPER)), &wrong).await;
        assert_eq!(response.status(), 401, "wrong {}", good[i].0);
        let mut missing = good.clone();
        missing.remove(i);
        let response = upload(&sb, "?type=async", pdf_form(jpeg(PAPER)), &missing).await;
        assert_eq!(response.status(), 401, "missing {}", good[i].0);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], "error");
    }
}

#[tokio::test]
async fn the_async_type_and_the_pdf_field_are_required() {
    let sb = start(Duration::ZERO).await;
    let good = headers(&sb.config.photon);
    for query in ["", "?type=sync"] {
        let response = upload(&sb, query, pdf_form(jpeg(PAPER)), &good).await;
        assert_eq!(response.status(), 400, "{query:?}");
    }
    let no_pdf = Form::new().part("file", Part::bytes(jpeg(PAPER)).file_name("r.jpg"));
    assert_eq!(
        upload(&sb, "?type=async", no_pdf, &good).await.status(),
        400
    );
}

#[tokio::test]
async fn a_document_gets_a_photon_key_is_processing_then_read() {
    // Long enough that the first fetch is surely before the document is read.
    let sb = start(Duration::from_millis(1500)).await;
    let body: Value = upload_photo(&sb, PAPER).await;
    assert_eq!(body["status"], "success");
    assert_eq!(body["message"], "success");
    let key = body["photon_key"].as_str().unwrap().to_owned();
    assert!(
        key.starts_with("data/sandbox-user/receipt") && key.ends_with(".json"),
        "{key}"
    );

    assert_eq!(fetch(&sb, &key).await.1["status"], "processing");
    let body = eventually(100, || async {
        let (_, body) = fetch(&sb, &key).await;
        (body["status"] != "processing").then_some(body)
    })
    .await;
    assert_eq!(body["status"], "success");
    assert_eq!(body["result"]["vendor"]["name"], "CLAREL");
    assert_eq!(body["result"]["total"], 37.87);
    assert_eq!(body["result"]["line_items"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn a_picture_that_is_no_document_fails_and_unknown_keys_are_404() {
    let sb = start(Duration::ZERO).await;
    let body: Value = upload_photo(&sb, RED).await;
    let (status, result) = fetch(&sb, body["photon_key"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(result["status"], "failed");
    assert_eq!(result["error_code"], "not_a_document");
    assert_eq!(fetch(&sb, "data/sandbox-user/nope.json").await.0, 404);
}

#[tokio::test]
async fn the_registered_webhook_gets_each_result_with_its_key_retried_until_taken() {
    // The receiver refuses the first two deliveries; the third is taken.
    let sb = start(Duration::ZERO).await;
    let (hook, mut received) = common::callback_listener(2).await;
    sb.controls.set_photon_webhook(&hook, "hook-key");

    let uploaded: Value = upload_photo(&sb, PAPER).await;
    let (headers, body) = common::next_callback(&mut received).await;
    assert_eq!(headers["x-webhook-key"], "hook-key");
    assert_eq!(body["photon_key"], uploaded["photon_key"]);
    assert_eq!(body["status"], "success");
    assert_eq!(body["result"]["vendor"]["name"], "CLAREL");
}
