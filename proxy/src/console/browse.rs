//! Finding submissions, for every operator: a campaign's list (newest first,
//! by status, a page at a time on an index), a search by submission id,
//! shopper id or receipt QR, and one submission with everything known.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth::SignedIn;
use super::view::{
    Me, campaign_choices, chosen_campaign, message, page, root, submission, unavailable, when,
};
use crate::state::AppState;
use crate::store::{Listing, SubmissionRow};
use crate::submissions::resend::Cost;

/// Rows a list or search page shows.
const PAGE: u32 = 50;

/// A submission as a list shows it.
pub struct Listed {
    pub id: String,
    pub campaign: String,
    pub received: String,
    pub status: &'static str,
    pub shopper: String,
    /// What the provider read, in one line.
    pub read: String,
}

impl Listed {
    pub fn of(row: &SubmissionRow) -> Self {
        Self {
            id: row.id.clone(),
            campaign: row.campaign.clone(),
            received: when(row.created_at),
            status: row.status.as_str(),
            shopper: row.user_id.clone().unwrap_or_default(),
            read: read(row).unwrap_or_default(),
        }
    }
}

/// What the provider read, in one line: store, date, total.
pub fn read(row: &SubmissionRow) -> Option<String> {
    let receipt = row.outcome.as_ref()?.receipt.as_ref()?;
    let parts: Vec<String> = [
        receipt.store.clone(),
        receipt.date.clone(),
        receipt.total.map(|t| {
            format!("{t:.2} {}", receipt.currency.as_deref().unwrap_or(""))
                .trim_end()
                .to_owned()
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

#[derive(Template)]
#[template(path = "console/submissions.html")]
struct ListPage {
    me: Me,
    /// Each campaign's id and title, for the filter.
    campaigns: Vec<(String, String)>,
    campaign: String,
    statuses: [&'static str; 6],
    status: String,
    query: String,
    rows: Vec<Listed>,
    /// The next page's link, where there is one.
    next: Option<String>,
    /// Set on a search's page: what was looked for.
    searched: bool,
    /// How many were just sent again.
    resent: Option<usize>,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    campaign: Option<String>,
    #[serde(default)]
    status: Option<String>,
    /// Where the page before ended: `created_at.id`.
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    resent: Option<usize>,
}

const STATUSES: [&str; 6] = [
    "queued",
    "processing",
    "needs_review",
    "accepted",
    "rejected",
    "failed",
];

/// A campaign's submissions, newest first, a page at a time.
pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<ListQuery>,
) -> Response {
    let campaigns = campaign_choices(&state);
    let campaign = chosen_campaign(&state, query.campaign, &campaigns);
    let status = query
        .status
        .as_deref()
        .and_then(api::SubmissionStatus::parse);
    let after = query.after.as_deref().and_then(|cursor| {
        let (at, id) = cursor.split_once('.')?;
        Some((at.parse().ok()?, id.to_owned()))
    });
    let listing = Listing {
        status,
        after,
        limit: PAGE,
        ..Listing::default()
    };
    let Ok(rows) = state.db.list(&campaign, &listing).await else {
        return unavailable();
    };
    let status = status.map(|s| s.as_str().to_owned()).unwrap_or_default();
    let next = (rows.len() == PAGE as usize)
        .then(|| rows.last())
        .flatten()
        .map(|last| {
            format!(
                "{}/submissions?campaign={campaign}&status={status}&after={}.{}",
                root(),
                last.created_at,
                last.id
            )
        });
    page(
        StatusCode::OK,
        &ListPage {
            me: Me::of(&signed_in),
            campaigns,
            campaign,
            statuses: STATUSES,
            status,
            query: String::new(),
            rows: rows.iter().map(Listed::of).collect(),
            next,
            searched: false,
            resent: query.resent,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// Submissions by id, shopper id or receipt QR, in every campaign.
pub async fn search(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<SearchQuery>,
) -> Response {
    let text = query.q.trim();
    let rows = if text.is_empty() {
        Vec::new()
    } else {
        let Ok(rows) = state.db.search(text, PAGE).await else {
            return unavailable();
        };
        rows
    };
    let campaigns = campaign_choices(&state);
    let campaign = chosen_campaign(&state, None, &campaigns);
    page(
        StatusCode::OK,
        &ListPage {
            me: Me::of(&signed_in),
            campaigns,
            campaign,
            statuses: STATUSES,
            status: String::new(),
            query: text.to_owned(),
            rows: rows.iter().map(Listed::of).collect(),
            next: None,
            searched: true,
            resent: None,
        },
    )
}

#[derive(Template)]
#[template(path = "console/submission.html")]
struct OnePage {
    me: Me,
    row: SubmissionRow,
    received: String,
    updated: String,
    read: Option<String>,
    offers: Vec<String>,
    reasons: Vec<String>,
    /// What sending it again would cost, where it failed.
    resend: Option<Cost>,
    resent: bool,
    /// Its kept photos.
    photos: Vec<PhotoLink>,
}

/// One submission, with everything known about it.
#[derive(Debug, Deserialize)]
pub struct OneQuery {
    #[serde(default)]
    resent: Option<String>,
}

pub async fn one(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<OneQuery>,
) -> Response {
    let row = match submission(&state, &id).await {
        Ok(row) => row,
        Err(page) => return page,
    };
    page(
        StatusCode::OK,
        &OnePage {
            me: Me::of(&signed_in),
            received: when(row.created_at),
            updated: when(row.updated_at),
            read: read(&row),
            resend: (row.status == api::SubmissionStatus::Failed)
                .then(|| Cost::of_one(&state, &row)),
            resent: query.resent.is_some(),
            photos: photo_links(&state, &id, "this receipt").await,
            offers: row
                .offers
                .iter()
                .map(|o| format!("{} × {}", o.offer_id, o.quantity))
                .collect(),
            reasons: row
                .outcome
                .iter()
                .flat_map(|o| &o.reasons)
                .map(|r| format!("{}: {}", r.code.as_str(), r.message))
                .collect(),
            row,
        },
    )
}

/// A kept photo, as a page links it.
pub struct PhotoLink {
    pub url: String,
    /// Its text alternative: which photo of whose receipt.
    pub label: String,
    /// A browser shows it as an image (not HEIC, not a PDF).
    pub image: bool,
}

/// Links to the kept photos of submission `id`, labelled as `whose`'s.
pub async fn photo_links(state: &AppState, id: &str, whose: &str) -> Vec<PhotoLink> {
    let types = state.db.photo_types(id).await.unwrap_or_default();
    let count = types.len();
    types
        .into_iter()
        .enumerate()
        .map(|(n, media_type)| PhotoLink {
            url: format!("{}/submissions/{id}/photos/{n}", root()),
            label: format!("Photo {} of {count} of {whose}", n + 1),
            image: matches!(
                media_type.as_str(),
                "image/jpeg" | "image/png" | "image/webp"
            ),
        })
        .collect()
}

/// One kept photo of a submission, as it was uploaded; never cached, never
/// sniffed as anything else.
pub async fn photo(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Path((id, position)): Path<(String, i64)>,
) -> Response {
    match state.db.photo(&id, position).await {
        Ok(Some((media_type, bytes))) => {
            let mut response = (
                [
                    (CONTENT_TYPE, media_type),
                    (CACHE_CONTROL, "no-store".to_owned()),
                    (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                ],
                bytes,
            )
                .into_response();
            // A photo opened on its own is still the console's page.
            response.headers_mut().insert(
                CONTENT_SECURITY_POLICY,
                axum::http::HeaderValue::from_static(
                    "default-src 'none'; img-src 'self'; frame-ancestors 'none'",
                ),
            );
            response
        }
        Ok(None) => message(
            StatusCode::NOT_FOUND,
            "Not kept",
            "This photo is not kept (any more).",
        ),
        Err(_) => unavailable(),
    }
}
