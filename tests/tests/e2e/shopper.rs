//! A shopper the brand vouches for: a campaign with `require_signed_user` takes
//! a submission only with a token the brand's backend signed (made here as the
//! README shows), and the shopper is the token's, whatever the page claims.

use serde_json::Value;
use tests::{TestApp, fixtures, spawn_app};

const CAMPAIGN: &str = "demo-signed";

async fn send(
    app: &TestApp,
    campaign: &str,
    token: Option<&str>,
    user: Option<&str>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().part(
        api::field::PHOTO,
        reqwest::multipart::Part::bytes(fixtures::receipt_jpeg()).file_name("receipt.jpg"),
    );
    if let Some(token) = token {
        form = form.text(api::field::USER_TOKEN, token.to_owned());
    }
    if let Some(user) = user {
        form = form.text(api::field::USER, user.to_owned());
    }
    app.http
        .post(app.url(&format!("/v1/campaigns/{campaign}/submissions")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_missing_forged_foreign_or_expired_shopper_token_is_refused_and_nothing_stored() {
    let app = spawn_app().await;
    let key = tests::shopper_key(&app.dir);
    let cases = [
        (None, 401, "shopper_unsigned"),
        (
            Some(tests::shopper_token(
                "not-the-brands-key",
                "ana",
                CAMPAIGN,
                600,
            )),
            401,
            "shopper_unsigned",
        ),
        (
            Some(tests::shopper_token(&key, "ana", "demo-easypromos", 600)),
            401,
            "shopper_unsigned",
        ),
        (Some("not.a.token".to_owned()), 401, "shopper_unsigned"),
        (
            Some(tests::shopper_token(&key, "ana", CAMPAIGN, -3600)),
            403,
            "shopper_expired",
        ),
    ];
    for (token, status, code) in cases {
        let response = send(&app, CAMPAIGN, token.as_deref(), Some("ana")).await;
        assert_eq!(response.status(), status, "{token:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{token:?}");
        assert_eq!(body["error"]["field"], "user_token");
        assert!(!body.to_string().contains(&key), "the key never shows");
    }
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);
}

#[tokio::test]
async fn a_signed_shopper_is_who_the_brand_says_whatever_the_page_claims() {
    let app = spawn_app().await;
    let token = tests::shopper_token(&tests::shopper_key(&app.dir), "ana", CAMPAIGN, 600);
    let response = send(&app, CAMPAIGN, Some(&token), Some("mallory")).await;
    assert_eq!(response.status(), 202);
    let created: api::SubmissionCreated = response.json().await.unwrap();
    let row = app.state.db.get(&created.id).await.unwrap().unwrap();
    assert_eq!(row.user_id.as_deref(), Some("ana"));
    // A campaign that asks for no signature takes the page's id as given.
    let response = send(&app, "demo-easypromos", None, Some("mallory")).await;
    let plain: api::SubmissionCreated = response.json().await.unwrap();
    let row = app.state.db.get(&plain.id).await.unwrap().unwrap();
    assert_eq!(row.user_id.as_deref(), Some("mallory"));
}

/// `nbf` was ignored: a token the brand issued for later was taken at once.
#[tokio::test]
async fn a_token_not_valid_before_a_later_time_was_taken_at_once() {
    let app = spawn_app().await;
    let key = tests::shopper_key(&app.dir);
    let now = tests::unix_now();
    let token = |nbf: i64| {
        tests::signed_token(
            &key,
            &serde_json::json!({"sub": "ana", "aud": CAMPAIGN, "exp": now + 3600, "nbf": nbf}),
        )
    };
    let later = send(&app, CAMPAIGN, Some(&token(now + 600)), None).await;
    assert_eq!(later.status(), 401);
    let body: Value = later.json().await.unwrap();
    assert_eq!(body["error"]["code"], "shopper_unsigned");
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);

    let valid = send(&app, CAMPAIGN, Some(&token(now - 60)), None).await;
    assert_eq!(valid.status(), 202);
}

/// With a `shopper_key` but no `require_signed_user`, an unsigned `user` went
/// through as the page gave it: anyone could claim to be any shopper.
#[tokio::test]
async fn an_unsigned_user_went_through_where_the_campaign_signs_its_shoppers() {
    const OPTIONAL: &str = "demo-signed-optional";
    let app = spawn_app().await;
    let key = tests::shopper_key(&app.dir);
    let stored_user = |response: reqwest::Response| {
        let app = &app;
        async move {
            assert_eq!(response.status(), 202);
            let created: api::SubmissionCreated = response.json().await.unwrap();
            app.state
                .db
                .get(&created.id)
                .await
                .unwrap()
                .unwrap()
                .user_id
        }
    };
    // No token: a guest, whatever the page claims.
    let guest = send(&app, OPTIONAL, None, Some("ana")).await;
    assert_eq!(stored_user(guest).await, None);
    // A token that is sent is checked all the same.
    let forged = tests::shopper_token("not-the-brands-key", "ana", OPTIONAL, 600);
    assert_eq!(
        send(&app, OPTIONAL, Some(&forged), None).await.status(),
        401
    );
    let signed = tests::shopper_token(&key, "ana", OPTIONAL, 600);
    let member = send(&app, OPTIONAL, Some(&signed), Some("mallory")).await;
    assert_eq!(stored_user(member).await.as_deref(), Some("ana"));
    // Its leeway is configured to none: ten seconds late is late.
    let late = tests::shopper_token(&key, "ana", OPTIONAL, -10);
    assert_eq!(send(&app, OPTIONAL, Some(&late), None).await.status(), 403);
    // Where the leeway is the default 30 s, the same token is taken.
    let late = tests::shopper_token(&key, "ana", CAMPAIGN, -10);
    assert_eq!(send(&app, CAMPAIGN, Some(&late), None).await.status(), 202);
}
