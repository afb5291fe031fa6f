//! The widget in a real browser (headless Chromium through wasm-bindgen-test):
//! mounting builds its shadow DOM, and a proxy it cannot reach is explained in
//! words instead of failing silently.

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsValue;
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

/// The options the loader passes for a page that asked for `campaign`.
fn options(campaign: &str, api_base: &str) -> JsValue {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"campaign".into(), &campaign.into()).unwrap();
    js_sys::Reflect::set(&options, &"apiBase".into(), &api_base.into()).unwrap();
    js_sys::Reflect::set(&options, &"words".into(), &words_of(words::Lang::En)).unwrap();
    options.into()
}

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
async fn mounting_renders_inside_a_shadow_root_and_offers_no_photo_before_the_campaign() {
    let host = host();
    widget::mount(host.clone(), options("demo", "http://127.0.0.1:9")).unwrap();
    let root = host.shadow_root().expect("an open shadow root");
    let style = root
        .query_selector("style")
        .unwrap()
        .expect("the stylesheet");
    assert!(text(&style).contains("--rr-accent"));
    // Until the campaign's rules are here there is nothing to pick: a photo
    // picked now would have no rules to be prepared by.
    find(&root, ".rr-loading").await;
    assert!(root.query_selector("input.rr-gallery").unwrap().is_none());
    // The host page's DOM holds nothing of the widget but the host.
    assert_eq!(host.child_element_count(), 0);
}

#[wasm_bindgen_test]
async fn an_unreachable_proxy_is_explained_in_words_with_no_dead_buttons() {
    let host = host();
    widget::mount(host.clone(), options("demo", "http://127.0.0.1:9")).unwrap();
    let root = host.shadow_root().unwrap();
    let error = find(&root, ".rr-error").await;
    let said = text(&error);
    assert!(said.contains("could not reach"), "{said}");
    assert_eq!(error.get_attribute("role").as_deref(), Some("alert"));
    assert!(root.query_selector("button").unwrap().is_none());
    assert!(root.query_selector(".rr-loading").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn bad_mount_options_are_an_error_not_a_panic() {
    let result = widget::mount(host(), JsValue::from_str("not an object"));
    assert!(result.is_err());
    // Without a campaign there is nothing to show: the error says what is missing.
    let error = widget::mount(host(), options("", "http://127.0.0.1:9")).unwrap_err();
    let message = error.as_string().unwrap_or_default();
    assert!(message.contains("campaign"), "{message}");
    // Words from another build (one string short) are refused, not misread.
    let other_build = options("demo", "http://127.0.0.1:9");
    let short = js_sys::Array::from(&words_of(words::Lang::Fr));
    short.pop();
    js_sys::Reflect::set(&other_build, &"words".into(), &short).unwrap();
    let error = widget::mount(host(), other_build).unwrap_err();
    let message = error.as_string().unwrap_or_default();
    assert!(message.contains("words"), "{message}");
    // Spanish words, asked for as `es-MX`, speak Spanish.
    let spanish = options("demo", "http://127.0.0.1:9");
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
