//! The review console in Chromium (at the tests' phone size, where its pages
//! fit too), as a reviewer uses it: the password set from the one-time link,
//! sign-in, the queue with a held duplicate, rejected through its form. Each
//! page is checked with axe (WCAG 2.1 A and AA, the whole page) and
//! photographed.

use api::SubmissionStatus;
use fantoccini::Locator;
use proxy::console::{self, Role};
use tests::browser::Browser;
use tests::spawn_app;

/// Types `text` into the page's field `name`.
async fn fill(browser: &Browser, name: &str, text: &str) {
    browser
        .client
        .find(Locator::Css(&format!("[name=\"{name}\"]")))
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
