//! What an operator's Prometheus sees at `/metrics`.

use tests::{Options, fixtures, prometheus_sample as sample, spawn_app_with};

#[tokio::test]
async fn an_operator_could_see_nothing_but_a_log_line() {
    let app = spawn_app_with(Options {
        metrics_listen: true,
        limits: "per_client = { per_minute = 1, burst = 4 }\n".to_owned(),
        ..Options::default()
    })
    .await;
    let id = app
        .submit_photo("demo-easypromos", fixtures::receipt_jpeg())
        .await;
    app.settle(&id).await;
    // Spend the rest of this client's allowance on a provider lookup.
    let mut limited = false;
    for _ in 0..5 {
        let response = app
            .http
            .get(app.url("/v1/campaigns/demo-bitlabs/merchants"))
            .send()
            .await
            .unwrap();
        limited |= response.status() == 429;
    }
    assert!(limited);

    // On the API's address, only with the operator key.
    let anonymous = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let page = app.metrics().await;
    // On its own address, without.
    let own = app.metrics_url.clone().expect("metrics_listen");
    let response = reqwest::get(own).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let scraped = response.text().await.unwrap();

    for page in [&page, &scraped] {
        let route = [
            ("route", "/v1/campaigns/{campaign}/submissions"),
            ("method", "POST"),
        ];
        assert!(
            sample(
                page,
                "receipt_relay_http_requests_total",
                &[route[0], route[1], ("status", "202")]
            )
            .is_some_and(|n| n >= 1.0),
            "{page}"
        );
        assert!(
            sample(
                page,
                "receipt_relay_http_request_duration_seconds_count",
                &route
            )
            .is_some_and(|n| n >= 1.0)
        );
        // What the database holds: this app's one accepted receipt.
        assert_eq!(
            sample(page, "receipt_relay_submissions", &[("status", "accepted")]),
            Some(1.0)
        );
        assert_eq!(
            sample(page, "receipt_relay_submissions", &[("status", "failed")]),
            Some(0.0),
            "a status no submission has reads 0"
        );
        assert_eq!(sample(page, "receipt_relay_queue_due", &[]), Some(0.0));
        assert!(sample(page, "receipt_relay_queue_oldest_due_age_seconds", &[]).is_some());
        let submit = [
            ("account", "easypromos"),
            ("call", "submit"),
            ("outcome", "ok"),
        ];
        assert!(
            sample(page, "receipt_relay_provider_calls_total", &submit).is_some_and(|n| n >= 1.0)
        );
        assert!(
            sample(
                page,
                "receipt_relay_provider_call_duration_seconds_count",
                &[("account", "easypromos"), ("call", "poll")]
            )
            .is_some_and(|n| n >= 1.0)
        );
        assert!(
            sample(
                page,
                "receipt_relay_rate_limited_total",
                &[("route", "/v1/campaigns/{campaign}/merchants")]
            )
            .is_some_and(|n| n >= 1.0)
        );
    }
}

#[tokio::test]
async fn refused_credentials_alerted_no_one_but_a_log_line() {
    let app = spawn_app_with(Options {
        easypromos_token: Some("a-token-the-provider-refuses".to_owned()),
        ..Options::default()
    })
    .await;
    let id = app
        .submit_photo("demo-easypromos", fixtures::receipt_jpeg())
        .await;
    let row = app.step_until(&id, |row| row.attempts >= 1).await;
    // The receipt is kept for when an operator fixes the token (the widget
    // tells the shopper it is safe and they may close the page).
    assert_eq!(row.status, api::SubmissionStatus::Queued);
    let page = app.metrics().await;
    assert!(
        sample(
            &page,
            "receipt_relay_provider_credentials_refused_total",
            &[("account", "easypromos")]
        )
        .is_some_and(|n| n >= 1.0),
        "an alert rule has a series to fire on"
    );
    assert!(
        sample(
            &page,
            "receipt_relay_provider_calls_total",
            &[
                ("account", "easypromos"),
                ("call", "submit"),
                ("outcome", "auth")
            ]
        )
        .is_some_and(|n| n >= 1.0)
    );
}
