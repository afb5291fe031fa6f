//! BitLabs Magic Receipts adapter (`seeds/004_*`).
//!
//! The shopper picks a merchant, then the offers on their receipt; the proxy
//! serves both lists from BitLabs. The upload is
//! `POST {base_url}/?cmd=mp-mr-api-upload-receipt&offerIDs=1,2&merchantID=7` with
//! `Authorization: Bearer`, each photo as `img{n}` with its file name in
//! `imgName{n}`. BitLabs answers at once, per offer, in buckets: `confirmed`,
//! `awardPending`, `pending` (sent to people automatically), `manualReview`
//! (rejected, but a person can be asked to look) and `rejected`, each offer with
//! `state`, `award`, `awardCashback`, `errorCode`, `errorStr`. The reference kept
//! for the receipt is its `offerID:uploadOfferID` pairs, which the manual-review
//! request needs.
//!
//! Assumptions where the document is silent (the sandbox implements the same):
//! - merchants: `GET /?cmd={merchants_cmd}` (default `mp-mr-api-merchants`) ->
//!   `{status, data: {merchants: [{id, name, imageUrl}]}}`;
//! - offers: `GET /?cmd={offers_cmd}&sortType=0&merchantID=ID` (default
//!   `mp-mr-api-offers-short`) -> `{status, data: {offers: [{offerID,
//!   offerTitle, imageUrl, goals: [{quantity, award}]}]}}`;
//! - manual review: `POST /?cmd={review_cmd}` (default
//!   `mp-mr-api-request-manual-review`), JSON `{uploadOfferIDs: [..]}` ->
//!   `{status, data: {requested: [..]}}`;
//! - errors are non-2xx with `{status, error: {code, message}}`; "an upload is
//!   already in progress" is 409: the submission is held and sent again later;
//! - `errorCode` 1 is the date, 2 the product match, 3 a duplicate, 4 the
//!   merchant, 5 an unreadable photo, 6 no receipt; `errorStr` is written for
//!   members and shown as it is;
//! - the upload takes offer ids only: the quantity a shopper picks (the offer's
//!   goal) is kept with the submission, and BitLabs reads the bought quantity
//!   from the receipt.

use std::sync::Arc;

use api::{OfferOutcome, Outcome, ReasonCode, SubmissionStatus};
use async_trait::async_trait;
use reqwest::multipart::{Form, Part};
use serde::Deserialize;
use serde_json::json;

use crate::outcomes::{OutcomeTable, ReasonRow, StatusRow};
use crate::{
    Abilities, Account, BuildError, Kind, OutgoingReceipt, Progress, Provider, ProviderError,
    Secret, Verdict, send_json,
};

/// `[providers.NAME]` with `kind = "bitlabs"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BitlabsConfig {
    #[serde(default = "default_base_url")]
    pub base_url: String,
    pub token: Secret,
    #[serde(default = "default_merchants_cmd")]
    pub merchants_cmd: String,
    #[serde(default = "default_offers_cmd")]
    pub offers_cmd: String,
    #[serde(default = "default_review_cmd")]
    pub review_cmd: String,
}

impl Kind for BitlabsConfig {
    // Several photos of one receipt, merchants and offers, manual review.
    const ABILITIES: Abilities = Abilities {
        photos_per_receipt: u8::MAX,
        offers: true,
        manual_review: true,
        ..Abilities::ONE_IMAGE
    };
    const OUTCOMES: &'static OutcomeTable = &OUTCOMES;
    // The upload is synchronous and BitLabs answers 409 while one is in
    // progress: few at a time.
    const MAX_IN_FLIGHT: u32 = 4;

    fn build(self, account: &Account<'_>) -> Result<Arc<dyn Provider>, BuildError> {
        Ok(Arc::new(Bitlabs::new(self, account.http.clone())))
    }
}

fn default_base_url() -> String {
    "https://receipts.bitlabs.ai".to_owned()
}

fn default_merchants_cmd() -> String {
    "mp-mr-api-merchants".to_owned()
}

fn default_offers_cmd() -> String {
    "mp-mr-api-offers-short".to_owned()
}

fn default_review_cmd() -> String {
    "mp-mr-api-request-manual-review".to_owned()
}

#[derive(Debug)]
pub struct Bitlabs {
    config: BitlabsConfig,
    http: reqwest::Client,
}

impl Bitlabs {
    pub fn new(config: BitlabsConfig, http: reqwest::Client) -> Self {
        Self { config, http }
    }

    /// A request to one `cmd` of the API.
    fn command(&self, method: reqwest::Method, cmd: &str) -> reqwest::RequestBuilder {
        let url = format!("{}/", self.config.base_url.trim_end_matches('/'));
        self.http
            .request(method, url)
            .query(&[("cmd", cmd)])
            .bearer_auth(self.config.token.expose())
    }
}

/// Every answer: `{status, data}`.
#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

#[derive(Deserialize)]
struct MerchantList {
    merchants: Vec<RawMerchant>,
}

#[derive(Deserialize)]
struct RawMerchant {
    id: serde_json::Value,
    name: String,
}

#[derive(Deserialize)]
struct OfferList {
    offers: Vec<RawOffer>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawOffer {
    #[serde(rename = "offerID")]
    offer_id: u64,
    offer_title: String,
    image_url: Option<String>,
    #[serde(default)]
    goals: Vec<RawGoal>,
}

#[derive(Deserialize)]
struct RawGoal {
    quantity: u32,
    award: String,
}

/// The upload's answer: one bucket per state, each optional.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Processed {
    confirmed: Option<Bucket>,
    award_pending: Option<Bucket>,
    pending: Option<Bucket>,
    manual_review: Option<Bucket>,
    rejected: Option<Bucket>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Bucket {
    offers: Vec<ProcessedOffer>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProcessedOffer {
    #[serde(rename = "offerID")]
    offer_id: u64,
    #[serde(rename = "uploadOfferID")]
    upload_offer_id: Option<u64>,
    offer_title: Option<String>,
    award: Option<String>,
    award_cashback: Option<String>,
    error_code: Option<i64>,
    error_str: Option<String>,
}

/// A merchant id as BitLabs writes it (a number, sometimes a string).
fn id_text(id: &serde_json::Value) -> String {
    id.as_str().map_or_else(|| id.to_string(), str::to_owned)
}

#[async_trait]
impl Provider for Bitlabs {
    async fn merchants(&self) -> Result<Vec<api::Merchant>, ProviderError> {
        let list: Envelope<MerchantList> =
            send_json(self.command(reqwest::Method::GET, &self.config.merchants_cmd)).await?;
        Ok(list
            .data
            .merchants
            .into_iter()
            .map(|m| api::Merchant {
                id: id_text(&m.id),
                name: m.name,
            })
            .collect())
    }

    async fn offers(&self, merchant: &str) -> Result<Vec<api::Offer>, ProviderError> {
        let list: Envelope<OfferList> = send_json(
            self.command(reqwest::Method::GET, &self.config.offers_cmd)
                .query(&[("sortType", "0"), ("merchantID", merchant)]),
        )
        .await?;
        Ok(list
            .data
            .offers
            .into_iter()
            .map(|o| api::Offer {
                id: o.offer_id.to_string(),
                title: o.offer_title,
                image_url: o.image_url,
                goals: o
                    .goals
                    .into_iter()
                    .map(|g| api::Goal {
                        quantity: g.quantity,
                        award: g.award,
                    })
                    .collect(),
            })
            .collect())
    }

    async fn submit(&self, receipt: &OutgoingReceipt) -> Result<(String, Progress), ProviderError> {
        let offer_ids: Vec<&str> = receipt.offers.iter().map(|o| o.offer_id.as_str()).collect();
        if offer_ids.is_empty() {
            return Err(ProviderError::Refused {
                status: 400,
                message: "no offer claimed".to_owned(),
            });
        }
        let mut form = Form::new();
        for (n, photo) in receipt.photos.iter().enumerate() {
            let name = format!("{}-{n}.jpg", receipt.submission_id);
            form = form
                .part(
                    format!("img{n}"),
                    photo.part(&receipt.submission_id)?.file_name(name.clone()),
                )
                .part(format!("imgName{n}"), Part::text(name));
        }
        let mut request = self
            .command(reqwest::Method::POST, "mp-mr-api-upload-receipt")
            .query(&[("offerIDs", offer_ids.join(","))]);
        if let Some(merchant) = &receipt.merchant {
            request = request.query(&[("merchantID", merchant)]);
        }
        // BitLabs decides on upload and has no way to look an upload up: once
        // it answered 2xx, the receipt is its, whether or not we can read the
        // answer, and a second upload would be refused as the shopper's own
        // duplicate. An unreadable answer is Unconfirmed, never sent again.
        let unconfirmed = |error: ProviderError| match error {
            ProviderError::Malformed(why) => ProviderError::Unconfirmed(why),
            other => other,
        };
        let processed: Envelope<Processed> = match send_json(request.multipart(form)).await {
            Err(ProviderError::Refused { status: 409, .. }) => {
                return Err(ProviderError::Held(
                    "BitLabs has an upload in progress for this member".to_owned(),
                ));
            }
            other => other.map_err(unconfirmed)?,
        };
        let (reference, verdict) = map_processed(processed.data, receipt).map_err(unconfirmed)?;
        Ok((reference, Progress::Done(Box::new(verdict))))
    }

    /// BitLabs answers at once; a submission that has a reference is decided.
    async fn poll(&self, _reference: &str) -> Result<Progress, ProviderError> {
        Err(ProviderError::Malformed(
            "BitLabs decides on upload; there is nothing to poll".to_owned(),
        ))
    }

    async fn request_review(
        &self,
        reference: &str,
        outcome: &Outcome,
    ) -> Result<(), ProviderError> {
        let upload_ids: Vec<u64> = outcome
            .offers
            .iter()
            .filter(|o| o.review_available)
            .filter_map(|o| upload_offer_id(reference, &o.offer_id))
            .collect();
        if upload_ids.is_empty() {
            return Err(ProviderError::Refused {
                status: 400,
                message: "no offer can be reviewed".to_owned(),
            });
        }
        let _: serde_json::Value = send_json(
            self.command(reqwest::Method::POST, &self.config.review_cmd)
                .json(&json!({"uploadOfferIDs": upload_ids})),
        )
        .await?;
        Ok(())
    }
}

/// The `uploadOfferID` of `offer_id` in a reference of `offerID:uploadOfferID`
/// pairs.
fn upload_offer_id(reference: &str, offer_id: &str) -> Option<u64> {
    reference
        .split(',')
        .filter_map(|pair| pair.split_once(':'))
        .find(|(offer, _)| *offer == offer_id)
        .and_then(|(_, upload)| upload.parse().ok())
}

const ACCEPTED: StatusRow = StatusRow::decides(
    "any offer in `confirmed` or `awardPending`",
    SubmissionStatus::Accepted,
);
const PENDING: StatusRow = StatusRow::decides(
    "otherwise, any offer in `pending` (people check it)",
    SubmissionStatus::NeedsReview,
);
const REJECTED: StatusRow = StatusRow::decides(
    "otherwise (offers in `manualReview` or `rejected`)",
    SubmissionStatus::Rejected,
);

/// How BitLabs answers map to our outcome (see `docs/outcomes.md`). Per offer:
/// `confirmed` and `awardPending` are `accepted`, `pending` is `needs_review`,
/// `manualReview` and `rejected` are `rejected` (`manualReview` with
/// `review_available`). Reasons come from each offer's `errorCode`.
pub const OUTCOMES: OutcomeTable = OutcomeTable {
    provider: "BitLabs Magic Receipts",
    seed: "004",
    synchronous: true,
    statuses: &[ACCEPTED, PENDING, REJECTED],
    reasons: &[
        ReasonRow::new(
            "1",
            ReasonCode::DateOutOfRange,
            "The purchase date is outside the offer's dates.",
        ),
        ReasonRow::new(
            "2",
            ReasonCode::ProductMismatch,
            "The product was not found on the receipt.",
        ),
        ReasonRow::new(
            "3",
            ReasonCode::Duplicate,
            "This receipt has already been sent.",
        ),
        ReasonRow::new(
            "4",
            ReasonCode::StoreMismatch,
            "The receipt is not from the chosen store.",
        ),
        ReasonRow::unreadable("5"),
        ReasonRow::not_receipt("6"),
        ReasonRow::CATCH_ALL,
    ],
};

fn map_processed(
    processed: Processed,
    receipt: &OutgoingReceipt,
) -> Result<(String, Verdict), ProviderError> {
    let buckets = [
        (processed.confirmed, SubmissionStatus::Accepted, false),
        (processed.award_pending, SubmissionStatus::Accepted, false),
        (processed.pending, SubmissionStatus::NeedsReview, false),
        (processed.manual_review, SubmissionStatus::Rejected, true),
        (processed.rejected, SubmissionStatus::Rejected, false),
    ];
    let mut offers = Vec::new();
    let mut pairs = Vec::new();
    for (bucket, state, reviewable) in buckets {
        for offer in bucket.map(|b| b.offers).unwrap_or_default() {
            let id = offer.offer_id.to_string();
            if offers.iter().any(|o: &OfferOutcome| o.offer_id == id) {
                continue;
            }
            if let Some(upload) = offer.upload_offer_id {
                pairs.push(format!("{id}:{upload}"));
            }
            let reason = (state == SubmissionStatus::Rejected).then(|| {
                OUTCOMES.reason(
                    &offer
                        .error_code
                        .map_or_else(|| "*".to_owned(), |c| c.to_string()),
                    offer.error_str.unwrap_or_default(),
                )
            });
            offers.push(OfferOutcome {
                offer_id: id,
                title: offer.offer_title,
                state,
                award: offer
                    .award_cashback
                    .or(offer.award)
                    .filter(|a| !a.is_empty()),
                reason,
                review_available: reviewable && offer.upload_offer_id.is_some(),
            });
        }
    }
    if offers.is_empty() {
        return Err(ProviderError::Malformed(format!(
            "no offer in the answer for {} claimed",
            receipt.offers.len()
        )));
    }
    let answer = if offers.iter().any(|o| o.state == SubmissionStatus::Accepted) {
        ACCEPTED
    } else if offers
        .iter()
        .any(|o| o.state == SubmissionStatus::NeedsReview)
    {
        PENDING
    } else {
        REJECTED
    };
    let status = answer
        .status
        .ok_or_else(|| ProviderError::Malformed("no status".to_owned()))?;
    let mut reasons: Vec<api::Reason> = Vec::new();
    if status == SubmissionStatus::Rejected {
        for reason in offers.iter().filter_map(|o| o.reason.clone()) {
            if !reasons.iter().any(|r| r.code == reason.code) {
                reasons.push(reason);
            }
        }
    }
    Ok((
        pairs.join(","),
        Verdict {
            status,
            outcome: Outcome {
                reasons,
                receipt: None,
                offers,
            },
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt() -> OutgoingReceipt {
        OutgoingReceipt {
            submission_id: "s".to_owned(),
            campaign: "c".to_owned(),
            locale: "en".to_owned(),
            photos: Vec::new(),
            qr: None,
            merchant: Some("7".to_owned()),
            user: None,
            offers: vec![api::ClaimedOffer {
                offer_id: "191405".to_owned(),
                quantity: 1,
            }],
        }
    }

    fn map(data: serde_json::Value) -> Result<(String, Verdict), ProviderError> {
        map_processed(serde_json::from_value(data).unwrap(), &receipt())
    }

    #[test]
    fn one_confirmed_offer_makes_the_receipt_accepted_and_each_offer_keeps_its_state() {
        let (reference, verdict) = map(json!({
            "confirmed": {"offers": [{"offerID": 191405, "uploadOfferID": 11, "state": "confirmed",
                "award": "150", "awardCashback": "1.50 USD", "offerTitle": "Serum"}]},
            "rejected": {"offers": [{"offerID": 143787, "uploadOfferID": 12, "state": "rejected",
                "errorCode": 1, "errorStr": "Purchase date is too old"}]},
            "confirmedAndAwardPending": {"offers": [{"offerID": 191405, "uploadOfferID": 11}]}
        }))
        .unwrap();
        assert_eq!(verdict.status, SubmissionStatus::Accepted);
        assert_eq!(verdict.outcome.offers.len(), 2, "no offer twice");
        assert_eq!(verdict.outcome.offers[0].award.as_deref(), Some("1.50 USD"));
        let rejected = &verdict.outcome.offers[1];
        assert_eq!(rejected.state, SubmissionStatus::Rejected);
        let reason = rejected.reason.as_ref().unwrap();
        assert_eq!(reason.code, ReasonCode::DateOutOfRange);
        assert_eq!(reason.message, "Purchase date is too old");
        assert!(verdict.outcome.reasons.is_empty());
        assert_eq!(reference, "191405:11,143787:12");
        assert_eq!(upload_offer_id(&reference, "143787"), Some(12));
    }

    #[test]
    fn manual_review_offers_are_rejected_with_review_available() {
        let (_, verdict) = map(json!({"manualReview": {"offers": [{"offerID": 191405,
            "uploadOfferID": 11, "state": "rejected", "errorCode": 2, "errorStr": "No match"}]}}))
        .unwrap();
        assert_eq!(verdict.status, SubmissionStatus::Rejected);
        assert!(verdict.outcome.review_available());
        assert_eq!(verdict.outcome.reasons[0].code, ReasonCode::ProductMismatch);
    }

    #[test]
    fn pending_alone_needs_review() {
        let (_, verdict) = map(
            json!({"pending": {"offers": [{"offerID": 191405, "uploadOfferID": 11}]},
            "rejected": {"offers": [{"offerID": 143787, "errorCode": 3}]}}),
        )
        .unwrap();
        assert_eq!(verdict.status, SubmissionStatus::NeedsReview);
        assert!(!verdict.outcome.review_available());
    }

    #[test]
    fn an_answer_without_offers_is_malformed() {
        assert!(matches!(map(json!({})), Err(ProviderError::Malformed(_))));
    }
}
