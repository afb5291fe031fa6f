//! How long personal data is kept: the photos of a failed submission, then the
//! submission itself, dropped once the clock (moved by the test) passes the
//! retention in force, which an operator can see and change.

use std::time::Duration;

use api::SubmissionStatus;
use axum::http::StatusCode;
use serde_json::{Value, json};
use tests::{Options, TestApp, fixtures};

const DAY: Duration = Duration::from_secs(24 * 3600);

/// A stepped app whose Easypromos refuses every upload for good (400), so a
/// submission ends `failed` with its photo kept for an operator to look at.
async fn start() -> TestApp {
    let provider = axum::Router::new().route(
        "/easypromos/v2/ocr/tickets",
        axum::routing::post(|| async { (StatusCode::BAD_REQUEST, "no") }),
    );
    tests::spawn_app_scripting_easypromos(
        provider,
        Options {
            ..Options::default()
        },
    )
    .await
}

async fn failed(app: &TestApp) -> String {
    let id = app
        .submit_photo("demo-easypromos", fixtures::receipt_jpeg())
        .await;
    assert_eq!(app.step_worker().await, 1);
    assert_eq!(
        app.get_submission(&id).await.status,
        SubmissionStatus::Failed
    );
    id
}

/// Failed submissions kept their photos forever, which filled the disk.
#[tokio::test]
async fn a_failed_submissions_photos_are_dropped_after_the_retention_then_the_submission() {
    let app = start().await;
    let id = failed(&app).await;
    assert_eq!(
        app.state.db.photo_count(&id).await.unwrap(),
        1,
        "kept to look at"
    );

    // The configuration's defaults: three days for those photos, a year for
    // the submission.
    app.clock.advance(DAY * 2);
    proxy::retention::sweep(&app.state).await.unwrap();
    assert_eq!(app.state.db.photo_count(&id).await.unwrap(), 1);
    app.clock.advance(DAY * 2);
    let swept = proxy::retention::sweep(&app.state).await.unwrap();
    assert_eq!((swept.photos, swept.submissions), (1, 0));
    assert_eq!(app.state.db.photo_count(&id).await.unwrap(), 0);
    assert!(app.state.db.get(&id).await.unwrap().is_some());

    app.clock.advance(DAY * 365);
    let swept = proxy::retention::sweep(&app.state).await.unwrap();
    assert_eq!(swept.submissions, 1);
    assert!(app.state.db.get(&id).await.unwrap().is_none());
}

#[tokio::test]
async fn an_operator_sees_and_changes_the_retention_for_every_instance() {
    let app = start().await;
    const PATH: &str = "/v1/operator/retention";
    let put = |body: &Value| app.operator(reqwest::Method::PUT, PATH).json(body).send();
    assert_eq!(
        app.operator_json(PATH).await,
        json!({"failed_photos_days": 3, "submissions_days": 365})
    );

    let short = json!({"failed_photos_days": 1, "submissions_days": 30});
    assert_eq!(put(&short).await.unwrap().status(), 200);
    assert_eq!(app.operator_json(PATH).await, short);
    for bad in [
        json!({"failed_photos_days": 0, "submissions_days": 30}),
        json!({"days": 2}),
    ] {
        let response = put(&bad).await.unwrap();
        assert!(response.status().is_client_error(), "{bad}");
    }
    let refused = app
        .http
        .put(app.url(PATH))
        .json(&short)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    // A second instance on the same database follows it.
    let id = failed(&app).await;
    app.clock.advance(DAY + Duration::from_secs(60));
    let config = (*app.state.config).clone();
    let second = proxy::AppState::with_clock(config, app.clock.clone())
        .await
        .unwrap();
    let swept = proxy::retention::sweep(&second).await.unwrap();
    assert_eq!(swept.photos, 1);
    assert_eq!(app.state.db.photo_count(&id).await.unwrap(), 0);
}

/// A `PUT` naming one field reset the other to its default: a one-day promise
/// for failed photos became three days when only `submissions_days` was sent.
#[tokio::test]
async fn a_put_naming_one_field_reset_the_other_to_its_default() {
    let app = start().await;
    const PATH: &str = "/v1/operator/retention";
    let app = &app;
    let send = |method: reqwest::Method, body: Value| async move {
        app.operator(method, PATH).json(&body).send().await.unwrap()
    };
    let one_day = json!({"failed_photos_days": 1, "submissions_days": 30});
    assert_eq!(send(reqwest::Method::PUT, one_day).await.status(), 200);

    let changed = send(reqwest::Method::PUT, json!({"submissions_days": 180})).await;
    assert_eq!(changed.status(), 200);
    let expected = json!({"failed_photos_days": 1, "submissions_days": 180});
    assert_eq!(changed.json::<Value>().await.unwrap(), expected);
    assert_eq!(app.operator_json(PATH).await, expected);

    let patched = send(reqwest::Method::PATCH, json!({"failed_photos_days": 2})).await;
    assert_eq!(patched.status(), 200);
    assert_eq!(
        app.operator_json(PATH).await,
        json!({"failed_photos_days": 2, "submissions_days": 180})
    );
    // A change naming nothing changes nothing, and says so.
    assert_eq!(send(reqwest::Method::PATCH, json!({})).await.status(), 422);
}
