//! receipt-relay's proxy: holds the provider credentials, checks uploads, forwards
//! them to each campaign's provider, follows the result and answers the widget in
//! one normalized shape.
//!
//! [`app`] builds the router (tests drive it in process); [`serve`] runs it with the
//! background [`worker`] until a shutdown signal. The provider adapters are the
//! `providers` crate, which knows neither axum nor the database.

pub mod audit;
pub mod body_rate;
pub mod campaign;
pub mod catalogue;
pub mod changes;
pub mod clock;
pub mod config;
pub mod console;
pub mod duplicates;
pub mod error;
pub mod lifecycle;
pub mod limits;
pub mod logging;
pub mod metrics;
pub mod notify;
pub mod openapi;
pub mod photo;
pub mod policy;
pub mod retention;
pub mod routes;
pub mod server;
pub mod shopper;
pub mod state;
pub mod store;
pub mod submissions;
pub mod worker;

pub use state::{AppState, StartError};

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

use crate::config::Config;
use crate::error::ApiError;
use crate::routes::{assets, campaigns, health, operator, webhooks};

/// The proxy's HTTP interface.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    // What stores something or costs a provider call is rate limited; an
    // upload also holds its size of the upload memory budget while it is read.
    let limited =
        axum::middleware::from_fn_with_state(state.rate_limits.clone(), limits::limit_rate);
    let max_body = config.max_body_bytes();
    let upload_memory = axum::middleware::from_fn_with_state(
        (state.upload_budget.clone(), max_body as u64),
        limits::hold_upload_memory,
    );
    // Every route is registered with its description (`routes!` reads the
    // handler's `#[utoipa::path]`): what is served and what is described are
    // one list (`openapi::publish` keeps what the router made).
    let api = OpenApiRouter::new()
        .routes(routes!(openapi::serve))
        .routes(routes!(campaigns::get))
        .routes(
            routes!(routes::submissions::create)
                .layer(DefaultBodyLimit::max(max_body))
                .layer(upload_memory.clone())
                .layer(limited.clone()),
        )
        .routes(
            routes!(campaigns::quality_check)
                .layer(DefaultBodyLimit::max(max_body))
                .layer(upload_memory)
                .layer(limited.clone()),
        )
        .routes(routes!(campaigns::merchants).layer(limited.clone()))
        .routes(routes!(campaigns::offers).layer(limited.clone()))
        .routes(routes!(routes::submissions::get))
        .routes(routes!(routes::submissions::review).layer(limited))
        .layer(axum::middleware::from_fn_with_state(
            config.clone(),
            same_site_writes,
        ))
        // What a shopper's answers hold (receipt details, their status) is
        // theirs: no shared cache keeps it.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(cors(config.clone()));
    // `widget_dir` where given, else the build this binary carries.
    let widget = config
        .widget_dir
        .clone()
        .map(assets::Source::Dir)
        .or_else(assets::embedded);
    let (mut router, description) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        // Server to server: no CORS.
        .routes(routes!(webhooks::receive))
        .merge(operator::router(state.clone()))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .merge(api)
        .merge(assets::widget(widget))
        .split_for_parts();
    openapi::publish(description);
    // The review console: pages for people, not the API.
    router = router.merge(console::router(&config));
    // The demo site's pages are files, not routes of the API.
    if let Some(dir) = &config.www_dir {
        router = router.fallback_service(assets::site(dir));
    }
    router
        .with_state(state)
        // On everything served: no type sniffing, no address in referrers.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .route_layer(axum::middleware::from_fn(metrics::track_requests))
        // Whatever answers an API error, it is the JSON error body.
        .layer(axum::middleware::from_fn(error::every_error_json))
        // A trickling upload is cut (408) instead of holding its memory and
        // connection...
        .layer(axum::middleware::from_fn_with_state(
            config.limits.min_rate(),
            body_rate::enforce,
        ))
        // ...and a stalled one ends.
        .layer(RequestBodyTimeoutLayer::new(config.limits.body_timeout))
        // Every request has an id (the load balancer's `x-request-id`, or a
        // new one), on its log lines and in its answer; a submission keeps its
        // upload's, so the worker's lines about it carry it too.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// The span every line logged while answering `request` is in.
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
    )
}

/// CORS for the API: a browser may call a campaign's endpoints only from that
/// campaign's allowed origins (an unknown campaign's 404 from any), and the
/// submission endpoints from any campaign's.
fn cors(config: Arc<Config>) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, parts| {
            origin_allowed(&config, origin, parts.uri.path())
        }))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([header::LOCATION])
        .max_age(Duration::from_secs(600))
}

/// Refuses a state-changing request a browser sent from a page the campaign
/// does not allow (403 `origin_not_allowed`): CORS only hides answers, it does
/// not stop a foreign page from submitting or asking for a review in a
/// shopper's name. Browsers name the page in `Origin` on every POST; a request
/// without one is not from a browser's page (a server, a test) and goes on.
/// The proxy's own pages (`Sec-Fetch-Site: same-origin`) go on too.
async fn same_site_writes(
    axum::extract::State(config): axum::extract::State<Arc<Config>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let headers = request.headers();
    let same_origin = headers
        .get("sec-fetch-site")
        .is_some_and(|site| site == "same-origin");
    let refused = request.method() == Method::POST
        && !same_origin
        && headers
            .get(header::ORIGIN)
            .is_some_and(|origin| !origin_allowed(&config, origin, request.uri().path()));
    if refused {
        return ApiError::OriginNotAllowed.into_response();
    }
    next.run(request).await
}

fn origin_allowed(config: &Config, origin: &HeaderValue, path: &str) -> bool {
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let allows = |c: &config::CampaignConfig| c.allowed_origins.iter().any(|o| o == origin);
    match path.strip_prefix("/v1/campaigns/") {
        Some(rest) => {
            let id = rest.split('/').next().unwrap_or_default();
            // A campaign that does not exist has nothing to hide: any page may
            // read its 404 (`unknown_campaign`), which tells a typo in the embed
            // tag apart from a page the campaign does not allow.
            config.campaigns.get(id).is_none_or(allows)
        }
        None => config.campaigns.values().any(allows),
    }
}

/// Serves `app(state)` on `listener` with the background worker and notifier,
/// until `shutdown` completes; then stops taking requests, lets the worker
/// finish the submissions in hand, and returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let stop = CancellationToken::new();
    let worker = tokio::spawn(worker::run(state.clone(), stop.clone()));
    let notifier = tokio::spawn(notify::run(state.clone(), stop.clone()));
    let sweeper = tokio::spawn(retention::run(state.clone(), stop.clone()));
    let metrics_server = serve_metrics(&state, &stop).await?;
    let stop_worker = stop.clone();
    let limits = state.config.limits.clone();
    let served = server::run(listener, app(state), &limits, async move {
        shutdown.await;
        stop_worker.cancel();
    })
    .await;
    stop.cancel();
    if let Err(error) = worker.await {
        tracing::error!(%error, "worker task ended abnormally");
    }
    if let Some(task) = metrics_server
        && let Err(error) = task.await
    {
        tracing::error!(%error, "metrics listener ended abnormally");
    }
    for (task, name) in [(notifier, "notifier"), (sweeper, "retention")] {
        if let Err(error) = task.await {
            tracing::error!(%error, "{name} task ended abnormally");
        }
    }
    served
}

/// Serves `app(state)` on `listener` (and the metrics on `metrics_listen`)
/// without the background worker, notifier and retention sweep, until
/// `shutdown` completes: for tests that step them themselves
/// ([`worker::Worker::run_once`]).
pub async fn serve_api(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let stop = CancellationToken::new();
    let metrics_server = serve_metrics(&state, &stop).await?;
    let limits = state.config.limits.clone();
    let served = server::run(listener, app(state), &limits, shutdown).await;
    stop.cancel();
    if let Some(task) = metrics_server
        && let Err(error) = task.await
    {
        tracing::error!(%error, "metrics listener ended abnormally");
    }
    served
}

/// Serves `/metrics` alone on `metrics_listen`, where configured, until
/// `stop` is cancelled.
async fn serve_metrics(
    state: &AppState,
    stop: &CancellationToken,
) -> std::io::Result<Option<tokio::task::JoinHandle<std::io::Result<()>>>> {
    let Some(address) = state.config.metrics_listen else {
        return Ok(None);
    };
    let listener = TcpListener::bind(address).await?;
    tracing::info!(addr = %listener.local_addr()?, "metrics listening");
    let (router, _) = OpenApiRouter::new()
        .routes(routes!(routes::metrics::serve))
        .split_for_parts();
    let router = router.with_state(state.clone());
    let limits = state.config.limits.clone();
    let stopped = stop.clone();
    Ok(Some(tokio::spawn(async move {
        server::run(listener, router, &limits, async move {
            stopped.cancelled().await;
        })
        .await
    })))
}
