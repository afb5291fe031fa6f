//! `[console]`: how the brand's people sign in to the review console.

use serde::Deserialize;

/// `[console]`: how the brand's people sign in to the review console.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// Where the console is served (`/operator` unless given): a path of
    /// letters, digits, `-` and `_` segments, without a trailing `/`.
    #[serde(default = "default_path")]
    pub path: String,
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

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            path: default_path(),
            oidc: None,
        }
    }
}

fn default_path() -> String {
    "/operator".to_owned()
}

/// The paths the proxy serves itself, which the console may not take.
const TAKEN: [&str; 7] = [
    "/v1",
    "/widget",
    "/widget.js",
    "/webhooks",
    "/metrics",
    "/healthz",
    "/readyz",
];

impl ConsoleConfig {
    /// Why `path` cannot be the console's, if it cannot.
    pub fn path_problem(&self) -> Option<String> {
        let path = self.path.as_str();
        let segments_ok = path.len() > 1
            && path.starts_with('/')
            && path[1..].split('/').all(|segment| {
                !segment.is_empty()
                    && segment
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if !segments_ok {
            return Some(format!(
                "console.path {path:?} must be like \"/operator\": segments of letters, digits, '-' and '_', no trailing '/'"
            ));
        }
        TAKEN
            .iter()
            .find(|taken| path == **taken || path.starts_with(&format!("{taken}/")))
            .map(|taken| format!("console.path {path:?} is under {taken}, which the proxy serves"))
    }
}

fn default_oidc_name() -> String {
    "your company account".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(path: &str) -> Option<String> {
        ConsoleConfig {
            path: path.to_owned(),
            oidc: None,
        }
        .path_problem()
    }

    #[test]
    fn the_console_takes_a_plain_path_that_the_proxy_does_not_serve_itself() {
        assert_eq!(at("/operator"), None);
        assert_eq!(at("/staff/review"), None);
        for bad in [
            "",
            "/",
            "operator",
            "/operator/",
            "/op erator",
            "/a//b",
            "/v1",
            "/v1/console",
            "/widget",
        ] {
            assert!(at(bad).is_some(), "{bad:?} was taken");
        }
    }
}
