//! Prometheus metrics, served at `/metrics` (behind the operator key, or on
//! `metrics_listen` alone). Counters and histograms are kept as things
//! happen (the `metrics` facade, exported by `metrics-exporter-prometheus`);
//! what the database knows (submissions by status, the queue) is read when
//! the metrics are scraped, so every instance tells the same totals.
//!
//! Every name starts `receipt_relay_`; the README lists them.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use providers::ProviderError;

/// Seconds: from a cached answer to a provider's slowest.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process's recorder, installed on first use (one per process: the
/// `metrics` macros write to a global one).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), BUCKETS);
        let recorder = match builder {
            Ok(builder) => builder.build_recorder(),
            Err(error) => unreachable!("the buckets are a fixed, valid list: {error}"),
        };
        let handle = recorder.handle();
        // Another recorder may already be installed (a test harness's): then
        // this handle renders what this process's proxy code records only if
        // it is ours, and the metrics are empty rather than wrong.
        if ::metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
        }
        handle
    })
}

/// Middleware on every route: requests by route (its pattern, not the path,
/// so ids do not make new series), method and status, and their latency.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    ::metrics::counter!("receipt_relay_http_requests_total",
        "route" => route.clone(), "method" => method.clone(), "status" => status)
    .increment(1);
    ::metrics::histogram!("receipt_relay_http_request_duration_seconds",
        "route" => route, "method" => method)
    .record(started.elapsed().as_secs_f64());
    response
}

/// Makes one call to a provider account, counted and timed: `call` is what
/// was asked (`submit`, `poll`, `merchants`...); the outcome is `ok` or the
/// error's kind ([`ProviderError::kind`]).
pub async fn provider_call<T>(
    account: &str,
    call: &'static str,
    making: impl Future<Output = Result<T, ProviderError>>,
) -> Result<T, ProviderError> {
    let started = Instant::now();
    let result = making.await;
    let outcome = result.as_ref().map_or_else(ProviderError::kind, |_| "ok");
    let took = started.elapsed();
    ::metrics::counter!("receipt_relay_provider_calls_total",
        "account" => account.to_owned(), "call" => call, "outcome" => outcome)
    .increment(1);
    ::metrics::histogram!("receipt_relay_provider_call_duration_seconds",
        "account" => account.to_owned(), "call" => call)
    .record(took.as_secs_f64());
    if matches!(result, Err(ProviderError::Auth(_))) {
        ::metrics::counter!("receipt_relay_provider_credentials_refused_total",
            "account" => account.to_owned())
        .increment(1);
    }
    result
}
