//! Contract tests: the APM (Revizor) simulator accepts what `seeds/002_*`
//! documents (`api-key`, 1 to 5 `photos`, the documented fields, `config` as a
//! JSON string) and refuses the rest; callbacks follow `config.callback`.

mod common;

use std::time::Duration;

use common::{BLUE, DARK, PAPER, RED, eventually, jpeg, start};
use reqwest::multipart::{Form, Part};
use sandbox::RunningSandbox;
use serde_json::{Value, json};

const QR: &str = "t=20190113T154800&s=127.00&fn=8716000100025114&i=114318&fp=3578721879&n=1";

fn url(sb: &RunningSandbox, path: &str) -> String {
    format!("{}{path}", sb.url("apm"))
}

/// `photos` added as parts named `receipt-1.jpg`, `receipt-2.jpg`...
fn photos(form: Form, photos: &[[u8; 3]]) -> Form {
    photos.iter().enumerate().fold(form, |form, (n, rgb)| {
        form.part(
            "photos",
            Part::bytes(jpeg(*rgb)).file_name(format!("receipt-{}.jpg", n + 1)),
        )
    })
}

async fn post_form(sb: &RunningSandbox, path: &str, key: &str, form: Form) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url(sb, path))
        .header("api-key", key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn post_qr(sb: &RunningSandbox, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url(sb, "/api/receipts/qr"))
        .header("api-key", &sb.config.apm_api_key)
        .json(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn get(sb: &RunningSandbox, uuid: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(url(sb, &format!("/api/receipts/{uuid}")))
        .header("api-key", &sb.config.apm_api_key)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn reviewed(sb: &RunningSandbox, uuid: &str) -> Value {
    eventually(100, || async {
        let (_, body) = get(sb, uuid).await;
        (body["state"] == "REVIEWED").then_some(body)
    })
    .await
}

#[tokio::test]
async fn every_endpoint_needs_the_api_key() {
    let sb = start(Duration::ZERO).await;
    for path in ["/api/widgets/receipts", "/api/receipts"] {
        let (status, body) = post_form(&sb, path, "wrong", photos(Form::new(), &[PAPER])).await;
        assert_eq!(status, 401, "{path}");
        assert_eq!(body["status"], 401);
    }
    let response = reqwest::Client::new()
        .post(url(&sb, "/api/receipts/qr"))
        .json(&json!({"qrStr": QR}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = reqwest::Client::new()
        .get(url(&sb, "/api/receipts/anything"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn widget_receipts_take_one_to_five_photos_and_only_the_documented_fields() {
    let sb = start(Duration::ZERO).await;
    let key = sb.config.apm_api_key.clone();
    let path = "/api/widgets/receipts";
    assert_eq!(post_form(&sb, path, &key, Form::new()).await.0, 400);
    assert_eq!(
        post_form(&sb, path, &key, photos(Form::new(), &[PAPER; 6]))
            .await
            .0,
        400
    );
    let unknown = photos(Form::new().text("promoCode", "x"), &[PAPER]);
    assert_eq!(post_form(&sb, path, &key, unknown).await.0, 400);
    let long_source = photos(Form::new().text("source", "s".repeat(256)), &[PAPER]);
    assert_eq!(post_form(&sb, path, &key, long_source).await.0, 400);
    // Two parts under one file name would be one photo.
    let same_name = [PAPER; 2].iter().fold(Form::new(), |form, rgb| {
        form.part("photos", Part::bytes(jpeg(*rgb)).file_name("receipt.jpg"))
    });
    assert_eq!(post_form(&sb, path, &key, same_name).await.0, 400);

    let form = Form::new()
        .text("userUuid", "257f42e1-4709-4c8c-8989-9f9d94d6fb4a")
        .text("qrAsString", QR)
        .text("source", "widget-qr-scan")
        .text("channel", "promo-site");
    let (status, created) = post_form(&sb, path, &key, photos(form, &[PAPER; 5])).await;
    assert_eq!(status, 200);
    assert_eq!(created["status"], "success");
    let receipt = reviewed(&sb, created["uuid"].as_str().unwrap()).await;
    assert_eq!(receipt["approved"], true);
    assert_eq!(receipt["rejectKey"], Value::Null);
    assert_eq!(receipt["qrString"], QR);
    assert_eq!(receipt["userUuid"], "257f42e1-4709-4c8c-8989-9f9d94d6fb4a");
    assert_eq!(receipt["source"], "widget-qr-scan");
    assert_eq!(receipt["retailer"]["name"], "CLAREL");
    // The moderators read the fiscal code sent with it: its date and sum.
    assert_eq!(receipt["total"]["sum"], 127.0);
    assert_eq!(receipt["receiptDate"], "2019-01-13");
    assert_eq!(receipt["photos"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn a_receipt_waits_for_moderators() {
    // The moderators take a minute here: the receipt is only ARRIVED.
    let sb = start(Duration::from_secs(60)).await;
    let (_, created) = post_form(
        &sb,
        "/api/widgets/receipts",
        &sb.config.apm_api_key,
        photos(Form::new(), &[PAPER]),
    )
    .await;
    let (status, receipt) = get(&sb, created["uuid"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(receipt["state"], "ARRIVED");
    assert_eq!(receipt["approved"], false);
    assert_eq!(receipt["rejectKey"], Value::Null);
    assert_eq!(get(&sb, "no-such-uuid").await.0, 404);
}

#[tokio::test]
async fn reviewed_receipts_carry_their_reject_key() {
    let sb = start(Duration::ZERO).await;
    let key = sb.config.apm_api_key.clone();
    let mut keys = Vec::new();
    for photo in [RED, DARK, BLUE] {
        let (_, created) = post_form(
            &sb,
            "/api/widgets/receipts",
            &key,
            photos(Form::new(), &[photo]),
        )
        .await;
        let receipt = reviewed(&sb, created["uuid"].as_str().unwrap()).await;
        assert_eq!(receipt["approved"], false);
        assert!(receipt["rejectReason"].is_string());
        keys.push(receipt["rejectKey"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        keys,
        ["NOT_RECEIPT", "NOT_READABLE", "NOT_QUANTITY_PRODUCT"]
    );
}

#[tokio::test]
async fn qr_receipts_need_qr_str_and_a_fiscal_qr_is_approved() {
    let sb = start(Duration::ZERO).await;
    assert_eq!(post_qr(&sb, &json!({"userUuid": "u"})).await.0, 400);
    assert_eq!(post_qr(&sb, &json!({"qrStr": QR, "bogus": 1})).await.0, 400);
    assert_eq!(
        post_qr(&sb, &json!({"qrStr": QR, "config": "{not json"}))
            .await
            .0,
        400
    );
    let (status, created) = post_qr(
        &sb,
        &json!({"qrStr": QR, "userUuid": "e2a23a9e", "externalId": 499, "channel": "apidoc",
            "meta": "{\"utm\": \"api_docs\"}"}),
    )
    .await;
    assert_eq!(status, 200);
    let receipt = reviewed(&sb, created["uuid"].as_str().unwrap()).await;
    assert_eq!(receipt["approved"], true);
    assert_eq!(receipt["qrString"], QR);
    let (_, created) = post_qr(&sb, &json!({"qrStr": "hello"})).await;
    let receipt = reviewed(&sb, created["uuid"].as_str().unwrap()).await;
    assert_eq!(receipt["rejectKey"], "NOT_RECEIPT");
}

#[tokio::test]
async fn config_callback_posts_the_reviewed_receipt_with_its_headers() {
    let sb = start(Duration::ZERO).await;
    let (callback_url, mut received) = common::callback_listener(0).await;

    let config = json!({
        "products": [{"name": "Ice-cream Lasunka", "id": 7}],
        "callback": {"url": callback_url, "method": "POST",
            "headers": [{"name": "authorization", "values": ["some-api-token"]}]},
    })
    .to_string();
    // `meta` is a field of `/api/receipts/qr` only.
    let with_meta = Form::new()
        .text("config", config.clone())
        .text("meta", "{\"submission\": \"s-1\"}");
    let (status, _) = post_form(
        &sb,
        "/api/receipts",
        &sb.config.apm_api_key,
        photos(with_meta, &[PAPER]),
    )
    .await;
    assert_eq!(status, 400);
    let form = Form::new()
        .text("config", config)
        .text("externalId", "345")
        .text("source", "api")
        .text("channel", "telegram");
    let (status, created) = post_form(
        &sb,
        "/api/receipts",
        &sb.config.apm_api_key,
        photos(form, &[PAPER]),
    )
    .await;
    assert_eq!(status, 200);
    let (headers, body) = common::next_callback(&mut received).await;
    assert_eq!(headers["authorization"], "some-api-token");
    assert_eq!(body["uuid"], created["uuid"]);
    assert_eq!(body["state"], "REVIEWED");
    assert_eq!(body["approved"], true);
    assert_eq!(body["meta"], Value::Null, "none was sent");

    let bad_id = photos(Form::new().text("externalId", "abc"), &[PAPER]);
    assert_eq!(
        post_form(&sb, "/api/receipts", &sb.config.apm_api_key, bad_id)
            .await
            .0,
        400
    );
}
