//! The OpenAPI 3.1 description of every route the proxy serves, served at
//! `/v1/openapi.json`. It is made by the router itself: `app` registers each
//! route with `utoipa_axum::routes!`, which reads the handler's
//! `#[utoipa::path]`, so a route cannot be served without being described,
//! and the description lists no route that is not served. [`ApiDoc`] adds
//! what is not a route's (the title, the tags, the operator key's scheme,
//! the multipart forms, which `routes::upload` describes beside the code that
//! reads them). Routes name nothing here: what a group of routes may also
//! answer is `error::OperatorTrouble` and `error::ProviderTrouble`. `cargo xtask ci` runs schemathesis against it on a
//! live proxy and sandbox.

use std::sync::{Arc, OnceLock};

use axum::Json;
use utoipa::openapi::OpenApi as Description;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::upload::{PhotoForm, SubmissionForm};

/// What the description holds besides its routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "receipt-relay",
        description = "Every route the proxy serves: the widget's API (a campaign's description, \
                       its stores and offers, a photo's quality check, submitting a receipt and \
                       following its verdict), the widget's files, provider callbacks, the \
                       operator API and metrics (behind the operator key) and health checks. \
                       Every API error is `{\"error\": {code, message, field}}`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    components(schemas(SubmissionForm, PhotoForm)),
    modifiers(&OperatorKey),
    tags(
        (name = "shopper", description = "What the widget calls, from the shopper's browser"),
        (name = "widget", description = "The widget's files, for host pages"),
        (name = "operator", description = "The brand's staff and systems, server to server, with the operator key"),
        (name = "providers", description = "Providers' callbacks, server to server, with each account's shared key"),
        (name = "operations", description = "Health checks and metrics"),
    )
)]
pub struct ApiDoc;

/// The operator key, a bearer token (`operator_key`).
struct OperatorKey;

impl Modify for OperatorKey {
    fn modify(&self, openapi: &mut Description) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "operator_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The description `app` made of its routes.
static PUBLISHED: OnceLock<Arc<Description>> = OnceLock::new();

/// Keeps the description the router made (the first: every app of this
/// binary serves the same routes, whatever its configuration).
pub fn publish(description: Description) {
    let _ = PUBLISHED.set(Arc::new(description));
}

/// This API's OpenAPI 3.1 description.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    operation_id = "openapi",
    tag = "operations",
    responses((status = 200, description = "This description", body = Object))
)]
pub async fn serve() -> Json<Description> {
    Json(
        PUBLISHED
            .get()
            .map_or_else(ApiDoc::openapi, |d| (**d).clone()),
    )
}
