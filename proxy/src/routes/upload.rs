//! Reading and checking the multipart body of a new submission (or of a photo
//! for the quality pre-check) by the campaign's [`UploadPolicy`].
//!
//! Everything is checked before anything is stored: photo type by content (magic
//! bytes, not the name or the declared type), size while it streams in (so an
//! oversize photo is refused without buffering it whole), count, pixel size, the
//! text fields, and the claimed offers where the campaign takes them. A body that
//! fails any check stores nothing.

use api::field;
use api::fiscal::check_qr_text;
use axum::extract::Multipart;
use axum::extract::multipart::{Field, MultipartError};
use providers::{MediaType, Photo};

use crate::error::ApiError;
use crate::photo;
use crate::policy::UploadPolicy;
use crate::submissions::intake::Upload;

const MAX_TEXT_BYTES: usize = 4096;

/// `POST /v1/campaigns/{campaign}/submissions`, as `multipart/form-data`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SubmissionForm {
    /// A photo of the receipt (JPEG, PNG or HEIC, judged by its content);
    /// repeated for a long receipt, as the campaign's `photos` allow. Or,
    /// alone, the receipt's PDF (where `photos.accept` lists
    /// `application/pdf`), checked by its structure.
    #[schema(value_type = Vec<String>, format = Binary)]
    photo: Vec<Vec<u8>>,
    /// The receipt's fiscal QR code, as text (`t=…&s=…&fn=…&i=…&fp=…&n=1`).
    qr: Option<String>,
    /// The claimed offers, as JSON: `[{"offer_id": "191405", "quantity": 1}]`.
    offers: Option<String>,
    /// The store the offers were bought at (an id from `/merchants`).
    merchant: Option<String>,
    /// The shopper's id, as the page knows them.
    user: Option<String>,
    /// The shopper's id, signed by the brand's backend (HS256 JWT).
    user_token: Option<String>,
}

/// `POST /v1/campaigns/{campaign}/quality-check`, as `multipart/form-data`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PhotoForm {
    /// One photo of the receipt.
    #[schema(value_type = String, format = Binary)]
    photo: Vec<u8>,
}

/// Reads and checks the whole body against the campaign's policy.
pub async fn read(mut multipart: Multipart, policy: &UploadPolicy) -> Result<Upload, ApiError> {
    let max_photos = *policy.photos.end();
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        check_part_headers(&field)?;
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            field::PHOTO => {
                if upload.photos.len() >= usize::from(max_photos) {
                    return Err(ApiError::TooManyPhotos { max: max_photos });
                }
                let checked = read_photo(field, policy).await?;
                // An e-receipt is the whole receipt: it comes alone.
                if upload.e_receipt.is_some()
                    || (checked.e_receipt.is_some() && !upload.photos.is_empty())
                {
                    return Err(ApiError::InvalidField {
                        field: field::PHOTO,
                        message: "Send the e-receipt (PDF) alone, without photos.".to_owned(),
                    });
                }
                upload.photos.push(checked.photo);
                upload.glances.extend(checked.glance);
                upload.e_receipt = checked.e_receipt;
            }
            field::QR => {
                let text = read_text(field, field::QR).await?;
                upload.qr = check_qr(text.trim())?;
            }
            field::MERCHANT => upload.merchant = Some(read_text(field, field::MERCHANT).await?),
            field::USER => upload.user = Some(read_text(field, field::USER).await?),
            field::USER_TOKEN => {
                upload.user_token = Some(read_text(field, field::USER_TOKEN).await?);
            }
            field::OFFERS => {
                let text = read_text(field, field::OFFERS).await?;
                upload.offers = parse_offers(&text)?;
            }
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "Unknown field {name:?} in the submission."
                )));
            }
        }
    }
    let min_photos = *policy.photos.start();
    if upload.photos.len() < usize::from(min_photos) {
        return Err(ApiError::InvalidField {
            field: field::PHOTO,
            message: format!("At least {min_photos} photo(s) of the receipt are needed."),
        });
    }
    if upload.photos.is_empty() {
        // A campaign that takes QR codes alone has `min_count = 0`; the code is
        // then the whole receipt, and must be one.
        let Some(qr) = &upload.qr else {
            return Err(ApiError::InvalidField {
                field: field::PHOTO,
                message: "Send a photo of the receipt, or its QR code.".to_owned(),
            });
        };
        if !policy.qr_alone.accepts(qr) {
            return Err(ApiError::InvalidField {
                field: field::QR,
                message: "This is not the QR code of a receipt this promotion takes.".to_owned(),
            });
        }
    }
    if policy.offers && upload.offers.is_empty() {
        return Err(ApiError::InvalidField {
            field: field::OFFERS,
            message: "Choose the offers you are claiming.".to_owned(),
        });
    }
    Ok(upload)
}

/// Longest part header value (a field's name, a file's name, a type).
const MAX_HEADER_BYTES: usize = 256;

/// Refuses a part whose headers are longer than any real form's: a file name
/// of megabytes would otherwise be carried along.
fn check_part_headers(field: &Field<'_>) -> Result<(), ApiError> {
    let too_long = field
        .headers()
        .values()
        .any(|value| value.len() > MAX_HEADER_BYTES)
        || field.headers().len() > 8;
    if too_long {
        return Err(ApiError::BadRequest(
            "A part of the upload has headers longer than a form's.".to_owned(),
        ));
    }
    Ok(())
}

/// Most offers one receipt may claim.
const MAX_OFFERS: usize = 50;

/// The claimed offers: a JSON list of `{offer_id, quantity}`. An id is one
/// offer's, as `/offers` lists it (letters, digits, `-`, `_`, `.`; a JSON
/// number is read as its digits); a quantity is 1 to 99; no offer twice, no
/// other key. Anything else would reach the provider as something else
/// (`"1,2,3"` joined into a list of ids claims three offers).
fn parse_offers(text: &str) -> Result<Vec<api::ClaimedOffer>, ApiError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Claim {
        offer_id: serde_json::Value,
        quantity: u32,
    }
    let invalid = |message: &str| ApiError::InvalidField {
        field: field::OFFERS,
        message: message.to_owned(),
    };
    let claims: Vec<Claim> = serde_json::from_str(text)
        .map_err(|_| invalid("Offers must be a JSON list of {offer_id, quantity}."))?;
    if claims.len() > MAX_OFFERS {
        return Err(invalid("Too many offers for one receipt."));
    }
    let mut offers: Vec<api::ClaimedOffer> = Vec::with_capacity(claims.len());
    for claim in claims {
        let offer_id = match claim.offer_id {
            serde_json::Value::String(id) => id,
            serde_json::Value::Number(n) if n.is_u64() => n.to_string(),
            _ => {
                return Err(invalid(
                    "An offer_id is an offer's id, as /offers lists it.",
                ));
            }
        };
        let well_formed = !offer_id.is_empty()
            && offer_id.len() <= 64
            && offer_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !well_formed {
            return Err(invalid(
                "An offer_id is one offer's id, as /offers lists it.",
            ));
        }
        if !(1..=99).contains(&claim.quantity) {
            return Err(invalid("A quantity is a whole number from 1 to 99."));
        }
        if offers.iter().any(|o| o.offer_id == offer_id) {
            return Err(invalid("Each offer is claimed once."));
        }
        offers.push(api::ClaimedOffer {
            offer_id,
            quantity: claim.quantity,
        });
    }
    Ok(offers)
}

/// A QR code's text, checked as the widget checks it ([`check_qr_text`]). Empty
/// means none.
fn check_qr(text: &str) -> Result<Option<String>, ApiError> {
    if text.is_empty() {
        return Ok(None);
    }
    check_qr_text(text).map_err(|e| ApiError::InvalidField {
        field: field::QR,
        message: e.to_string(),
    })?;
    Ok(Some(text.to_owned()))
}

fn broken(error: MultipartError) -> ApiError {
    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PhotoTooLarge {
            message: "The upload is too large.".to_owned(),
        }
    } else {
        ApiError::BadRequest("The upload is not a well-formed multipart body.".to_owned())
    }
}

/// A photo (or e-receipt) as its check saw it.
struct Checked {
    photo: Photo,
    /// Where the proxy decodes the photo (not HEIC, not a PDF).
    glance: Option<photo::Glance>,
    /// Where it is a PDF e-receipt.
    e_receipt: Option<photo::pdf::EReceipt>,
}

/// One photo or e-receipt, read and checked.
async fn read_photo(mut field: Field<'_>, limits: &UploadPolicy) -> Result<Checked, ApiError> {
    let too_large = || ApiError::PhotoTooLarge {
        message: format!(
            "Each photo may be at most {} MB.",
            limits.max_bytes.div_ceil(1024 * 1024)
        ),
    };
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(broken)? {
        if (bytes.len() + chunk.len()) as u64 > limits.max_bytes {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    let media_type = match photo::detect_type(&bytes) {
        Some(MediaType::Pdf) if limits.pdf_pages.is_none() => {
            return Err(ApiError::UnsupportedMediaType(
                "This promotion takes photos of the receipt, not PDF e-receipts. \
                 Please send a JPEG, PNG or HEIC photo."
                    .to_owned(),
            ));
        }
        Some(media_type) => media_type,
        None => {
            return Err(ApiError::UnsupportedMediaType(
                "This file is not a photo we can read. Please send a JPEG, PNG or HEIC photo."
                    .to_owned(),
            ));
        }
    };
    let bytes: bytes::Bytes = bytes.into();
    let checked = bytes.clone();
    let (max_pixels, max_pages) = (limits.max_pixels, limits.pdf_pages.unwrap_or(0));
    // Decoding is CPU work, off the request threads: a few at a time, so a
    // burst of uploads cannot take every core (or, for a progressive JPEG,
    // whose coefficients are all held, the memory).
    let _turn = photo::DECODING
        .acquire()
        .await
        .map_err(|_| ApiError::Internal)?;
    let seen = tokio::task::spawn_blocking(move || match media_type {
        MediaType::Pdf => photo::pdf::check(&checked, max_pages).map(|r| (None, Some(r))),
        _ => photo::check(&checked, media_type, max_pixels).map(|g| (g, None)),
    })
    .await
    .map_err(|_| ApiError::Internal)?;
    let invalid = |message: String| ApiError::InvalidField {
        field: field::PHOTO,
        message,
    };
    let (glance, e_receipt) = seen.map_err(|problem| match problem {
        photo::Problem::NotWhole if media_type == MediaType::Pdf => {
            invalid("This PDF is damaged or incomplete. Please download it again.".to_owned())
        }
        photo::Problem::NotWhole => {
            invalid("This photo is damaged or incomplete. Please take it again.".to_owned())
        }
        photo::Problem::TooManyPixels => invalid(format!(
            "The photo has too many pixels (at most {} megapixels).",
            max_pixels / 1_000_000
        )),
        photo::Problem::TooManyPages => invalid(format!(
            "The e-receipt has too many pages (at most {max_pages})."
        )),
        photo::Problem::Locked => {
            invalid("The e-receipt is locked with a password. Please send one without.".to_owned())
        }
        photo::Problem::Active => invalid(
            "The e-receipt carries a script or an attached file, which we do not take.".to_owned(),
        ),
    })?;
    Ok(Checked {
        photo: Photo { media_type, bytes },
        glance,
        e_receipt,
    })
}

/// A text field, refused as soon as it grows past [`MAX_TEXT_BYTES`] (never
/// read whole first).
async fn read_text(mut field: Field<'_>, name: &'static str) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(broken)? {
        if bytes.len() + chunk.len() > MAX_TEXT_BYTES {
            return Err(ApiError::InvalidField {
                field: name,
                message: format!("The field {name} is too long."),
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(bytes).map_err(|_| ApiError::InvalidField {
        field: name,
        message: format!("The field {name} is not valid text."),
    })?;
    Ok(text.trim().to_owned())
}
