//! The proxy's public API, as the widget calls it (gloo-net over fetch).

use api::{
    Campaign, ClaimedOffer, Merchant, Offer, Submission, SubmissionCreated, SubmissionStatus,
};
use gloo_net::http::{Request, Response};
use std::cell::RefCell;
use std::rc::Rc;

use crate::problem::{Blame, Problem};
use web::wire::{self, FromJs};

use js_sys::Promise;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, FormData, ProgressEvent, XmlHttpRequest};

/// A failed call.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientError(pub Problem);

/// A JSON body read into `T`, with the parsed JSON as the proxy sent it. The
/// browser's `JSON.parse` does the parsing and [`wire`] the typing, which keeps
/// a JSON parser out of the bundle.
fn parse<T: FromJs>(text: &str) -> Option<(T, JsValue)> {
    let json = js_sys::JSON::parse(text).ok()?;
    let value = T::from_js(&json)?;
    Some((value, json))
}

async fn decode<T: FromJs>(response: Response) -> Result<(T, JsValue), ClientError> {
    let text = response.text().await.unwrap_or_default();
    if response.ok() {
        return parse(&text).ok_or(ClientError(Problem::BadAnswer));
    }
    match refusal(&text) {
        Some(problem) => Err(ClientError(problem)),
        None => Err(ClientError(Problem::Http(response.status()))),
    }
}

/// What an error body (`{"error": {"code", "field", …}}`) says, if it is one:
/// a QR code the campaign does not take is said as the scanner says it.
fn refusal(text: &str) -> Option<Problem> {
    let body = js_sys::JSON::parse(text).ok()?;
    let code = wire::error_code(&body)?;
    if code == api::ErrorCode::InvalidField
        && wire::error_field(&body).as_deref() == Some(api::field::QR)
    {
        return Some(Problem::QrRefused(api::fiscal::QrTextError::NotReceiptCode));
    }
    Some(Problem::Refused(code))
}

async fn get<T: FromJs>(url: &str) -> Result<(T, JsValue), ClientError> {
    let response = Request::get(url)
        .send()
        .await
        .map_err(|_| ClientError(Problem::Network))?;
    decode(response).await
}

/// The campaign as the loader fetched it (`mount`'s `loaded` option):
/// `{campaign}`, the proxy's JSON, or `{error}`, one of `network`,
/// `not_available` (the page's origin is not allowed), `server` (an answer
/// that is not the API's, with its HTTP `status`) or the proxy's error code.
pub fn loaded(value: &JsValue) -> Result<Campaign, Problem> {
    let field = |name: &str| js_sys::Reflect::get(value, &name.into()).unwrap_or_default();
    let campaign = field("campaign");
    if campaign.is_object() {
        return Campaign::from_js(&campaign).ok_or(Problem::BadAnswer);
    }
    let error = field("error");
    Err(match error.as_string().as_deref() {
        Some("network") => Problem::Network,
        Some("not_available") => Problem::NotAvailable,
        Some("server") => field("status")
            .as_f64()
            .and_then(|s| u16::try_from(s as u32).ok())
            .filter(|s| *s >= 400)
            .map_or(Problem::BadAnswer, Problem::Http),
        // Any other: the proxy's error code (one this build does not know is
        // `Unknown`).
        _ => api::ErrorCode::from_js(&error).map_or(Problem::BadAnswer, Problem::Refused),
    })
}

pub async fn merchants(base: &str, campaign: &str) -> Result<Vec<Merchant>, ClientError> {
    get(&format!("{base}/v1/campaigns/{campaign}/merchants"))
        .await
        .map(|(merchants, _)| merchants)
}

pub async fn offers(base: &str, campaign: &str, merchant: &str) -> Result<Vec<Offer>, ClientError> {
    let merchant = String::from(js_sys::encode_uri_component(merchant));
    get(&format!(
        "{base}/v1/campaigns/{campaign}/offers?merchant={merchant}"
    ))
    .await
    .map(|(offers, _)| offers)
}

/// What goes with the photos of one upload.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    pub user: Option<String>,
    /// The shopper's id as the brand signed it (`userToken`).
    pub user_token: Option<String>,
    pub merchant: Option<String>,
    pub offers: Vec<ClaimedOffer>,
    pub qr: Option<String>,
}

/// How an upload attempt ended, other than with a stored submission.
#[derive(Debug, Clone, PartialEq)]
pub enum SendError {
    /// No answer (connection lost, offline, a link too slow for the proxy:
    /// `Blame::Network`) or the proxy is briefly unavailable (5xx, an answer
    /// that is not the API's: `Blame::Server`): worth retrying with the same
    /// idempotency key.
    Transient(Blame),
    /// The shopper cancelled.
    Cancelled,
    /// The proxy refused the upload.
    Refused(Problem),
}

/// One upload in flight, so that the shopper can cancel it.
#[derive(Debug, Default)]
pub struct Transfer {
    xhr: Option<XmlHttpRequest>,
    pub cancelled: bool,
    /// Wakes an upload that waits for the network.
    pub on_cancel: Option<js_sys::Function>,
}

impl Transfer {
    pub fn cancel(&mut self) {
        self.cancelled = true;
        if let Some(xhr) = self.xhr.take() {
            let _ = xhr.abort();
        }
        if let Some(wake) = self.on_cancel.take() {
            let _ = wake.call0(&JsValue::NULL);
        }
    }
}

/// `POST /v1/campaigns/{campaign}/submissions` through XMLHttpRequest, whose
/// upload progress events fetch does not have. `on_progress(sent, total)` is
/// called as the bytes leave.
pub async fn submit(
    base: &str,
    campaign: &str,
    idempotency_key: &str,
    photos: &[Blob],
    extras: &Extras,
    on_progress: impl Fn(f64, f64) + 'static,
    transfer: &Rc<RefCell<Transfer>>,
) -> Result<SubmissionCreated, SendError> {
    let form = form(photos, extras).map_err(|_| SendError::Refused(Problem::NotAPhoto))?;
    let lost = || SendError::Transient(Blame::Network);
    let xhr = XmlHttpRequest::new().map_err(|_| lost())?;
    xhr.open(
        "POST",
        &format!("{base}/v1/campaigns/{campaign}/submissions"),
    )
    .map_err(|_| lost())?;
    xhr.set_request_header(api::IDEMPOTENCY_KEY_HEADER, idempotency_key)
        .map_err(|_| lost())?;
    let progress = Closure::<dyn Fn(ProgressEvent)>::new(move |e: ProgressEvent| {
        if e.length_computable() {
            on_progress(e.loaded(), e.total());
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    // `loadend` follows load, error, abort and timeout alike.
    let ended = Promise::new(&mut |resolve, _| {
        xhr.set_onloadend(Some(&resolve));
    });
    transfer.borrow_mut().xhr = Some(xhr.clone());
    xhr.send_with_opt_form_data(Some(&form))
        .map_err(|_| lost())?;
    let _ = JsFuture::from(ended).await;
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(None);
    }
    drop(progress);
    let cancelled = {
        let mut transfer = transfer.borrow_mut();
        transfer.xhr = None;
        transfer.cancelled
    };
    if cancelled {
        return Err(SendError::Cancelled);
    }
    let status = xhr.status().unwrap_or(0);
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    match status {
        200..=299 => parse(&text)
            .map(|(created, _)| created)
            .ok_or(SendError::Transient(Blame::Server)),
        // 408: the link was too slow for the proxy; tried again like a drop.
        0 | 408 => Err(SendError::Transient(Blame::Network)),
        500..=599 => Err(SendError::Transient(Blame::Server)),
        _ => Err(SendError::Refused(
            refusal(&text).unwrap_or(Problem::Http(status)),
        )),
    }
}

fn form(photos: &[Blob], extras: &Extras) -> Result<FormData, JsValue> {
    let form = FormData::new()?;
    for (i, photo) in photos.iter().enumerate() {
        form.append_with_blob_and_filename(
            api::field::PHOTO,
            photo,
            &format!("receipt-{}.{}", i + 1, extension(&photo.type_())),
        )?;
    }
    let texts = [
        (api::field::USER, extras.user.clone()),
        (api::field::USER_TOKEN, extras.user_token.clone()),
        (api::field::MERCHANT, extras.merchant.clone()),
        (api::field::QR, extras.qr.clone()),
        (
            api::field::OFFERS,
            (!extras.offers.is_empty()).then(|| offers_json(&extras.offers)),
        ),
    ];
    for (name, value) in texts {
        if let Some(value) = value {
            form.append_with_str(name, &value)?;
        }
    }
    Ok(form)
}

/// The `offers` field: `[{"offer_id": …, "quantity": …}]`, the `api` type
/// turned into JS values by serde-wasm-bindgen and written by the browser's
/// JSON (no JSON serializer in the bundle).
fn offers_json(offers: &[ClaimedOffer]) -> String {
    serde_wasm_bindgen::to_value(offers)
        .ok()
        .and_then(|list| js_sys::JSON::stringify(&list).ok())
        .map_or_else(String::new, String::from)
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "image/png" => "png",
        "image/heic" => "heic",
        "image/heif" => "heif",
        crate::e_receipt::PDF => "pdf",
        _ => "jpg",
    }
}

/// A submission, with its JSON as the proxy sent it (the detail of the widget's
/// `result` event). The proxy holds the answer until the status is no longer
/// `seen`, nor its delay `delayed` (or `WAIT_S` pass), so a change is seen the
/// moment it is stored.
pub async fn submission(
    base: &str,
    id: &str,
    seen: SubmissionStatus,
    delayed: bool,
) -> Result<(Submission, JsValue), ClientError> {
    let seen = seen.as_str();
    get(&format!(
        "{base}/v1/submissions/{id}?wait={WAIT_S}&seen={seen}&delayed={delayed}"
    ))
    .await
}

/// How long the proxy may hold a status request until the status changes.
const WAIT_S: u32 = 20;

/// The provider's own check of one prepared photo, before it is sent
/// (`capabilities.quality_check`).
pub async fn quality_check(
    base: &str,
    campaign: &str,
    photo: &Blob,
) -> Result<api::QualityCheck, ClientError> {
    let form = FormData::new().map_err(|_| ClientError(Problem::BadAnswer))?;
    form.append_with_blob_and_filename(api::field::PHOTO, photo, "receipt.jpg")
        .map_err(|_| ClientError(Problem::BadAnswer))?;
    let response = Request::post(&format!("{base}/v1/campaigns/{campaign}/quality-check"))
        .body(form)
        .map_err(|_| ClientError(Problem::BadAnswer))?
        .send()
        .await
        .map_err(|_| ClientError(Problem::Network))?;
    decode(response).await.map(|(check, _)| check)
}

/// Asks for a person to look at a rejected receipt again; answers as
/// [`submission`] does.
pub async fn review(base: &str, id: &str) -> Result<(Submission, JsValue), ClientError> {
    let response = Request::post(&format!("{base}/v1/submissions/{id}/review"))
        .send()
        .await
        .map_err(|_| ClientError(Problem::Network))?;
    decode(response).await
}
