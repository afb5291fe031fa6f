//! The widget's state and its one reducer: every change goes through an
//! [`Action`]. The reducer only returns the new state; what is to be done
//! outside it (the host page told, a preview freed) it names in
//! [`State::effects`], for the hooks to do.

use std::rc::Rc;

use api::{
    Campaign, ClaimedOffer, Merchant, Offer, Submission, SubmissionCreated, SubmissionStatus,
};
use wasm_bindgen::JsValue;
use yew::Reducible;

use crate::effects::{Effect, Effects};
use crate::photo::Hint;
use crate::problem::Problem;

/// A photo the shopper took or picked, prepared for upload, with an object URL
/// for its preview and what looks wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct PickedPhoto {
    pub blob: web_sys::Blob,
    pub preview_url: String,
    pub hints: Vec<Hint>,
    /// Where the photo was straightened to the receipt found in it: the
    /// photo as it was, and the corners, for the shopper to move.
    pub original: Option<Original>,
}

/// A picked photo before it was straightened, and the receipt's corners in
/// it (each `x, y` as fractions of its width and height).
#[derive(Debug, Clone, PartialEq)]
pub struct Original {
    pub blob: web_sys::Blob,
    pub corners: [f32; 8],
}

impl PickedPhoto {
    /// Whether it is an e-receipt (a PDF) rather than a photo.
    pub fn is_e_receipt(&self) -> bool {
        self.blob.type_() == crate::e_receipt::PDF
    }
}

/// What a reload brings back (the draft module keeps and reads it).
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// `merchant`, `offers`, `capture` or `sending` (the page went away
    /// during the upload).
    pub step: String,
    pub merchant: Option<Merchant>,
    pub claimed: Vec<ClaimedOffer>,
    pub qr: Option<String>,
    pub photos: Vec<PickedPhoto>,
    pub idempotency_key: Option<String>,
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
        /// The provider could not be reached on the last try; it is tried
        /// again by itself.
        delayed: bool,
    },
    /// The verdict, and the proxy's JSON of it (the lens draws its
    /// outcome's details from that).
    Done(Submission, JsValue),
}

impl Step {
    /// The step's name in the host page's `step` events.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Merchant => "merchant",
            Self::Offers => "offers",
            Self::Capture => "capture",
            Self::Sending => "sending",
            Self::Waiting { .. } => "waiting",
            Self::Done(..) => "verdict",
        }
    }
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
    /// Photos being prepared (decoded, scaled, checked) right now.
    pub preparing: usize,
    /// The place of a photo the shopper is taking again: the next one taken
    /// goes there, so the parts of a long receipt stay top to bottom.
    pub retaking: Option<usize>,
    /// The receipt's QR code, as scanned or typed and confirmed.
    pub qr: Option<String>,
    /// Bytes sent and to send, while uploading.
    pub progress: Option<(f64, f64)>,
    /// The phone is offline: the upload waits for the network.
    pub offline: bool,
    /// The shopper cancelled the last upload (said until the next step).
    pub cancelled: bool,
    /// The page went away while this upload was under way, so it was not
    /// sent: said, and sent again (with the same key) by itself.
    pub unsent: bool,
    /// The shopper sent the receipt on this page (not a reload's): its
    /// verdict takes the focus when it arrives.
    pub sent_here: bool,
    pub step: Step,
    /// The last error, put into words when shown.
    pub error: Option<Problem>,
    /// The key of the upload being sent, reused when the shopper retries it,
    /// so a retry never makes a second submission; `None` once the content
    /// changes (the next send takes a new one).
    pub idempotency_key: Option<String>,
    /// What the host page is to hear (a `step` event for each step the
    /// shopper reaches, an `error` event for each problem they are shown)
    /// and the previews to free.
    pub effects: Effects,
}

impl Default for State {
    fn default() -> Self {
        Self {
            effects: Effects::default(),
            campaign: None,
            merchants: None,
            merchant: None,
            offers: None,
            claimed: Vec::new(),
            photos: Vec::new(),
            preparing: 0,
            retaking: None,
            qr: None,
            progress: None,
            offline: false,
            cancelled: false,
            unsent: false,
            sent_here: false,
            step: Step::Capture,
            error: None,
            idempotency_key: None,
        }
    }
}

impl State {
    /// Drops every photo, freeing their previews.
    fn clear_photos(&mut self) {
        for photo in std::mem::take(&mut self.photos) {
            self.effects.push(Effect::Free(photo.preview_url));
        }
    }

    /// Removes the photo at `index`, freeing its preview.
    fn remove_photo(&mut self, index: usize) {
        if index < self.photos.len() {
            let removed = self.photos.remove(index);
            self.effects.push(Effect::Free(removed.preview_url));
        }
    }

    /// Sets the problem the shopper is shown, and tells the host page.
    fn fail(&mut self, problem: Problem) {
        self.effects.push(Effect::Error(problem.kind()));
        self.error = Some(problem);
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

    /// The submission on screen, waiting or decided.
    fn showing(&self) -> Option<&str> {
        match &self.step {
            Step::Waiting { id, .. } => Some(id),
            Step::Done(submission, _) => Some(&submission.id),
            _ => None,
        }
    }

    /// How many more photos may be added (counting those being prepared):
    /// none beside an e-receipt, which is the whole receipt.
    pub fn room(&self) -> usize {
        if self.photos.iter().any(PickedPhoto::is_e_receipt) {
            return 0;
        }
        self.max_photos()
            .saturating_sub(self.photos.len() + self.preparing)
    }

    /// Whether `photo` may join those picked: there is room, and an
    /// e-receipt comes alone.
    fn takes(&self, photo: &PickedPhoto) -> bool {
        let alone = !photo.is_e_receipt() || self.photos.is_empty();
        alone && self.photos.len() < self.max_photos() && self.room() > 0
    }

    /// Whether there is enough to send: photos, or a QR code where the campaign
    /// takes one alone.
    pub fn ready_to_send(&self) -> bool {
        let Some(campaign) = &self.campaign else {
            return false;
        };
        let photos = self.photos.len() >= usize::from(campaign.photos.min_count.max(1));
        let qr_alone = campaign.photos.min_count == 0 && self.qr.is_some();
        self.preparing == 0 && (photos || qr_alone)
    }

    /// Whether the campaign (or its stores, where the shopper starts by
    /// choosing one) is still to be had: nothing to do but wait or retry.
    pub fn loading(&self) -> bool {
        self.campaign.is_none() || (self.step == Step::Merchant && self.merchants.is_none())
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
    Failed(Problem),
    /// The shopper asked to try loading again: the failure is no longer said.
    Retrying,
    /// This many photos are being prepared.
    Preparing(usize),
    /// One photo is ready (or could not be used: `Err` says why).
    PhotoReady(Result<PickedPhoto, Problem>),
    PhotoRemoved(usize),
    /// The photo at this place is taken again: removed, and its place kept
    /// for the next one.
    RetakePhoto(usize),
    /// The photo with this preview straightened again (its corners moved).
    PhotoReplaced(String, PickedPhoto),
    /// The provider's check found the photo with this preview unusable.
    PhotoUnusable(String, Vec<api::ReasonCode>),
    /// The QR code was confirmed (or removed).
    QrSet(Option<String>),
    /// The upload with this idempotency key is under way.
    Sending(String),
    /// Bytes sent so far, of all.
    Progress(f64, f64),
    Offline(bool),
    /// The shopper cancelled the upload; back to capture with everything kept.
    Cancelled,
    /// From the verdict back to capture with no photos, to photograph the
    /// receipt again (the store, offers and QR code are kept).
    Retake,
    /// The proxy stored the upload.
    Created(SubmissionCreated),
    /// A submission this widget left in flight before the page went away.
    Resumed(String),
    /// The draft an earlier page left: back where the shopper was.
    Restored(Draft),
    /// The proxy answered (read, and its JSON); the status may already be
    /// final.
    Updated(Submission, JsValue),
    /// Start over.
    Restart,
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::CampaignLoaded(campaign) => {
                next.campaign = Some(campaign);
                next.error = None;
                if next.step == Step::Capture {
                    next.step = next.first_step();
                }
            }
            Action::MerchantsLoaded(merchants) => {
                next.merchants = Some(merchants);
                next.error = None;
            }
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
            Action::ChangeOffers => {
                next.step = Step::Merchant;
                next.error = None;
            }
            Action::Retrying => next.error = None,
            Action::Failed(problem) => {
                next.fail(problem);
                next.offline = false;
                next.unsent = false;
                if next.step == Step::Sending {
                    next.step = Step::Capture;
                }
                // Back from a choice that could not be loaded.
                if next.step == Step::Offers && next.offers.is_none() {
                    next.step = Step::Merchant;
                }
            }
            Action::Preparing(count) => {
                next.preparing += count;
                next.error = None;
            }
            Action::PhotoReady(result) => {
                next.preparing = next.preparing.saturating_sub(1);
                match result {
                    Ok(photo) if next.takes(&photo) => {
                        let at = next.retaking.take().unwrap_or(usize::MAX);
                        next.photos.insert(at.min(next.photos.len()), photo);
                    }
                    Ok(photo) => {
                        if photo.is_e_receipt() {
                            next.fail(Problem::EReceiptAlone);
                        }
                        next.effects.push(Effect::Free(photo.preview_url));
                    }
                    Err(problem) => next.fail(problem),
                }
            }
            Action::QrSet(qr) => {
                next.qr = qr;
                next.error = None;
            }
            Action::PhotoReplaced(preview_url, photo) => {
                match next
                    .photos
                    .iter_mut()
                    .find(|p| p.preview_url == preview_url)
                {
                    Some(old) => {
                        let old = std::mem::replace(old, photo);
                        next.effects.push(Effect::Free(old.preview_url));
                    }
                    // Removed meanwhile.
                    None => next.effects.push(Effect::Free(photo.preview_url)),
                }
            }
            Action::PhotoUnusable(preview_url, codes) => {
                if let Some(photo) = next
                    .photos
                    .iter_mut()
                    .find(|p| p.preview_url == preview_url)
                {
                    for code in codes {
                        let hint = Hint::Unusable(code);
                        if !photo.hints.contains(&hint) {
                            photo.hints.push(hint);
                        }
                    }
                }
            }
            Action::RetakePhoto(index) => {
                next.error = None;
                if index < next.photos.len() {
                    next.remove_photo(index);
                    next.retaking = Some(index);
                }
            }
            Action::PhotoRemoved(index) => {
                next.error = None;
                next.retaking = None;
                next.remove_photo(index);
            }
            Action::Sending(key) => {
                next.idempotency_key = Some(key);
                next.step = Step::Sending;
                next.sent_here = true;
                next.error = None;
                next.cancelled = false;
                next.progress = None;
            }
            Action::Progress(sent, total) => next.progress = Some((sent, total)),
            Action::Offline(offline) => next.offline = offline,
            Action::Cancelled => {
                next.step = Step::Capture;
                next.progress = None;
                next.offline = false;
                next.cancelled = true;
                next.unsent = false;
            }
            // New photos of the same receipt: the refused ones would only be
            // combined with them and refused again.
            Action::Retake => {
                next.clear_photos();
                next.step = Step::Capture;
                next.idempotency_key = None;
                next.progress = None;
                next.cancelled = false;
            }
            Action::Created(created) => {
                next.progress = None;
                next.unsent = false;
                next.step = Step::Waiting {
                    id: created.id,
                    status: created.status,
                    delayed: false,
                };
            }
            Action::Restored(draft) => {
                next.clear_photos();
                next.photos = draft.photos;
                if draft.merchant.is_some() {
                    next.merchant = draft.merchant;
                }
                next.claimed = draft.claimed;
                next.qr = draft.qr;
                next.idempotency_key = draft.idempotency_key;
                next.unsent = draft.step == "sending";
                next.step = match draft.step.as_str() {
                    _ if !next.has_offers() => Step::Capture,
                    "merchant" => Step::Merchant,
                    "offers" if next.merchant.is_some() => Step::Offers,
                    _ => Step::Capture,
                };
            }
            Action::Resumed(id) => {
                next.step = Step::Waiting {
                    id,
                    status: SubmissionStatus::Queued,
                    delayed: false,
                };
            }
            // Only the submission on screen: one followed while a person had
            // it is not brought back once the shopper has started again.
            Action::Updated(submission, json) if next.showing() == Some(submission.id.as_str()) => {
                next.step = if submission.status.is_final() {
                    Step::Done(submission, json)
                } else {
                    Step::Waiting {
                        id: submission.id,
                        status: submission.status,
                        delayed: submission.delayed,
                    }
                };
            }
            Action::Updated(..) => {}
            Action::Restart => {
                next.clear_photos();
                next = Self {
                    campaign: next.campaign,
                    merchants: next.merchants,
                    effects: next.effects,
                    ..Self::default()
                };
                next.step = next.first_step();
            }
        }
        // New content is a new upload: the proxy refuses a key it has seen
        // with other content (`idempotency_conflict`), so the next send takes
        // a new one. Retries of one upload keep theirs.
        let content = |s: &Self| {
            (
                s.photos
                    .iter()
                    .map(|p| p.preview_url.clone())
                    .collect::<Vec<_>>(),
                s.qr.clone(),
                s.merchant.as_ref().map(|m| m.id.clone()),
                s.claimed.clone(),
            )
        };
        if next.step != Step::Sending
            && next.idempotency_key == self.idempotency_key
            && content(&next) != content(&self)
        {
            next.idempotency_key = None;
        }
        // The host page hears of each step the shopper reaches; the first
        // counts once the campaign is here.
        let moved = self.campaign.is_none() || next.step.name() != self.step.name();
        if next.campaign.is_some() && moved {
            next.effects.push(Effect::Step(next.step.name()));
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // The reducer runs where the widget runs: in the browser.
    use wasm_bindgen_test::wasm_bindgen_test as test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    fn photo(url: &str) -> PickedPhoto {
        PickedPhoto {
            blob: web_sys::Blob::new().expect("a blob"),
            preview_url: url.to_owned(),
            hints: Vec::new(),
            original: None,
        }
    }

    fn campaign() -> Campaign {
        Campaign {
            id: "c".to_owned(),
            title: String::new(),
            reward: None,
            reward_when: None,
            review_days: None,
            locale: "en".to_owned(),
            photos: api::PhotoRules {
                min_count: 1,
                max_count: 2,
                max_bytes: 1_000_000,
                accept: vec!["image/jpeg".to_owned()],
                long_side: api::DEFAULT_LONG_SIDE,
                quality: api::DEFAULT_QUALITY,
            },
            capabilities: api::Capabilities::default(),
        }
    }

    #[test]
    fn new_content_gets_a_new_idempotency_key_and_a_retried_upload_keeps_its_own() {
        let sending = Rc::new(State::default())
            .reduce(Action::QrSet(Some("t=20190113T1548".to_owned())))
            .reduce(Action::Sending("first".to_owned()));
        // Its progress, a cancel, a failure: the same upload, the same key.
        let cancelled = sending
            .reduce(Action::Progress(1.0, 2.0))
            .reduce(Action::Cancelled)
            .reduce(Action::Failed(Problem::Network));
        assert_eq!(cancelled.idempotency_key.as_deref(), Some("first"));
        // Changed after the cancel: a new upload, so the next send takes a
        // new key (the proxy refuses a key it has seen with other content).
        let changed = cancelled.reduce(Action::QrSet(None));
        assert_eq!(changed.idempotency_key, None);
    }

    #[test]
    fn a_draft_left_while_sending_keeps_its_key() {
        let draft = Draft {
            step: "sending".to_owned(),
            merchant: None,
            claimed: Vec::new(),
            qr: Some("t=1".to_owned()),
            photos: vec![photo("blob:a")],
            idempotency_key: Some("left".to_owned()),
        };
        let restored = Rc::new(State::default()).reduce(Action::Restored(draft));
        assert_eq!(restored.idempotency_key.as_deref(), Some("left"));
        assert!(restored.unsent);
    }

    fn e_receipt(url: &str) -> PickedPhoto {
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(crate::e_receipt::PDF);
        let parts = js_sys::Array::of1(&"%PDF-1.4".into());
        PickedPhoto {
            blob: web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).unwrap(),
            ..photo(url)
        }
    }

    #[test]
    fn an_e_receipt_goes_alone() {
        let loaded = Rc::new(State::default()).reduce(Action::CampaignLoaded(campaign()));
        assert_eq!(loaded.room(), 2);
        let alone = Rc::clone(&loaded).reduce(Action::PhotoReady(Ok(e_receipt("blob:pdf"))));
        assert_eq!(alone.photos.len(), 1);
        assert_eq!(alone.room(), 0, "no photo beside an e-receipt");
        assert!(alone.ready_to_send());
        // After a photo, an e-receipt is refused in words and freed.
        let after = loaded
            .reduce(Action::PhotoReady(Ok(photo("blob:a"))))
            .reduce(Action::PhotoReady(Ok(e_receipt("blob:pdf"))));
        assert_eq!(after.photos.len(), 1);
        assert_eq!(after.error, Some(Problem::EReceiptAlone));
        assert!(
            after
                .effects
                .due(0)
                .any(|e| *e == Effect::Free("blob:pdf".to_owned()))
        );
    }

    #[test]
    fn the_reducer_only_names_its_effects_and_each_is_due_once() {
        let loaded = Rc::new(State::default()).reduce(Action::CampaignLoaded(campaign()));
        let done = loaded.effects.count;
        let next = Rc::clone(&loaded)
            .reduce(Action::PhotoReady(Ok(photo("blob:a"))))
            .reduce(Action::PhotoReady(Ok(photo("blob:b"))))
            // No room for a third: it is freed at once.
            .reduce(Action::PhotoReady(Ok(photo("blob:c"))))
            .reduce(Action::PhotoReady(Err(Problem::Network)))
            .reduce(Action::PhotoRemoved(0))
            .reduce(Action::Sending("k".to_owned()));
        assert_eq!(
            loaded.effects.due(0).cloned().collect::<Vec<_>>(),
            [Effect::Step("capture")]
        );
        assert_eq!(
            next.effects.due(done).cloned().collect::<Vec<_>>(),
            [
                Effect::Free("blob:c".to_owned()),
                Effect::Error(Problem::Network.kind()),
                Effect::Free("blob:a".to_owned()),
                Effect::Step("sending"),
            ]
        );
        assert_eq!(next.effects.due(next.effects.count).count(), 0);
    }

    fn submission(id: &str, status: SubmissionStatus) -> Submission {
        Submission {
            id: id.to_owned(),
            campaign: "c".to_owned(),
            status,
            created_at: String::new(),
            updated_at: String::new(),
            outcome: None,
            delayed: false,
        }
    }

    /// A person's decision on a receipt left behind by "start again" came
    /// back over the new one.
    #[test]
    fn a_decision_on_a_submission_no_longer_shown_does_not_come_back() {
        let held = Rc::new(State::default())
            .reduce(Action::CampaignLoaded(campaign()))
            .reduce(Action::Resumed("held".to_owned()))
            .reduce(Action::Updated(
                submission("held", SubmissionStatus::NeedsReview),
                JsValue::NULL,
            ));
        assert!(
            matches!(&held.step, Step::Done(s, _) if s.status == SubmissionStatus::NeedsReview)
        );
        // Decided while on screen: shown.
        let decided = Rc::clone(&held).reduce(Action::Updated(
            submission("held", SubmissionStatus::Rejected),
            JsValue::NULL,
        ));
        assert!(
            matches!(&decided.step, Step::Done(s, _) if s.status == SubmissionStatus::Rejected)
        );
        // Decided after the shopper started again: not brought back.
        let again = held.reduce(Action::Restart).reduce(Action::Updated(
            submission("held", SubmissionStatus::Rejected),
            JsValue::NULL,
        ));
        assert!(!matches!(again.step, Step::Done(..)), "{:?}", again.step);
    }

    #[test]
    fn the_readme_listed_steps_the_widget_does_not_send() {
        let done = Submission {
            id: "s".to_owned(),
            campaign: "c".to_owned(),
            status: SubmissionStatus::Accepted,
            created_at: String::new(),
            updated_at: String::new(),
            outcome: None,
            delayed: false,
        };
        let steps = [
            Step::Merchant,
            Step::Offers,
            Step::Capture,
            Step::Sending,
            Step::Waiting {
                id: "s".to_owned(),
                status: SubmissionStatus::Queued,
                delayed: false,
            },
            Step::Done(done, JsValue::NULL),
        ];
        assert_eq!(
            crate::problem::tests::readme_names("step"),
            steps.iter().map(|s| s.name().to_owned()).collect()
        );
    }
}
