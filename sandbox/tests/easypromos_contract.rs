//! Contract tests: the Easypromos simulator accepts what `seeds/000_*` documents and
//! refuses the rest, with the same fields and headers the document names.

mod common;

use std::time::Duration;

use reqwest::multipart::{Form, Part};
use sandbox::RunningSandbox;
use serde_json::Value;

async fn start(delay: Duration) -> (RunningSandbox, reqwest::Client) {
    (common::start(delay).await, reqwest::Client::new())
}

fn receipt_jpeg() -> Vec<u8> {
    common::jpeg(common::PAPER)
}

/// `GET url` with the bearer token, as JSON.
async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> Value {
    http.get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Uploads a receipt in webhook mode; returns the upload answer.
async fn upload_with_webhook(sb: &RunningSandbox, url: String, key: &str) -> Value {
    reqwest::Client::new()
        .post(format!("{}/v2/ocr/tickets", sb.url("easypromos")))
        .bearer_auth(&sb.config.easypromos.token)
        .multipart(
            ticket_form(receipt_jpeg())
                .text("webhook_url", url)
                .text("webhook_key", key.to_owned()),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn ticket_form(bytes: Vec<u8>) -> Form {
    Form::new().part("ticket", Part::bytes(bytes).file_name("receipt.jpg"))
}

#[tokio::test]
async fn every_endpoint_refuses_a_missing_or_wrong_bearer_token() {
    let (sb, http) = start(Duration::ZERO).await;
    let base = sb.url("easypromos");
    for token in [
        None,
        Some("wrong"),
        Some(sb.config.easypromos.token.as_str()),
    ] {
        let with_auth = |rb: reqwest::RequestBuilder| match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        };
        let credits = with_auth(http.get(format!("{base}/v2/ocr/credits")))
            .send()
            .await
            .unwrap();
        let upload = with_auth(http.post(format!("{base}/v2/ocr/tickets")))
            .multipart(ticket_form(receipt_jpeg()))
            .send()
            .await
            .unwrap();
        let event = with_auth(http.get(format!("{base}/v2/ocr/events/987654")))
            .send()
            .await
            .unwrap();
        if token == Some(sb.config.easypromos.token.as_str()) {
            assert_eq!(credits.status(), 200);
            assert_eq!(upload.status(), 200);
            assert_eq!(event.status(), 200);
        } else {
            for response in [credits, upload, event] {
                assert_eq!(response.status(), 401);
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["status"], "error");
            }
        }
    }
}

#[tokio::test]
async fn credits_have_the_documented_fields_and_go_down_per_ticket() {
    let (sb, http) = start(Duration::ZERO).await;
    let base = sb.url("easypromos");
    let token = &sb.config.easypromos.token;
    let credits_url = format!("{base}/v2/ocr/credits");
    let before = get_json(&http, &credits_url, token).await;
    assert_eq!(before["status"], "ok");
    assert_eq!(before["currency"], "USD");
    assert!(before["updated_at"].is_string());
    http.post(format!("{base}/v2/ocr/tickets"))
        .bearer_auth(token)
        .multipart(ticket_form(receipt_jpeg()))
        .send()
        .await
        .unwrap();
    let after = get_json(&http, &credits_url, token).await;
    assert_eq!(
        after["credits"].as_u64().unwrap() + 1,
        before["credits"].as_u64().unwrap()
    );
}

#[tokio::test]
async fn a_ticket_field_is_required() {
    let (sb, http) = start(Duration::ZERO).await;
    let response = http
        .post(format!("{}/v2/ocr/tickets", sb.url("easypromos")))
        .bearer_auth(&sb.config.easypromos.token)
        .multipart(Form::new().part("photo", Part::bytes(receipt_jpeg())))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn an_event_is_pending_until_the_delay_then_finished_with_the_documented_body() {
    // Long enough that the first poll is surely before the ticket is read.
    let (sb, http) = start(Duration::from_millis(1500)).await;
    let base = sb.url("easypromos");
    let token = &sb.config.easypromos.token;
    let upload = upload_with_webhook(
        &sb,
        "http://127.0.0.1:9/webhooks/easypromos".to_owned(),
        "k",
    )
    .await;
    assert_eq!(upload["status"], "ok");
    assert!(upload["created_at"].is_string());
    let id = upload["event_id"].as_u64().unwrap();
    let url = format!("{base}/v2/ocr/events/{id}");

    let first = get_json(&http, &url, token).await;
    assert_eq!(first["status"], "pending");

    // Polls until finished, the way a client would.
    let body = common::eventually(100, || async {
        let body = get_json(&http, &url, token).await;
        (body["status"] == "finished").then_some(body)
    })
    .await;
    assert_eq!(body["event_id"], id);
    assert_eq!(body["finished_status"], "ok");
    assert_eq!(body["result"]["header"]["store_name"], "CLAREL");
    assert_eq!(body["result"]["footer"]["total"], 37.87);
    assert_eq!(body["result"]["line_items"].as_array().unwrap().len(), 5);
    assert!(body["processed_at"].is_string());
}

#[tokio::test]
async fn an_unknown_event_is_404() {
    let (sb, http) = start(Duration::ZERO).await;
    let response = http
        .get(format!("{}/v2/ocr/events/1", sb.url("easypromos")))
        .bearer_auth(&sb.config.easypromos.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn an_outage_answers_503_until_it_ends() {
    let (sb, http) = start(Duration::ZERO).await;
    let url = format!("{}/v2/ocr/credits", sb.url("easypromos"));
    sb.controls.set_outage(true);
    let down = http
        .get(&url)
        .bearer_auth(&sb.config.easypromos.token)
        .send()
        .await
        .unwrap();
    assert_eq!(down.status(), 503);
    sb.controls.set_outage(false);
    let up = http
        .get(&url)
        .bearer_auth(&sb.config.easypromos.token)
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), 200);
}

#[tokio::test]
async fn with_a_webhook_url_the_finished_event_is_posted_there_with_the_key() {
    // A receiver standing in for the proxy's callback endpoint.
    let (hook, mut received) = common::callback_listener(0).await;

    let (sb, _) = start(Duration::from_millis(100)).await;
    let upload = upload_with_webhook(&sb, hook, "shared-key-1").await;
    let (headers, body) = common::next_callback(&mut received).await;
    assert_eq!(headers["x-webhook-key"], "shared-key-1");
    assert_eq!(body["event_id"], upload["event_id"]);
    assert_eq!(body["status"], "finished");
    assert_eq!(body["finished_status"], "ok");
    assert_eq!(body["result"]["header"]["store_name"], "CLAREL");
}

/// The sandbox refused bodies over axum's default 2 MB, while campaigns take
/// photos of 10 MB: such a receipt was accepted by the proxy and then always
/// failed. A real provider takes it.
#[tokio::test]
async fn a_photo_over_two_megabytes_is_taken_as_the_real_provider_takes_it() {
    let (sb, http) = start(Duration::ZERO).await;
    let mut photo = receipt_jpeg();
    // Bytes after the JPEG's end marker: a larger file that reads the same.
    photo.resize(photo.len() + 5 * 1024 * 1024, 0);
    let response = http
        .post(format!("{}/v2/ocr/tickets", sb.url("easypromos")))
        .bearer_auth(&sb.config.easypromos.token)
        .multipart(ticket_form(photo))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body["event_id"].is_u64(), "{body}");
}
