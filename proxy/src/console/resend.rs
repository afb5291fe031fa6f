//! Sending failed submissions again from the console: one from its page
//! (what it may cost said beside the button), or all of a campaign's after
//! a confirmation step that says how many go to the provider again and what
//! each uses of its allowance.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{self, SignedIn};
use super::view::{Me, forged, message, page, root, unavailable};
use crate::audit::{self, Action, Origin, Record};
use crate::state::AppState;
use crate::submissions::resend::{self, Cost};

#[derive(Debug, Deserialize)]
pub struct ResendForm {
    #[serde(default)]
    csrf: String,
    /// `yes` on the confirmation step's form.
    #[serde(default)]
    confirm: String,
}

/// Sends one failed submission again.
pub async fn one(
    State(state): State<AppState>,
    signed_in: SignedIn,
    origin: Origin,
    Path(id): Path<String>,
    Form(form): Form<ResendForm>,
) -> Response {
    if !auth::same_token(&form.csrf, &signed_in.csrf) {
        return forged();
    }
    let by = &signed_in.operator.email;
    match resend::one(&state, &id, by).await {
        Ok(true) => {
            let record = Record::of(Action::Resend)
                .subject(&id)
                .detail("1 submission");
            audit::record(&state, by, origin, record).await;
            Redirect::to(&format!("{}/submissions/{id}?resent=1", root())).into_response()
        }
        Ok(false) => message(
            StatusCode::CONFLICT,
            "Not sent again",
            "It has not failed, or its photos are gone: they are kept only a few days after a failure (see retention).",
        ),
        Err(error) => {
            tracing::error!(%error, "sending a submission again failed");
            unavailable()
        }
    }
}

#[derive(Template)]
#[template(path = "console/resend_confirm.html")]
struct ConfirmPage<'a> {
    me: Me,
    campaign: &'a str,
    cost: Cost,
}

/// Every failed submission of a campaign, sent again once confirmed: the
/// first post shows how many and what it may cost.
pub async fn campaign(
    State(state): State<AppState>,
    signed_in: SignedIn,
    origin: Origin,
    Path(campaign): Path<String>,
    Form(form): Form<ResendForm>,
) -> Response {
    if !auth::same_token(&form.csrf, &signed_in.csrf) {
        return forged();
    }
    if state.campaign(&campaign).is_err() {
        return message(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such campaign.",
        );
    }
    if form.confirm != "yes" {
        let Ok(cost) = resend::campaign_cost(&state, &campaign).await else {
            return unavailable();
        };
        let me = Me::of(&signed_in);
        return page(
            StatusCode::OK,
            &ConfirmPage {
                me,
                campaign: &campaign,
                cost,
            },
        );
    }
    let by = &signed_in.operator.email;
    let Ok(sent) = resend::campaign(&state, &campaign, by).await else {
        return unavailable();
    };
    let record = Record::of(Action::Resend)
        .subject(&campaign)
        .detail(format!("{sent} submissions"));
    audit::record(&state, by, origin, record).await;
    Redirect::to(&format!(
        "{}/submissions?campaign={campaign}&status=failed&resent={sent}",
        root()
    ))
    .into_response()
}
