//! Contract tests: the Aboutgoods simulator accepts what `seeds/001_*` documents
//! (bearer token, the image as the body, a unique `name`) and refuses the rest;
//! the token grant follows the assumption in `sandbox::aboutgoods`.

mod common;

use std::time::Duration;

use common::{BLUE, DARK, PAPER, RED, eventually, jpeg, start};
use sandbox::RunningSandbox;
use serde_json::Value;

fn url(sb: &RunningSandbox, path: &str) -> String {
    format!("{}{path}", sb.url("aboutgoods"))
}

/// A token with the `access:promo` scope, which campaign documents need.
async fn token(sb: &RunningSandbox) -> String {
    token_for(sb, &[("scope", "access:promo")]).await
}

async fn token_for(sb: &RunningSandbox, extra: &[(&str, &str)]) -> String {
    let settings = &sb.config.aboutgoods;
    let mut form = vec![("grant_type", "client_credentials")];
    form.extend_from_slice(extra);
    let response = reqwest::Client::new()
        .post(url(sb, "/oauth2/token"))
        .basic_auth(&settings.client_id, Some(&settings.client_secret))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert!(body["expires_in"].as_u64().unwrap() > 0);
    body["access_token"].as_str().unwrap().to_owned()
}

/// `POST {path}?{query}` with a JPEG body.
async fn post_document(
    sb: &RunningSandbox,
    token: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Vec<u8>,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(url(sb, path))
        .bearer_auth(token)
        .query(query)
        .header("content-type", "image/jpg")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn get(sb: &RunningSandbox, token: &str, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(url(sb, path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Polls a document until it leaves the waiting statuses.
async fn processed(sb: &RunningSandbox, token: &str, uid: &str) -> Value {
    eventually(100, || async {
        let (_, body) = get(sb, token, &format!("/documents/{uid}")).await;
        (!body["status"].as_str().unwrap().starts_with("WAITING")).then_some(body)
    })
    .await
}

#[tokio::test]
async fn tokens_go_only_to_the_right_client_with_the_right_grant() {
    let sb = start(Duration::ZERO).await;
    let http = reqwest::Client::new();
    let settings = &sb.config.aboutgoods;
    let wrong_secret = http
        .post(url(&sb, "/oauth2/token"))
        .basic_auth(&settings.client_id, Some("nope"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_secret.status(), 401);
    let body: Value = wrong_secret.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let wrong_grant = http
        .post(url(&sb, "/oauth2/token"))
        .basic_auth(&settings.client_id, Some(&settings.client_secret))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_grant.status(), 400);
    assert!(!token(&sb).await.is_empty());
}

#[tokio::test]
async fn documents_need_a_valid_token_a_name_and_an_image_body() {
    let sb = start(Duration::ZERO).await;
    let token = token(&sb).await;
    let name = [("name", "sub-1")];
    assert_eq!(
        post_document(&sb, "not-a-token", "/documents", &name, jpeg(PAPER))
            .await
            .status(),
        401
    );
    let unnamed = post_document(&sb, &token, "/documents", &[], jpeg(PAPER)).await;
    assert_eq!(unnamed.status(), 400);
    let body: Value = unnamed.json().await.unwrap();
    assert!(body["badRequest"].is_string());
    let text = reqwest::Client::new()
        .post(url(&sb, "/documents"))
        .bearer_auth(&token)
        .query(&name)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), 400);
    assert_eq!(
        post_document(
            &sb,
            &token,
            "/campaigns/unknown/documents",
            &name,
            jpeg(PAPER)
        )
        .await
        .status(),
        404
    );
    // None of the refusals used the name up.
    assert_eq!(
        post_document(&sb, &token, "/documents", &name, jpeg(PAPER))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_document_waits_then_is_processed_with_its_data_and_names_are_unique() {
    let sb = start(Duration::from_millis(300)).await;
    let token = token(&sb).await;
    let query = [
        ("name", "sub-42"),
        ("dominantLanguage", "es-ES"),
        ("userPseudoId", "shopper-7"),
    ];
    let created: Value = post_document(&sb, &token, "/documents", &query, jpeg(PAPER))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["status"], "WAITING_FOR_PROCESS");
    assert_eq!(created["processReport"], "NOT_ANALYZED");
    assert_eq!(created["name"], "sub-42");
    assert_eq!(created["dominantLanguage"], "es-ES");
    assert_eq!(created["userPseudoId"], "shopper-7");
    let uid = created["uid"].as_str().unwrap();

    let again = post_document(&sb, &token, "/documents", &query, jpeg(PAPER)).await;
    assert_eq!(again.status(), 409);

    let (_, found) = get(&sb, &token, "/documents?filter=name:sub-42").await;
    assert_eq!(found["results"][0]["uid"], uid);
    assert_eq!(found["totalEntities"], 1);

    let document = processed(&sb, &token, uid).await;
    assert_eq!(document["status"], "PROCESSED");
    assert_eq!(document["processReport"], "NO_ERROR");
    assert_eq!(document["data"]["shop"]["sign"], "CLAREL");
    assert_eq!(document["data"]["total"], 37.87);
    assert!(
        document.get("processedRules").is_none(),
        "no campaign, no rules"
    );
    assert_eq!(get(&sb, &token, "/documents/nope").await.0, 404);
}

#[tokio::test]
async fn campaign_documents_carry_their_rules_and_bad_photos_are_not_exploitable() {
    let sb = start(Duration::ZERO).await;
    let token = token(&sb).await;
    let path = format!("/campaigns/{}/documents", sb.config.aboutgoods.campaign_uid);
    let mut results = Vec::new();
    for (name, photo) in [("in", PAPER), ("off", BLUE), ("red", RED), ("dark", DARK)] {
        let created: Value = post_document(&sb, &token, &path, &[("name", name)], jpeg(photo))
            .await
            .json()
            .await
            .unwrap();
        results.push(processed(&sb, &token, created["uid"].as_str().unwrap()).await);
    }
    assert_eq!(results[0]["processedRules"]["allRulesMatched"], true);
    assert_eq!(results[1]["status"], "PROCESSED");
    assert_eq!(results[1]["processedRules"]["allRulesMatched"], false);
    assert_eq!(results[1]["processedRules"]["dateRule"]["isMatched"], false);
    assert_eq!(results[2]["status"], "NOT_EXPLOITABLE");
    assert_eq!(results[2]["processReport"], "NOT_RECEIPT");
    assert_eq!(results[3]["processReport"], "UNREADABLE");
    assert!(results[3].get("data").is_none());
}

#[tokio::test]
async fn quota_and_revoked_tokens_are_refused() {
    let sb = start(Duration::ZERO).await;
    let token = token(&sb).await;
    sb.controls.set_aboutgoods_quota_exceeded(true);
    let over = post_document(&sb, &token, "/documents", &[("name", "q")], jpeg(PAPER)).await;
    assert_eq!(over.status(), 402);
    sb.controls.set_aboutgoods_quota_exceeded(false);
    sb.controls.revoke_aboutgoods_tokens();
    let revoked = post_document(&sb, &token, "/documents", &[("name", "q")], jpeg(PAPER)).await;
    assert_eq!(revoked.status(), 401);
    let fresh = self::token(&sb).await;
    let ok = post_document(&sb, &fresh, "/documents", &[("name", "q")], jpeg(PAPER)).await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn the_quality_check_reports_exploitable_or_why_not() {
    let sb = start(Duration::ZERO).await;
    let token = token(&sb).await;
    let check = |photo: Vec<u8>| {
        let token = token.clone();
        let url = url(&sb, "/documents/check");
        async move {
            let response = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .query(&[("name", "probe")])
                .header("content-type", "image/jpg")
                .body(photo)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, good) = check(jpeg(PAPER)).await;
    assert_eq!(status, 200);
    assert_eq!(good["status"], "EXPLOITABLE");
    assert_eq!(good["processReport"], "NO_ERROR");
    assert_eq!(good["name"], "probe");
    assert!(good["imageQuality"]["goodSize"].as_bool().unwrap());
    let (_, dark) = check(jpeg(DARK)).await;
    assert_eq!(dark["status"], "NOT_EXPLOITABLE");
    assert_eq!(dark["processReport"], "BAD_QUALITY_IMAGE");
    assert_eq!(check(b"not an image".to_vec()).await.0, 400);
}

#[tokio::test]
async fn campaign_documents_need_the_access_promo_scope_and_plain_documents_do_not() {
    let sb = start(Duration::ZERO).await;
    let plain = token_for(&sb, &[]).await;
    let path = format!("/campaigns/{}/documents", sb.config.aboutgoods.campaign_uid);
    let refused = post_document(&sb, &plain, &path, &[("name", "no-scope")], jpeg(PAPER)).await;
    assert_eq!(refused.status(), 403);
    let plain_document = post_document(
        &sb,
        &plain,
        "/documents",
        &[("name", "no-scope")],
        jpeg(PAPER),
    )
    .await;
    assert_eq!(plain_document.status(), 200);
    let scoped = token(&sb).await;
    let taken = post_document(&sb, &scoped, &path, &[("name", "scoped")], jpeg(PAPER)).await;
    assert_eq!(taken.status(), 200);
}
