//! A campaign's submissions as CSV, for the operator API and the console:
//! text quoted and numbers not, formulas neutralised.

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::rfc3339;

/// Every submission of `campaign`, oldest first, as CSV: one row each, with
/// what was read, why it was refused and who decided.
pub async fn csv(state: &AppState, campaign: &str) -> Result<Vec<u8>, ApiError> {
    // Text is quoted and numbers are not, so a spreadsheet reads a total as
    // a number and never takes a text cell for one.
    let mut csv = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::NonNumeric)
        .from_writer(Vec::new());
    let header = [
        "id",
        "created_at",
        "updated_at",
        "status",
        "user",
        "merchant",
        "claimed_offers",
        "qr",
        "store",
        "date",
        "total",
        "currency",
        "reasons",
        "duplicate_of",
        "provider_ref",
        "decided_by",
    ];
    let failed =
        |_| ApiError::Storage(sqlx::Error::Protocol("the CSV could not be written".into()));
    csv.write_record(header).map_err(failed)?;
    for row in state.db.export(campaign).await? {
        let receipt = row.outcome.as_ref().and_then(|o| o.receipt.as_ref());
        let reasons: Vec<&str> = row
            .outcome
            .iter()
            .flat_map(|o| &o.reasons)
            .map(|r| r.code.as_str())
            .collect();
        let offers: Vec<String> = row
            .offers
            .iter()
            .map(|o| format!("{}x{}", o.quantity, o.offer_id))
            .collect();
        let text = |value: Option<&str>| text_cell(value.unwrap_or_default());
        csv.write_record([
            row.id.clone(),
            rfc3339(row.created_at),
            rfc3339(row.updated_at),
            row.status.as_str().to_owned(),
            text(row.user_id.as_deref()),
            text(row.merchant.as_deref()),
            text_cell(&offers.join(";")),
            text(row.qr.as_deref()),
            text(receipt.and_then(|r| r.store.as_deref())),
            text(receipt.and_then(|r| r.date.as_deref())),
            receipt
                .and_then(|r| r.total)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            text(receipt.and_then(|r| r.currency.as_deref())),
            reasons.join(";"),
            text(row.duplicate_of.as_deref()),
            text(row.provider_ref.as_deref()),
            text(row.decided_by.as_deref()),
        ])
        .map_err(failed)?;
    }
    csv.into_inner().map_err(|_| {
        ApiError::Storage(sqlx::Error::Protocol("the CSV could not be written".into()))
    })
}

/// A text cell as a spreadsheet may read it: one that starts as a formula
/// would (`=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`,
/// as OWASP's "CSV injection" advice says, so a shopper id such as
/// `=HYPERLINK(...)` shows as the text it is and runs nothing.
pub fn text_cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}
