//! The review console over real HTTP, as a browser without script would use
//! it: an account added as `proxy operator add` adds it, its password set
//! from the one-time link, sign-in, the queue with a held duplicate, a
//! decision through its form; and everything refused: a used link, a forged
//! form, a signed-out request, a session from before a password change, and
//! guessing passwords.

use api::SubmissionStatus;
use proxy::console::{self, Role};
use tests::{TestApp, spawn_app};

const CAMPAIGN: &str = "demo-easypromos-once";

/// A client that keeps the console's cookies and follows no redirect.
pub(crate) struct Console {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    pub(crate) cookies: Vec<(String, String)>,
}

/// A page or a redirect as it came.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) set_cookies: Vec<String>,
    pub(crate) body: String,
}

impl Console {
    pub(crate) fn new(app: &TestApp) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.address.clone(),
            cookies: Vec::new(),
        }
    }

    pub(crate) fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let jar: Vec<String> = self
            .cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        let request = if jar.is_empty() {
            request
        } else {
            request.header("cookie", jar.join("; "))
        };
        let response = request.send().await.unwrap();
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for set in &set_cookies {
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !set.contains("Max-Age=0") {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        Answer {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned()),
            set_cookies,
            body: response.text().await.unwrap(),
        }
    }

    pub(crate) async fn get(&mut self, path_or_url: &str) -> Answer {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.base)
        };
        let request = self.http.get(url);
        self.send(request).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let request = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(request).await
    }

    /// Signs in as `email` with `password` through the form.
    pub(crate) async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        let form = self.get("/operator/sign-in").await;
        let csrf = hidden(&form.body, "csrf");
        self.post(
            "/operator/sign-in",
            &[("email", email), ("password", password), ("csrf", &csrf)],
        )
        .await
    }
}

/// The value of the page's first hidden field `name`.
pub(crate) fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// An account as `proxy operator add` makes it, its password set from the
/// link.
async fn reviewer(app: &TestApp, console: &mut Console, email: &str, password: &str) {
    let invited = console::invite(&app.state.db, email, Role::Reviewer, Some(&app.address))
        .await
        .unwrap();
    set_password(console, &invited.link, password).await;
}

pub(crate) async fn set_password(console: &mut Console, link: &str, password: &str) {
    let page = console.get(link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let token = hidden(&page.body, "token");
    let done = console
        .post(
            "/operator/setup",
            &[
                ("token", &token),
                ("password", password),
                ("again", password),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/operator/sign-in?set=1"));
}

#[tokio::test]
async fn a_reviewer_invited_by_link_signs_in_and_rejects_a_held_duplicate_through_the_form() {
    let app = spawn_app().await;
    let id = app.held_duplicate(CAMPAIGN).await;
    let mut console = Console::new(&app);

    // Added as the CLI adds one: a link on the proxy's public URL.
    let invited = console::invite(
        &app.state.db,
        " Ana@Brand.example",
        Role::Reviewer,
        Some(&app.address),
    )
    .await
    .unwrap();
    assert_eq!(invited.email, "ana@brand.example");
    assert!(
        invited
            .link
            .starts_with(&format!("{}/operator/setup?token=", app.address))
    );
    let again = console::invite(&app.state.db, "ana@brand.example", Role::Admin, None).await;
    assert!(
        matches!(again, Err(console::InviteError::Exists(_))),
        "{again:?}"
    );

    // The password: too short, then two that differ, then set; the link
    // is then used up.
    let page = console.get(&invited.link).await;
    assert!(page.body.contains("ana@brand.example"), "{}", page.body);
    let token = hidden(&page.body, "token");
    let short = console
        .post(
            "/operator/setup",
            &[("token", &token), ("password", "short"), ("again", "short")],
        )
        .await;
    assert_eq!(short.status, 422);
    assert!(short.body.contains("at least 12"), "{}", short.body);
    let differ = console
        .post(
            "/operator/setup",
            &[
                ("token", &token),
                ("password", "a long enough one"),
                ("again", "another long one"),
            ],
        )
        .await;
    assert_eq!(differ.status, 422);
    set_password(&mut console, &invited.link, "paper receipts all day").await;
    assert_eq!(console.get(&invited.link).await.status, 410);

    // Signed out, the queue sends to sign-in; a form posted is refused.
    let away = console.get("/operator/").await;
    assert_eq!(
        (away.status, away.location.as_deref()),
        (303, Some("/operator/sign-in"))
    );
    let refused = console
        .post(
            &format!("/operator/submissions/{id}/decision"),
            &[("decision", "accept")],
        )
        .await;
    assert_eq!(refused.status, 401);

    // No other site may frame a console page, nor its forms post elsewhere.
    let policy = reqwest::get(format!("{}/operator/sign-in", app.address))
        .await
        .unwrap()
        .headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("frame-ancestors 'none'") && policy.contains("form-action 'self'"),
        "{policy}"
    );

    // The sign-in form's token is its cookie's; a wrong password is refused.
    let form = console.get("/operator/sign-in").await;
    let cookie = form.set_cookies.join("\n");
    assert!(
        cookie.contains("rr_console_form=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let forged = console
        .post(
            "/operator/sign-in",
            &[
                ("email", "ana@brand.example"),
                ("password", "paper receipts all day"),
                ("csrf", "made-up"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(
        console
            .sign_in("ana@brand.example", "not the password")
            .await
            .status,
        401
    );
    let signed = console
        .sign_in("ANA@brand.example", "paper receipts all day")
        .await;
    assert_eq!(
        (signed.status, signed.location.as_deref()),
        (303, Some("/operator/"))
    );
    let session = signed
        .set_cookies
        .iter()
        .find(|c| c.starts_with("rr_console="))
        .unwrap();
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Strict")
            && session.contains("Path=/operator"),
        "{session}"
    );
    // The test proxy's public URL is http: no `Secure` (a browser would drop it).
    assert!(!session.contains("Secure"), "{session}");

    // The queue: the held duplicate, why, and the earlier one.
    let queue = console.get("/operator/").await;
    assert_eq!(queue.status, 200);
    assert!(queue.body.contains(&id), "{}", queue.body);
    assert!(queue.body.contains("The same receipt was sent before."));
    assert!(queue.body.contains("ana@brand.example (reviewer)"));
    let csrf = hidden(&queue.body, "csrf");

    // A form from elsewhere (no token, or another) decides nothing.
    let decide = format!("/operator/submissions/{id}/decision");
    for token in ["", "another-sessions-token"] {
        let forged = console
            .post(
                &decide,
                &[
                    ("csrf", token),
                    ("decision", "reject"),
                    ("reason", "duplicate"),
                ],
            )
            .await;
        assert_eq!(forged.status, 403);
    }
    assert_eq!(
        app.state.db.get(&id).await.unwrap().unwrap().status,
        SubmissionStatus::NeedsReview
    );

    // Rejected, with words for the shopper; recorded as Ana's.
    let decided = console
        .post(
            &decide,
            &[
                ("csrf", &csrf),
                ("decision", "reject"),
                ("reason", "duplicate"),
                ("message", "Already paid out."),
            ],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.body);
    assert_eq!(decided.location, Some(format!("/operator/?decided={id}")));
    let row = app.state.db.get(&id).await.unwrap().unwrap();
    assert_eq!(row.status, SubmissionStatus::Rejected);
    assert_eq!(row.decided_by.as_deref(), Some("ana@brand.example"));
    let shopper = app.get_submission(&id).await;
    assert_eq!(
        shopper.outcome.unwrap().reasons[0].message,
        "Already paid out."
    );
    let queue = console.get(&format!("/operator/?decided={id}")).await;
    assert!(
        queue.body.contains("Nothing waits for a person."),
        "{}",
        queue.body
    );

    // A second decision, otherwise: already decided, nothing written.
    let second = console
        .post(&decide, &[("csrf", &csrf), ("decision", "not_duplicate")])
        .await;
    assert_eq!(second.status, 409);
    assert!(
        second.body.contains("already been decided"),
        "{}",
        second.body
    );
    assert_eq!(
        app.state.db.get(&id).await.unwrap().unwrap().status,
        SubmissionStatus::Rejected
    );

    // Signing out ends the session, here and on every instance.
    let old = console.cookie("rr_console").unwrap().to_owned();
    let out = console.post("/operator/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert!(app.state.db.session(&old).await.unwrap().is_none());
}

#[tokio::test]
async fn a_session_from_before_a_password_change_is_over() {
    let app = spawn_app().await;
    let mut console = Console::new(&app);
    reviewer(
        &app,
        &mut console,
        "ben@brand.example",
        "first password here",
    )
    .await;
    assert_eq!(
        console
            .sign_in("ben@brand.example", "first password here")
            .await
            .status,
        303
    );
    assert_eq!(console.get("/operator/").await.status, 200);

    // A forgotten password, set again from a new link (`proxy operator link`).
    let link = console::password_link(&app.state.db, "BEN@brand.example", Some(&app.address))
        .await
        .unwrap();
    let mut other = Console::new(&app);
    set_password(&mut other, &link.link, "second password here").await;

    // The session opened before is over; the old password too.
    let away = console.get("/operator/").await;
    assert_eq!(
        (away.status, away.location.as_deref()),
        (303, Some("/operator/sign-in"))
    );
    assert_eq!(
        console
            .sign_in("ben@brand.example", "first password here")
            .await
            .status,
        401
    );
    assert_eq!(
        console
            .sign_in("ben@brand.example", "second password here")
            .await
            .status,
        303
    );
    assert_eq!(console.get("/operator/").await.status, 200);
    let unknown = console::password_link(&app.state.db, "nobody@brand.example", None).await;
    assert!(
        matches!(unknown, Err(console::InviteError::Unknown(_))),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn guessing_a_password_is_stopped_after_a_few_tries() {
    let app = spawn_app().await;
    let mut console = Console::new(&app);
    reviewer(
        &app,
        &mut console,
        "cleo@brand.example",
        "the right password",
    )
    .await;
    for _ in 0..5 {
        assert_eq!(
            console
                .sign_in("cleo@brand.example", "a wrong guess")
                .await
                .status,
            401
        );
    }
    // Even the right one waits now.
    let stopped = console
        .sign_in("cleo@brand.example", "the right password")
        .await;
    assert_eq!(stopped.status, 429);
    assert!(
        stopped.body.contains("Too many attempts"),
        "{}",
        stopped.body
    );
    assert!(console.cookie("rr_console").is_none());
}

#[tokio::test]
async fn a_link_expires_after_three_days_and_a_session_after_twelve_hours() {
    let app = spawn_app().await;
    let mut console = Console::new(&app);
    let stale = console::invite(&app.state.db, "dev@brand.example", Role::Admin, None)
        .await
        .unwrap();
    app.clock
        .advance(std::time::Duration::from_secs(72 * 3600 + 1));
    let path = stale.link.clone();
    assert_eq!(console.get(&path).await.status, 410);
    let token = path.rsplit('=').next().unwrap();
    let late = console
        .post(
            "/operator/setup",
            &[
                ("token", token),
                ("password", "too late for this"),
                ("again", "too late for this"),
            ],
        )
        .await;
    assert_eq!(late.status, 410);

    // A new link works; the session it leads to lasts twelve hours.
    let fresh = console::password_link(&app.state.db, "dev@brand.example", Some(&app.address))
        .await
        .unwrap();
    set_password(&mut console, &fresh.link, "in time this once").await;
    assert_eq!(
        console
            .sign_in("dev@brand.example", "in time this once")
            .await
            .status,
        303
    );
    let queue = console.get("/operator/").await;
    assert!(
        queue.body.contains("dev@brand.example (admin)"),
        "{}",
        queue.body
    );
    app.clock.advance(std::time::Duration::from_secs(11 * 3600));
    assert_eq!(console.get("/operator/").await.status, 200);
    app.clock.advance(std::time::Duration::from_secs(3600 + 1));
    let away = console.get("/operator/").await;
    assert_eq!(
        (away.status, away.location.as_deref()),
        (303, Some("/operator/sign-in"))
    );
}

/// A reviewer could not see the earlier receipt a held one duplicates: its
/// photos were dropped as soon as the provider had them.
#[tokio::test]
async fn a_held_duplicate_is_shown_beside_the_earlier_receipts_photo_kept_until_it_is_decided() {
    let app = spawn_app().await;
    let held = app.held_duplicate(CAMPAIGN).await;
    let earlier = app.row(&held).await.duplicate_of.unwrap();
    assert!(
        app.row(&earlier).await.provider_ref.is_some(),
        "the provider has it"
    );
    let mut console = Console::new(&app);
    reviewer(
        &app,
        &mut console,
        "rita@brand.example",
        "queue work all day",
    )
    .await;
    console
        .sign_in("rita@brand.example", "queue work all day")
        .await;

    let queue = console.get("/operator/").await;
    for id in [&held, &earlier] {
        let photo = format!("/operator/submissions/{id}/photos/0");
        assert!(
            queue.body.contains(&format!("src=\"{photo}\"")),
            "{}",
            queue.body
        );
        let image = console
            .http
            .get(format!("{}{photo}", console.base))
            .header(
                "cookie",
                format!("rr_console={}", console.cookie("rr_console").unwrap()),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(image.headers()["content-type"], "image/jpeg");
        assert_eq!(image.headers()["x-content-type-options"], "nosniff");
        let bytes = image.bytes().await.unwrap();
        assert_eq!(&bytes[..2], [0xFF, 0xD8], "a JPEG");
    }
    // Not to anyone signed out.
    let stranger = Console::new(&app)
        .get(&format!("/operator/submissions/{earlier}/photos/0"))
        .await;
    assert_eq!(stranger.status, 303);

    // Past the campaign's duplicates window (90 days) the sweep keeps them
    // while the held one waits, and drops them once it is decided.
    app.clock
        .advance(std::time::Duration::from_secs(91 * 86_400));
    proxy::retention::sweep(&app.state).await.unwrap();
    assert_eq!(app.state.db.photo_types(&earlier).await.unwrap().len(), 1);
    // (The session of three months ago is over.)
    console
        .sign_in("rita@brand.example", "queue work all day")
        .await;
    let queue = console.get("/operator/").await;
    let csrf = hidden(&queue.body, "csrf");
    let decided = console
        .post(
            &format!("/operator/submissions/{held}/decision"),
            &[
                ("csrf", &csrf),
                ("decision", "reject"),
                ("reason", "duplicate"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303);
    proxy::retention::sweep(&app.state).await.unwrap();
    assert!(app.state.db.photo_types(&earlier).await.unwrap().is_empty());
    assert!(app.state.db.photo_types(&held).await.unwrap().is_empty());
}
