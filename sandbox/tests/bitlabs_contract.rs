//! Contract tests: the BitLabs simulator takes what `seeds/004_*` documents (bearer
//! token, `offerIDs` and `merchantID`, `img0`/`imgName0`...) and refuses the rest,
//! answers per offer in the documented buckets, and serves the merchants, offers
//! and manual-review calls as `sandbox::bitlabs` assumes them.

mod common;

use std::time::Duration;

use common::{BLUE, PAPER, RED, jpeg, start};
use reqwest::multipart::{Form, Part};
use sandbox::RunningSandbox;
use sandbox::bitlabs::FLAGGED_OFFER;
use serde_json::{Value, json};

fn call(
    sb: &RunningSandbox,
    method: reqwest::Method,
    query: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, format!("{}/", sb.url("bitlabs")))
        .query(query)
        .bearer_auth(&sb.config.bitlabs_token)
}

async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// `img0`/`imgName0`, ... for these photos.
fn images(photos: &[[u8; 3]]) -> Form {
    photos
        .iter()
        .enumerate()
        .fold(Form::new(), |form, (n, rgb)| {
            form.part(
                format!("img{n}"),
                Part::bytes(jpeg(*rgb)).file_name(format!("r{n}.jpg")),
            )
            .text(format!("imgName{n}"), format!("r{n}.jpg"))
        })
}

async fn upload(sb: &RunningSandbox, offers: &str, form: Form) -> (u16, Value) {
    send(
        call(
            sb,
            reqwest::Method::POST,
            &[
                ("cmd", "mp-mr-api-upload-receipt"),
                ("offerIDs", offers),
                ("merchantID", "7"),
            ],
        )
        .multipart(form),
    )
    .await
}

#[tokio::test]
async fn the_token_is_required_and_unknown_commands_are_refused() {
    let sb = start(Duration::ZERO).await;
    let response = reqwest::Client::new()
        .get(format!("{}/", sb.url("bitlabs")))
        .query(&[("cmd", "mp-mr-api-merchants")])
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let (status, body) = send(call(&sb, reqwest::Method::GET, &[("cmd", "nope")])).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_cmd");
}

#[tokio::test]
async fn merchants_then_their_offers_with_goals() {
    let sb = start(Duration::ZERO).await;
    let (status, body) = send(call(
        &sb,
        reqwest::Method::GET,
        &[("cmd", "mp-mr-api-merchants")],
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], 200);
    assert_eq!(body["data"]["merchants"][0]["id"], 7);
    let (_, body) = send(call(
        &sb,
        reqwest::Method::GET,
        &[
            ("cmd", "mp-mr-api-offers-short"),
            ("sortType", "0"),
            ("merchantID", "7"),
        ],
    ))
    .await;
    let offers = body["data"]["offers"].as_array().unwrap();
    assert_eq!(offers[0]["offerID"], 191_405);
    assert_eq!(
        offers[0]["goals"][1],
        json!({"quantity": 2, "award": "4.00 USD"})
    );
    let (status, body) = send(call(
        &sb,
        reqwest::Method::GET,
        &[("cmd", "mp-mr-api-offers-short"), ("merchantID", "999")],
    ))
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_merchant");
}

#[tokio::test]
async fn uploads_need_known_offers_and_named_images() {
    let sb = start(Duration::ZERO).await;
    assert_eq!(upload(&sb, "", images(&[PAPER])).await.0, 400);
    assert_eq!(upload(&sb, "abc", images(&[PAPER])).await.0, 400);
    // An offer of another merchant.
    assert_eq!(upload(&sb, "170001", images(&[PAPER])).await.0, 400);
    let (status, body) = upload(&sb, "191405", Form::new().text("imgName0", "r.jpg")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_image_count");
    let unnamed = Form::new().part("img0", Part::bytes(jpeg(PAPER)).file_name("r.jpg"));
    assert_eq!(upload(&sb, "191405", unnamed).await.0, 400);
    let gap = images(&[PAPER])
        .part("img2", Part::bytes(jpeg(PAPER)))
        .text("imgName2", "x.jpg");
    assert_eq!(upload(&sb, "191405", gap).await.0, 400);
}

#[tokio::test]
async fn a_long_receipt_is_answered_at_once_per_offer() {
    let sb = start(Duration::ZERO).await;
    let offers = format!("191405,143787,{FLAGGED_OFFER}");
    let (status, body) = upload(&sb, &offers, images(&[PAPER, PAPER])).await;
    assert_eq!(status, 200);
    let data = &body["data"];
    let confirmed = data["confirmed"]["offers"].as_array().unwrap();
    assert_eq!(confirmed.len(), 2);
    assert_eq!(confirmed[0]["state"], "confirmed");
    assert_eq!(confirmed[0]["awardCashback"], "1.50 USD");
    assert!(confirmed[0]["uploadOfferID"].is_u64());
    assert_eq!(data["pending"]["offers"][0]["offerID"], FLAGGED_OFFER);
    assert_eq!(
        data["confirmedAndAwardPending"]["offers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(data["rejected"]["offers"].as_array().unwrap().is_empty());

    let (_, body) = upload(&sb, "191405", images(&[PAPER, RED])).await;
    let rejected = &body["data"]["rejected"]["offers"][0];
    assert_eq!(rejected["errorCode"], 6);
    assert!(
        rejected["errorStr"]
            .as_str()
            .unwrap()
            .contains("not a receipt")
    );
}

#[tokio::test]
async fn manual_review_only_for_offers_in_manual_review_and_only_once() {
    let sb = start(Duration::ZERO).await;
    let review = |ids: Value| {
        send(
            call(
                &sb,
                reqwest::Method::POST,
                &[("cmd", "mp-mr-api-request-manual-review")],
            )
            .json(&json!({"uploadOfferIDs": ids})),
        )
    };
    let (_, body) = upload(&sb, "191405", images(&[BLUE])).await;
    let offer = &body["data"]["manualReview"]["offers"][0];
    assert_eq!(offer["errorCode"], 2);
    let id = offer["uploadOfferID"].clone();
    let (_, confirmed) = upload(&sb, "143787", images(&[PAPER])).await;
    let confirmed_id = confirmed["data"]["confirmed"]["offers"][0]["uploadOfferID"].clone();

    assert_eq!(review(json!([confirmed_id])).await.0, 400);
    let (status, body) = review(json!([id])).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["requested"], json!([id]));
    assert_eq!(review(json!([id])).await.0, 400, "asked once already");
    assert_eq!(review(json!([])).await.0, 400);
}

#[tokio::test]
async fn an_upload_already_in_progress_is_refused() {
    let sb = start(Duration::ZERO).await;
    sb.controls.set_bitlabs_busy(true);
    let (status, body) = upload(&sb, "191405", images(&[PAPER])).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "upload_in_progress");
    sb.controls.set_bitlabs_busy(false);
    assert_eq!(upload(&sb, "191405", images(&[PAPER])).await.0, 200);
}
