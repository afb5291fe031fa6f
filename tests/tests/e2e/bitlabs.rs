//! BitLabs Magic Receipts end to end over real HTTP (proxy -> sandbox): merchants
//! and offers through the proxy, the synchronous per-offer answer, manual review,
//! and an upload already in progress.

use api::{ErrorBody, ErrorCode, Merchant, Offer, ReasonCode, SubmissionStatus};
use sandbox::bitlabs::FLAGGED_OFFER;
use tests::{TestApp, fixtures, spawn_app};

const CAMPAIGN: &str = "demo-bitlabs";
const SERUM: &str = "191405";
const MOUSSE: &str = "143787";

async fn get<T: serde::de::DeserializeOwned>(app: &TestApp, path: &str) -> (u16, T) {
    let response = app.http.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn review(app: &TestApp, id: &str) -> reqwest::Response {
    app.http
        .post(app.url(&format!("/v1/submissions/{id}/review")))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_widget_gets_merchants_then_their_offers_through_the_proxy() {
    let app = spawn_app().await;
    let campaign: api::Campaign = get(&app, &format!("/v1/campaigns/{CAMPAIGN}")).await.1;
    assert!(campaign.capabilities.offers);
    assert!(campaign.capabilities.manual_review);

    let (status, merchants): (_, Vec<Merchant>) =
        get(&app, &format!("/v1/campaigns/{CAMPAIGN}/merchants")).await;
    assert_eq!(status, 200);
    assert_eq!(merchants[0].id, "7");
    assert_eq!(merchants[0].name, sandbox::sample::STORE);

    let (status, offers): (_, Vec<Offer>) =
        get(&app, &format!("/v1/campaigns/{CAMPAIGN}/offers?merchant=7")).await;
    assert_eq!(status, 200);
    assert_eq!(offers[0].id, SERUM);
    assert_eq!(offers[0].goals.len(), 2);
    assert_eq!(offers[0].goals[1].quantity, 2);

    // No merchant, a merchant id that could not be one, an unknown merchant.
    let (status, body): (_, ErrorBody) =
        get(&app, &format!("/v1/campaigns/{CAMPAIGN}/offers")).await;
    assert_eq!((status, body.error.code), (422, ErrorCode::InvalidField));
    let (status, _): (_, ErrorBody) = get(
        &app,
        &format!("/v1/campaigns/{CAMPAIGN}/offers?merchant=..%2Fadmin"),
    )
    .await;
    assert_eq!(status, 422);
    let (status, body): (_, ErrorBody) = get(
        &app,
        &format!("/v1/campaigns/{CAMPAIGN}/offers?merchant=999"),
    )
    .await;
    // A store the campaign does not list is refused by the proxy, not
    // asked of the provider.
    assert_eq!((status, body.error.code), (422, ErrorCode::InvalidField));
    // A provider without offers.
    let (status, _): (_, ErrorBody) = get(&app, "/v1/campaigns/demo-easypromos/merchants").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_submission_without_offers_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let response = app
        .submit(CAMPAIGN, &[fixtures::receipt_jpeg()], None)
        .await;
    assert_eq!(response.status(), 422);
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.error.field.as_deref(), Some(api::field::OFFERS));
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);
}

#[tokio::test]
async fn a_long_receipt_is_decided_per_offer_at_once() {
    let app = spawn_app().await;
    let photos = vec![fixtures::receipt_jpeg(); 2];
    let flagged = FLAGGED_OFFER.to_string();
    let id = app
        .submit_offers(
            CAMPAIGN,
            &photos,
            "7",
            &[(SERUM, 2), (MOUSSE, 1), (&flagged, 1)],
        )
        .await;
    let done = app.settle(&id).await;
    assert_eq!(done.status, SubmissionStatus::Accepted);
    let offers = done.outcome.unwrap().offers;
    let states: Vec<_> = offers
        .iter()
        .map(|o| (o.offer_id.as_str(), o.state))
        .collect();
    assert_eq!(
        states,
        [
            (SERUM, SubmissionStatus::Accepted),
            (MOUSSE, SubmissionStatus::Accepted),
            (flagged.as_str(), SubmissionStatus::NeedsReview),
        ]
    );
    assert_eq!(offers[0].award.as_deref(), Some("1.50 USD"));
    assert_eq!(offers[0].title.as_deref(), Some("Revitalift Laser Serum"));
    assert_eq!(app.state.db.photo_count(&id).await.unwrap(), 0);

    let only_flagged = app
        .submit_offers(CAMPAIGN, &photos, "7", &[(&flagged, 1)])
        .await;
    assert_eq!(
        app.settle(&only_flagged).await.status,
        SubmissionStatus::NeedsReview
    );
}

#[tokio::test]
async fn a_rejected_offer_that_allows_it_goes_to_manual_review_once() {
    let app = spawn_app().await;
    let id = app
        .submit_offers(CAMPAIGN, &[fixtures::blue_jpeg()], "7", &[(SERUM, 1)])
        .await;
    let done = app.settle(&id).await;
    assert_eq!(done.status, SubmissionStatus::Rejected);
    let outcome = done.outcome.unwrap();
    assert!(outcome.review_available());
    assert_eq!(outcome.reasons[0].code, ReasonCode::ProductMismatch);
    assert!(outcome.reasons[0].message.contains("could not match"));

    let response = review(&app, &id).await;
    assert_eq!(response.status(), 200);
    let reviewed: api::Submission = response.json().await.unwrap();
    assert_eq!(reviewed.status, SubmissionStatus::NeedsReview);
    let offer = &reviewed.outcome.unwrap().offers[0];
    assert_eq!(offer.state, SubmissionStatus::NeedsReview);
    assert!(!offer.review_available);

    let again = review(&app, &id).await;
    assert_eq!(again.status(), 409);
    assert_eq!(review(&app, "no-such-submission").await.status(), 404);
    // BitLabs' people decide it: no decision is taken here.
    let decision = app
        .operator(
            reqwest::Method::POST,
            &format!("/v1/operator/submissions/{id}/decision"),
        )
        .json(&serde_json::json!({"decision": "accept"}))
        .send()
        .await
        .unwrap();
    assert_eq!(decision.status(), 409);
    let body: ErrorBody = decision.json().await.unwrap();
    assert!(
        body.error.message.contains("provider's own review"),
        "{}",
        body.error.message
    );
    assert_eq!(
        app.get_submission(&id).await.status,
        SubmissionStatus::NeedsReview
    );
}

#[tokio::test]
async fn a_plain_rejection_or_an_acceptance_cannot_be_reviewed() {
    let app = spawn_app().await;
    let red = app
        .submit_offers(CAMPAIGN, &[fixtures::red_jpeg()], "7", &[(SERUM, 1)])
        .await;
    let done = app.settle(&red).await;
    assert_eq!(
        done.outcome.unwrap().reasons[0].code,
        ReasonCode::NotReceipt
    );
    let accepted = app
        .submit_offers(CAMPAIGN, &[fixtures::receipt_jpeg()], "7", &[(MOUSSE, 1)])
        .await;
    app.settle(&accepted).await;
    for id in [red, accepted] {
        let response = review(&app, &id).await;
        assert_eq!(response.status(), 409);
        let body: ErrorBody = response.json().await.unwrap();
        assert_eq!(body.error.code, ErrorCode::Conflict);
    }
}

#[tokio::test]
async fn an_upload_already_in_progress_holds_the_submission_until_it_can_go() {
    let app = spawn_app().await;
    app.sandbox.controls.set_bitlabs_busy(true);
    let id = app
        .submit_offers(CAMPAIGN, &[fixtures::receipt_jpeg()], "7", &[(SERUM, 1)])
        .await;
    let row = app.step_until(&id, |row| row.attempts >= 2).await;
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|e| e.contains("in progress")),
        "{row:?}"
    );
    assert_eq!(
        app.get_submission(&id).await.status,
        SubmissionStatus::Queued
    );
    assert_eq!(app.state.db.photo_count(&id).await.unwrap(), 1);
    app.sandbox.controls.set_bitlabs_busy(false);
    assert_eq!(app.settle(&id).await.status, SubmissionStatus::Accepted);
}

#[tokio::test]
async fn during_an_outage_the_receipt_and_its_offers_are_kept_and_sent_after() {
    let app = spawn_app().await;
    app.sandbox.controls.set_outage(true);
    let id = app
        .submit_offers(CAMPAIGN, &[fixtures::receipt_jpeg()], "7", &[(SERUM, 2)])
        .await;
    app.step_until(&id, |row| row.attempts >= 2).await;
    assert_eq!(
        app.get_submission(&id).await.status,
        SubmissionStatus::Queued
    );
    assert_eq!(app.state.db.photo_count(&id).await.unwrap(), 1);
    // Merchants and offers are synchronous: the outage is a clear 503.
    let response = app
        .http
        .get(app.url(&format!("/v1/campaigns/{CAMPAIGN}/merchants")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::Unavailable);

    app.sandbox.controls.set_outage(false);
    let done = app.settle(&id).await;
    assert_eq!(done.status, SubmissionStatus::Accepted);
    assert_eq!(done.outcome.unwrap().offers[0].offer_id, SERUM);
}

/// Posts a claim and answers the status and the error's field.
async fn claim(
    app: &TestApp,
    campaign: &str,
    merchant: Option<&str>,
    offers: &str,
) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new()
        .part(
            api::field::PHOTO,
            reqwest::multipart::Part::bytes(fixtures::receipt_jpeg()).file_name("r.jpg"),
        )
        .text(api::field::OFFERS, offers.to_owned());
    if let Some(merchant) = merchant {
        form = form.text(api::field::MERCHANT, merchant.to_owned());
    }
    let response = app
        .http
        .post(app.url(&format!("/v1/campaigns/{campaign}/submissions")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: ErrorBody = response.json().await.unwrap_or_else(|_| ErrorBody {
        error: api::ErrorDetail {
            code: ErrorCode::Unknown,
            message: String::new(),
            field: None,
        },
    });
    (status, body.error.field.unwrap_or_default())
}

#[tokio::test]
async fn a_store_and_offers_the_campaign_does_not_have_were_forwarded() {
    let app = spawn_app().await;
    let serum = format!(r#"[{{"offer_id": "{SERUM}", "quantity": 1}}]"#);
    // A store no one lists, a store that exists but not with this offer, an
    // offer no store has, no store at all.
    for (merchant, offers, field) in [
        (Some("999"), serum.as_str(), "merchant"),
        (Some("12"), serum.as_str(), "offers"),
        (
            Some("7"),
            r#"[{"offer_id": "424242", "quantity": 1}]"#,
            "offers",
        ),
        (None, serum.as_str(), "merchant"),
    ] {
        assert_eq!(
            claim(&app, CAMPAIGN, merchant, offers).await,
            (422, field.to_owned()),
            "{merchant:?} {offers}"
        );
    }
    // A store and offer on a campaign that takes none.
    assert_eq!(
        claim(&app, "demo-easypromos", Some("7"), &serum).await,
        (422, "merchant".to_owned())
    );
    // What the campaign has goes through.
    assert_eq!(claim(&app, CAMPAIGN, Some("7"), &serum).await.0, 202);
    let listed = app
        .operator_json(&format!("/v1/operator/campaigns/{CAMPAIGN}/submissions"))
        .await;
    app.settle(listed["submissions"][0]["id"].as_str().unwrap())
        .await;
    assert_eq!(
        app.sandbox.controls.requests("POST", "/bitlabs/"),
        1,
        "only the claim the campaign offers reached the provider"
    );
}

#[tokio::test]
async fn every_shopper_opening_the_store_list_cost_a_provider_call() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let (status, _): (_, Vec<Merchant>) =
            get(&app, &format!("/v1/campaigns/{CAMPAIGN}/merchants")).await;
        assert_eq!(status, 200);
        let (status, _): (_, Vec<Offer>) =
            get(&app, &format!("/v1/campaigns/{CAMPAIGN}/offers?merchant=7")).await;
        assert_eq!(status, 200);
    }
    assert_eq!(
        app.sandbox.controls.requests("GET", "/bitlabs/"),
        2,
        "one read of the stores and one of the store's offers, kept for a while"
    );
}

#[tokio::test]
async fn after_an_unreadable_answer_to_an_upload_the_same_receipt_was_uploaded_again() {
    let app = tests::spawn_app_with(tests::Options {
        ..tests::Options::default()
    })
    .await;
    let id = app
        .submit_offers(CAMPAIGN, &[fixtures::receipt_jpeg()], "7", &[(SERUM, 1)])
        .await;
    // BitLabs takes the upload and decides; its answer is cut off on the way.
    app.sandbox.controls.set_garbled_answers(true);
    assert_eq!(app.step_worker().await, 1);
    app.sandbox.controls.set_garbled_answers(false);
    let held = app.get_submission(&id).await;
    assert_eq!(
        held.status,
        SubmissionStatus::NeedsReview,
        "a person checks it"
    );
    assert_eq!(
        held.outcome.expect("outcome").reasons[0].code,
        ReasonCode::ProviderError
    );
    // Never sent again, however long the worker runs.
    app.clock.advance(std::time::Duration::from_secs(3600));
    assert_eq!(app.step_worker().await, 0);
    assert_eq!(app.sandbox.controls.requests("POST", "/bitlabs/"), 1);
    let seen = app
        .operator_json(&format!("/v1/operator/submissions/{id}"))
        .await;
    assert!(
        seen["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("could not be read")),
        "{seen}"
    );
}
