//! `[console]`: how the brand's people sign in to the review console.

use serde::Deserialize;

/// `[console]`: how the brand's people sign in to the review console.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// The brand's OpenID Connect identity provider (`[console.oidc]`):
    /// where given, people sign in through it instead of with a password.
    #[serde(default)]
    pub oidc: Option<OidcConfig>,
}

/// An OpenID Connect identity provider the console signs people in with (the
/// authorization code flow, PKCE). Its redirect URI is
/// `{public_url}/operator/oidc/callback`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The issuer, whose `/.well-known/openid-configuration` is read.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: providers::Secret,
    /// What the sign-in button names it ("Sign in with ...").
    #[serde(default = "default_oidc_name")]
    pub name: String,
}

fn default_oidc_name() -> String {
    "your company account".to_owned()
}
