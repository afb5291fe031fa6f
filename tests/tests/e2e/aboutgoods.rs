//! Aboutgoods end to end over real HTTP (proxy -> sandbox): promotion rules, the
//! OAuth2 token's life, the quota, a lost upload answer (409) and the quality
//! pre-check. The shared paths (accepted, not a receipt, outage) are in `flow.rs`.

use api::{ErrorBody, ErrorCode, QualityCheck, ReasonCode, SubmissionStatus};
use providers::aboutgoods::{Aboutgoods, AboutgoodsConfig};
use providers::{MediaType, OutgoingReceipt, Photo, Progress, Provider, Secret};
use tests::{Options, fixtures, spawn_app, spawn_app_with};

const CAMPAIGN: &str = "demo-aboutgoods";

/// An adapter of its own on the app's sandbox, to drive calls one by one.
fn adapter(app: &tests::TestApp) -> Aboutgoods {
    let sandbox = &app.sandbox;
    let settings = &sandbox.config.aboutgoods;
    Aboutgoods::new(
        AboutgoodsConfig {
            base_url: sandbox.url("aboutgoods"),
            token_url: format!("{}/oauth2/token", sandbox.url("aboutgoods")),
            client_id: settings.client_id.clone(),
            client_secret: Secret::new(settings.client_secret.clone()),
            scope: None,
            campaign_uid: Some(settings.campaign_uid.clone()),
            endpoint_uid: None,
        },
        reqwest::Client::new(),
    )
}

fn receipt(id: &str) -> OutgoingReceipt {
    OutgoingReceipt {
        submission_id: id.to_owned(),
        campaign: CAMPAIGN.to_owned(),
        locale: "fr".to_owned(),
        photos: vec![Photo {
            media_type: MediaType::Jpeg,
            bytes: fixtures::receipt_jpeg().into(),
        }],
        qr: None,
        merchant: None,
        user: Some("shopper-1".to_owned()),
        offers: Vec::new(),
    }
}

async fn quality_check(app: &tests::TestApp, campaign: &str, photo: Vec<u8>) -> reqwest::Response {
    app.http
        .post(app.url(&format!("/v1/campaigns/{campaign}/quality-check")))
        .multipart(reqwest::multipart::Form::new().part(
            api::field::PHOTO,
            reqwest::multipart::Part::bytes(photo).file_name("receipt.jpg"),
        ))
        .send()
        .await
        .expect("POST quality-check")
}

#[tokio::test]
async fn a_receipt_outside_the_promotion_is_rejected_for_the_rule_it_misses_with_the_receipt_kept()
{
    let app = spawn_app().await;
    let id = app.submit_photo(CAMPAIGN, fixtures::blue_jpeg()).await;
    let done = app.settle(&id).await;
    assert_eq!(done.status, SubmissionStatus::Rejected);
    let outcome = done.outcome.expect("outcome");
    let codes: Vec<_> = outcome.reasons.iter().map(|r| r.code).collect();
    assert_eq!(codes, [ReasonCode::DateOutOfRange]);
    assert_eq!(
        outcome.receipt.and_then(|r| r.store).as_deref(),
        Some(sandbox::sample::STORE)
    );
}

#[tokio::test]
async fn a_dark_photo_is_rejected_as_unreadable() {
    let app = spawn_app().await;
    let id = app.submit_photo(CAMPAIGN, fixtures::dark_jpeg()).await;
    let done = app.settle(&id).await;
    assert_eq!(done.status, SubmissionStatus::Rejected);
    assert_eq!(
        done.outcome.expect("outcome").reasons[0].code,
        ReasonCode::Unreadable
    );
}

#[tokio::test]
async fn the_document_is_named_by_the_submission_in_the_campaigns_language() {
    let app = spawn_app().await;
    let adapter = adapter(&app);
    let (uid, progress) = adapter.submit(&receipt("sub-lang")).await.unwrap();
    assert_eq!(progress, Progress::Pending);
    let http = reqwest::Client::new();
    let settings = &app.sandbox.config.aboutgoods;
    let token: serde_json::Value = http
        .post(format!("{}/oauth2/token", app.sandbox.url("aboutgoods")))
        .basic_auth(&settings.client_id, Some(&settings.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let document: serde_json::Value = http
        .get(format!("{}/documents/{uid}", app.sandbox.url("aboutgoods")))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["name"], "sub-lang");
    assert_eq!(document["dominantLanguage"], "fr-FR");
    assert_eq!(document["userPseudoId"], "shopper-1");
    assert_eq!(document["campaignUid"], settings.campaign_uid);
}

#[tokio::test]
async fn a_revoked_token_is_renewed_once_and_the_call_goes_through() {
    let app = spawn_app().await;
    let adapter = adapter(&app);
    let (uid, _) = adapter.submit(&receipt("sub-token")).await.unwrap();
    app.sandbox.controls.revoke_aboutgoods_tokens();
    // The cached token is refused now; the adapter must fetch a new one.
    adapter
        .poll(&uid)
        .await
        .expect("a 401 renews the token once and retries");
}

#[tokio::test]
async fn an_upload_whose_answer_was_lost_is_found_again_by_its_name() {
    let app = spawn_app().await;
    let adapter = adapter(&app);
    // The first upload reached Aboutgoods, but its answer never came back.
    let (first, _) = adapter.submit(&receipt("sub-lost")).await.unwrap();
    // The retry gets 409 for the name and follows the same document.
    let (again, _) = adapter.submit(&receipt("sub-lost")).await.unwrap();
    assert_eq!(again, first);
}

#[tokio::test]
async fn over_quota_submissions_are_held_and_go_through_once_the_quota_is_back() {
    let app = spawn_app().await;
    app.sandbox.controls.set_aboutgoods_quota_exceeded(true);
    let id = app.submit_photo(CAMPAIGN, fixtures::receipt_jpeg()).await;
    let row = app.step_until(&id, |row| row.attempts >= 2).await;
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|e| e.contains("quota")),
        "{row:?}"
    );
    assert_eq!(
        app.get_submission(&id).await.status,
        SubmissionStatus::Queued
    );
    assert_eq!(app.state.db.photo_count(&id).await.unwrap(), 1);

    app.sandbox.controls.set_aboutgoods_quota_exceeded(false);
    tests::assert_accepted_sample(&app.settle(&id).await);
}

#[tokio::test]
async fn the_quality_check_tells_the_widget_whether_a_photo_is_usable() {
    let app = spawn_app().await;
    let campaign: api::Campaign = app
        .http
        .get(app.url(&format!("/v1/campaigns/{CAMPAIGN}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(campaign.capabilities.quality_check);
    assert!(campaign.capabilities.combine_photos);

    let good = quality_check(&app, CAMPAIGN, fixtures::receipt_jpeg()).await;
    assert_eq!(good.status(), 200);
    let good: QualityCheck = good.json().await.unwrap();
    assert!(good.usable);
    assert!(good.reasons.is_empty());

    let dark: QualityCheck = quality_check(&app, CAMPAIGN, fixtures::dark_jpeg())
        .await
        .json()
        .await
        .unwrap();
    assert!(!dark.usable);
    assert_eq!(dark.reasons[0].code, ReasonCode::BadQuality);

    // Bad input is refused before anything reaches the provider.
    let pdf = quality_check(&app, CAMPAIGN, b"%PDF-1.7 not a photo".to_vec()).await;
    assert_eq!(pdf.status(), 415);
    // A provider without the ability, and an unknown campaign.
    let unsupported = quality_check(&app, "demo-easypromos", fixtures::receipt_jpeg()).await;
    assert_eq!(unsupported.status(), 404);
    let unknown = quality_check(&app, "nope", fixtures::receipt_jpeg()).await;
    let body: ErrorBody = unknown.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::UnknownCampaign);
    // Nothing was stored by any of it.
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);
}

#[tokio::test]
async fn refused_credentials_on_the_quality_check_are_a_502_that_names_no_secret() {
    let wrong = "ag_wrong_secret_that_must_not_leak".to_owned();
    let app = spawn_app_with(Options {
        aboutgoods_secret: Some(wrong.clone()),
        ..Options::default()
    })
    .await;
    let response = quality_check(&app, CAMPAIGN, fixtures::receipt_jpeg()).await;
    assert_eq!(response.status(), 502);
    let text = response.text().await.unwrap();
    let body: ErrorBody = serde_json::from_str(&text).unwrap();
    assert_eq!(body.error.code, ErrorCode::ProviderAuth);
    for secret in [wrong.as_str(), &app.sandbox.config.aboutgoods.client_secret] {
        assert!(!text.contains(secret));
    }
}
