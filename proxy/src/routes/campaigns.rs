//! A campaign's public description and the provider abilities the widget calls
//! before submitting: merchants, offers, the photo-quality pre-check. Each is a
//! synchronous call to the campaign's provider; its failures are logged with the
//! campaign (never a secret) and answered as 502 `provider_auth` / 502 / 503 / 429
//! ([`ApiError::upstream`]).

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use serde::Deserialize;

use crate::error::ApiError;
use crate::routes::upload;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct CampaignQuery {
    /// The shopper's language (a BCP 47 tag): the title and reward in it.
    lang: Option<String>,
}

/// `GET /v1/campaigns/{campaign}?lang=TAG`.
#[utoipa::path(
    get,
    path = "/v1/campaigns/{campaign}",
    operation_id = "campaign",
    tag = "shopper",
    params(
        ("campaign" = String, Path, description = "The campaign's public id"),
        ("lang" = Option<String>, Query, description = "The shopper's language (BCP 47, e.g. `es-MX`): the title and reward in it where the campaign has them; in another language than the campaign's own and not translated, the title is empty and the reward absent (never another language's words)"),
    ),
    responses(
        (status = 200, description = "The campaign's public description", body = api::Campaign),
        (status = 400, description = "`bad_request`: a query string that cannot be read", body = api::ErrorBody),
        (status = 404, description = "`unknown_campaign`", body = api::ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<CampaignQuery>,
) -> Result<Json<api::Campaign>, ApiError> {
    let campaign = state.campaign(&id)?;
    let words = campaign.config.words(query.lang.as_deref());
    Ok(Json(api::Campaign {
        title: words.title.unwrap_or_default(),
        reward: words.reward,
        reward_when: words.reward_when,
        review_days: campaign.config.review_days,
        locale: campaign.config.locale.clone(),
        photos: campaign.policy.photo_rules(),
        capabilities: campaign.adapter.abilities.capabilities(),
        id,
    }))
}

/// `GET /v1/campaigns/{campaign}/merchants`.
#[utoipa::path(
    get,
    path = "/v1/campaigns/{campaign}/merchants",
    operation_id = "merchants",
    tag = "shopper",
    params(("campaign" = String, Path, description = "The campaign's public id")),
    responses(
        (status = 200, description = "The campaign's stores", body = Vec<api::Merchant>),
        (status = 404, description = "`unknown_campaign`, or `not_found`: the campaign's provider has no stores", body = api::ErrorBody),
        crate::error::ProviderTrouble,
    )
)]
pub async fn merchants(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<api::Merchant>>, ApiError> {
    let campaign = state.campaign(&id)?;
    state
        .catalogue
        .merchants(campaign)
        .await
        .map(|list| Json(list.to_vec()))
        .map_err(|e| ApiError::upstream(&id, "listing merchants", e))
}

#[derive(Deserialize)]
pub struct OffersQuery {
    merchant: Option<String>,
}

/// `GET /v1/campaigns/{campaign}/offers?merchant=ID`.
#[utoipa::path(
    get,
    path = "/v1/campaigns/{campaign}/offers",
    operation_id = "offers",
    tag = "shopper",
    params(
        ("campaign" = String, Path, description = "The campaign's public id"),
        ("merchant" = String, Query, description = "A store's id, from `/merchants`"),
    ),
    responses(
        (status = 200, description = "The offers at that store", body = Vec<api::Offer>),
        (status = 400, description = "`bad_request`: a query string that cannot be read", body = api::ErrorBody),
        (status = 404, description = "`unknown_campaign`, or `not_found`: the campaign's provider has no offers", body = api::ErrorBody),
        (status = 422, description = "`invalid_field` `merchant`: none, or not one of the campaign's stores", body = api::ErrorBody),
        crate::error::ProviderTrouble,
    )
)]
pub async fn offers(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<OffersQuery>,
) -> Result<Json<Vec<api::Offer>>, ApiError> {
    let campaign = state.campaign(&id)?;
    let merchant = query
        .merchant
        .filter(|m| {
            !m.is_empty()
                && m.len() <= 64
                && m.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .ok_or(ApiError::InvalidField {
            field: api::field::MERCHANT,
            message: "Choose a store first.".to_owned(),
        })?;
    state
        .catalogue
        .offers(campaign, &merchant)
        .await
        .map_err(|e| ApiError::upstream(&id, "listing offers", e))?
        .map(|list| Json(list.to_vec()))
        .ok_or(ApiError::InvalidField {
            field: api::field::MERCHANT,
            message: "This store is not one of the campaign's.".to_owned(),
        })
}

/// `POST /v1/campaigns/{campaign}/quality-check`: whether the provider can work
/// with one `photo`. Nothing is stored.
#[utoipa::path(
    post,
    path = "/v1/campaigns/{campaign}/quality-check",
    operation_id = "quality_check",
    tag = "shopper",
    params(("campaign" = String, Path, description = "The campaign's public id")),
    request_body(content = upload::PhotoForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Whether the provider can work with the photo", body = api::QualityCheck),
        (status = 400, description = "`bad_request`: not a well-formed multipart body", body = api::ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = api::ErrorBody),
        (status = 404, description = "`unknown_campaign`, or `not_found`: the provider has no quality check", body = api::ErrorBody),
        (status = 408, description = "`too_slow`: the body came slower than `limits.min_body_rate`", body = api::ErrorBody),
        (status = 413, description = "`photo_too_large`", body = api::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not a JPEG, PNG or HEIC photo", body = api::ErrorBody),
        (status = 422, description = "`invalid_field`, `too_many_photos`", body = api::ErrorBody),
        crate::error::ProviderTrouble,
    )
)]
pub async fn quality_check(
    State(state): State<AppState>,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<api::QualityCheck>, ApiError> {
    let campaign = state.campaign(&id)?;
    let multipart = multipart.map_err(|_| {
        ApiError::BadRequest("The photo must be sent as multipart/form-data.".to_owned())
    })?;
    let upload = upload::read(multipart, &campaign.policy.one_photo()).await?;
    let photo = upload
        .photos
        .first()
        .ok_or_else(|| ApiError::BadRequest("A photo is needed.".to_owned()))?;
    let account = &campaign.config.provider;
    crate::metrics::provider_call(
        account,
        "check_quality",
        campaign.adapter.provider.check_quality(photo),
    )
    .await
    .map(Json)
    .map_err(|e| ApiError::upstream(&id, "checking a photo's quality", e))
}
