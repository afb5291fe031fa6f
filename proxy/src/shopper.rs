//! Who the shopper is, where the brand vouches for it: a campaign with
//! `require_signed_user = true` takes a submission only with a token the
//! brand's own backend signed for that shopper and that campaign, and the
//! shopper's id is the token's, never one the page chose.
//!
//! The token is a JWT signed with HMAC-SHA256 (`HS256`) with the campaign's
//! `shopper_key`: `sub` is the shopper's id, `aud` the campaign's id, `exp` its
//! expiry and `nbf`, where the brand sets one, when it starts to be valid (Unix
//! seconds), as RFC 7519 says; both are checked with `shopper_leeway_s` of
//! clock difference forgiven (30 s unless configured). Every JWT library makes
//! one in a line (README). A missing, forged or not-yet-valid token is refused
//! with 401 `shopper_unsigned`, an expired one with 403 `shopper_expired`, and
//! nothing is stored.
//!
//! A campaign with a `shopper_key` that does not require a signed shopper
//! takes anonymous receipts too: a token that is sent is verified all the
//! same, and without one the submission has no shopper, whatever the page's
//! unsigned `user` says (anyone could have written it).

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::campaign::Campaign;
use crate::error::ApiError;

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
}

/// The shopper's id for a submission to `campaign`: the signed token's where
/// the campaign has a `shopper_key` (none without a token, where the campaign
/// does not require one), else the page's `user` field as given.
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
            if user.is_some() {
                tracing::info!(campaign = %campaign.id, "an unsigned user was ignored: the campaign signs its shoppers");
            }
            Ok(None)
        };
    };
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[campaign.id.as_str()]);
    validation.set_required_spec_claims(&["exp", "aud", "sub"]);
    validation.validate_nbf = true;
    validation.leeway = campaign.config.shopper_leeway_s;
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
            ErrorKind::ImmatureSignature => Err(ApiError::ShopperUnsigned(
                "The shopper's token is not valid yet (nbf).".to_owned(),
            )),
            _ => Err(ApiError::ShopperUnsigned(
                "The shopper's token is not one the brand signed for this campaign.".to_owned(),
            )),
        },
    }
}
