//! The review console in Chromium (at the tests' phone size, where its pages
//! fit too), as its people use it: a reviewer sets a password from the
//! one-time link, signs in and rejects a held duplicate beside the earlier
//! receipt while a Spanish shopper's widget waits, and the brand's receiver
//! is told; an admin adds a reviewer, erases a shopper and reads the audit
//! log, and the reviewer is refused the admin's pages; a form posted from
//! another site, and a session from before a password change, are refused;
//! sign-in through the brand's identity provider. Each page is checked with
//! axe (WCAG 2.1 A and AA, the whole page) and photographed.

use api::SubmissionStatus;
use axum::http::{HeaderMap, StatusCode};
use fantoccini::Locator;
use proxy::console::{self, Role};
use tests::browser::Browser;
use tests::{TestApp, spawn_app};

/// Types `text` into the page's visible field `name`.
async fn fill(browser: &Browser, name: &str, text: &str) {
    browser
        .client
        .find(Locator::Css(&format!(
            "input:not([type=hidden])[name=\"{name}\"]"
        )))
        .await
        .unwrap_or_else(|e| panic!("no field {name}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

/// Clicks the button `selector` and waits for the page that answers.
async fn press(browser: &Browser, selector: &str) {
    browser
        .client
        .find(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("no {selector}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Waits (bounded) until the page's text contains `needle`.
async fn shows(browser: &Browser, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(body) = browser.client.find(Locator::Css("body")).await {
            last = body.text().await.unwrap_or_default();
            if last.contains(needle) {
                return last;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the page never said {needle:?}; it said {last:?}");
}

#[tokio::test]
async fn a_reviewer_sets_a_password_signs_in_and_rejects_a_held_duplicate() {
    let app = spawn_app().await;
    let id = app.held_duplicate("demo-easypromos-once").await;
    let invited = console::invite(
        &app.state.db,
        "dana@brand.example",
        Role::Reviewer,
        Some(&app.address),
    )
    .await
    .unwrap();

    let browser = Browser::start().await;
    browser.client.goto(&invited.link).await.unwrap();
    shows(&browser, "For dana@brand.example").await;
    browser.assert_page_accessible("console-setup").await;
    browser.screenshot("console-01-setup").await;
    fill(&browser, "password", "receipts every morning").await;
    fill(&browser, "again", "receipts every morning").await;
    press(&browser, "button[type=submit]").await;

    shows(&browser, "Your password is set").await;
    browser.assert_page_accessible("console-sign-in").await;
    browser.screenshot("console-02-sign-in").await;
    fill(&browser, "email", "dana@brand.example").await;
    fill(&browser, "password", "receipts every morning").await;
    press(&browser, "button[type=submit]").await;

    let queue = shows(&browser, "Review queue").await;
    assert!(queue.contains(&id), "{queue}");
    assert!(
        queue.contains("The same receipt was sent before."),
        "{queue}"
    );
    browser.assert_page_accessible("console-queue").await;
    browser.screenshot("console-03-queue").await;
    fill(&browser, "message", "This receipt was paid out already.").await;
    press(&browser, "button[value=reject]").await;

    shows(&browser, "Nothing waits for a person.").await;
    browser.assert_page_accessible("console-decided").await;
    browser.screenshot("console-04-decided").await;
    let row = app.state.db.get(&id).await.unwrap().unwrap();
    assert_eq!(row.status, SubmissionStatus::Rejected);
    assert_eq!(row.decided_by.as_deref(), Some("dana@brand.example"));
    let shopper = app.get_submission(&id).await;
    assert_eq!(
        shopper.outcome.unwrap().reasons[0].message,
        "This receipt was paid out already."
    );
    browser.close().await;
}

#[tokio::test]
async fn an_admin_adds_a_reviewer_and_erases_a_shopper_and_the_reviewer_may_not_erase() {
    let app = spawn_app().await;
    let campaign = "demo-easypromos-once";
    let id = app
        .submit_as(
            campaign,
            "shopper-5",
            &[tests::fixtures::receipt_jpeg()],
            None,
        )
        .await;
    let (browser, _) = invited(
        &app,
        "boss@brand.example",
        Role::Admin,
        "the brand's own admin",
    )
    .await;

    // Accounts: the admin adds a reviewer and is shown their link once.
    press(&browser, "nav a[href='/operator/accounts']").await;
    shows(&browser, "Everyone who can sign in").await;
    browser.assert_page_accessible("console-accounts").await;
    fill(&browser, "email", "rita@brand.example").await;
    press(&browser, "form[action='/operator/accounts'] button").await;
    shows(&browser, "A link for rita@brand.example (reviewer)").await;
    browser
        .assert_page_accessible("console-account-added")
        .await;
    browser.screenshot("console-05-account-added").await;
    let link = browser
        .client
        .find(Locator::Css(".link code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    // A shopper erased, after the confirmation step.
    press(&browser, "nav a[href='/operator/shoppers']").await;
    shows(&browser, "Erase a shopper's data").await;
    browser.assert_page_accessible("console-erase").await;
    fill(&browser, "shopper", "shopper-5").await;
    press(&browser, "form[action='/operator/shoppers/erase'] button").await;
    shows(&browser, "has 1 submission.").await;
    browser
        .assert_page_accessible("console-erase-confirm")
        .await;
    browser.screenshot("console-06-erase-confirm").await;
    assert!(app.state.db.get(&id).await.unwrap().is_some());
    press(&browser, "button.danger").await;
    shows(&browser, "Erased: 1 submission.").await;
    assert!(app.state.db.get(&id).await.unwrap().is_none());

    // Retention, exports and the audit log, each a page of its own.
    for (link_to, says, step) in [
        (
            "/operator/retention",
            "Days a final submission is kept",
            "console-07-retention",
        ),
        ("/operator/exports", "CSV", "console-08-exports"),
        ("/operator/audit", "Erased a shopper", "console-09-audit"),
    ] {
        press(&browser, &format!("nav a[href='{link_to}']")).await;
        shows(&browser, says).await;
        browser.assert_page_accessible(step).await;
        browser.screenshot(step).await;
    }
    press(&browser, "form[action='/operator/sign-out'] button").await;
    shows(&browser, "Sign in").await;

    // The reviewer: signed in from the link, refused the admin's pages.
    let queue = signed_in(&browser, &link, "rita@brand.example", "queue work all day").await;
    assert!(!queue.contains("Erase a shopper"), "{queue}");
    let shoppers = format!("{}/operator/shoppers", app.address);
    browser.client.goto(&shoppers).await.unwrap();
    shows(&browser, "Admins only").await;
    browser.assert_page_accessible("console-refused").await;
    browser.screenshot("console-10-reviewer-refused").await;
    browser.close().await;
}

/// What a brand's receiver verified and kept: each signed body.
type Received = std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>;

/// A brand's webhook receiver on loopback that keeps every body whose
/// Standard Webhooks signature holds (with `secret`, read when a request
/// comes: the app that knows it starts after the receiver).
async fn brand_receiver(
    secret: std::sync::Arc<std::sync::Mutex<String>>,
) -> (std::net::SocketAddr, Received) {
    let received = Received::default();
    let kept = received.clone();
    let router = axum::Router::new().route(
        "/hooks/receipts",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let (kept, secret) = (kept.clone(), secret.lock().unwrap().clone());
            async move {
                let webhook = standardwebhooks::Webhook::new(&secret).unwrap();
                if webhook.verify(&body, &headers).is_err() {
                    return StatusCode::UNAUTHORIZED;
                }
                kept.lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap());
                StatusCode::NO_CONTENT
            }
        }),
    );
    (tests::serve_on_loopback(router).await, received)
}

/// Waits (bounded) until the receiver has a `kind` event about `id`.
async fn told(received: &Received, kind: &str, id: &str) -> serde_json::Value {
    for _ in 0..200 {
        let found = received
            .lock()
            .unwrap()
            .iter()
            .find(|b| b["type"] == kind && b["data"]["id"] == id)
            .cloned();
        if let Some(body) = found {
            return body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the brand was never told {kind} about {id}");
}

#[tokio::test]
async fn a_reviewer_rejects_a_duplicate_beside_the_earlier_receipt_and_the_spanish_shopper_reads_why()
 {
    let secret = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (receiver, received) = brand_receiver(secret.clone()).await;
    let app = tests::spawn_app_with(tests::Options {
        notify_url: Some(format!("http://{receiver}/hooks/receipts")),
        ..tests::Options::live()
    })
    .await;
    *secret.lock().unwrap() = tests::config::notify_secret(&app.dir);
    let tee = tests::tee::Recorder::start(&app.address).await;
    let campaign = "demo-easypromos-once";
    let first = app
        .submit_photo(campaign, tests::fixtures::receipt_jpeg())
        .await;
    app.wait_for_row(&first, |row| row.status.is_final()).await;

    // The shopper, in Spanish, sends the same receipt again: held.
    let photo = tests::fixtures::write("receipt-again.jpg", &tests::fixtures::receipt_jpeg());
    let shopper = Browser::start().await;
    shopper
        .client
        .goto(&format!("{}/?campaign={campaign}&lang=es", tee.address))
        .await
        .unwrap();
    let widget = shopper.widget().await;
    tests::browser::choose_photo(&widget, &photo).await;
    tests::browser::click(&widget, ".rr-submit").await;
    tests::browser::text_containing(&widget, ".rr-status", "Una persona revisará tu ticket").await;
    let held = app.state.db.held(10).await.unwrap().pop().expect("held").id;

    // The reviewer sees both receipts and rejects with the campaign's reason.
    let (reviewer, queue) = invited(
        &app,
        "rita@brand.example",
        Role::Reviewer,
        "queue work all day",
    )
    .await;
    assert!(queue.contains(&held) && queue.contains(&first), "{queue}");
    // Both photos shown, each loaded (an image that failed has no width).
    let widths = reviewer
        .client
        .execute(
            "return Array.from(document.querySelectorAll('ul.photos img')).map(i => i.naturalWidth)",
            vec![],
        )
        .await
        .unwrap();
    let widths: Vec<u64> = serde_json::from_value(widths).unwrap();
    assert_eq!(
        widths.len(),
        2,
        "the held receipt's photo and the earlier one's"
    );
    assert!(
        widths.iter().all(|w| *w > 0),
        "a photo did not load: {widths:?}"
    );
    assert!(
        queue.contains("Paid out already"),
        "the campaign's reasons: {queue}"
    );
    reviewer.assert_page_accessible("console-held-beside").await;
    reviewer.screenshot("console-11-held-beside-earlier").await;
    press(&reviewer, "button[value=reject]").await;
    shows(&reviewer, "Nothing waits for a person.").await;

    // The shopper reads why in Spanish, the brand is told, signed.
    tests::browser::text_containing(&widget, ".rr-status", "no ha sido aceptado").await;
    tests::browser::text_containing(
        &widget,
        ".rr-reasons",
        "Este ticket ya se pagó en esta promoción.",
    )
    .await;
    shopper.step("99-rejected-in-the-shoppers-words").await;
    let reviewed = told(&received, "submission.reviewed", &held).await;
    assert_eq!(reviewed["data"]["status"], "rejected");
    assert_eq!(reviewed["data"]["decided_by"], "rita@brand.example");
    assert_eq!(
        reviewed["data"]["outcome"]["reasons"][0]["words"]["es"],
        "Este ticket ya se pagó en esta promoción."
    );

    // Another held one is no duplicate: sent on, it gets the provider's verdict.
    let again = app
        .submit_photo(campaign, tests::fixtures::receipt_jpeg())
        .await;
    app.wait_for_row(&again, |row| row.status == SubmissionStatus::NeedsReview)
        .await;
    reviewer
        .client
        .goto(&format!("{}/operator/", app.address))
        .await
        .unwrap();
    shows(&reviewer, &again).await;
    press(&reviewer, "button[value=not_duplicate]").await;
    shows(&reviewer, "Nothing waits for a person.").await;
    let done = app.wait_for_row(&again, |row| row.status.is_final()).await;
    assert_eq!(done.status, SubmissionStatus::Accepted);
    assert!(done.provider_ref.is_some(), "the provider read it");
    assert_eq!(done.decided_by.as_deref(), Some("rita@brand.example"));

    // The campaign's day: three receipts, two duplicates caught.
    press(&reviewer, "nav a[href='/operator/day']").await;
    reviewer
        .client
        .goto(&format!("{}/operator/day?campaign={campaign}", app.address))
        .await
        .unwrap();
    let day = shows(&reviewer, "Duplicates caught").await;
    assert!(day.contains("3 submissions;"), "{day}");
    reviewer.assert_page_accessible("console-day").await;
    reviewer.screenshot("console-12-day").await;
    reviewer.close().await;
    shopper.close().await;
}

/// A session cookie set at the end of a sign-in that began at another site
/// is one a browser may hold back (`SameSite=Strict`): the sign-in through
/// the identity provider ends on the console's own page.
#[tokio::test]
async fn a_reviewer_signs_in_through_the_brands_identity_provider_in_chromium() {
    let app = tests::spawn_app_with(tests::Options {
        console_oidc: true,
        ..tests::Options::default()
    })
    .await;
    console::invite(&app.state.db, "rita@brand.example", Role::Reviewer, None)
        .await
        .unwrap();
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/operator/", app.address))
        .await
        .unwrap();
    shows(&browser, "Sign in with Sandbox ID").await;
    browser.assert_page_accessible("console-sign-in-oidc").await;
    browser.screenshot("console-13-sign-in-oidc").await;
    press(&browser, "a.button").await;
    shows(&browser, "Sandbox ID").await;
    fill(&browser, "email", "rita@brand.example").await;
    press(&browser, "button[type=submit]").await;
    let queue = shows(&browser, "Review queue").await;
    assert!(queue.contains("rita@brand.example (reviewer)"), "{queue}");
    browser.close().await;
}

/// Signs in at the console in `browser` as `email`, whose password is set
/// from `link` first; answers the review queue's text.
async fn signed_in(browser: &Browser, link: &str, email: &str, password: &str) -> String {
    browser.client.goto(link).await.unwrap();
    fill(browser, "password", password).await;
    fill(browser, "again", password).await;
    press(browser, "button[type=submit]").await;
    shows(browser, "Your password is set").await;
    fill(browser, "email", email).await;
    fill(browser, "password", password).await;
    press(browser, "button[type=submit]").await;
    shows(browser, "Review queue").await
}

/// A new account of `role` for `email`, signed in from its one-time link in
/// a browser of its own with `password`: the browser, and the queue it
/// lands on.
async fn invited(app: &TestApp, email: &str, role: Role, password: &str) -> (Browser, String) {
    let invited = console::invite(&app.state.db, email, role, Some(&app.address))
        .await
        .unwrap();
    let browser = Browser::start().await;
    let queue = signed_in(&browser, &invited.link, email, password).await;
    (browser, queue)
}

#[tokio::test]
async fn a_forged_form_and_a_session_from_before_a_password_change_are_refused_in_chromium() {
    let app = spawn_app().await;
    let held = app.held_duplicate("demo-easypromos-once").await;
    let (browser, _) = invited(
        &app,
        "rita@brand.example",
        Role::Reviewer,
        "queue work all day",
    )
    .await;

    // Every page a reviewer reaches is accessible: the list, a search, one
    // submission.
    for (path, says, step) in [
        (
            "/operator/submissions?campaign=demo-easypromos-once",
            "Newest first",
            "console-list",
        ),
        (
            &*format!("/operator/search?q={held}"),
            "Matching",
            "console-search",
        ),
        (
            &*format!("/operator/submissions/{held}"),
            "Photos",
            "console-submission",
        ),
    ] {
        browser
            .client
            .goto(&format!("{}{path}", app.address))
            .await
            .unwrap();
        shows(&browser, says).await;
        browser.assert_page_accessible(step).await;
    }
    browser.screenshot("console-14-submission").await;
    // The confirmation before sending a campaign's failed ones again (here
    // none can go), reached as the list's button reaches it.
    browser
        .client
        .execute(
            "const f = document.createElement('form'); f.method = 'post'; \
             f.action = '/operator/campaigns/demo-easypromos-once/resend'; \
             const t = document.querySelector('input[name=csrf]').cloneNode(); \
             f.appendChild(t); document.body.appendChild(f); f.submit();",
            vec![],
        )
        .await
        .unwrap();
    shows(&browser, "None can be sent again").await;
    browser
        .assert_page_accessible("console-resend-confirm")
        .await;

    // A page of another site posts a decision with no token: the session
    // cookie stays home (SameSite=Strict), and nothing is decided.
    let forged = format!(
        "data:text/html,<form method=post action='{}/operator/submissions/{held}/decision'>\
         <input name=decision value=reject><input name=reason value=duplicate></form>\
         <script>document.forms[0].submit()</script>",
        app.address
    );
    browser.client.goto(&forged).await.unwrap();
    shows(&browser, "session has ended").await;
    assert_eq!(
        app.state.db.get(&held).await.unwrap().unwrap().status,
        SubmissionStatus::NeedsReview
    );

    // The password is set again elsewhere (a new link from an admin): this
    // browser's session is over.
    let relink = console::password_link(&app.state.db, "rita@brand.example", Some(&app.address))
        .await
        .unwrap();
    let elsewhere = Browser::start().await;
    signed_in(
        &elsewhere,
        &relink.link,
        "rita@brand.example",
        "a brand new password",
    )
    .await;
    elsewhere.close().await;
    browser
        .client
        .goto(&format!("{}/operator/", app.address))
        .await
        .unwrap();
    shows(&browser, "Sign in to the console").await;
    browser.close().await;
}
