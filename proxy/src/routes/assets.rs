//! The widget's files and the optional static site.
//!
//! `/widget.js` is the loader a host page embeds: it must always be revalidated,
//! since it names the current build. Everything under `/widget/` is
//! content-hashed, so it is cached for a year and never changes. Both are public
//! and loaded cross-origin by host pages, so they allow any origin.

use std::path::Path;

use axum::Router;
use axum::http::{HeaderValue, header};
use tower_http::cors::CorsLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// Routes serving the built widget from `dir`.
pub fn widget<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    let loader = Router::new()
        .route_service("/widget.js", ServeFile::new(dir.join("widget.js")))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ));
    let hashed = Router::new()
        .nest_service("/widget", ServeDir::new(dir.join("assets")))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ));
    loader
        .merge(hashed)
        .layer(CorsLayer::new().allow_origin(tower_http::cors::Any))
}

/// A static site (the demo landing page) served at `/`.
pub fn site(dir: &Path) -> ServeDir {
    ServeDir::new(dir)
}
