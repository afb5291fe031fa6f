//! Simulator of BitLabs Magic Receipts (`seeds/004_*`).
//!
//! Documented, and simulated as written:
//! - `Authorization: Bearer <token>` on every call;
//! - `POST /?cmd=mp-mr-api-upload-receipt&offerIDs=1,2&merchantID=7`, multipart
//!   `img0`/`imgName0`, `img1`/`imgName1`, ... (several photos of a long
//!   receipt), answered at once: `{status: 200, data: {confirmed, awardPending,
//!   confirmedAndAwardPending, manualReview, rejected, pending, barcodeScan...}}`,
//!   each bucket `{offers: [{offerID, uploadOfferID, state, award, awardCashback,
//!   errorCode, errorStr, shortErrorStr, offerTitle, imageUrl, ...}],
//!   totalAward, totalAwardCashback, ...}`;
//! - errors for an invalid merchant, image count, offer ids, and an upload
//!   already in progress.
//!
//! Assumed (the document names these calls without describing them), as in the
//! proxy's adapter:
//! - `GET /?cmd=mp-mr-api-merchants`, `GET /?cmd=mp-mr-api-offers-short&sortType=0
//!   &merchantID=ID`, `POST /?cmd=mp-mr-api-request-manual-review` with JSON
//!   `{uploadOfferIDs}` (only offers in `manualReview`);
//! - errors are non-2xx `{status, error: {code, message}}`; an upload in progress
//!   is 409 (while [`crate::Controls::set_bitlabs_busy`] is on);
//! - the verdict follows the photos: a receipt-like photo confirms the claimed
//!   offers (but offer [`FLAGGED_OFFER`] always goes to `pending`), a blue one
//!   puts them in `manualReview` (errorCode 2, product not matched), a red one
//!   rejects them (6, no receipt), a dark one too (5, unreadable).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::verdict::{self, Verdict};
use crate::{Controls, SandboxConfig};

/// An offer the sandbox always flags for people to check (`pending`).
pub const FLAGGED_OFFER: u64 = 150_001;

const MAX_IMAGES: usize = 10;

/// One merchant and its offers: (id, title, goals as (quantity, award)).
type Catalogue = [(u64, &'static str, &'static [(u32, &'static str)])];

const MERCHANTS: [(u64, &str, &Catalogue); 8] = [
    (
        7,
        "CLAREL",
        &[
            (
                191_405,
                "Revitalift Laser Serum",
                &[(1, "1.50 USD"), (2, "4.00 USD")],
            ),
            (143_787, "Perfect Volume Mousse", &[(1, "1.00 USD")]),
            (FLAGGED_OFFER, "Glow Night Cream", &[(1, "2.00 USD")]),
        ],
    ),
    (
        12,
        "Mercadona",
        &[(170_001, "Sparkling Water 6-pack", &[(1, "0.50 USD")])],
    ),
    // A list long enough for the widget's store search.
    (
        21,
        "Carrefour",
        &[(171_001, "Olive Oil 1 l", &[(1, "0.75 USD")])],
    ),
    (22, "Dia", &[(172_001, "Coffee Beans", &[(1, "0.60 USD")])]),
    (
        23,
        "Eroski",
        &[(173_001, "Greek Yogurt 4-pack", &[(1, "0.40 USD")])],
    ),
    (
        24,
        "Lidl",
        &[(174_001, "Dark Chocolate", &[(1, "0.30 USD")])],
    ),
    (
        25,
        "Alcampo",
        &[(175_001, "Orange Juice 1 l", &[(1, "0.45 USD")])],
    ),
    (
        26,
        "El Corte Ingles",
        &[(176_001, "Shampoo 400 ml", &[(1, "0.80 USD")])],
    ),
];

#[derive(Debug)]
struct Account {
    token: String,
    next_upload_offer: u64,
    /// uploadOfferID -> whether a manual review may be asked for it.
    reviewable: HashMap<u64, bool>,
}

#[derive(Clone)]
struct Shared {
    account: Arc<Mutex<Account>>,
    controls: Arc<Controls>,
    /// Where the simulator is served (`/bitlabs`), for its image URLs.
    prefix: String,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Account> {
        self.account
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Served under `/bitlabs/` (merged, not nested: see below).
pub(crate) fn router(prefix: &str, config: &SandboxConfig, controls: Arc<Controls>) -> Router {
    let shared = Shared {
        account: Arc::new(Mutex::new(Account {
            token: config.bitlabs_token.clone(),
            next_upload_offer: 5_000,
            reviewable: HashMap::new(),
        })),
        controls,
        prefix: prefix.to_owned(),
    };
    // The API lives at the root (`https://receipts.bitlabs.ai/?cmd=...`); a nested
    // router would not match the trailing slash, so both paths are routed here.
    Router::new()
        .route(prefix, any(dispatch))
        .route(&format!("{prefix}/"), any(dispatch))
        .route(&format!("{prefix}/cdn/{{kind}}/{{file}}"), get(image))
        .with_state(shared)
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"status": status.as_u16(), "error": {"code": code, "message": message}})),
    )
        .into_response()
}

fn ok(data: Value) -> Response {
    Json(json!({"status": 200, "data": data})).into_response()
}

/// Every call is `/?cmd=...`.
async fn dispatch(
    State(shared): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(shared.lock().token.as_str()) {
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "Invalid token");
    }
    let method = request.method().clone();
    // Images as BitLabs' CDN serves them: a host of its own, as BitLabs' is
    // (`localhost` here, where the API is `127.0.0.1`), served by the
    // simulator itself. The CDN's address is public; the API's is not.
    let port = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(|host| host.rsplit_once(':'))
        .map_or("80", |(_, port)| port);
    let cdn = format!("http://localhost:{port}{}/cdn", shared.prefix);
    match (method.as_str(), query.get("cmd").map(String::as_str)) {
        ("GET", Some("mp-mr-api-merchants")) => merchants(&cdn),
        ("GET", Some("mp-mr-api-offers-short")) => offers(&query, &cdn),
        ("POST", Some("mp-mr-api-upload-receipt")) => {
            match <Multipart as axum::extract::FromRequest<()>>::from_request(request, &()).await {
                Ok(multipart) => upload(&shared, &query, multipart).await,
                Err(_) => error(
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    "Expected multipart form data",
                ),
            }
        }
        ("POST", Some("mp-mr-api-request-manual-review")) => {
            let body = axum::body::to_bytes(request.into_body(), 64 * 1024).await;
            review(&shared, body.ok().as_deref())
        }
        _ => error(StatusCode::BAD_REQUEST, "invalid_cmd", "Unknown cmd"),
    }
}

/// A product's or a store's picture (a plain square in a colour of its id).
async fn image(Path((_, file)): Path<(String, String)>) -> Response {
    let id: u32 = file.trim_end_matches(".png").parse().unwrap_or(0);
    let colour = [(id * 37 % 200) as u8 + 40, (id * 91 % 200) as u8 + 40, 160];
    let square = image::RgbImage::from_pixel(96, 96, image::Rgb(colour));
    let mut png = std::io::Cursor::new(Vec::new());
    if square.write_to(&mut png, image::ImageFormat::Png).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(header::CONTENT_TYPE, "image/png")], png.into_inner()).into_response()
}

fn merchants(cdn: &str) -> Response {
    let list: Vec<Value> = MERCHANTS
        .iter()
        .map(|(id, name, _)| json!({"id": id, "name": name, "imageUrl": format!("{cdn}/m/{id}.png")}))
        .collect();
    ok(json!({"merchants": list}))
}

fn catalogue(merchant: Option<&String>) -> Option<&'static Catalogue> {
    let id: u64 = merchant?.parse().ok()?;
    MERCHANTS
        .iter()
        .find(|(m, _, _)| *m == id)
        .map(|(_, _, offers)| *offers)
}

fn offers(query: &HashMap<String, String>, cdn: &str) -> Response {
    let Some(offers) = catalogue(query.get("merchantID")) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_merchant",
            "Invalid merchant ID",
        );
    };
    let list: Vec<Value> = offers
        .iter()
        .map(|(id, title, goals)| {
            let goals: Vec<Value> = goals
                .iter()
                .map(|(quantity, award)| json!({"quantity": quantity, "award": award}))
                .collect();
            json!({"offerID": id, "offerTitle": title, "goals": goals,
                "imageUrl": format!("{cdn}/o/{id}.png")})
        })
        .collect();
    ok(json!({"offers": list}))
}

async fn upload(
    shared: &Shared,
    query: &HashMap<String, String>,
    mut multipart: Multipart,
) -> Response {
    if shared.controls.bitlabs_busy.load(Ordering::SeqCst) {
        return error(
            StatusCode::CONFLICT,
            "upload_in_progress",
            "A receipt upload is already in progress",
        );
    }
    let offers = match query.get("merchantID") {
        None => None,
        Some(_) => match catalogue(query.get("merchantID")) {
            Some(offers) => Some(offers),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_merchant",
                    "Invalid merchant ID",
                );
            }
        },
    };
    let claimed: Option<Vec<u64>> = query
        .get("offerIDs")
        .filter(|ids| !ids.is_empty())
        .and_then(|ids| ids.split(',').map(|id| id.trim().parse().ok()).collect());
    let Some(claimed) = claimed else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_offer_ids",
            "Invalid offer IDs",
        );
    };
    // Each offer with its title and the award of its first goal: what the
    // sample receipt (one of each product) earns.
    let all: Vec<(u64, &str, &str)> = MERCHANTS
        .iter()
        .flat_map(|(_, _, offers)| {
            offers.iter().map(|(id, title, goals)| {
                (
                    *id,
                    *title,
                    goals.first().map_or("0.00 USD", |(_, award)| *award),
                )
            })
        })
        .collect();
    let known = |id: &u64| match offers {
        Some(offers) => offers.iter().any(|(o, _, _)| o == id),
        None => all.iter().any(|(o, _, _)| o == id),
    };
    if !claimed.iter().all(known) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_offer_ids",
            "Invalid offer IDs",
        );
    }

    let mut images: HashMap<usize, Vec<u8>> = HashMap::new();
    let mut names: HashMap<usize, String> = HashMap::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let Ok(data) = field.bytes().await else {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "invalid_body",
                        "Malformed multipart body",
                    );
                };
                if let Some(n) = name.strip_prefix("imgName").and_then(|n| n.parse().ok()) {
                    names.insert(n, String::from_utf8_lossy(&data).into_owned());
                } else if let Some(n) = name.strip_prefix("img").and_then(|n| n.parse().ok()) {
                    images.insert(n, data.to_vec());
                } else {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "invalid_body",
                        "Unknown form field",
                    );
                }
            }
            Ok(None) => break,
            Err(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    "Malformed multipart body",
                );
            }
        }
    }
    // img0..imgN-1, each with its name, none empty.
    let count = images.len();
    let complete = (0..count).all(|n| {
        images.get(&n).is_some_and(|i| !i.is_empty())
            && names.get(&n).is_some_and(|s| !s.is_empty())
    });
    if count == 0 || count > MAX_IMAGES || !complete || names.len() != count {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_image_count",
            "Invalid image count",
        );
    }
    let verdicts: Vec<Verdict> = (0..count).map(|n| verdict::judge(&images[&n])).collect();
    let verdict = [
        Verdict::NotReceipt,
        Verdict::Unreadable,
        Verdict::OffPromotion,
    ]
    .into_iter()
    .find(|v| verdicts.contains(v))
    .unwrap_or(Verdict::Accepted);

    let mut account = shared.lock();
    let mut buckets: HashMap<&str, Vec<Value>> = HashMap::new();
    for id in claimed {
        let upload_id = account.next_upload_offer;
        account.next_upload_offer += 1;
        let (title, award) = all
            .iter()
            .find(|(o, _, _)| *o == id)
            .map_or(("", ""), |(_, t, a)| (*t, *a));
        let (bucket, state, error_code, error_str) = match verdict {
            Verdict::Accepted if id == FLAGGED_OFFER => ("pending", "pending", 0, ""),
            Verdict::Accepted => ("confirmed", "confirmed", 0, ""),
            Verdict::OffPromotion => (
                "manualReview",
                "rejected",
                2,
                "We could not match this product on your receipt",
            ),
            Verdict::NotReceipt => ("rejected", "rejected", 6, "The image is not a receipt"),
            Verdict::Unreadable => ("rejected", "rejected", 5, "The receipt could not be read"),
        };
        account
            .reviewable
            .insert(upload_id, bucket == "manualReview");
        let confirmed = bucket == "confirmed";
        buckets.entry(bucket).or_default().push(json!({
            "maxLinesForManualReview": 3, "offerID": id, "imageUrl": format!("https://cdn.bitlabs.sandbox/o/{id}.png"),
            "pendingDays": if confirmed { 0 } else { 3 }, "uploadOfferID": upload_id, "state": state,
            // `award` in cents, `awardCashback` as written ("1.50 USD").
            "award": if confirmed { award.split(' ').next().unwrap_or("0").replace('.', "") } else { "0".to_owned() },
            "awardCashback": if confirmed { award } else { "" },
            "surveyUrl": "", "shortErrorStr": if error_code == 0 { "" } else { "Not eligible" },
            "errorStr": error_str, "errorCode": error_code, "isBarcodeScanEligible": false,
            "offerTitle": title, "addedToList": true, "isUnselectedOffer": false,
        }));
    }
    let bucket = |name: &str| {
        let offers = buckets.get(name).cloned().unwrap_or_default();
        // "1.50 USD" awards added up, in cents.
        let cents: u64 = offers
            .iter()
            .filter_map(|o| o["awardCashback"].as_str())
            .filter_map(|a| {
                a.trim_end_matches(" USD")
                    .replace('.', "")
                    .parse::<u64>()
                    .ok()
            })
            .sum();
        let total = if cents == 0 {
            "0".to_owned()
        } else {
            format!("{}.{:02} USD", cents / 100, cents % 100)
        };
        json!({"offers": offers, "awardBonuses": [], "unusedLineItems": [],
            "totalAwardCashback": total, "totalAward": cents.to_string()})
    };
    let mut both = buckets.get("confirmed").cloned().unwrap_or_default();
    both.extend(buckets.get("awardPending").cloned().unwrap_or_default());
    ok(json!({
        "awardPending": bucket("awardPending"),
        "confirmed": bucket("confirmed"),
        "confirmedAndAwardPending": {"offers": both},
        "manualReview": bucket("manualReview"),
        "rejected": bucket("rejected"),
        "pending": bucket("pending"),
        "barcodeScanEligibleDeviceCodes": [],
        "barcodeScanEnabled": false,
    }))
}

fn review(shared: &Shared, body: Option<&[u8]>) -> Response {
    let ids: Option<Vec<u64>> = body
        .and_then(|b| serde_json::from_slice::<Value>(b).ok())
        .and_then(|v| serde_json::from_value(v["uploadOfferIDs"].clone()).ok())
        .filter(|ids: &Vec<u64>| !ids.is_empty());
    let Some(ids) = ids else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "uploadOfferIDs is required",
        );
    };
    let mut account = shared.lock();
    if !ids
        .iter()
        .all(|id| account.reviewable.get(id) == Some(&true))
    {
        return error(
            StatusCode::BAD_REQUEST,
            "not_reviewable",
            "These offers are not eligible for manual review",
        );
    }
    for id in &ids {
        account.reviewable.insert(*id, false);
    }
    ok(json!({"requested": ids}))
}
