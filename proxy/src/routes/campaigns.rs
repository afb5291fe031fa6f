//! `GET /v1/campaigns/{campaign}`: the public description of a campaign.

use axum::Json;
use axum::extract::{Path, State};

use crate::AppState;
use crate::error::ApiError;
use crate::routes::upload::ACCEPTED_TYPES;

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
