//! [`Secret`]: a credential (token, api key, password, shared key) that cannot be
//! printed, serialized or logged by accident.
//!
//! It is read from the configuration as a reference, `{ env = "VAR" }` or
//! `{ file = "/run/secrets/x" }`, never written inline, and [`Secret::expose`] is
//! the one door to its value: adapters use it to set a request header or a
//! provider's own field, and nothing else.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer};

/// A secret value. It has no `Display` and no `Serialize`, and its `Debug` is
/// redacted.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value obtained outside the configuration (tests, the demo, a
    /// token a provider handed out).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// How a secret is referenced in the file.
#[derive(Deserialize)]
#[serde(untagged)]
enum SecretSource {
    Env { env: String },
    File { file: PathBuf },
    Inline(serde::de::IgnoredAny),
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        // Messages name the variable or the file, never a value.
        let value = match SecretSource::deserialize(deserializer)? {
            SecretSource::Env { env } => std::env::var(&env).map_err(|_| {
                D::Error::custom(format!(
                    "environment variable {env} (referenced by a secret) is not set"
                ))
            })?,
            SecretSource::File { file } => std::fs::read_to_string(&file)
                .map_err(|e| {
                    D::Error::custom(format!(
                        "secret file {} cannot be read: {e}",
                        file.display()
                    ))
                })?
                .trim_end()
                .to_owned(),
            SecretSource::Inline(_) => {
                return Err(D::Error::custom(
                    "secrets are never written inline: use { env = \"VAR\" } or { file = \"path\" }",
                ));
            }
        };
        if value.is_empty() {
            return Err(D::Error::custom("a referenced secret is empty"));
        }
        Ok(Self(value))
    }
}
