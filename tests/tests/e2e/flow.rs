//! A receipt's whole path over real HTTP: proxy -> sandbox provider -> verdict,
//! and what happens when the provider is down or the proxy restarts.

use std::time::Duration;

use api::{ReasonCode, SubmissionStatus};
use tests::{CAMPAIGNS, Options, assert_accepted_sample, fixtures, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_receipt_is_forwarded_polled_and_accepted_with_what_the_provider_read() {
    let app = spawn_app().await;
    for campaign in CAMPAIGNS {
        let id = app.submit_photo(campaign, fixtures::receipt_jpeg()).await;

        let done = app.settle(&id).await;
        assert_eq!(done.campaign, campaign);
        assert_accepted_sample(&done);
        // The provider has the photo now; the proxy no longer holds it.
        assert_eq!(app.state.db.photo_count(&id).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn a_picture_that_is_no_receipt_is_rejected_with_a_unified_reason() {
    let app = spawn_app().await;
    for campaign in CAMPAIGNS {
        let id = app.submit_photo(campaign, fixtures::red_jpeg()).await;
        let done = app.settle(&id).await;
        assert_eq!(done.status, SubmissionStatus::Rejected, "{campaign}");
        let outcome = done.outcome.expect("outcome");
        assert_eq!(
            outcome.reasons[0].code,
            ReasonCode::NotReceipt,
            "{campaign}"
        );
        assert!(outcome.receipt.is_none());
    }
}

#[tokio::test]
async fn during_a_provider_outage_the_submission_is_kept_and_retried_until_it_goes_through() {
    let app = spawn_app().await;
    for campaign in CAMPAIGNS {
        app.sandbox.controls.set_outage(true);
        let id = app.submit_photo(campaign, fixtures::receipt_jpeg()).await;

        // Step until the worker has failed at least twice (so it backs off and
        // retries rather than giving up).
        app.step_until(&id, |row| row.attempts >= 2).await;
        let during = app.get_submission(&id).await;
        assert_eq!(during.status, SubmissionStatus::Queued);
        assert_eq!(
            app.state.db.photo_count(&id).await.unwrap(),
            1,
            "the photo must be kept"
        );

        app.sandbox.controls.set_outage(false);
        let done = app.settle(&id).await;
        assert_eq!(done.status, SubmissionStatus::Accepted, "{campaign}");
    }
}

#[tokio::test]
async fn an_unreachable_provider_loses_nothing_and_is_retried_once_it_is_back() {
    // Reserve a port and close it: nothing listens there until the provider
    // "comes back" on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_app_with(Options {
        easypromos_url: Some(format!("http://127.0.0.1:{port}/easypromos")),
        ..Options::default()
    })
    .await;
    let id = app
        .submit_photo("demo-easypromos", fixtures::receipt_jpeg())
        .await;
    let queued = app.get_submission(&id).await;
    assert_eq!(queued.status, SubmissionStatus::Queued);

    // Step to a failed attempt, then bring the provider up on that port with the
    // token the proxy holds.
    app.step_until(&id, |row| row.attempts >= 1).await;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let _provider = sandbox::spawn(listener, app.sandbox.config.clone()).unwrap();

    let done = app.settle(&id).await;
    assert_eq!(done.status, SubmissionStatus::Accepted);
}

#[tokio::test]
async fn a_submission_in_flight_when_the_proxy_stops_is_finished_after_it_starts_again() {
    let mut app = spawn_app().await;
    let id = app
        .submit_photo("demo-easypromos", fixtures::receipt_jpeg())
        .await;
    // Uploaded, not yet decided: the next step would poll.
    app.step_worker().await;
    app.stop().await;

    // Still in flight when the proxy went away: only the database knows it.
    let row = app.state.db.get(&id).await.unwrap().unwrap();
    assert_eq!(row.status, SubmissionStatus::Processing);
    assert!(row.provider_ref.is_some());

    let app = app.restart().await;
    assert_accepted_sample(&app.settle(&id).await);
}

#[tokio::test]
async fn the_same_idempotency_key_never_makes_a_second_submission() {
    let app = spawn_app().await;
    let photo = fixtures::receipt_jpeg();
    let first: api::SubmissionCreated = app
        .submit(
            "demo-easypromos",
            std::slice::from_ref(&photo),
            Some("retry-1"),
        )
        .await
        .json()
        .await
        .unwrap();
    let second: api::SubmissionCreated = app
        .submit("demo-easypromos", &[photo], Some("retry-1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(app.state.db.submission_count().await.unwrap(), 1);
}

#[tokio::test]
async fn no_response_ever_carries_a_provider_secret_or_url() {
    let app = spawn_app().await;
    let mut paths = vec![
        "/v1/campaigns/nope".to_owned(),
        "/healthz".to_owned(),
        "/readyz".to_owned(),
    ];
    for campaign in CAMPAIGNS {
        let id = app.submit_photo(campaign, fixtures::receipt_jpeg()).await;
        app.settle(&id).await;
        paths.push(format!("/v1/campaigns/{campaign}"));
        paths.push(format!("/v1/submissions/{id}"));
    }
    let secrets = app.secrets();
    for path in paths {
        let response = app.http.get(app.url(&path)).send().await.unwrap();
        let headers = format!("{:?}", response.headers());
        let text = headers + &response.text().await.unwrap();
        for secret in &secrets {
            assert!(!text.contains(secret), "{path} leaked a secret");
        }
        assert!(
            !text.contains(&app.sandbox.addr.to_string()),
            "{path} leaked a provider URL"
        );
    }
}

/// A provider added to `providers`' list but not to the sandbox, the demo or
/// this harness is only half added: the demo page would lack it and no test
/// would run it.
#[tokio::test]
async fn every_provider_kind_has_a_simulator_a_demo_campaign_and_a_test_campaign() {
    #[derive(serde::Deserialize)]
    struct Loose {
        providers: std::collections::BTreeMap<String, toml::Table>,
        campaigns: std::collections::BTreeMap<String, toml::Table>,
    }
    let demo = std::fs::read_to_string(tests::workspace_root().join("xtask/demo.toml"))
        .expect("read xtask/demo.toml");
    let demo: Loose = toml::from_str(&demo).expect("xtask/demo.toml is TOML");
    let demo_kind = |account: &str| {
        demo.providers
            .get(account)
            .and_then(|p| p.get("kind"))
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    let app = spawn_app().await;
    let config = &app.state.config;
    for kind in providers::registry::KINDS {
        assert!(
            sandbox::kinds().any(|k| k == *kind),
            "{kind}: no simulator in sandbox::SIMULATORS"
        );
        let in_demo = demo.campaigns.values().any(|c| {
            c.get("provider")
                .and_then(toml::Value::as_str)
                .and_then(demo_kind)
                .as_deref()
                == Some(kind)
        });
        assert!(in_demo, "{kind}: no campaign in xtask/demo.toml");
        let in_tests = config
            .campaigns
            .values()
            .any(|c| config.providers[&c.provider].kind() == *kind);
        assert!(in_tests, "{kind}: no campaign in the test harness");
    }
}

/// `worker.max_malformed` (5 in the test harness's default) counts unusable
/// answers in a row. It counted every failure: four outages and then one
/// unusable answer failed a submission that a sixth try would have delivered.
#[tokio::test]
async fn max_malformed_counts_unusable_answers_in_a_row_not_outages_before_them() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::http::StatusCode;

    // The provider's answer to each upload, in order: four outages, four
    // unusable answers, an outage (which ends that run), then unusable answers.
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let provider = axum::Router::new().route(
        "/easypromos/v2/ocr/tickets",
        axum::routing::post(move || {
            let call = counted.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                match call {
                    1..=4 | 9 => (StatusCode::SERVICE_UNAVAILABLE, "down"),
                    _ => (StatusCode::OK, "this is not JSON"),
                }
            }
        }),
    );
    let app = tests::spawn_app_scripting_easypromos(provider, Options::default()).await;
    let id = app
        .submit_photo("demo-easypromos", fixtures::receipt_jpeg())
        .await;
    let done = app.settle(&id).await;
    assert_eq!(done.status, SubmissionStatus::Failed);
    // Failed on the fifth unusable answer in a row (calls 10 to 14), not on the
    // fifth failure (call 5).
    assert_eq!(calls.load(Ordering::SeqCst), 14);
}

/// A provider that no longer knows a reference (a sandbox restarted under a
/// kept database) had its submissions polled again and again, and a new
/// shopper's receipt waited behind them.
#[tokio::test]
async fn a_reference_the_provider_does_not_know_ends_failed_after_a_few_tries() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::http::StatusCode;

    let polls = Arc::new(AtomicUsize::new(0));
    let counted = polls.clone();
    let provider = axum::Router::new()
        .route(
            "/easypromos/v2/ocr/tickets",
            axum::routing::post(|| async {
                axum::Json(serde_json::json!({"status": "ok", "event_id": 42}))
            }),
        )
        .route(
            "/easypromos/v2/ocr/events/{id}",
            axum::routing::get(move || {
                counted.fetch_add(1, Ordering::SeqCst);
                async { (StatusCode::NOT_FOUND, "Event not found") }
            }),
        );
    let app = tests::spawn_app_scripting_easypromos(provider, Options::default()).await;
    let id = app
        .submit_photo("demo-easypromos", fixtures::receipt_jpeg())
        .await;
    let done = app.settle(&id).await;
    assert_eq!(done.status, SubmissionStatus::Failed);
    // `max_malformed` (5) status checks, not one, and not forever.
    assert_eq!(polls.load(Ordering::SeqCst), 5);
    let row = app.state.db.get(&id).await.unwrap().unwrap();
    assert!(
        row.last_error.is_some_and(|e| e.contains("does not know")),
        "the operator can see why"
    );
}

/// `GET /v1/submissions/{id}?wait=S&seen=STATUS`, with the status it answered.
async fn follow(
    app: &tests::TestApp,
    id: &str,
    query: &str,
) -> (reqwest::StatusCode, serde_json::Value) {
    let response = app
        .http
        .get(app.url(&format!("/v1/submissions/{id}?{query}")))
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_status_request_is_held_until_the_worker_moves_the_submission_on() {
    let app = std::sync::Arc::new(
        spawn_app_with(Options {
            ..Options::default()
        })
        .await,
    );
    let id = app
        .submit_photo("demo-easypromos", fixtures::receipt_jpeg())
        .await;
    let waiting = {
        let (app, id) = (app.clone(), id.clone());
        tokio::spawn(async move { follow(&app, &id, "wait=20&seen=queued").await })
    };
    // Nothing has moved: the answer is held (a plain poll would be back at once).
    let mut waiting = std::pin::pin!(waiting);
    assert!(
        tokio::time::timeout(Duration::from_millis(300), &mut waiting)
            .await
            .is_err(),
        "answered while the status was still the one seen"
    );
    // The worker forwards it: the held request answers with the new status.
    assert_eq!(app.step_worker().await, 1);
    let (status, body) = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("answered once the status changed")
        .unwrap();
    assert_eq!(status, 200);
    assert_ne!(body["status"], "queued", "{body}");

    // A caller that has not seen the current status is answered at once.
    let (status, body) = follow(&app, &id, "wait=20&seen=queued").await;
    assert_eq!(status, 200);
    assert_ne!(body["status"], "queued");
    // A wait that runs out answers with the status unchanged.
    let seen = body["status"].as_str().unwrap().to_owned();
    let (status, body) = follow(&app, &id, &format!("wait=0&seen={seen}")).await;
    assert_eq!(
        (status.as_u16(), body["status"].as_str()),
        (200, Some(&*seen))
    );
}

#[tokio::test]
async fn a_status_request_with_a_bad_wait_is_refused_in_json() {
    let app = spawn_app().await;
    let id = app
        .submit_photo("demo-easypromos", fixtures::receipt_jpeg())
        .await;
    for query in ["wait=soon&seen=queued", "wait=5&seen=done", "wait=5"] {
        let (status, body) = follow(&app, &id, query).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["error"]["code"], "invalid_field", "{query}: {body}");
    }
}

#[tokio::test]
async fn a_status_change_is_heard_by_every_instance_on_the_database() {
    let app = spawn_app_with(Options {
        ..Options::default()
    })
    .await;
    // A second instance's database handle: on PostgreSQL it hears the first
    // one's changes (NOTIFY); SQLite has one instance only.
    let other = proxy::store::Db::connect(&app.database, app.clock.clone())
        .await
        .unwrap();
    let mut here = app.state.db.changes().subscribe();
    let mut there = other.changes().subscribe();
    let id = app
        .submit_photo("demo-easypromos", fixtures::receipt_jpeg())
        .await;
    assert_eq!(app.step_worker().await, 1);
    let heard = tokio::time::timeout(Duration::from_secs(10), here.recv()).await;
    assert_eq!(&*heard.expect("heard in time").unwrap(), id);
    if other.dialect() == proxy::store::Dialect::Postgres {
        let heard = tokio::time::timeout(Duration::from_secs(10), there.recv()).await;
        assert_eq!(&*heard.expect("heard by the other instance").unwrap(), id);
    }
}

#[tokio::test]
async fn the_demo_configuration_is_not_served_beside_the_page() {
    let app = spawn_app_with(Options {
        with_widget: true,
        ..Options::default()
    })
    .await;
    let status = |path: &'static str| {
        let app = &app;
        async move { app.http.get(app.url(path)).send().await.unwrap().status() }
    };
    assert_eq!(status("/").await, 200, "the demo page");
    // It once lived in `www/`, and `www_dir` serves every file there.
    assert_eq!(status("/demo.toml").await, 404);
    let served = std::fs::read_dir(tests::workspace_root().join("www")).unwrap();
    for file in served {
        let name = file.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".toml"), "{name} would be served");
    }
}

#[tokio::test]
async fn a_deployment_needed_the_widget_folder_beside_the_binary() {
    // No `widget_dir`: the proxy serves the widget it carries, where it was
    // built with it (`cargo xtask dist`, and CI's tests), and none otherwise.
    let app = spawn_app().await;
    let loader = app.http.get(app.url("/widget.js")).send().await.unwrap();
    if proxy::routes::assets::embedded().is_some() {
        assert_eq!(loader.status(), 200);
        assert_eq!(loader.headers()["cache-control"], "no-cache");
        let built = std::fs::read_to_string(tests::widget_dir().join("widget.js")).unwrap();
        assert_eq!(loader.text().await.unwrap(), built, "the build, as built");
    } else {
        assert_eq!(loader.status(), 404);
    }
}

#[tokio::test]
async fn a_photo_is_not_compressed_again_by_postgresql() {
    // PostgreSQL's default storage tried to compress every JPEG again, two
    // thirds of its time at intake; the photos' column keeps them as they are
    // (`STORAGE EXTERNAL`). SQLite never compresses: nothing to check there.
    let app = spawn_app().await;
    if app.state.db.dialect() != proxy::store::Dialect::Postgres {
        return;
    }
    let pool = sqlx::postgres::PgPool::connect(&app.database)
        .await
        .unwrap();
    let storage: i8 = sqlx::query_scalar(
        "SELECT attstorage FROM pg_attribute \
         WHERE attrelid = 'photos'::regclass AND attname = 'bytes'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        storage as u8, b'e',
        "photos stored EXTERNAL, not compressed"
    );
}
