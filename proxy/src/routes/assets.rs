//! The widget's files and the optional static site.
//!
//! `/widget.js` is the loader a host page embeds: it must always be revalidated,
//! since it names the current build. Everything under `/widget/` is
//! content-hashed, so it is cached for a year and never changes. Both are public
//! and loaded cross-origin by host pages, so they allow any origin, and let
//! any page time them (`Timing-Allow-Origin: *`: a brand's real-user
//! monitoring, and the first-load bench, see their sizes and timings).
//!
//! `cargo xtask widget` writes a `.br` and a `.gz` copy beside each file; the one
//! the browser's `Accept-Encoding` takes is served (with `Vary: Accept-Encoding`),
//! the file itself otherwise. A phone downloads the wasm module at a third of
//! its size, and the proxy compresses nothing per request.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::{Layer as _, ServiceExt as _};
use tower_http::cors::CorsLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

/// A build's files in memory, by their path in the build (`widget.js`,
/// `assets/widget-….wasm.br`).
pub type Files = Arc<dyn Fn(&str) -> Option<Cow<'static, [u8]>> + Send + Sync>;

/// Where the widget's files come from.
#[derive(Clone)]
pub enum Source {
    /// A folder `cargo xtask widget` wrote (`widget_dir`).
    Dir(PathBuf),
    /// Files in memory: the build the binary carries ([`embedded`]).
    Memory(Files),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dir(dir) => f.debug_tuple("Dir").field(dir).finish(),
            Self::Memory(_) => f.write_str("Memory"),
        }
    }
}

/// The widget built into this binary (`--features embed-widget`, from
/// `target/widget` at compile time), if it was.
pub fn embedded() -> Option<Source> {
    #[cfg(feature = "embed-widget")]
    {
        #[derive(rust_embed::Embed)]
        #[folder = "../target/widget/"]
        struct Built;
        let files: Files = Arc::new(|path| Built::get(path).map(|file| file.data));
        Some(Source::Memory(files))
    }
    #[cfg(not(feature = "embed-widget"))]
    None
}

/// `Timing-Allow-Origin` (Resource Timing), which `http` does not name.
const TIMING_ALLOW_ORIGIN: header::HeaderName =
    header::HeaderName::from_static("timing-allow-origin");

/// The widget's two routes, serving the build from `source`; with none,
/// both answer 404 (the routes, and their description, are the same either
/// way).
pub fn widget<S: Clone + Send + Sync + 'static>(source: Option<Source>) -> OpenApiRouter<S> {
    let loader = routes!(loader)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .with_state(source.clone());
    let hashed = routes!(asset)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ))
        .with_state(source);
    OpenApiRouter::new()
        .routes(loader)
        .routes(hashed)
        .layer(CorsLayer::new().allow_origin(tower_http::cors::Any))
        .layer(SetResponseHeaderLayer::overriding(
            TIMING_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
}

/// The loader a host page embeds (`<script src=".../widget.js">`).
#[utoipa::path(
    get,
    path = "/widget.js",
    operation_id = "widget_loader",
    tag = "widget",
    responses(
        (status = 200, description = "The loader (revalidated every time: it names the current build)", body = String, content_type = "text/javascript"),
        (status = 404, description = "No widget is served here"),
    )
)]
async fn loader(State(source): State<Option<Source>>, request: Request) -> Response {
    serve(source, "widget.js", request).await
}

/// A file of the content-hashed build (wasm, its glue, the QR module, a
/// language's words), in the compressed copy the browser takes.
#[utoipa::path(
    get,
    path = "/widget/{file}",
    operation_id = "widget_file",
    tag = "widget",
    params(("file" = String, Path, description = "A content-hashed file name, as the loader names it")),
    responses(
        (status = 200, description = "The file (cached for a year: its name changes with it)", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 404, description = "No such file"),
    )
)]
async fn asset(
    State(source): State<Option<Source>>,
    UrlPath(file): UrlPath<String>,
    request: Request,
) -> Response {
    serve(source, &format!("assets/{file}"), request).await
}

/// The build's file at `path`, from a folder or from memory.
async fn serve(source: Option<Source>, path: &str, request: Request) -> Response {
    match source {
        None => StatusCode::NOT_FOUND.into_response(),
        Some(Source::Memory(files)) => from_memory(&files, path, request.headers()),
        Some(Source::Dir(dir)) => {
            // A name that climbs out of the build is no file of it.
            if path.split('/').any(|part| part == ".." || part.is_empty()) {
                return StatusCode::NOT_FOUND.into_response();
            }
            ServeFile::new(dir.join(path))
                .precompressed_br()
                .precompressed_gzip()
                .oneshot(request)
                .await
                .map_or_else(|never| match never {}, IntoResponse::into_response)
        }
    }
}

/// One file of a build in memory: its brotli or gzip copy where the browser
/// takes it and the build has one, else the file itself; as `ServeDir` does
/// for a folder.
fn from_memory(files: &Files, path: &str, headers: &HeaderMap) -> Response {
    let accepts = |coding: &str| {
        headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|c| c.split(';').next().is_some_and(|c| c.trim() == coding))
    };
    let copy = [("br", ".br"), ("gzip", ".gz")]
        .into_iter()
        .filter(|(coding, _)| accepts(coding))
        .find_map(|(coding, suffix)| Some((Some(coding), files(&format!("{path}{suffix}"))?)));
    let Some((coding, body)) = copy.or_else(|| Some((None, files(path)?))) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let kind = match path.rsplit('.').next() {
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("css") => "text/css",
        _ => "application/octet-stream",
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ],
        body.into_owned(),
    )
        .into_response();
    if let Some(coding) = coding {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    response
}

/// What a page the proxy serves may load and run: its own scripts and the
/// widget's wasm, nothing inline but styles (the widget styles its shadow
/// root), images from anywhere (offers' pictures come from the provider's
/// CDN) and the shopper's own photos (`blob:`, which the page may also read
/// back: that sends nothing anywhere), calls to itself only, in no frame.
pub const PAGE_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' blob: data: https: http:; \
    connect-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; \
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
        source: &Source,
        path: &str,
        accept: Option<&str>,
    ) -> (axum::http::response::Parts, String) {
        let mut request = Request::get(path).header(header::ORIGIN, "https://shop.example");
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT_ENCODING, accept);
        }
        let (router, _) = widget::<()>(Some(source.clone())).split_for_parts();
        let response = router
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
        // The same build from its folder and from memory (as carried in the
        // binary).
        for source in [Source::Dir(dir.path().to_owned()), in_memory(dir.path())] {
            served_as_the_browser_accepts(&source).await;
        }
    }

    /// `dir`'s files, read into memory.
    fn in_memory(dir: &Path) -> Source {
        let mut files = std::collections::HashMap::new();
        for sub in ["", "assets"] {
            for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    let name = path
                        .strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    files.insert(name, std::fs::read(&path).unwrap());
                }
            }
        }
        Source::Memory(Arc::new(move |path| {
            files.get(path).map(|bytes| Cow::Owned(bytes.clone()))
        }))
    }

    async fn served_as_the_browser_accepts(source: &Source) {
        let wasm = "/widget/widget-0123456789_bg.wasm";
        for (accept, body, encoding) in [
            (Some("gzip, deflate, br, zstd"), "module brotli", "br"),
            (Some("gzip, deflate"), "module gzip", "gzip"),
            (Some("identity"), "module", ""),
            (None, "module", ""),
        ] {
            let (parts, served) = get(source, wasm, accept).await;
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
            assert_eq!(value(&parts, TIMING_ALLOW_ORIGIN), "*");
        }

        let (parts, served) = get(source, "/widget.js", Some("gzip")).await;
        assert_eq!(served, "loader gzip");
        assert_eq!(value(&parts, header::CACHE_CONTROL), "no-cache");
        assert_eq!(value(&parts, header::CONTENT_ENCODING), "gzip");

        // A file without compressed copies is served as it is.
        let (parts, served) = get(source, "/widget/words-es-0123456789.json", Some("br")).await;
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
