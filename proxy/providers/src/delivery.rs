//! How a provider account's results come back: the worker polls for them, or the
//! provider posts them to `POST /webhooks/{account}` with a shared key.
//!
//! One type for every adapter: an account with callbacks is written
//! `callbacks = { key = { env = "..." } }` (and optionally `header = "..."`), so
//! callbacks without their key cannot be configured at all.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::Secret;

/// `callbacks = { key = ..., header = ... }` in a provider account's section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbacksConfig {
    /// What every callback must carry; only the proxy and the provider know it.
    pub key: Secret,
    /// The header it is carried in; each provider has its default.
    #[serde(default)]
    pub header: Option<String>,
}

/// How an account's results come back.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// The worker polls for them.
    Polling,
    /// The provider calls back; the worker polls only as a slow safety net, in
    /// case a callback is lost.
    Callbacks(Callbacks),
}

/// Where an account's callbacks arrive and how they prove themselves.
#[derive(Debug, Clone)]
pub struct Callbacks {
    /// `{public_url}/webhooks/{account}`.
    pub url: String,
    pub key: Secret,
    pub header: String,
}

/// An account that is polled: what [`crate::Provider::delivery`] answers by
/// default.
pub static POLLING: Delivery = Delivery::Polling;

impl Delivery {
    /// The callbacks, where results come back that way.
    pub fn callbacks(&self) -> Option<&Callbacks> {
        match self {
            Self::Polling => None,
            Self::Callbacks(callbacks) => Some(callbacks),
        }
    }
}

impl Callbacks {
    /// Whether a callback is authentic: its headers must carry
    /// [`Callbacks::header`] with exactly the key, compared in constant time.
    /// Nothing of its body is read before this.
    pub fn authenticate(&self, headers: &http::HeaderMap) -> Result<(), CallbackError> {
        use subtle::ConstantTimeEq;
        let presented = headers.get(&self.header).map_or(&[][..], |v| v.as_bytes());
        if bool::from(presented.ct_eq(self.key.expose().as_bytes())) {
            Ok(())
        } else {
            Err(CallbackError::Unauthorized)
        }
    }
}

/// An authentic callback's JSON body, for an adapter's
/// [`crate::Provider::read_callback`].
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, CallbackError> {
    serde_json::from_slice(body).map_err(|e| CallbackError::Malformed(e.to_string()))
}

/// Why a callback was refused.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    /// It does not carry the shared secret: forged, or misconfigured.
    #[error("callback not authenticated")]
    Unauthorized,
    #[error("callback body not understood: {0}")]
    Malformed(String),
}

impl From<crate::ProviderError> for CallbackError {
    /// An authentic callback whose content the adapter cannot map.
    fn from(error: crate::ProviderError) -> Self {
        Self::Malformed(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn callbacks() -> Callbacks {
        Callbacks {
            url: "https://relay.example/webhooks/ep".to_owned(),
            key: Secret::new("k3y"),
            header: "x-webhook-key".to_owned(),
        }
    }

    #[test]
    fn a_callback_without_the_exact_key_is_not_authentic() {
        let mut headers = http::HeaderMap::new();
        let check = |h: &http::HeaderMap| callbacks().authenticate(h);
        assert!(matches!(check(&headers), Err(CallbackError::Unauthorized)));
        headers.insert("x-webhook-key", "k3".parse().unwrap());
        assert!(matches!(check(&headers), Err(CallbackError::Unauthorized)));
        headers.insert("x-webhook-key", "k3y ".parse().unwrap());
        assert!(matches!(check(&headers), Err(CallbackError::Unauthorized)));
        headers.insert("x-webhook-key", "k3y".parse().unwrap());
        assert!(check(&headers).is_ok());
        assert!(matches!(
            json::<serde_json::Value>(b"not json"),
            Err(CallbackError::Malformed(_))
        ));
    }

    #[test]
    fn callbacks_without_a_key_cannot_be_configured() {
        let error = serde_json::from_str::<CallbacksConfig>(r#"{"header": "x"}"#).unwrap_err();
        assert!(error.to_string().contains("key"), "{error}");
    }
}
