//! The widget's files and the optional static site.
//!
//! `/widget.js` is the loader a host page embeds: it must always be revalidated,
//! since it names the current build. Everything under `/widget/` is
//! content-hashed, so it is cached for a year and never changes. Both are public
//! and loaded cross-origin by host pages, so they allow any origin.
//!
//! `cargo xtask widget` writes a `.br` and a `.gz` copy beside each file; the one
//! the browser's `Accept-Encoding` takes is served (with `Vary: Accept-Encoding`),
//! the file itself otherwise. A phone downloads the wasm module at a third of
//! its size, and the proxy compresses nothing per request.

use std::path::Path;

use axum::Router;
use axum::http::{HeaderValue, header};
use tower::Layer as _;
use tower_http::cors::CorsLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

/// Routes serving the built widget from `dir`.
pub fn widget<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    let loader = Router::new()
        .route_service(
            "/widget.js",
            ServeFile::new(dir.join("widget.js"))
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ));
    let hashed = Router::new()
        .nest_service(
            "/widget",
            ServeDir::new(dir.join("assets"))
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ));
    loader
        .merge(hashed)
        .layer(CorsLayer::new().allow_origin(tower_http::cors::Any))
}

/// What a page the proxy serves may load and run: its own scripts and the
/// widget's wasm, nothing inline but styles (the widget styles its shadow
/// root), images from anywhere (offers' pictures come from the provider's
/// CDN) and the shopper's own photos (`blob:`), calls to itself only, in no
/// frame.
pub const PAGE_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' blob: data: https: http:; \
    connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// A static site (the demo landing page) served at `/`, under [`PAGE_POLICY`].
pub fn site(dir: &Path) -> SetResponseHeader<ServeDir, HeaderValue> {
    SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    )
    .layer(ServeDir::new(dir))
}

#[cfg(test)]
mod tests {
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::*;

    /// A built widget folder whose compressed copies are told apart by content.
    fn built() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        for (name, body) in [
            ("widget.js", "loader"),
            ("widget.js.gz", "loader gzip"),
            ("widget.js.br", "loader brotli"),
            ("assets/widget-0123456789_bg.wasm", "module"),
            ("assets/widget-0123456789_bg.wasm.gz", "module gzip"),
            ("assets/widget-0123456789_bg.wasm.br", "module brotli"),
            ("assets/words-es-0123456789.json", "[\"palabras\"]"),
        ] {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        dir
    }

    async fn get(
        dir: &Path,
        path: &str,
        accept: Option<&str>,
    ) -> (axum::http::response::Parts, String) {
        let mut request = Request::get(path).header(header::ORIGIN, "https://shop.example");
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT_ENCODING, accept);
        }
        let response = widget::<()>(dir)
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let (parts, body) = response.into_parts();
        let body = to_bytes(body, usize::MAX).await.unwrap();
        (parts, String::from_utf8(body.to_vec()).unwrap())
    }

    fn value(parts: &axum::http::response::Parts, name: header::HeaderName) -> &str {
        parts.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }

    #[tokio::test]
    async fn the_copy_the_browser_accepts_is_served_and_the_file_itself_otherwise() {
        let dir = built();
        let wasm = "/widget/widget-0123456789_bg.wasm";
        for (accept, body, encoding) in [
            (Some("gzip, deflate, br, zstd"), "module brotli", "br"),
            (Some("gzip, deflate"), "module gzip", "gzip"),
            (Some("identity"), "module", ""),
            (None, "module", ""),
        ] {
            let (parts, served) = get(dir.path(), wasm, accept).await;
            assert_eq!(parts.status, StatusCode::OK, "{accept:?}");
            assert_eq!(served, body, "{accept:?}");
            assert_eq!(
                value(&parts, header::CONTENT_ENCODING),
                encoding,
                "{accept:?}"
            );
            // The browser compiles a module as it streams only with this type.
            assert_eq!(value(&parts, header::CONTENT_TYPE), "application/wasm");
            assert_eq!(value(&parts, header::VARY), "accept-encoding");
            assert_eq!(
                value(&parts, header::CACHE_CONTROL),
                "public, max-age=31536000, immutable"
            );
            assert_eq!(value(&parts, header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
        }

        let (parts, served) = get(dir.path(), "/widget.js", Some("gzip")).await;
        assert_eq!(served, "loader gzip");
        assert_eq!(value(&parts, header::CACHE_CONTROL), "no-cache");
        assert_eq!(value(&parts, header::CONTENT_ENCODING), "gzip");

        // A file without compressed copies is served as it is.
        let (parts, served) = get(dir.path(), "/widget/words-es-0123456789.json", Some("br")).await;
        assert_eq!(served, "[\"palabras\"]");
        assert_eq!(value(&parts, header::CONTENT_ENCODING), "");
    }

    #[tokio::test]
    async fn the_pages_served_carry_a_content_security_policy() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
        let response = site(dir.path())
            .oneshot(Request::get("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(
            policy.contains("script-src 'self' 'wasm-unsafe-eval';"),
            "{policy}"
        );
        assert!(
            !policy.contains("script-src 'self' 'unsafe-inline'"),
            "{policy}"
        );
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    }
}
