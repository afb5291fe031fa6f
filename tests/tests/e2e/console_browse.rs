//! Finding and acting on submissions in the console, over real HTTP: a
//! campaign's list by status, a search by submission id, shopper id or
//! receipt QR, one submission's page; and failed submissions sent again after
//! a fix, one or a campaign's, with what that costs said first.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use api::SubmissionStatus;
use axum::http::StatusCode;
use proxy::console::{self, Role};
use tests::{Options, TestApp, fixtures, spawn_app};

use crate::console::{Console, hidden, set_password};

/// A reviewer, signed in.
async fn reviewer(app: &TestApp) -> Console {
    let mut console = Console::new(app);
    let invited = console::invite(&app.state.db, "rita@brand.example", Role::Reviewer, None)
        .await
        .unwrap();
    let link = format!("{}{}", app.address, invited.link);
    set_password(&mut console, &link, "queue work all day").await;
    let signed_in = console
        .sign_in("rita@brand.example", "queue work all day")
        .await;
    assert_eq!(signed_in.status, 303);
    console
}

#[tokio::test]
async fn a_reviewer_finds_submissions_by_id_shopper_and_qr_and_lists_a_campaign_by_status() {
    let app = spawn_app().await;
    let campaign = "demo-apm";
    let qr = "t=20190113T154800&s=127.00&fn=8716000100025114&i=114318&fp=3578721879&n=1";
    let with_qr = app
        .submit_as(campaign, "shopper-1", &[fixtures::receipt_jpeg()], Some(qr))
        .await;
    let other = app
        .submit_as(campaign, "shopper-2", &[fixtures::receipt_jpeg()], None)
        .await;
    let mut console = reviewer(&app).await;

    let by_shopper = console.get("/operator/search?q=shopper-1").await;
    assert_eq!(by_shopper.status, 200, "{}", by_shopper.body);
    assert!(by_shopper.body.contains(&with_qr) && !by_shopper.body.contains(&other));
    let by_id = console.get(&format!("/operator/search?q={other}")).await;
    assert!(by_id.body.contains(&other) && !by_id.body.contains(&with_qr));
    let encoded: String = url::form_urlencoded::byte_serialize(qr.as_bytes()).collect();
    let by_qr = console.get(&format!("/operator/search?q={encoded}")).await;
    assert!(
        by_qr.body.contains(&with_qr) && !by_qr.body.contains(&other),
        "{}",
        by_qr.body
    );
    let none = console.get("/operator/search?q=nobody-at-all").await;
    assert!(none.body.contains("Nothing matches"), "{}", none.body);

    let queued = console
        .get(&format!(
            "/operator/submissions?campaign={campaign}&status=queued"
        ))
        .await;
    assert!(queued.body.contains(&with_qr) && queued.body.contains(&other));
    let accepted = console
        .get(&format!(
            "/operator/submissions?campaign={campaign}&status=accepted"
        ))
        .await;
    assert!(
        accepted.body.contains("No submissions here."),
        "{}",
        accepted.body
    );

    let one = console
        .get(&format!("/operator/submissions/{with_qr}"))
        .await;
    assert_eq!(one.status, 200);
    assert!(one.body.contains("shopper-1") && one.body.contains("queued"));
    assert!(
        !one.body.contains("Send again"),
        "only a failed one is sent again"
    );
    assert_eq!(
        console.get("/operator/submissions/no-such-id").await.status,
        404
    );
    // Signed out, the search sends to sign-in.
    let signed_out = Console::new(&app).get("/operator/search?q=shopper-1").await;
    assert_eq!(signed_out.status, 303);
}

/// A provider that refuses every upload (a configuration error on its side)
/// until `fixed`, then takes them and reads each as unreadable; counts the
/// uploads.
fn provider(fixed: Arc<AtomicBool>, uploads: Arc<AtomicUsize>) -> axum::Router {
    axum::Router::new()
        .route(
            "/easypromos/v2/ocr/tickets",
            axum::routing::post(move || {
                uploads.fetch_add(1, Ordering::SeqCst);
                let fixed = fixed.load(Ordering::SeqCst);
                async move {
                    if fixed {
                        (StatusCode::OK, r#"{"status": "ok", "event_id": 42}"#)
                    } else {
                        (StatusCode::BAD_REQUEST, "no")
                    }
                }
            }),
        )
        .route(
            "/easypromos/v2/ocr/events/{id}",
            axum::routing::get(|| async {
                axum::Json(serde_json::json!({
                    "status": "finished",
                    "event_id": 42,
                    "finished_status": "error",
                    "error": {"code": "unreadable", "message": "The ticket could not be read"},
                    "processed_at": "2026-12-06 10:00:00",
                }))
            }),
        )
}

#[tokio::test]
async fn failed_submissions_are_sent_again_after_a_fix_one_or_a_campaigns_with_the_cost_said_first()
{
    let (fixed, uploads) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let app = tests::spawn_app_scripting_easypromos(
        provider(fixed.clone(), uploads.clone()),
        Options::default(),
    )
    .await;
    let campaign = "demo-easypromos";
    let mut failed = Vec::new();
    for _ in 0..3 {
        let id = app.submit_photo(campaign, fixtures::receipt_jpeg()).await;
        assert_eq!(app.settle(&id).await.status, SubmissionStatus::Failed);
        failed.push(id);
    }
    assert_eq!(uploads.load(Ordering::SeqCst), 3);
    fixed.store(true, Ordering::SeqCst);
    let mut console = reviewer(&app).await;

    // One: its page says what it costs, beside the button.
    let page = console
        .get(&format!("/operator/submissions/{}", failed[0]))
        .await;
    assert!(
        page.body.contains("one Easypromos OCR credit"),
        "{}",
        page.body
    );
    let csrf = hidden(&page.body, "csrf");
    let path = format!("/operator/submissions/{}/resend", failed[0]);
    assert_eq!(console.post(&path, &[]).await.status, 403, "no token");
    let sent = console.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(
        app.state.db.get(&failed[0]).await.unwrap().unwrap().status,
        SubmissionStatus::Queued
    );
    assert_eq!(
        console.post(&path, &[("csrf", &csrf)]).await.status,
        409,
        "not failed now"
    );
    let done = app.settle(&failed[0]).await;
    assert_eq!(
        done.status,
        SubmissionStatus::Rejected,
        "the provider's verdict"
    );
    assert_eq!(uploads.load(Ordering::SeqCst), 4, "uploaded once more");

    // All of the campaign's: the first post only says what would go.
    let all = format!("/operator/campaigns/{campaign}/resend");
    let asked = console.post(&all, &[("csrf", &csrf)]).await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(asked.body.contains("2 will be uploaded"), "{}", asked.body);
    assert!(
        asked
            .body
            .contains("Each upload uses one Easypromos OCR credit")
    );
    assert_eq!(uploads.load(Ordering::SeqCst), 4);
    let confirmed = console
        .post(&all, &[("csrf", &csrf), ("confirm", "yes")])
        .await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    assert!(confirmed.location.unwrap().ends_with("resent=2"));
    for id in &failed[1..] {
        assert_eq!(app.settle(id).await.status, SubmissionStatus::Rejected);
    }
    assert_eq!(uploads.load(Ordering::SeqCst), 6);

    // Written down, with who did it.
    let log = app.state.db.audit_log(None, 10).await.unwrap();
    let resent: Vec<_> = log
        .iter()
        .filter(|a| a.entry.action == "resend")
        .map(|a| (a.entry.actor.as_str(), a.entry.detail.as_deref()))
        .collect();
    assert_eq!(
        resent,
        [
            ("rita@brand.example", Some("2 submissions")),
            ("rita@brand.example", Some("1 submission")),
        ]
    );
}

#[tokio::test]
async fn a_campaigns_day_shows_its_hours_its_provider_failures_and_the_duplicates_caught() {
    // A provider that refuses the proxy's credentials, then is down, then
    // refuses the upload for good.
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let provider = axum::Router::new().route(
        "/easypromos/v2/ocr/tickets",
        axum::routing::post(move || {
            let call = counted.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                match call {
                    1 => (StatusCode::UNAUTHORIZED, "who are you"),
                    2 => (StatusCode::SERVICE_UNAVAILABLE, "down"),
                    _ => (StatusCode::BAD_REQUEST, "no"),
                }
            }
        }),
    );
    let app = tests::spawn_app_scripting_easypromos(provider, Options::default()).await;
    let id = app
        .submit_photo("demo-easypromos", fixtures::receipt_jpeg())
        .await;
    for _ in 0..3 {
        app.clock.advance(std::time::Duration::from_secs(120));
        app.step_worker().await;
    }
    assert_eq!(app.row(&id).await.status, SubmissionStatus::Failed);
    let mut console = reviewer(&app).await;
    let day = console.get("/operator/day?campaign=demo-easypromos").await;
    assert_eq!(day.status, 200, "{}", day.body);
    assert!(day.body.contains("1 submission;"), "{}", day.body);
    assert!(
        day.body.contains("<dt>Failed calls</dt><dd>2</dd>"),
        "{}",
        day.body
    );
    assert!(
        day.body.contains("1: fix the provider account"),
        "{}",
        day.body
    );
    assert!(
        day.body.contains("Failed: 1</title>"),
        "the failed one's bar: {}",
        day.body
    );
    assert!(day.body.contains("No receipt waits for a person."));

    // Where duplicates are held: caught, what they read, the oldest waiting.
    let app = spawn_app().await;
    let held = app.held_duplicate("demo-easypromos-once").await;
    let mut console = reviewer(&app).await;
    let day = console
        .get("/operator/day?campaign=demo-easypromos-once")
        .await;
    assert!(
        day.body.contains("<dt>Caught</dt><dd>1</dd>"),
        "{}",
        day.body
    );
    assert!(day.body.contains(&format!("/operator/submissions/{held}")));
    assert!(
        day.body.contains("The oldest held receipt came"),
        "{}",
        day.body
    );
    assert!(day.body.contains("Held for a person: 1</title>"));
}

#[tokio::test]
async fn the_console_is_served_where_configured_with_its_links_redirects_and_cookies_there() {
    let app = tests::spawn_app_with(Options {
        console_path: Some("/staff/review".to_owned()),
        ..Options::default()
    })
    .await;
    let invited = console::invite(&app.state.db, "rita@brand.example", Role::Reviewer, None)
        .await
        .unwrap();
    // Made outside a console's request, a link is under the default path;
    // `proxy operator add|link` make theirs for the configured console.
    assert!(
        invited.link.starts_with("/operator/setup"),
        "{}",
        invited.link
    );
    let again = console::serving(
        &app.state.config,
        console::password_link(&app.state.db, "rita@brand.example", Some(&app.address)),
    )
    .await
    .unwrap();
    assert!(
        again
            .link
            .starts_with(&format!("{}/staff/review/setup?token=", app.address)),
        "{}",
        again.link
    );

    let mut console = Console::new(&app);
    let signed_out = console.get("/staff/review/").await;
    assert_eq!(signed_out.status, 303);
    assert_eq!(
        signed_out.location.as_deref(),
        Some("/staff/review/sign-in")
    );
    let page = console.get(&again.link).await;
    assert!(
        page.body.contains("action=\"/staff/review/setup\""),
        "{}",
        page.body
    );
    let token = hidden(&page.body, "token");
    let set = console
        .post(
            "/staff/review/setup",
            &[
                ("token", &token),
                ("password", "queue work all day"),
                ("again", "queue work all day"),
            ],
        )
        .await;
    assert_eq!(set.location.as_deref(), Some("/staff/review/sign-in?set=1"));
    let form = console.get("/staff/review/sign-in").await;
    assert!(
        form.set_cookies
            .iter()
            .all(|c| c.contains("Path=/staff/review;")),
        "{:?}",
        form.set_cookies
    );
    let csrf = hidden(&form.body, "csrf");
    let signed_in = console
        .post(
            "/staff/review/sign-in",
            &[
                ("email", "rita@brand.example"),
                ("password", "queue work all day"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(signed_in.location.as_deref(), Some("/staff/review/"));
    let queue = console.get("/staff/review/").await;
    assert_eq!(queue.status, 200);
    assert!(
        queue.body.contains("href=\"/staff/review/submissions\""),
        "{}",
        queue.body
    );
    assert!(!queue.body.contains("/operator"), "{}", queue.body);
    assert_eq!(
        console.get("/operator/").await.status,
        404,
        "not at the default too"
    );
}
