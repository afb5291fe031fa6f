//! The widget's state and its one reducer: every change goes through an [`Action`].

use std::rc::Rc;

use api::{
    Campaign, ClaimedOffer, Merchant, Offer, Submission, SubmissionCreated, SubmissionStatus,
};
use yew::Reducible;

/// A photo the shopper picked, with an object URL for its preview.
#[derive(Debug, Clone, PartialEq)]
pub struct PickedPhoto {
    pub file: web_sys::File,
    pub preview_url: String,
}

/// Where the shopper is.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Choosing the store (campaigns with offers).
    Merchant,
    /// Choosing the offers on the receipt, and how many of each were bought.
    Offers,
    /// Choosing photos.
    Capture,
    /// The upload is under way.
    Sending,
    /// Uploaded; waiting for the provider's verdict.
    Waiting {
        id: String,
        status: SubmissionStatus,
    },
    /// The verdict.
    Done(Submission),
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub campaign: Option<Campaign>,
    /// The campaign's stores, once loaded (campaigns with offers).
    pub merchants: Option<Vec<Merchant>>,
    pub merchant: Option<Merchant>,
    /// The chosen store's offers, once loaded.
    pub offers: Option<Vec<Offer>>,
    /// What the shopper claims, in the order they picked it.
    pub claimed: Vec<ClaimedOffer>,
    pub photos: Vec<PickedPhoto>,
    pub step: Step,
    /// The last error, in plain words.
    pub error: Option<String>,
    /// Reused when the shopper retries the same upload, so a retry never makes a
    /// second submission.
    pub idempotency_key: String,
}

impl State {
    pub fn new(idempotency_key: String) -> Self {
        Self {
            campaign: None,
            merchants: None,
            merchant: None,
            offers: None,
            claimed: Vec::new(),
            photos: Vec::new(),
            step: Step::Capture,
            error: None,
            idempotency_key,
        }
    }

    /// Whether the shopper picks a store and offers before the photos.
    pub fn has_offers(&self) -> bool {
        self.campaign
            .as_ref()
            .is_some_and(|c| c.capabilities.offers)
    }

    /// The first step of an upload for this campaign.
    fn first_step(&self) -> Step {
        if self.has_offers() {
            Step::Merchant
        } else {
            Step::Capture
        }
    }

    /// How many photos the campaign takes (1 until it is loaded).
    pub fn max_photos(&self) -> usize {
        self.campaign
            .as_ref()
            .map_or(1, |c| usize::from(c.photos.max_count))
    }
}

pub enum Action {
    CampaignLoaded(Campaign),
    MerchantsLoaded(Vec<Merchant>),
    MerchantChosen(Merchant),
    OffersLoaded(Vec<Offer>),
    /// Claims an offer with a quantity, or unclaims it (`None`).
    OfferSet(String, Option<u32>),
    OffersConfirmed,
    /// Back to the store and offers.
    ChangeOffers,
    Failed(String),
    PhotosAdded(Vec<PickedPhoto>),
    PhotoRemoved(usize),
    Sending,
    /// The proxy stored the upload.
    Created(SubmissionCreated),
    /// The proxy answered; the status may already be final.
    Updated(Submission),
    /// Start over with a fresh idempotency key.
    Restart(String),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::CampaignLoaded(campaign) => {
                next.campaign = Some(campaign);
                if next.step == Step::Capture {
                    next.step = next.first_step();
                }
            }
            Action::MerchantsLoaded(merchants) => next.merchants = Some(merchants),
            Action::MerchantChosen(merchant) => {
                if next.merchant.as_ref() != Some(&merchant) {
                    next.offers = None;
                    next.claimed.clear();
                }
                next.merchant = Some(merchant);
                next.step = Step::Offers;
                next.error = None;
            }
            Action::OffersLoaded(offers) => next.offers = Some(offers),
            Action::OfferSet(id, quantity) => {
                next.claimed.retain(|c| c.offer_id != id);
                if let Some(quantity) = quantity {
                    next.claimed.push(ClaimedOffer {
                        offer_id: id,
                        quantity,
                    });
                }
            }
            Action::OffersConfirmed => {
                next.step = Step::Capture;
                next.error = None;
            }
            Action::ChangeOffers => next.step = Step::Merchant,
            Action::Failed(message) => {
                next.error = Some(message);
                if next.step == Step::Sending {
                    next.step = Step::Capture;
                }
                // Back from a choice that could not be loaded.
                if next.step == Step::Offers && next.offers.is_none() {
                    next.step = Step::Merchant;
                }
            }
            Action::PhotosAdded(photos) => {
                let room = next.max_photos().saturating_sub(next.photos.len());
                next.photos.extend(photos.into_iter().take(room));
                next.error = None;
            }
            Action::PhotoRemoved(index) => {
                if index < next.photos.len() {
                    let removed = next.photos.remove(index);
                    // The preview's object URL holds the file in memory until revoked.
                    let _ = web_sys::Url::revoke_object_url(&removed.preview_url);
                }
            }
            Action::Sending => {
                next.step = Step::Sending;
                next.error = None;
            }
            Action::Created(created) => {
                next.step = Step::Waiting {
                    id: created.id,
                    status: created.status,
                };
            }
            Action::Updated(submission) => {
                next.step = if submission.status.is_final() {
                    Step::Done(submission)
                } else {
                    Step::Waiting {
                        id: submission.id,
                        status: submission.status,
                    }
                };
            }
            Action::Restart(key) => {
                for photo in &next.photos {
                    let _ = web_sys::Url::revoke_object_url(&photo.preview_url);
                }
                next = Self {
                    campaign: next.campaign,
                    merchants: next.merchants,
                    ..Self::new(key)
                };
                next.step = next.first_step();
            }
        }
        Rc::new(next)
    }
}
