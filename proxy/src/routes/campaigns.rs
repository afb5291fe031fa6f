//! `GET /v1/campaigns/{campaign}`: the public description of a campaign, and
//! `POST /v1/campaigns/{campaign}/quality-check`: the provider's verdict on one
//! photo before it is submitted.

use axum::Json;
use axum::extract::{Multipart, Path, State};

use crate::AppState;
use crate::config::PhotoLimits;
use crate::error::ApiError;
use crate::routes::upload::{self, ACCEPTED_TYPES};

pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<api::Campaign>, ApiError> {
    let campaign = state
        .config
        .campaigns
        .get(&id)
        .ok_or(ApiError::UnknownCampaign)?;
    Ok(Json(api::Campaign {
        id,
        title: campaign.title.clone(),
        locale: campaign.locale.clone(),
        photos: api::PhotoRules {
            min_count: campaign.photos.min_count,
            max_count: campaign.photos.max_count,
            max_bytes: campaign.photos.max_bytes,
            accept: ACCEPTED_TYPES.iter().map(|t| (*t).to_owned()).collect(),
        },
        capabilities: state
            .providers
            .get(&campaign.provider)
            .map(|p| p.capabilities())
            .unwrap_or_default(),
    }))
}

/// Asks the campaign's provider whether it can work with one `photo`. Nothing is
/// stored. Upstream failures are logged with the campaign (never a secret) and
/// answered as 502 `provider_auth`, 503 or 429.
pub async fn quality_check(
    State(state): State<AppState>,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Json<api::QualityCheck>, ApiError> {
    let campaign = state
        .config
        .campaigns
        .get(&id)
        .ok_or(ApiError::UnknownCampaign)?;
    let provider = state
        .providers
        .get(&campaign.provider)
        .ok_or(ApiError::UnknownCampaign)?;
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
    provider.check_quality(photo).await.map(Json).map_err(|error| {
        match &error {
            crate::providers::ProviderError::Unsupported(_) => {}
            crate::providers::ProviderError::Auth(_) => {
                tracing::error!(campaign = %id, %error, "provider refused our credentials on a quality check");
            }
            _ => tracing::warn!(campaign = %id, %error, "quality check failed"),
        }
        ApiError::Provider(error)
    })
}
