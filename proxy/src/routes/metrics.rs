//! `GET /metrics`: Prometheus metrics (see [`crate::metrics`]), with what
//! the database knows read on each scrape.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::metrics::handle;
use crate::state::AppState;

/// Prometheus metrics, in its text format: behind the operator key, or on
/// `metrics_listen` alone.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "operations",
    security(("operator_key" = [])),
    responses(
        (status = 200, description = "The metrics (README lists them)", body = String, content_type = "text/plain"),
        crate::error::OperatorTrouble,
    )
)]
pub async fn serve(State(state): State<AppState>) -> Response {
    let handle = handle();
    // One scrape at a time sets the gauges and renders them (several apps in
    // one process, as in tests, would otherwise mix their numbers).
    static SCRAPE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = SCRAPE.lock().await;
    match state.db.gauges().await {
        Ok(gauges) => {
            // Every status, so one that no submission has any more reads 0.
            for status in api::SubmissionStatus::ALL {
                let n = gauges
                    .by_status
                    .iter()
                    .find(|(s, _)| s == status.as_str())
                    .map_or(0, |(_, n)| *n);
                ::metrics::gauge!("receipt_relay_submissions", "status" => status.as_str())
                    .set(n as f64);
            }
            ::metrics::gauge!("receipt_relay_queue_due").set(gauges.due as f64);
            let oldest = gauges.oldest_due_ms.map_or(0.0, |due| {
                (state.db.clock().now_ms() - due).max(0) as f64 / 1000.0
            });
            ::metrics::gauge!("receipt_relay_queue_oldest_due_age_seconds").set(oldest);
            ::metrics::gauge!("receipt_relay_brand_notifications_pending")
                .set(gauges.undelivered as f64);
        }
        Err(error) => return ApiError::Storage(error).into_response(),
    }
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        handle.render(),
    )
        .into_response()
}
