//! The list of provider kinds, and every configured account's adapter.
//!
//! [`kinds!`] below is the one place where providers are listed: it makes
//! [`ProviderConfig`] (the `kind = "..."` of a `[providers.NAME]` section), the
//! dispatch from a configuration to its [`Kind`], [`KINDS`] and
//! [`OUTCOME_TABLES`]. A provider's module owns everything else about it through
//! its implementation of [`Kind`], so the compiler refuses a provider that is
//! listed but not implemented, and a test refuses one without its simulator or
//! demo campaign.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::delivery::CallbacksConfig;
use crate::kind::{Abilities, Account, BuildError, Kind};
use crate::outcomes::OutcomeTable;
use crate::{Provider, aboutgoods, apm, bitlabs, easypromos, photon};

/// Lists the provider kinds: `"kind" => Variant(config type)`.
macro_rules! kinds {
    ($($kind:literal => $variant:ident($config:ty)),+ $(,)?) => {
        /// One provider account: `kind` says which provider, the rest is that
        /// provider's configuration.
        #[derive(Debug, Clone, serde::Deserialize)]
        #[serde(tag = "kind", deny_unknown_fields)]
        pub enum ProviderConfig {
            $(#[serde(rename = $kind)] $variant($config),)+
        }

        /// Every kind's name, as written in `kind = "..."`.
        pub const KINDS: &[&str] = &[$($kind),+];

        /// Every kind's outcome table, in the order of [`KINDS`].
        pub const OUTCOME_TABLES: &[&OutcomeTable] = &[$(<$config as Kind>::OUTCOMES),+];

        impl ProviderConfig {
            /// The kind's name, as written in `kind = "..."`.
            pub fn kind(&self) -> &'static str {
                match self { $(Self::$variant(_) => $kind,)+ }
            }

            /// What this account's provider takes and can do.
            pub fn abilities(&self) -> &'static Abilities {
                match self { $(Self::$variant(_) => &<$config as Kind>::ABILITIES,)+ }
            }

            /// The default of how many calls an account of this kind has in
            /// flight at most from one instance.
            pub fn max_in_flight(&self) -> u32 {
                match self { $(Self::$variant(_) => <$config as Kind>::MAX_IN_FLIGHT,)+ }
            }

            /// The account's callbacks, where it takes results that way.
            pub fn callbacks(&self) -> Option<&CallbacksConfig> {
                match self { $(Self::$variant(c) => c.callbacks(),)+ }
            }

            fn build(&self, account: &Account<'_>) -> Result<Arc<dyn Provider>, BuildError> {
                match self { $(Self::$variant(c) => c.clone().build(account),)+ }
            }
        }
    };
}

kinds! {
    "easypromos" => Easypromos(easypromos::EasypromosConfig),
    "aboutgoods" => Aboutgoods(aboutgoods::AboutgoodsConfig),
    "apm" => Apm(apm::ApmConfig),
    "photon" => Photon(photon::PhotonConfig),
    "bitlabs" => Bitlabs(bitlabs::BitlabsConfig),
}

/// A configured account: its adapter and what its provider can do.
#[derive(Debug, Clone)]
pub struct Adapter {
    pub provider: Arc<dyn Provider>,
    pub abilities: &'static Abilities,
    /// Its kind's default of calls in flight at once ([`Kind::MAX_IN_FLIGHT`]).
    pub max_in_flight: u32,
}

/// Every configured provider account, by name.
#[derive(Debug, Clone, Default)]
pub struct Providers {
    by_name: BTreeMap<String, Adapter>,
}

impl Providers {
    /// Builds an adapter for every account, sharing one HTTP client.
    pub fn new(
        accounts: &BTreeMap<String, ProviderConfig>,
        public_url: Option<&str>,
    ) -> Result<Self, BuildError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("receipt-relay/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let by_name = accounts
            .iter()
            .map(|(name, config)| {
                let account = Account {
                    name,
                    http: http.clone(),
                    public_url,
                };
                let adapter = Adapter {
                    provider: config.build(&account)?,
                    abilities: config.abilities(),
                    max_in_flight: config.max_in_flight(),
                };
                Ok((name.clone(), adapter))
            })
            .collect::<Result<_, BuildError>>()?;
        Ok(Self { by_name })
    }

    /// The adapter of a provider account.
    pub fn get(&self, name: &str) -> Option<&Adapter> {
        self.by_name.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_outcome_table_and_a_name_that_parses() {
        assert_eq!(KINDS.len(), OUTCOME_TABLES.len());
        for kind in KINDS {
            // An unknown kind is refused with the list of known ones; a known one
            // gets as far as its own fields.
            let error = serde_json::from_value::<ProviderConfig>(serde_json::json!({"kind": kind}))
                .unwrap_err()
                .to_string();
            assert!(error.contains("missing field"), "{kind}: {error}");
        }
    }
}
