//! The console signing people in through the brand's OpenID Connect identity
//! provider (the sandbox's, over real HTTP): the authorization code flow with
//! PKCE, a known account's session opened, and everything else refused: a
//! password, a state that is not the flow's, a code used twice, a person
//! with no account.

use proxy::console::{self, Role};
use tests::{Options, TestApp, spawn_app_with};

use crate::console::{Console, hidden};

async fn start() -> TestApp {
    spawn_app_with(Options {
        console_oidc: true,
        ..Options::default()
    })
    .await
}

/// Signs in at the sandbox's provider as `email`, from the console's
/// sign-in link: answers the provider's redirect back to the console.
async fn at_the_provider(console: &mut Console, email: &str) -> String {
    let started = console.get("/operator/sign-in/oidc").await;
    assert_eq!(started.status, 303, "{}", started.body);
    let flow = started
        .set_cookies
        .iter()
        .find(|c| c.starts_with("rr_console_oidc="))
        .expect("the flow's cookie");
    assert!(
        flow.contains("SameSite=Lax") && flow.contains("HttpOnly"),
        "{flow}"
    );
    let authorize = started.location.unwrap();
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "{authorize}"
    );
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http
        .get(&authorize)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut form: Vec<(&str, String)> = ["redirect_uri", "state", "nonce", "code_challenge"]
        .into_iter()
        .map(|name| (name, hidden(&page, name).replace("&amp;", "&")))
        .collect();
    form.push(("email", email.to_owned()));
    let back = http.post(&authorize).form(&form).send().await.unwrap();
    assert_eq!(back.status(), 303);
    back.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_reviewer_signs_in_through_the_brands_identity_provider_and_nothing_else_gets_in() {
    let app = start().await;
    console::invite(&app.state.db, "rita@brand.example", Role::Reviewer, None)
        .await
        .unwrap();
    let mut console = Console::new(&app);

    // No password form, and a password is refused.
    let page = console.get("/operator/sign-in").await;
    assert!(
        page.body.contains("Sign in with Sandbox ID"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("type=\"password\""));
    let password = console
        .post(
            "/operator/sign-in",
            &[
                ("email", "rita@brand.example"),
                ("password", "anything at all"),
            ],
        )
        .await;
    assert_eq!(password.status, 403);

    // Signed in at the provider: back with a code, a session opened.
    let callback = at_the_provider(&mut console, "Rita@Brand.example").await;
    assert!(callback.starts_with(&format!("{}/operator/oidc/callback?", app.address)));
    let flow = console.cookie("rr_console_oidc").unwrap().to_owned();
    let signed_in = console.get(&callback).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    assert!(
        signed_in.body.contains("url=/operator/"),
        "moves on by itself"
    );
    let queue = console.get("/operator/").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert!(queue.body.contains("rita@brand.example (reviewer)"));
    let log = app.state.db.audit_log(None, 1).await.unwrap();
    assert_eq!(log[0].entry.action, "sign_in");
    assert_eq!(log[0].entry.detail.as_deref(), Some("through Sandbox ID"));

    assert_eq!(console.cookie("rr_console_oidc"), None, "the flow is over");

    // The same code again, with the same flow: the provider refuses it.
    let mut again = Console::new(&app);
    again.cookies.push(("rr_console_oidc".to_owned(), flow));
    let replayed = again.get(&callback).await;
    assert_eq!(replayed.status, 403);
    assert_eq!(again.get("/operator/").await.status, 303, "no session");

    // A state that is not this browser's flow: refused before the code is used.
    let mut other = Console::new(&app);
    let callback = at_the_provider(&mut other, "rita@brand.example").await;
    let forged = callback.replace("state=", "state=x");
    assert_eq!(other.get(&forged).await.status, 403);
    assert_eq!(other.get("/operator/").await.status, 303, "no session");

    // Someone the provider knows but the console does not.
    let mut stranger = Console::new(&app);
    let callback = at_the_provider(&mut stranger, "mallory@brand.example").await;
    let refused = stranger.get(&callback).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("no account"), "{}", refused.body);
    assert_eq!(stranger.get("/operator/").await.status, 303);
}
