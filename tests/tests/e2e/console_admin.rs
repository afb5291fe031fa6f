//! The console's admin pages over real HTTP: an admin adds a reviewer, who is
//! refused every admin page and form; a shopper erased after a confirmation
//! step; retention changed; a campaign exported; and the audit log of all of
//! it, which an erasure strips of whom it concerned.

use api::SubmissionStatus;
use proxy::console::{self, Role};
use tests::{TestApp, fixtures, spawn_app};

use crate::console::{Console, hidden, set_password};

const CAMPAIGN: &str = "demo-easypromos-once";

/// An admin, as `proxy operator add --role admin` makes one, signed in.
async fn admin(app: &TestApp, email: &str) -> Console {
    let mut console = Console::new(app);
    let invited = console::invite(&app.state.db, email, Role::Admin, Some(&app.address))
        .await
        .unwrap();
    set_password(&mut console, &invited.link, "the brand's own admin").await;
    let signed_in = console.sign_in(email, "the brand's own admin").await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    console
}

/// The one-time link an accounts page shows.
fn shown_link(page: &str) -> String {
    let start = page.find("/operator/setup?token=").expect("a link shown");
    let from_origin = page[..start].rfind("<code>").expect("the link in code") + "<code>".len();
    page[from_origin..].split('<').next().unwrap().to_owned()
}

#[tokio::test]
async fn an_admin_adds_a_reviewer_who_is_refused_every_admin_page_and_form() {
    let app = spawn_app().await;
    let mut admin = admin(&app, "boss@brand.example").await;

    let accounts = admin.get("/operator/accounts").await;
    assert_eq!(accounts.status, 200, "{}", accounts.body);
    assert!(accounts.body.contains("boss@brand.example"));
    let csrf = hidden(&accounts.body, "csrf");

    // Refused: no token, a role that is none, an email taken.
    let forged = admin
        .post(
            "/operator/accounts",
            &[("email", "eve@brand.example"), ("role", "admin")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let no_role = admin
        .post(
            "/operator/accounts",
            &[
                ("csrf", &csrf),
                ("email", "eve@brand.example"),
                ("role", "owner"),
            ],
        )
        .await;
    assert_eq!(no_role.status, 422);
    let taken = admin
        .post(
            "/operator/accounts",
            &[
                ("csrf", &csrf),
                ("email", "boss@brand.example"),
                ("role", "reviewer"),
            ],
        )
        .await;
    assert_eq!(taken.status, 422);
    assert!(
        taken.body.contains("has an account already"),
        "{}",
        taken.body
    );
    let eve = app.state.db.operator_by_email("eve@brand.example").await;
    assert!(eve.unwrap().is_none(), "a refused form added an account");

    // Added: the link is shown once, and works.
    let added = admin
        .post(
            "/operator/accounts",
            &[
                ("csrf", &csrf),
                ("email", "Rita@Brand.example"),
                ("role", "reviewer"),
            ],
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let link = shown_link(&added.body);
    assert!(link.starts_with(&app.address), "{link}");
    assert!(added.body.contains("Not set yet"), "{}", added.body);
    let mut rita = Console::new(&app);
    set_password(&mut rita, &link, "queue work all day").await;
    assert_eq!(
        rita.sign_in("rita@brand.example", "queue work all day")
            .await
            .status,
        303
    );

    // The reviewer's queue has no admin links; the admin's has.
    let queue = rita.get("/operator/").await;
    assert_eq!(queue.status, 200);
    assert!(!queue.body.contains("/operator/accounts"));
    assert!(
        admin
            .get("/operator/")
            .await
            .body
            .contains("/operator/accounts")
    );

    // Every admin page and form refuses the reviewer.
    for path in [
        "/operator/accounts",
        "/operator/shoppers",
        "/operator/exports",
        &format!("/operator/exports/{CAMPAIGN}.csv"),
        "/operator/retention",
        "/operator/audit",
        "/operator/audit.csv",
    ] {
        let page = rita.get(path).await;
        assert_eq!(page.status, 403, "{path}: {}", page.body);
        assert!(page.body.contains("Admins only"), "{path}");
    }
    let id = app
        .submit_as(CAMPAIGN, "shopper-9", &[fixtures::receipt_jpeg()], None)
        .await;
    let rita_csrf = hidden(&queue.body, "csrf");
    for (path, form) in [
        (
            "/operator/shoppers/erase",
            vec![
                ("csrf", rita_csrf.as_str()),
                ("shopper", "shopper-9"),
                ("confirm", "yes"),
            ],
        ),
        (
            "/operator/accounts",
            vec![
                ("csrf", rita_csrf.as_str()),
                ("email", "mallory@x.example"),
                ("role", "admin"),
            ],
        ),
        (
            "/operator/retention",
            vec![
                ("csrf", rita_csrf.as_str()),
                ("failed_photos_days", "1"),
                ("submissions_days", "1"),
            ],
        ),
    ] {
        let refused = rita.post(path, &form).await;
        assert_eq!(refused.status, 403, "{path}: {}", refused.body);
    }
    assert!(
        app.state.db.get(&id).await.unwrap().is_some(),
        "erased by a reviewer"
    );
    let mallory = app.state.db.operator_by_email("mallory@x.example").await;
    assert!(mallory.unwrap().is_none());
    let retention = proxy::retention::in_force(&app.state).await.unwrap();
    assert_ne!(retention.submissions_days, 1);

    // A new link for a forgotten password: the old one is void.
    let relinked = admin
        .post(
            "/operator/accounts/link",
            &[("csrf", &csrf), ("email", "rita@brand.example")],
        )
        .await;
    assert_eq!(relinked.status, 200, "{}", relinked.body);
    assert_ne!(shown_link(&relinked.body), link);
    assert_eq!(Console::new(&app).get(&link).await.status, 410);
}

#[tokio::test]
async fn an_admin_erases_a_shopper_after_confirming_and_the_audit_log_keeps_only_that_it_happened()
{
    let app = spawn_app().await;
    let first = app
        .submit_as(CAMPAIGN, "shopper-7", &[fixtures::receipt_jpeg()], None)
        .await;
    assert_eq!(app.settle(&first).await.status, SubmissionStatus::Accepted);
    let again = app
        .submit_as(CAMPAIGN, "shopper-7", &[fixtures::receipt_jpeg()], None)
        .await;
    assert_eq!(
        app.settle(&again).await.status,
        SubmissionStatus::NeedsReview
    );
    let mut admin = admin(&app, "boss@brand.example").await;

    // A decision, written with whom it concerned.
    let queue = admin.get("/operator/").await;
    let csrf = hidden(&queue.body, "csrf");
    let decided = admin
        .post(
            &format!("/operator/submissions/{again}/decision"),
            &[
                ("csrf", &csrf),
                ("decision", "reject"),
                ("reason", "duplicate"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.body);
    let log = admin.get("/operator/audit").await;
    assert!(
        log.body.contains("Decided a held submission"),
        "{}",
        log.body
    );
    assert!(log.body.contains(&again));
    assert!(log.body.contains("reject: duplicate"));

    // The first post only asks; nothing goes until it is confirmed.
    let asked = admin
        .post(
            "/operator/shoppers/erase",
            &[("csrf", &csrf), ("shopper", "shopper-7")],
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(asked.body.contains("has 2 submissions"), "{}", asked.body);
    assert_eq!(hidden(&asked.body, "confirm"), "yes");
    assert_eq!(app.state.db.count_of_user("shopper-7").await.unwrap(), 2);
    let forged = admin
        .post(
            "/operator/shoppers/erase",
            &[("shopper", "shopper-7"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let erased = admin
        .post(
            "/operator/shoppers/erase",
            &[
                ("csrf", &csrf),
                ("shopper", "shopper-7"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(erased.status, 303, "{}", erased.body);
    assert_eq!(
        erased.location.as_deref(),
        Some("/operator/shoppers?erased=2")
    );
    assert_eq!(app.state.db.count_of_user("shopper-7").await.unwrap(), 0);

    // The log keeps who did what and when, not whom it concerned.
    let log = admin.get("/operator/audit").await;
    assert!(log.body.contains("Erased a shopper"), "{}", log.body);
    assert!(log.body.contains("2 submissions"));
    assert!(log.body.contains("Decided a held submission"));
    assert!(log.body.contains("Signed in"));
    assert!(log.body.contains("127.0.0.1"), "no address: {}", log.body);
    for gone in [again.as_str(), "reject: duplicate", "shopper-7"] {
        assert!(!log.body.contains(gone), "{gone} stayed in the log");
    }
    let csv = admin.get("/operator/audit.csv").await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.body
            .starts_with("at,actor,action,subject,detail,address"),
        "{}",
        csv.body
    );
    assert!(
        csv.body
            .contains("boss@brand.example,erase,,2 submissions,127.0.0.1"),
        "{}",
        csv.body
    );
    assert!(!csv.body.contains("shopper-7") && !csv.body.contains(&again));
    // Its export is itself written down.
    let log = app.state.db.audit_log(None, 1).await.unwrap();
    assert_eq!(log[0].entry.action, "export_audit");
}

#[tokio::test]
async fn an_admin_changes_retention_and_exports_a_campaign_and_the_api_key_is_audited_too() {
    let app = spawn_app().await;
    let id = app
        .submit_as(CAMPAIGN, "shopper-3", &[fixtures::receipt_jpeg()], None)
        .await;
    let mut admin = admin(&app, "boss@brand.example").await;

    let page = admin.get("/operator/retention").await;
    assert_eq!(page.status, 200);
    let csrf = hidden(&page.body, "csrf");
    let below_a_day = admin
        .post(
            "/operator/retention",
            &[
                ("csrf", &csrf),
                ("failed_photos_days", "0"),
                ("submissions_days", "30"),
            ],
        )
        .await;
    assert_eq!(below_a_day.status, 422);
    let changed = admin
        .post(
            "/operator/retention",
            &[
                ("csrf", &csrf),
                ("failed_photos_days", "2"),
                ("submissions_days", "30"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let retention = proxy::retention::in_force(&app.state).await.unwrap();
    assert_eq!(
        (retention.failed_photos_days, retention.submissions_days),
        (2, 30)
    );
    assert!(
        admin
            .get("/operator/retention")
            .await
            .body
            .contains("value=\"30\"")
    );

    let exports = admin.get("/operator/exports").await;
    assert!(
        exports
            .body
            .contains(&format!("/operator/exports/{CAMPAIGN}.csv"))
    );
    let csv = admin
        .get(&format!("/operator/exports/{CAMPAIGN}.csv"))
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.body.contains(&id) && csv.body.contains("shopper-3"),
        "{}",
        csv.body
    );
    assert_eq!(
        admin.get("/operator/exports/nothing-here.csv").await.status,
        404
    );

    // The operator API's key is written down as itself.
    let patched = app
        .operator(reqwest::Method::PATCH, "/v1/operator/retention")
        .json(&serde_json::json!({ "submissions_days": 40 }))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let log = app.state.db.audit_log(None, 10).await.unwrap();
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|a| (a.entry.actor.as_str(), a.entry.action.as_str()))
        .collect();
    assert_eq!(
        actions[..3],
        [
            ("operator API key", "retention"),
            ("boss@brand.example", "export"),
            ("boss@brand.example", "retention"),
        ]
    );
    assert_eq!(
        log[0].entry.detail.as_deref(),
        Some("failed photos 2 days, submissions 40 days")
    );
}
