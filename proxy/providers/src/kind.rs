//! What a kind of provider is, below every provider's module and the registry
//! that lists them: the [`Kind`] trait a provider's configuration implements,
//! the [`Abilities`] it declares, and the [`Account`] its adapter is built
//! from. A provider's module implements these; the registry lists the
//! kinds.

use std::sync::Arc;

use crate::Provider;
use crate::delivery::{Callbacks, CallbacksConfig, Delivery};
use crate::outcomes::OutcomeTable;

/// What a kind of provider takes and can do, declared by its module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abilities {
    /// Photos of one receipt it takes in one upload. Where it is 1, the widget
    /// combines a long receipt's photos (up to [`MAX_COMBINED`]) into one image.
    pub photos_per_receipt: u8,
    /// Takes the receipt's QR code, with photos or, where `qr_alone`, instead.
    pub qr: bool,
    pub qr_alone: bool,
    /// Has merchants and offers the shopper picks from.
    pub offers: bool,
    /// A rejected receipt's offers can go to a person.
    pub manual_review: bool,
    /// Checks a photo's quality before it is submitted.
    pub quality_check: bool,
    /// Reads a PDF e-receipt in place of a photo.
    pub pdf: bool,
    /// What each upload uses up of a paid allowance, where its documents
    /// say it counts uploads (an operator sending receipts again is told
    /// first).
    pub metered: Option<&'static str>,
}

/// Most photos of a long receipt the widget combines into one image, for
/// providers that take one image per receipt.
pub const MAX_COMBINED: u8 = 4;

impl Abilities {
    /// A provider that reads one image per receipt and nothing else.
    pub const ONE_IMAGE: Self = Self {
        photos_per_receipt: 1,
        qr: false,
        qr_alone: false,
        offers: false,
        manual_review: false,
        quality_check: false,
        pdf: false,
        metered: None,
    };

    /// Whether the widget combines a long receipt's photos into one image.
    pub const fn combines_photos(&self) -> bool {
        self.photos_per_receipt == 1
    }

    /// Most photos a shopper may take of one receipt.
    pub const fn most_photos(&self) -> u8 {
        if self.combines_photos() {
            MAX_COMBINED
        } else {
            self.photos_per_receipt
        }
    }

    /// What the widget is told the campaign's provider can do.
    pub const fn capabilities(&self) -> api::Capabilities {
        api::Capabilities {
            qr: self.qr,
            offers: self.offers,
            manual_review: self.manual_review,
            quality_check: self.quality_check,
            combine_photos: self.combines_photos(),
        }
    }
}

/// What every account's adapter is built with.
#[derive(Debug, Clone)]
pub struct Account<'a> {
    /// The account's name in `[providers]`: the last segment of its callback URL.
    pub name: &'a str,
    /// One HTTP client shared by every adapter.
    pub http: reqwest::Client,
    /// The proxy's own public URL, from which callback URLs are built.
    pub public_url: Option<&'a str>,
}

/// Why the adapters could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("provider {0:?} takes callbacks, which need public_url to build their URL")]
    NoPublicUrl(String),
}

impl Account<'_> {
    /// How this account's results come back: by callback where `callbacks` is
    /// configured (carrying the key in `default_header` unless it names
    /// another), else by polling.
    pub fn delivery(
        &self,
        callbacks: Option<CallbacksConfig>,
        default_header: &str,
    ) -> Result<Delivery, BuildError> {
        let Some(CallbacksConfig { key, header }) = callbacks else {
            return Ok(Delivery::Polling);
        };
        let public_url = self
            .public_url
            .ok_or_else(|| BuildError::NoPublicUrl(self.name.to_owned()))?;
        Ok(Delivery::Callbacks(Callbacks {
            url: format!(
                "{}/webhooks/{}",
                public_url.trim_end_matches('/'),
                self.name
            ),
            key,
            header: header.unwrap_or_else(|| default_header.to_owned()),
        }))
    }
}

/// A kind of provider, implemented by its configuration type.
pub trait Kind: Clone {
    /// What it takes and can do.
    const ABILITIES: Abilities;
    /// How many calls an account of this provider has in flight at most from
    /// one proxy instance, unless `worker.max_in_flight` says otherwise. The
    /// documents state no limit; by default an account may use every slot of
    /// the worker (`worker.concurrency`, 32), which a promotion's peak needs.
    const MAX_IN_FLIGHT: u32 = 32;
    /// How its answers become statuses and reasons (`docs/outcomes.md`).
    const OUTCOMES: &'static OutcomeTable;
    /// Its callbacks, where this account takes results that way.
    fn callbacks(&self) -> Option<&CallbacksConfig> {
        None
    }
    /// Builds the account's adapter.
    fn build(self, account: &Account<'_>) -> Result<Arc<dyn Provider>, BuildError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combining_providers_take_up_to_four_photos_and_say_so_to_the_widget() {
        let one = Abilities::ONE_IMAGE;
        assert_eq!(one.most_photos(), MAX_COMBINED);
        assert!(one.capabilities().combine_photos);
        let five = Abilities {
            photos_per_receipt: 5,
            ..one
        };
        assert_eq!(five.most_photos(), 5);
        assert!(!five.capabilities().combine_photos);
    }
}
