//! A campaign's public description and the provider abilities the widget calls
//! before submitting: merchants, offers, the photo-quality pre-check. Each is a
//! synchronous call to the campaign's provider; its failures are logged with the
//! campaign (never a secret) and answered as 502 `provider_auth` / 502 / 503 / 429.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use providers::{Adapter, Alert, MediaType, ProviderError};
use serde::Deserialize;

use crate::AppState;
use crate::config::{CampaignConfig, PhotoLimits};
use crate::error::ApiError;
use crate::routes::upload;

/// `GET /v1/campaigns/{campaign}`.
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<api::Campaign>, ApiError> {
    let (campaign, adapter) = campaign_provider(&state, &id)?;
    Ok(Json(api::Campaign {
        title: campaign.title.clone(),
        locale: campaign.locale.clone(),
        photos: api::PhotoRules {
            min_count: campaign.photos.min_count,
            max_count: campaign.photos.max_count,
            max_bytes: campaign.photos.max_bytes,
            accept: MediaType::ALL.map(|t| t.as_str().to_owned()).to_vec(),
            long_side: campaign.photos.long_side,
            quality: campaign.photos.quality,
        },
        capabilities: adapter.abilities.capabilities(),
        id,
    }))
}

/// `GET /v1/campaigns/{campaign}/merchants`.
pub async fn merchants(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<api::Merchant>>, ApiError> {
    let (_, adapter) = campaign_provider(&state, &id)?;
    adapter
        .provider
        .merchants()
        .await
        .map(Json)
        .map_err(|e| upstream(&id, "listing merchants", e))
}

#[derive(Deserialize)]
pub struct OffersQuery {
    merchant: Option<String>,
}

/// `GET /v1/campaigns/{campaign}/offers?merchant=ID`.
pub async fn offers(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<OffersQuery>,
) -> Result<Json<Vec<api::Offer>>, ApiError> {
    let (_, adapter) = campaign_provider(&state, &id)?;
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
    adapter
        .provider
        .offers(&merchant)
        .await
        .map(Json)
        .map_err(|e| upstream(&id, "listing offers", e))
}

/// `POST /v1/campaigns/{campaign}/quality-check`: whether the provider can work
/// with one `photo`. Nothing is stored.
pub async fn quality_check(
    State(state): State<AppState>,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Json<api::QualityCheck>, ApiError> {
    let (campaign, adapter) = campaign_provider(&state, &id)?;
    let one_photo = PhotoLimits {
        min_count: 1,
        max_count: 1,
        ..campaign.photos.clone()
    };
    let upload = upload::read(multipart, &one_photo).await?;
    let photo = upload
        .photos
        .first()
        .ok_or_else(|| ApiError::BadRequest("A photo is needed.".to_owned()))?;
    adapter
        .provider
        .check_quality(photo)
        .await
        .map(Json)
        .map_err(|e| upstream(&id, "checking a photo's quality", e))
}

/// A configured campaign and its provider's adapter.
pub fn campaign_provider<'a>(
    state: &'a AppState,
    id: &str,
) -> Result<(&'a CampaignConfig, &'a Adapter), ApiError> {
    let campaign = state
        .config
        .campaigns
        .get(id)
        .ok_or(ApiError::UnknownCampaign)?;
    let provider = state
        .providers
        .get(&campaign.provider)
        .ok_or(ApiError::UnknownCampaign)?;
    Ok((campaign, provider))
}

/// Logs a failed synchronous provider call, naming the campaign, and turns it
/// into the API's error.
pub fn upstream(campaign: &str, doing: &str, error: ProviderError) -> ApiError {
    match error.meaning().alert {
        Alert::Quiet => {}
        Alert::Operator => {
            tracing::error!(%campaign, %error, "provider refused our credentials while {doing}");
        }
        Alert::Transient => tracing::warn!(%campaign, %error, "provider call failed while {doing}"),
    }
    ApiError::Provider(error)
}
