//! The proxy's public API, as the widget calls it (gloo-net over fetch).

use api::{Campaign, ClaimedOffer, ErrorBody, Merchant, Offer, Submission, SubmissionCreated};
use gloo_net::http::{Request, Response};
use web_sys::{File, FormData};

/// A failed call, in words a shopper can read.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientError(pub String);

const NETWORK: &str = "We could not reach the server. Check your connection and try again.";

async fn decode<T: serde::de::DeserializeOwned>(response: Response) -> Result<T, ClientError> {
    if response.ok() {
        return response.json().await.map_err(|_| {
            ClientError("The server sent an answer we do not understand.".to_owned())
        });
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ClientError(body.error.message)),
        Err(_) => Err(ClientError(format!(
            "Something went wrong (HTTP {}). Please try again.",
            response.status()
        ))),
    }
}

async fn get<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, ClientError> {
    let response = Request::get(url)
        .send()
        .await
        .map_err(|_| ClientError(NETWORK.to_owned()))?;
    decode(response).await
}

pub async fn campaign(base: &str, id: &str) -> Result<Campaign, ClientError> {
    get(&format!("{base}/v1/campaigns/{id}")).await
}

pub async fn merchants(base: &str, campaign: &str) -> Result<Vec<Merchant>, ClientError> {
    get(&format!("{base}/v1/campaigns/{campaign}/merchants")).await
}

pub async fn offers(base: &str, campaign: &str, merchant: &str) -> Result<Vec<Offer>, ClientError> {
    let merchant = String::from(js_sys::encode_uri_component(merchant));
    get(&format!(
        "{base}/v1/campaigns/{campaign}/offers?merchant={merchant}"
    ))
    .await
}

/// What goes with the photos of one upload.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    pub user: Option<String>,
    pub merchant: Option<String>,
    pub offers: Vec<ClaimedOffer>,
}

pub async fn submit(
    base: &str,
    campaign: &str,
    idempotency_key: &str,
    photos: &[File],
    extras: &Extras,
) -> Result<SubmissionCreated, ClientError> {
    let form = FormData::new().map_err(|_| ClientError(NETWORK.to_owned()))?;
    for photo in photos {
        form.append_with_blob_and_filename(api::field::PHOTO, photo, &photo.name())
            .map_err(|_| ClientError("A photo could not be read.".to_owned()))?;
    }
    if let Some(user) = &extras.user {
        let _ = form.append_with_str(api::field::USER, user);
    }
    if let Some(merchant) = &extras.merchant {
        let _ = form.append_with_str(api::field::MERCHANT, merchant);
    }
    if !extras.offers.is_empty()
        && let Ok(offers) = serde_json::to_string(&extras.offers)
    {
        let _ = form.append_with_str(api::field::OFFERS, &offers);
    }
    let response = Request::post(&format!("{base}/v1/campaigns/{campaign}/submissions"))
        .header(api::IDEMPOTENCY_KEY_HEADER, idempotency_key)
        .body(form)
        .map_err(|_| ClientError(NETWORK.to_owned()))?
        .send()
        .await
        .map_err(|_| ClientError(NETWORK.to_owned()))?;
    decode(response).await
}

pub async fn submission(base: &str, id: &str) -> Result<Submission, ClientError> {
    get(&format!("{base}/v1/submissions/{id}")).await
}

/// Asks for a person to look at a rejected receipt again.
pub async fn review(base: &str, id: &str) -> Result<Submission, ClientError> {
    let response = Request::post(&format!("{base}/v1/submissions/{id}/review"))
        .send()
        .await
        .map_err(|_| ClientError(NETWORK.to_owned()))?;
    decode(response).await
}
