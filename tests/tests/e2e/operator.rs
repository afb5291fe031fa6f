//! The operator API over real HTTP: the key is required (and never answered
//! with CORS), a campaign's submissions are listed with filters and a cursor,
//! one is fetched with everything known, a campaign is exported as CSV, and a
//! shopper's data is erased.

use api::SubmissionStatus;
use serde_json::Value;
use tests::{TestApp, fixtures, spawn_app};

const CAMPAIGN: &str = "demo-easypromos";

async fn operator(app: &TestApp, path: &str) -> reqwest::Response {
    app.operator(reqwest::Method::GET, path)
        .send()
        .await
        .unwrap()
}

/// Sends a receipt as `user` and waits for its verdict.
async fn decided(app: &TestApp, user: &str, photo: Vec<u8>) -> String {
    let form = reqwest::multipart::Form::new()
        .text(api::field::USER, user.to_owned())
        .part(
            api::field::PHOTO,
            reqwest::multipart::Part::bytes(photo).file_name("receipt.jpg"),
        );
    let response = app
        .http
        .post(app.url(&format!("/v1/campaigns/{CAMPAIGN}/submissions")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let id = response.json::<api::SubmissionCreated>().await.unwrap().id;
    app.wait_final(&id).await;
    id
}

#[tokio::test]
async fn the_operator_api_needs_its_key_and_never_answers_a_browser() {
    let app = spawn_app().await;
    let path = format!("/v1/operator/campaigns/{CAMPAIGN}/submissions");
    for key in [None, Some("wrong"), Some("")] {
        let mut request = app
            .http
            .get(app.url(&path))
            .header("Origin", app.address.as_str());
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{key:?}");
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    let response = app
        .operator(reqwest::Method::GET, &path)
        .header("Origin", app.address.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn submissions_are_listed_by_status_and_user_page_by_page_and_fetched_whole() {
    let app = spawn_app().await;
    let mut accepted = Vec::new();
    for _ in 0..3 {
        accepted.push(decided(&app, "ana", fixtures::receipt_jpeg()).await);
    }
    let refused = decided(&app, "bo", fixtures::red_jpeg()).await;

    let base = format!("/v1/operator/campaigns/{CAMPAIGN}/submissions");
    let page: Value = operator(&app, &format!("{base}?status=rejected"))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = page["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [refused.as_str()]);

    // Two pages of two, newest first, for one shopper.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..3 {
        let page: Value = operator(&app, &format!("{base}?user=ana&limit=2{cursor}"))
            .await
            .json()
            .await
            .unwrap();
        for s in page["submissions"].as_array().unwrap() {
            assert_eq!(s["user"], "ana");
            seen.push(s["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    accepted.reverse();
    assert_eq!(seen, accepted, "every one once, newest first");

    let one: Value = operator(&app, &format!("/v1/operator/submissions/{refused}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["status"], SubmissionStatus::Rejected.as_str());
    assert_eq!(one["provider"], "easypromos");
    assert!(one["provider_ref"].is_string());
    assert_eq!(one["outcome"]["reasons"][0]["code"], "not_receipt");

    let bad = operator(&app, &format!("{base}?from=yesterday")).await;
    assert_eq!(bad.status(), 422);
    let unknown = operator(&app, "/v1/operator/campaigns/nope/submissions").await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn a_campaign_exports_as_csv_and_a_shoppers_data_is_erased() {
    let app = spawn_app().await;
    let ana = decided(&app, "ana", fixtures::receipt_jpeg()).await;
    let bo = decided(&app, "bo", fixtures::receipt_jpeg()).await;

    let response = operator(
        &app,
        &format!("/v1/operator/campaigns/{CAMPAIGN}/export.csv"),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("id,created_at,updated_at,status,user"),
        "{csv}"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[1].starts_with(&format!("{ana},")) && lines[1].contains(",accepted,ana,"),
        "{csv}"
    );
    assert!(lines[1].contains(sandbox::sample::STORE), "{csv}");

    let erased = app
        .operator(reqwest::Method::DELETE, "/v1/operator/users/ana")
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 200);
    let erased: Value = erased.json().await.unwrap();
    assert_eq!(erased["submissions"], 1);
    let gone = app
        .http
        .get(app.url(&format!("/v1/submissions/{ana}")))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    assert!(
        app.state.db.get(&bo).await.unwrap().is_some(),
        "only that shopper's"
    );
    let csv = operator(
        &app,
        &format!("/v1/operator/campaigns/{CAMPAIGN}/export.csv"),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(!csv.contains(",ana,"), "{csv}");
}
