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

fn options(campaign: &str, api_base: &str) -> JsValue {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"campaign".into(), &campaign.into()).unwrap();
    js_sys::Reflect::set(&options, &"apiBase".into(), &api_base.into()).unwrap();
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
async fn mounting_renders_the_capture_step_inside_a_shadow_root() {
    let host = host();
    widget::mount(host.clone(), options("demo", "http://127.0.0.1:9"))
        .await
        .unwrap();
    let root = host.shadow_root().expect("an open shadow root");
    let style = root
        .query_selector("style")
        .unwrap()
        .expect("the stylesheet");
    assert!(text(&style).contains("--rr-accent"));
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
}

#[wasm_bindgen_test]
async fn an_unreachable_proxy_is_explained_in_words() {
    let host = host();
    widget::mount(host.clone(), options("demo", "http://127.0.0.1:9"))
        .await
        .unwrap();
    let root = host.shadow_root().unwrap();
    let error = find(&root, ".rr-error").await;
    let said = text(&error);
    assert!(said.contains("could not reach"), "{said}");
    assert_eq!(error.get_attribute("role").as_deref(), Some("alert"));
}

#[wasm_bindgen_test]
async fn bad_mount_options_are_an_error_not_a_panic() {
    let result = widget::mount(host(), JsValue::from_str("not an object")).await;
    assert!(result.is_err());
    // Without a campaign there is nothing to show: the error says what is missing.
    let options = options("", "http://127.0.0.1:9");
    let error = widget::mount(host(), options).await.unwrap_err();
    let message = error.as_string().unwrap_or_default();
    assert!(message.contains("campaign"), "{message}");
}
