//! A campaign's day at a glance, for every operator: the last 24 hours'
//! submissions by hour and status (a chart drawn here, as SVG, with its
//! numbers in a table beside it), the failed calls to its provider and its
//! credential refusals, the duplicates caught and what they claimed, and
//! how long the oldest held receipt has waited.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::auth::SignedIn;
use super::browse::read;
use super::view::{Me, campaign_choices, chosen_campaign, page, root, unavailable, when};
use crate::state::AppState;
use crate::store::HOUR_MS;

/// Hours the chart covers, the current one last.
const HOURS: i64 = 24;
/// The chart's drawing area, in SVG units.
const BAR_WIDTH: i64 = 24;
const CHART_HEIGHT: i64 = 160;
const LEFT: i64 = 36;
/// Most duplicates listed.
const DUPLICATES: u32 = 500;

/// The statuses the chart stacks, bottom first, with their colour; queued
/// and processing are one: waiting.
const STACK: [(&str, &str, &str); 5] = [
    ("accepted", "Accepted", "#1a7f37"),
    ("rejected", "Rejected", "#b42318"),
    ("needs_review", "Held for a person", "#b54708"),
    ("failed", "Failed", "#344054"),
    ("waiting", "Waiting on the provider", "#98a2b3"),
];

fn stacked(status: &str) -> &str {
    match status {
        "queued" | "processing" => "waiting",
        other => other,
    }
}

/// One piece of an hour's bar.
struct Piece {
    y: i64,
    height: i64,
    colour: &'static str,
    /// What a pointer over it says.
    title: String,
}

/// One hour's bar.
struct Bar {
    x: i64,
    pieces: Vec<Piece>,
    /// `14:00`, shown under every third bar.
    label: Option<String>,
}

/// One hour's numbers, for the table beside the chart.
struct Row {
    hour: String,
    counts: Vec<i64>,
}

#[derive(Template)]
#[template(path = "console/day.html")]
struct DayPage {
    me: Me,
    campaigns: Vec<(String, String)>,
    campaign: String,
    title: String,
    bars: Vec<Bar>,
    rows: Vec<Row>,
    legend: Vec<(&'static str, &'static str)>,
    /// Submissions in the 24 hours, and the largest hour's.
    total: i64,
    peak: i64,
    width: i64,
    height: i64,
    errors: i64,
    refusals: i64,
    duplicates: usize,
    /// What the duplicates claimed: each offer with its quantity, and the
    /// totals read on their receipts by currency.
    claimed: Vec<String>,
    read_totals: Vec<String>,
    /// The latest few, with what was read.
    latest: Vec<(String, String)>,
    oldest_held: Option<(String, String)>,
}

#[derive(Debug, Deserialize)]
pub struct DayQuery {
    #[serde(default)]
    campaign: Option<String>,
}

/// `14:00` of an hour number.
fn clock(hour: i64) -> String {
    format!("{:02}:00", hour.rem_euclid(24))
}

/// How long since `then` (Unix ms), in hours and minutes.
fn waited(now: i64, then: i64) -> String {
    let minutes = (now - then).max(0) / 60_000;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// The day at a glance of one campaign (the first where none is named).
pub async fn day(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<DayQuery>,
) -> Response {
    let campaigns = campaign_choices(&state);
    let campaign = chosen_campaign(&state, query.campaign, &campaigns);
    let now = state.db.clock().now_ms();
    let first = now / HOUR_MS - (HOURS - 1);
    let db = &state.db;
    let (Ok(counts), Ok(trouble), Ok(duplicates), Ok(oldest)) = (
        db.by_hour(&campaign, first).await,
        db.trouble(&campaign, first).await,
        db.duplicates_since(&campaign, first * HOUR_MS, DUPLICATES)
            .await,
        db.oldest_held(&campaign).await,
    ) else {
        return unavailable();
    };

    let mut grid = vec![[0_i64; STACK.len()]; HOURS as usize];
    for (hour, status, n) in counts {
        let slot = usize::try_from(hour - first)
            .ok()
            .filter(|s| *s < grid.len());
        let layer = STACK.iter().position(|(s, ..)| *s == stacked(&status));
        if let (Some(slot), Some(layer)) = (slot, layer) {
            grid[slot][layer] += n;
        }
    }
    let peak = grid
        .iter()
        .map(|h| h.iter().sum::<i64>())
        .max()
        .unwrap_or(0);
    let scale = |n: i64| {
        if peak == 0 {
            0
        } else {
            n * CHART_HEIGHT / peak
        }
    };
    let bars = grid
        .iter()
        .enumerate()
        .map(|(slot, counts)| {
            let hour = first + slot as i64;
            let mut top = CHART_HEIGHT;
            let pieces = STACK
                .iter()
                .zip(counts)
                .filter(|(_, n)| **n > 0)
                .map(|((_, name, colour), n)| {
                    let height = scale(*n).max(1);
                    top -= height;
                    Piece {
                        y: top,
                        height,
                        colour,
                        title: format!("{}, {name}: {n}", clock(hour)),
                    }
                })
                .collect();
            Bar {
                x: LEFT + slot as i64 * BAR_WIDTH,
                pieces,
                label: (hour % 3 == 0).then(|| clock(hour)),
            }
        })
        .collect();
    let rows = grid
        .iter()
        .enumerate()
        .map(|(slot, counts)| Row {
            hour: clock(first + slot as i64),
            counts: counts.to_vec(),
        })
        .collect();

    let count_of = |kind: &str| -> i64 {
        trouble
            .iter()
            .filter(|(_, k, _)| k == kind)
            .map(|(.., n)| n)
            .sum()
    };
    let mut claimed: BTreeMap<String, u64> = BTreeMap::new();
    let mut read_totals: BTreeMap<String, f64> = BTreeMap::new();
    for row in &duplicates {
        for offer in &row.offers {
            *claimed.entry(offer.offer_id.clone()).or_default() += u64::from(offer.quantity);
        }
        let receipt = row.outcome.as_ref().and_then(|o| o.receipt.as_ref());
        if let Some((total, currency)) = receipt.and_then(|r| Some((r.total?, r.currency.clone())))
        {
            *read_totals.entry(currency.unwrap_or_default()).or_default() += total;
        }
    }
    let title = state
        .campaign(&campaign)
        .map(|c| c.config.title.clone())
        .unwrap_or_default();
    page(
        StatusCode::OK,
        &DayPage {
            me: Me::of(&signed_in),
            campaigns,
            title,
            bars,
            rows,
            legend: STACK
                .iter()
                .map(|(_, name, colour)| (*name, *colour))
                .collect(),
            total: grid.iter().flatten().sum(),
            peak,
            width: LEFT + HOURS * BAR_WIDTH + 8,
            height: CHART_HEIGHT + 24,
            errors: count_of("error"),
            refusals: count_of("credentials"),
            duplicates: duplicates.len(),
            claimed: claimed
                .into_iter()
                .map(|(offer, n)| format!("{offer} × {n}"))
                .collect(),
            read_totals: read_totals
                .into_iter()
                .map(|(currency, total)| format!("{total:.2} {currency}").trim().to_owned())
                .collect(),
            latest: duplicates
                .iter()
                .take(10)
                .map(|row| (row.id.clone(), read(row).unwrap_or_default()))
                .collect(),
            oldest_held: oldest.map(|at| (when(at), waited(now, at))),
            campaign,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_reads_in_hours_and_minutes() {
        assert_eq!(waited(10 * 60_000, 0), "10 min");
        assert_eq!(waited(3 * HOUR_MS + 12 * 60_000, 0), "3 h 12 min");
        assert_eq!(waited(0, 5), "0 min");
        assert_eq!(clock(-1), "23:00");
    }
}
