//! Who the shopper is, where the brand vouches for it: a campaign with
//! `require_signed_user = true` takes a submission only with a token the
//! brand's own backend signed for that shopper and that campaign, and the
//! shopper's id is the token's, never one the page chose.
//!
//! The token is a JWT signed with HMAC-SHA256 (`HS256`) with the campaign's
//! `shopper_key`: `sub` is the shopper's id, `aud` the campaign's id, `exp` its
//! expiry (Unix seconds). Every JWT library makes one in a line (README).
//! A missing or forged token is refused with 401 `shopper_unsigned`, an expired
//! one with 403 `shopper_expired`, and nothing is stored.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::campaign::Campaign;
use crate::error::ApiError;

/// Seconds of clock difference between the brand's servers and ours that are
/// forgiven.
const LEEWAY_S: u64 = 30;

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
}

/// The shopper's id for a submission to `campaign`: the signed token's where
/// the campaign has a `shopper_key`, else the page's `user` field as given.
pub fn identify(
    campaign: &Campaign,
    token: Option<&str>,
    user: Option<String>,
) -> Result<Option<String>, ApiError> {
    let Some(key) = &campaign.config.shopper_key else {
        return Ok(user);
    };
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return if campaign.config.require_signed_user {
            Err(ApiError::ShopperUnsigned(
                "This campaign needs the shopper's signed token.".to_owned(),
            ))
        } else {
            Ok(user)
        };
    };
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[campaign.id.as_str()]);
    validation.set_required_spec_claims(&["exp", "aud", "sub"]);
    validation.leeway = LEEWAY_S;
    let decoded = jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(key.expose().as_bytes()),
        &validation,
    );
    match decoded {
        Ok(data) if !data.claims.sub.is_empty() => Ok(Some(data.claims.sub)),
        Ok(_) => Err(ApiError::ShopperUnsigned(
            "The shopper's token names no shopper.".to_owned(),
        )),
        Err(error) => match error.kind() {
            ErrorKind::ExpiredSignature => Err(ApiError::ShopperExpired),
            _ => Err(ApiError::ShopperUnsigned(
                "The shopper's token is not one the brand signed for this campaign.".to_owned(),
            )),
        },
    }
}
