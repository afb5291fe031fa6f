//! The widget on the brand's page: accessibility inside its shadow root, two
//! widgets on one page, signed shoppers, and a page the campaign does not
//! allow.

use tests::browser::{self, Browser};
use tests::fixtures;

use super::dead_ends;
use super::{demo_app, open, open_at, open_in, widget_style};

#[tokio::test]
async fn the_accessibility_check_sees_inside_the_widgets_shadow_root() {
    let (_app, tee) = demo_app().await;
    let (browser, _widget) = open(&tee, "demo-easypromos").await;
    assert_eq!(
        browser.accessibility_violations().await,
        Vec::<serde_json::Value>::new()
    );
    // A button with no name and grey-on-white text, put inside the shadow root
    // where the host page's scripts cannot normally reach: axe-core finds both.
    browser
        .client
        .execute(
            "const card = document.querySelector('.receipt-relay').shadowRoot.querySelector('.rr-card');
             card.insertAdjacentHTML('beforeend',
               '<button class=\"rr-broken\"></button><p style=\"color:#ccc;background:#fff\">faint</p>');",
            vec![],
        )
        .await
        .unwrap();
    let found = browser.accessibility_violations().await;
    let rules: Vec<&str> = found.iter().filter_map(|v| v["rule"].as_str()).collect();
    assert!(rules.contains(&"button-name"), "{found:#?}");
    assert!(rules.contains(&"color-contrast"), "{found:#?}");
    browser.close().await;
}

/// The bytes that came over the network for the page's resource whose URL ends
/// with `suffix`, and its size once decoded (the Resource Timing API).
async fn transferred(browser: &Browser, suffix: &str) -> (u64, u64) {
    let sizes = browser
        .client
        .execute(
            "const entry = performance.getEntriesByType('resource')
               .find(e => e.name.endsWith(arguments[0]));
             return entry ? [entry.encodedBodySize, entry.decodedBodySize] : null;",
            vec![suffix.into()],
        )
        .await
        .expect("resource timing");
    let size = |i: usize| sizes[i].as_u64().expect("a resource size");
    (size(0), size(1))
}

#[tokio::test]
async fn two_widgets_on_one_page_keep_their_own_campaign_language_theme_and_photos() {
    let (app, _tee) = demo_app().await;
    let photo = fixtures::write("receipt-two-widgets.jpg", &fixtures::receipt_jpeg());
    // Straight from the proxy, as a host page loads it (the recorder asks for
    // uncompressed bodies).
    let (browser, first) = open_at(Browser::start().await, &app.address, "demo-easypromos").await;
    // The module came compressed: the proxy served its precompressed copy.
    let (encoded, decoded) = transferred(&browser, "_bg.wasm").await;
    assert!(
        encoded > 0 && encoded * 2 < decoded,
        "the widget's module came as {encoded} bytes for {decoded}"
    );
    // The host page mounts a second widget with the documented JS call, themes
    // it with a custom property, and has aggressive styles of its own.
    browser
        .client
        .execute(
            "const el = document.createElement('div');
             el.id = 'second';
             el.style.setProperty('--rr-accent', 'rgb(10, 120, 60)');
             document.querySelector('main').append(el);
             document.head.insertAdjacentHTML('beforeend',
               '<style>button, p { color: rgb(255, 0, 0) !important; font-size: 40px !important; }</style>');
             ReceiptRelay.mount(el, { campaign: 'demo-apm', lang: 'fr' });",
            vec![],
        )
        .await
        .unwrap();
    let second = browser.widget_in("#second").await;
    browser::text_containing(&second, ".rr-title", "APM").await;
    browser::text_containing(&second, ".rr-submit", "Envoyer le ticket").await;
    browser::text_containing(&first, ".rr-submit", "Send receipt").await;

    // Each takes its accent from its own host (on its one filled button, the
    // first photo's); the page's styles stay outside.
    let accent =
        |host: &'static str| widget_style(&browser, host, ".rr-open-camera", "background-color");
    assert_eq!(accent("#second").await, "rgb(10, 120, 60)");
    assert_eq!(accent("#promo-widget").await, "rgb(122, 75, 42)");
    let color = widget_style(&browser, "#second", ".rr-submit", "color").await;
    assert_ne!(color, "rgb(255, 0, 0)");
    let size = widget_style(&browser, "#promo-widget", ".rr-hint, .rr-pick", "font-size").await;
    assert_ne!(size, "40px");

    // A photo chosen in one widget is not in the other.
    browser::choose_photo(&first, &photo).await;
    browser::wait_count(&first, ".rr-thumb", 1).await;
    browser::wait_count(&second, ".rr-thumb", 0).await;
    browser.step("50-two-widgets").await;
    browser.close().await;
}

#[tokio::test]
async fn an_unsigned_or_expired_shopper_is_told_in_spanish_and_a_signed_one_gets_through() {
    let (app, tee) = demo_app().await;
    let photo = fixtures::write("receipt-signed.jpg", &fixtures::receipt_jpeg());
    // `demo-signed` requires the shopper's id signed by the brand.
    let browser = Browser::speaking("es-ES").await;
    dead_ends::record_errors(&browser).await;
    let (browser, widget) = open_in(browser, &tee, "demo-signed").await;
    browser::choose_photo(&widget, &photo).await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-error", "Inicia sesión en este sitio").await;
    browser.step("40-unsigned").await;
    // The page hears that the proxy refused what was sent.
    assert_eq!(dead_ends::errors(&browser).await, ["refused"]);
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);

    // A token signed long ago: the shopper is asked to reload for a fresh one.
    let key = tests::shopper_key(&app.dir);
    let stale = tests::shopper_token(&key, "socio-42", "demo-signed", -3600);
    // The page comes back with its photo (the shopper's draft), ready to send.
    let (browser, widget) =
        open_in(browser, &tee, &format!("demo-signed&user_token={stale}")).await;
    browser::wait_count(&widget, ".rr-thumb", 1).await;
    browser::click(&widget, ".rr-submit").await;
    browser::text_containing(&widget, ".rr-error", "Recarga la página").await;
    browser.step("41-expired").await;
    assert_eq!(dead_ends::errors(&browser).await, ["refused"]);
    assert_eq!(app.state.db.submission_count().await.unwrap(), 0);

    // The page embeds the token the brand's backend signed (data-user-token).
    let token = tests::shopper_token(&key, "socio-42", "demo-signed", 600);
    let (browser, widget) =
        open_in(browser, &tee, &format!("demo-signed&user_token={token}")).await;
    browser::wait_count(&widget, ".rr-thumb", 1).await;
    browser::click(&widget, ".rr-submit").await;
    browser::find(&widget, ".rr-store").await;
    browser.close().await;
    let page = app
        .operator_json("/v1/operator/campaigns/demo-signed/submissions")
        .await;
    assert_eq!(page["submissions"][0]["user"], "socio-42");
}

/// A landing page on an origin of its own that mounts the widget by script
/// and records what the widget tells it.
fn host_page(proxy: &str, campaign: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><div id="w" class="receipt-relay"></div></main>
<script>
  window.seen = {{ errors: [], logged: [] }};
  const log = console.error;
  console.error = (...said) => {{ seen.logged.push(said.join(" ")); log(...said); }};
</script>
<script src="{proxy}/widget.js"></script>
<script>
  const el = document.getElementById("w");
  el.addEventListener("error", e => seen.errors.push(e.detail));
  ReceiptRelay.mount(null, {{}}).catch(e => {{ seen.badMount = e.message; }});
  ReceiptRelay.mount(el, {{}}).catch(e => {{ seen.noCampaign = e instanceof TypeError && e.message; }});
  ReceiptRelay.mount(el, {{ campaign: "{campaign}" }}).then(
    () => {{ seen.mounted = true; }},
    e => {{ seen.refused = {{ name: e.name, kind: e.kind }}; }});
</script></body></html>"#
    )
}

/// What the host page (`host_page`) recorded of the widget.
async fn recorded(browser: &Browser) -> serde_json::Value {
    browser
        .client
        .execute("return window.seen;", vec![])
        .await
        .unwrap()
}

#[tokio::test]
async fn a_page_the_campaign_does_not_allow_gets_a_clean_refusal_its_developer_can_read() {
    let (app, _tee) = demo_app().await;
    // The landing page is on an origin not in the campaign's allowed_origins.
    let page = host_page(&app.address, "demo-easypromos");
    let site = tests::serve_on_loopback(axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(page) }),
    ))
    .await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("http://{site}/"))
        .await
        .unwrap();
    let widget = browser.widget().await;

    // The shopper: not a connection problem, and no buttons that do nothing.
    browser::text_containing(&widget, ".rr-error", "not available on this page").await;
    browser::wait_count(&widget, "button", 0).await;
    browser.screenshot("70-origin-not-allowed").await;
    // The page's developer: an `error` event, and the console names the origin
    // and the setting to change. A bad mount call is a rejected promise.
    let seen = recorded(&browser).await;
    assert_eq!(
        seen["errors"],
        serde_json::json!(["not_available"]),
        "{seen}"
    );
    let logged = seen["logged"].to_string();
    assert!(logged.contains("allowed_origins"), "{logged}");
    assert!(logged.contains(&format!("http://{site}")), "{logged}");
    assert!(
        seen["badMount"]
            .as_str()
            .unwrap_or_default()
            .contains("needs an element"),
        "{seen}"
    );
    assert!(
        seen["noCampaign"]
            .as_str()
            .unwrap_or_default()
            .contains("campaign"),
        "{seen}"
    );
    // Trying again cannot help: `mount` says so, with a kind.
    assert_eq!(
        seen["refused"],
        serde_json::json!({"name": "ReceiptRelayError", "kind": "not_available"}),
        "{seen}"
    );

    // A campaign that does not exist (a typo in the tag): as definite, with
    // its own kind, to the page and to `mount`.
    let unknown = host_page(&app.address, "demo-no-such-campaign");
    let typo = tests::serve_on_loopback(axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(unknown) }),
    ))
    .await;
    browser
        .client
        .goto(&format!("http://{typo}/"))
        .await
        .unwrap();
    let widget_for_typo = browser.widget().await;
    browser::find(&widget_for_typo, ".rr-error").await;
    let seen = recorded(&browser).await;
    assert_eq!(
        seen["errors"],
        serde_json::json!(["unknown_campaign"]),
        "{seen}"
    );
    assert_eq!(
        seen["refused"],
        serde_json::json!({"name": "ReceiptRelayError", "kind": "unknown_campaign"}),
        "{seen}"
    );
    browser.client.back().await.unwrap();
    let widget = browser.widget().await;
    browser::find(&widget, ".rr-error").await;

    // The page takes the widget away again.
    let removed = browser
        .client
        .execute_async(
            "const done = arguments[0]; ReceiptRelay.unmount(document.getElementById('w')).then(done);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(removed, true);
    browser::wait_count(&widget, ".rr", 0).await;
    browser.close().await;
}
