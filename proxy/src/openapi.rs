//! The public v1 API's OpenAPI 3.1 description, generated from the handlers'
//! `#[utoipa::path]` annotations and the `api` crate's types (so it cannot
//! drift from them), served at `/v1/openapi.json`. `cargo xtask ci` runs
//! schemathesis against it on a live proxy and sandbox.

use axum::Json;
use utoipa::openapi::OpenApi as Description;
use utoipa::{OpenApi, ToSchema};

use crate::routes::{campaigns, submissions};

/// The public v1 API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "receipt-relay",
        description = "The widget's API: a campaign's description, its stores and offers, \
                       a photo's quality check, submitting a receipt and following its verdict. \
                       Every error is `{\"error\": {code, message, field}}`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        campaigns::get,
        campaigns::merchants,
        campaigns::offers,
        campaigns::quality_check,
        submissions::create,
        submissions::get,
        submissions::review,
    ),
    components(schemas(SubmissionForm, PhotoForm)),
    tags((name = "shopper", description = "What the widget calls, from the shopper's browser"))
)]
pub struct ApiDoc;

/// `GET /v1/openapi.json`.
pub async fn serve() -> Json<Description> {
    Json(ApiDoc::openapi())
}

/// What any call that is rate limited and reaches a provider may also
/// answer.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum ProviderTrouble {
    /// `rate_limited`: this client's or this campaign's allowance is spent.
    #[response(status = 429, headers(("retry-after" = u64, description = "Seconds to wait")))]
    RateLimited(api::ErrorBody),
    /// `provider_auth` (the provider refused the proxy's credentials) or
    /// `provider_error`.
    #[response(status = 502)]
    Provider(api::ErrorBody),
    /// `unavailable`: the provider, or the proxy's database, for now.
    #[response(status = 503)]
    Unavailable(api::ErrorBody),
}

/// `POST /v1/campaigns/{campaign}/submissions`, as `multipart/form-data`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SubmissionForm {
    /// A photo of the receipt (JPEG, PNG or HEIC, judged by its content);
    /// repeated for a long receipt, as the campaign's `photos` allow.
    #[schema(value_type = Vec<String>, format = Binary)]
    photo: Vec<Vec<u8>>,
    /// The receipt's fiscal QR code, as text (`t=…&s=…&fn=…&i=…&fp=…&n=1`).
    qr: Option<String>,
    /// The claimed offers, as JSON: `[{"offer_id": "191405", "quantity": 1}]`.
    offers: Option<String>,
    /// The store the offers were bought at (an id from `/merchants`).
    merchant: Option<String>,
    /// The shopper's id, as the page knows them.
    user: Option<String>,
    /// The shopper's id, signed by the brand's backend (HS256 JWT).
    user_token: Option<String>,
}

/// `POST /v1/campaigns/{campaign}/quality-check`, as `multipart/form-data`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PhotoForm {
    /// One photo of the receipt.
    #[schema(value_type = String, format = Binary)]
    photo: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_is_openapi_3_1_with_every_public_route_and_its_errors() {
        let json = serde_json::to_value(ApiDoc::openapi()).unwrap();
        assert_eq!(json["openapi"], "3.1.0");
        let paths = json["paths"].as_object().unwrap();
        for (path, method) in [
            ("/v1/campaigns/{campaign}", "get"),
            ("/v1/campaigns/{campaign}/merchants", "get"),
            ("/v1/campaigns/{campaign}/offers", "get"),
            ("/v1/campaigns/{campaign}/quality-check", "post"),
            ("/v1/campaigns/{campaign}/submissions", "post"),
            ("/v1/submissions/{id}", "get"),
            ("/v1/submissions/{id}/review", "post"),
        ] {
            let operation = &paths[path][method];
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.contains_key("404"), "{method} {path}");
            for (status, response) in responses {
                let schema = &response["content"]["application/json"]["schema"]["$ref"];
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        schema, "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
        }
        let limited = &paths["/v1/campaigns/{campaign}/merchants"]["get"]["responses"]["429"];
        assert!(limited["headers"]["retry-after"].is_object(), "{limited}");
    }
}
