//! Taking an upload in: what a checked upload becomes before it is stored.
//! The claim is checked against the catalogue, the shopper identified, the
//! receipt looked for among those seen before (its fiscal QR, its e-receipt's
//! text, its photos' fingerprints), and the submission stored whole in one transaction, told to
//! the brand where a duplicate is decided at once, and handed to the worker.

use providers::Photo;

use crate::campaign::Campaign;
use crate::error::ApiError;
use crate::photo::Glance;
use crate::photo::pdf::EReceipt;
use crate::state::AppState;
use crate::store::{CaughtDuplicate, Key, NewSubmission, Stored, SubmissionRow};
use crate::{duplicates, notify, shopper};

/// The checked content of a submission body (the routes read it; see
/// `routes::upload`).
#[derive(Debug, Default)]
pub struct Upload {
    pub photos: Vec<Photo>,
    /// The photos as their check saw them ([`Glance`]), one
    /// for each photo the proxy decodes (not HEIC).
    pub glances: Vec<Glance>,
    /// Where the receipt is a PDF e-receipt (its one "photo"), what its
    /// check found.
    pub e_receipt: Option<EReceipt>,
    pub qr: Option<String>,
    pub merchant: Option<String>,
    pub user: Option<String>,
    /// The shopper's signed token, where the page sent one.
    pub user_token: Option<String>,
    pub offers: Vec<api::ClaimedOffer>,
}

/// What came with the upload besides its body.
#[derive(Debug)]
pub struct Received {
    /// The same key with the same content answers the first submission.
    pub idempotency_key: String,
    /// The request's id, which every log line about the submission carries.
    pub request_id: Option<String>,
}

/// Takes `upload` in for `campaign` (its public id `campaign_id`): refused
/// before anything is stored when the claim or the shopper does not hold;
/// otherwise stored (or, for a retry under the same key, found) and the worker
/// woken. Answers the stored submission.
pub async fn take(
    state: &AppState,
    campaign_id: &str,
    campaign: &Campaign,
    mut upload: Upload,
    received: Received,
) -> Result<SubmissionRow, ApiError> {
    state
        .catalogue
        .check_claim(campaign, upload.merchant.as_deref(), &upload.offers)
        .await?;
    // Refused before anything is stored when the brand vouches for no one.
    let user = shopper::identify(campaign, upload.user_token.as_deref(), upload.user.take())?;
    let id = uuid::Uuid::new_v4().to_string();
    // The same fiscal receipt, or the same e-receipt, sent again is caught
    // before the provider sees it.
    // An e-receipt without a code sent beside it is known by the fiscal data
    // it prints, as its QR code would say it.
    let qr_key = upload
        .qr
        .as_deref()
        .and_then(duplicates::qr_key)
        .or_else(|| {
            let text = &upload.e_receipt.as_ref()?.text;
            duplicates::printed_fiscal_key(text)
        });
    let document_key = upload.e_receipt.take().map(|e_receipt| e_receipt.key);
    let mut duplicate = match &qr_key {
        Some(key) => duplicates::earlier(&state.db, campaign, Key::Qr, key, &id, None).await?,
        None => None,
    };
    if duplicate.is_none()
        && let Some(key) = &document_key
    {
        duplicate = duplicates::earlier(
            &state.db,
            campaign,
            Key::Document,
            key,
            &id,
            qr_key.as_deref(),
        )
        .await?;
    }
    // A photo like one sent before is only a hint: the provider's reading of
    // this one settles it (`duplicates::decide`).
    // Finding and straightening the receipts takes milliseconds of CPU:
    // off the runtime's threads.
    let prints = {
        let (wanted, glances) = (
            campaign.config.duplicates.status().is_some(),
            std::mem::take(&mut upload.glances),
        );
        // A fingerprint that could not be made (a panic in it) leaves the
        // upload unchecked for likeness, not refused.
        tokio::task::spawn_blocking(move || fingerprints(wanted, &glances))
            .await
            .unwrap_or_else(|error| {
                tracing::error!(%error, "the photos' fingerprints could not be made");
                Vec::new()
            })
    };
    let photo_match_of = match duplicate {
        Some(_) => None,
        None => {
            let index = &state.photo_index;
            let hashes: Vec<_> = prints.iter().flat_map(|p| p.all().cloned()).collect();
            duplicates::photo_match(&state.db, index, campaign, &hashes, qr_key.as_deref()).await?
        }
    };

    let content_hash = content_hash(&upload, user.as_deref());
    let new = NewSubmission {
        request_id: received.request_id,
        id,
        campaign: campaign_id.to_owned(),
        provider: campaign.config.provider.clone(),
        idempotency_key: received.idempotency_key,
        qr: upload.qr,
        merchant: upload.merchant,
        user_id: user,
        offers: upload.offers,
        photos: upload.photos,
        qr_key,
        document_key,
        photo_hashes: prints
            .iter()
            .flat_map(|p| &p.kept)
            .map(duplicates::PhotoHash::to_base64)
            .collect(),
        duplicate: duplicate.map(|(status, of)| CaughtDuplicate {
            status,
            of,
            outcome: duplicates::caught_on_upload(),
        }),
        photo_match_of,
        content_hash,
        photos_until: duplicates::photos_until(&campaign.config, state.db.clock()),
    };
    let stored = state
        .db
        .insert(new, campaign.notify(notify::decided))
        .await?;
    let id = match stored {
        Stored::New(id) | Stored::Again(id) => id,
        Stored::Conflict => return Err(ApiError::IdempotencyConflict),
    };
    let row = state
        .db
        .get(&id)
        .await?
        .ok_or(ApiError::SubmissionNotFound)?;
    tracing::info!(submission = %id, campaign = %campaign_id, "submission stored");
    state.wake.notify_one();
    Ok(row)
}

/// The photos' fingerprints, where the campaign catches duplicates
/// (`wanted`): from the glances their check left (no photo is decoded
/// again).
fn fingerprints(wanted: bool, glances: &[Glance]) -> Vec<duplicates::Fingerprint> {
    if !wanted {
        return Vec::new();
    }
    glances.iter().map(duplicates::fingerprint).collect()
}

/// What an upload carries, as one digest (hex SHA-256): the shopper it is
/// for, its QR code, store, offers and photos, each length-prefixed so no two
/// uploads read alike. A retry with the same `Idempotency-Key` carries the
/// same; another upload under that key is refused, not taken for the first.
fn content_hash(upload: &Upload, user: Option<&str>) -> String {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    let mut part = |value: &[u8]| {
        digest.update((value.len() as u64).to_be_bytes());
        digest.update(value);
    };
    part(user.unwrap_or_default().as_bytes());
    part(upload.qr.as_deref().unwrap_or_default().as_bytes());
    part(upload.merchant.as_deref().unwrap_or_default().as_bytes());
    for offer in &upload.offers {
        part(offer.offer_id.as_bytes());
        part(&offer.quantity.to_be_bytes());
    }
    for photo in &upload.photos {
        part(&photo.bytes);
    }
    digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
