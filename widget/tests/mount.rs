//! The widget in a real browser (headless Chromium through wasm-bindgen-test):
//! mounting builds its shadow DOM, and a proxy it cannot reach is explained in
//! words instead of failing silently.

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

fn host() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    host
}

/// A language's words as the loader passes them: the strings of its JSON file.
fn words_of(lang: words::Lang) -> JsValue {
    let list: js_sys::Array = lang
        .text()
        .entries()
        .into_iter()
        .map(|(_, s)| JsValue::from_str(s))
        .collect();
    list.into()
}

/// A campaign as the proxy describes it, for one photo.
const CAMPAIGN: &str = r#"{"campaign": {"id": "demo", "title": "Buy two, get 10 EUR back",
    "locale": "en", "capabilities": {"qr": false, "offers": false, "manual_review": false,
    "quality_check": false, "combine_photos": false},
    "photos": {"min_count": 1, "max_count": 1, "max_bytes": 2000000,
    "accept": ["image/jpeg"], "long_side": 2000, "quality": 80}}}"#;

/// The options the loader passes for a page that asked for `campaign`, with
/// what it `loaded` for it (a JSON text).
fn options(campaign: &str, loaded: &str) -> JsValue {
    let options = js_sys::Object::new();
    let set = |name: &str, value: &JsValue| {
        js_sys::Reflect::set(&options, &name.into(), value).unwrap();
    };
    set("campaign", &campaign.into());
    set("apiBase", &"http://127.0.0.1:9".into());
    set("words", &words_of(words::Lang::En));
    set("loaded", &js_sys::JSON::parse(loaded).unwrap());
    options.into()
}

/// What the loader passes when the proxy cannot be reached.
const UNREACHABLE: &str = r#"{"error": "network"}"#;

fn text(element: &Element) -> String {
    element.text_content().unwrap_or_default()
}

/// Waits (bounded) for `selector` to match inside the shadow root.
async fn find(root: &ShadowRoot, selector: &str) -> Element {
    for _ in 0..200 {
        if let Ok(Some(element)) = root.query_selector(selector) {
            return element;
        }
        TimeoutFuture::new(25).await;
    }
    panic!("{selector} never appeared");
}

#[wasm_bindgen_test]
async fn mounting_renders_the_capture_step_inside_a_shadow_root() {
    let host = host();
    widget::mount(host.clone(), options("demo", CAMPAIGN)).unwrap();
    let root = host.shadow_root().expect("an open shadow root");
    let style = root
        .query_selector("style")
        .unwrap()
        .expect("the stylesheet");
    assert!(text(&style).contains("--rr-accent"));
    let title = find(&root, ".rr-title").await;
    assert_eq!(text(&title), "Buy two, get 10 EUR back");
    // Chromium can show a live camera: the first button opens it, and the
    // gallery is a file input for images.
    let camera = find(&root, "button.rr-open-camera").await;
    assert!(text(&camera).contains("Take a photo"));
    let input = find(&root, "input.rr-gallery").await;
    assert_eq!(input.get_attribute("type").as_deref(), Some("file"));
    assert_eq!(input.get_attribute("accept").as_deref(), Some("image/*"));
    assert_eq!(input.get_attribute("capture"), None);
    // Nothing to send yet.
    let submit = find(&root, "button.rr-submit").await;
    assert!(submit.has_attribute("disabled"));
    // The host page's DOM holds nothing of the widget but the host.
    assert_eq!(host.child_element_count(), 0);
    // Mounted again on the same host, it replaces itself; unmounted, it is gone.
    widget::mount(host.clone(), options("demo", CAMPAIGN)).unwrap();
    assert_eq!(root.query_selector_all(".rr").unwrap().length(), 1);
    assert!(widget::unmount(&host));
    assert!(root.query_selector(".rr").unwrap().is_none());
    assert!(!widget::unmount(&host), "nothing left to unmount");
}

#[wasm_bindgen_test]
async fn a_campaign_that_could_not_be_had_is_explained_in_words_with_no_dead_buttons() {
    // What may pass has a button that tries again; what is definite has none.
    for (loaded, said, retry) in [
        (UNREACHABLE, "could not reach", true),
        (
            r#"{"error": "server", "status": 503}"#,
            "server is having trouble",
            true,
        ),
        (
            r#"{"error": "not_available"}"#,
            "not available on this page",
            false,
        ),
        (
            r#"{"error": "unknown_campaign"}"#,
            "could not be found",
            false,
        ),
        (
            r#"{"error": "a_code_from_a_newer_proxy"}"#,
            "went wrong on our side",
            false,
        ),
    ] {
        let host = host();
        widget::mount(host.clone(), options("demo", loaded)).unwrap();
        let root = host.shadow_root().unwrap();
        let error = find(&root, ".rr-error").await;
        assert!(text(&error).contains(said), "{loaded}: {}", text(&error));
        assert_eq!(error.get_attribute("role").as_deref(), Some("alert"));
        let buttons = root.query_selector_all("button").unwrap();
        match buttons.get(0) {
            Some(button) if retry => {
                assert_eq!(buttons.length(), 1, "{loaded}");
                assert_eq!(text(&button.dyn_into().unwrap()), "Try again");
            }
            None if !retry => {}
            other => panic!("{loaded}: buttons {other:?}"),
        }
        widget::unmount(&host);
    }
}

#[wasm_bindgen_test]
async fn bad_mount_options_are_an_error_not_a_panic() {
    let result = widget::mount(host(), JsValue::from_str("not an object"));
    assert!(result.is_err());
    // Without a campaign there is nothing to show: the error says what is missing.
    let error = widget::mount(host(), options("", UNREACHABLE)).unwrap_err();
    let message = error.as_string().unwrap_or_default();
    assert!(message.contains("campaign"), "{message}");
    // Words from another build (one string short) are refused, not misread.
    let other_build = options("demo", UNREACHABLE);
    let short = js_sys::Array::from(&words_of(words::Lang::Fr));
    short.pop();
    js_sys::Reflect::set(&other_build, &"words".into(), &short).unwrap();
    let error = widget::mount(host(), other_build).unwrap_err();
    let message = error.as_string().unwrap_or_default();
    assert!(message.contains("words"), "{message}");
    // Spanish words, asked for as `es-MX`, speak Spanish.
    let spanish = options("demo", UNREACHABLE);
    js_sys::Reflect::set(&spanish, &"words".into(), &words_of(words::Lang::Es)).unwrap();
    js_sys::Reflect::set(&spanish, &"lang".into(), &"es-MX".into()).unwrap();
    let host = host();
    widget::mount(host.clone(), spanish).unwrap();
    let root = host.shadow_root().unwrap();
    let card = find(&root, ".rr").await;
    assert_eq!(card.get_attribute("lang").as_deref(), Some("es"));
    let error = find(&root, ".rr-error").await;
    assert!(
        text(&error).contains("No hemos podido conectar"),
        "{}",
        text(&error)
    );
}
