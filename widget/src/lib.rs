//! receipt-relay's widget: a yew app that a landing page embeds with one script
//! tag (`widget/loader.js`, served as `/widget.js`).
//!
//! The loader calls [`mount`] with the host element and the embed options. The
//! widget renders inside a Shadow DOM, so the host page's CSS and ours never
//! touch, and talks only to the proxy's public API (`api` crate) at the loader's
//! own origin. It knows campaign ids and submission ids, nothing else.

mod app;
mod client;
mod components;
mod draft;
mod e_receipt;
mod effects;
mod hooks;
pub mod i18n;
pub mod lens;
pub mod photo;
pub mod problem;
mod resume;
mod shared;
mod state;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, ShadowRootInit, ShadowRootMode};

pub use app::{App, AppProps};

// SAFETY: `new_global` asks for single-threaded wasm, which the widget is: it is
// built without atomics and never starts a worker that shares its memory.
#[allow(unsafe_code)]
#[global_allocator]
static ALLOCATOR: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };

/// The widget's stylesheet (`src/style.css`, minified by `build.rs`), put
/// inside the shadow root.
const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/style.css"));

/// What a host page passes to `ReceiptRelay.mount(el, options)`, read from the
/// plain object as it is (the loader adds `apiBase`, `loadLens`, `words`,
/// `loaded`, `reload` and `drafts`).
struct MountOptions {
    campaign: String,
    /// Origin of the proxy; the loader fills it in from its own `src`.
    api_base: String,
    user: Option<String>,
    /// The shopper's id signed by the brand's backend (a JWT), where the
    /// campaign asks for one.
    user_token: Option<String>,
    /// Fetches the lens module (QR decoding, receipt vision).
    load_lens: Option<js_sys::Function>,
    /// The campaign, as the loader fetched it.
    loaded: hooks::Loaded,
    /// Asks the loader for the campaign again (a promise of what `loaded`
    /// is), where the first answer was a failure that may pass.
    reload: Option<js_sys::Function>,
    /// The loader's draft store (IndexedDB).
    drafts: JsValue,
    /// The language the loader chose (`lang`, a BCP 47 tag such as `es` or
    /// `fr-CA`; English if none) with its `words`: the strings of its JSON
    /// file, in order.
    locale: i18n::Locale,
}

impl MountOptions {
    fn read(options: &JsValue) -> Result<Self, JsValue> {
        if !options.is_object() {
            return Err("receipt-relay: mount options must be an object".into());
        }
        let field = |name: &str| js_sys::Reflect::get(options, &name.into()).unwrap_or_default();
        let text = |name: &str| field(name).as_string().filter(|s| !s.is_empty());
        let needed = |name: &str| {
            text(name).ok_or_else(|| format!("receipt-relay: mount options need `{name}`"))
        };
        Ok(Self {
            campaign: needed("campaign")?,
            api_base: needed("apiBase")?,
            user: text("user"),
            user_token: text("userToken"),
            load_lens: field("loadLens").dyn_into().ok(),
            loaded: hooks::Loaded(std::rc::Rc::new(client::loaded(&field("loaded")))),
            reload: field("reload").dyn_into().ok(),
            drafts: field("drafts"),
            locale: i18n::Locale::from_js(text("lang"), &field("words"))
                .ok_or("receipt-relay: `words` do not fit this build; load /widget.js")?,
        })
    }
}

/// Mounts a widget into `host`: attaches a shadow root (or reuses the one a
/// previous mount made), puts the stylesheet and the app inside it. Resolves
/// once the widget is on screen.
#[wasm_bindgen]
pub fn mount(host: Element, options: JsValue) -> Result<(), JsValue> {
    let options = MountOptions::read(&options)?;
    let locale = options.locale;
    // A second mount on one host replaces the first.
    unmount(&host);
    let shadow = match host.shadow_root() {
        Some(root) => root,
        None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
    };
    shadow.set_inner_html("");
    let document = host
        .owner_document()
        .ok_or_else(|| JsValue::from_str("receipt-relay: host element has no document"))?;
    let style = document.create_element("style")?;
    style.set_text_content(Some(STYLE));
    shadow.append_child(&style)?;
    let root = document.create_element("div")?;
    root.set_class_name("rr");
    root.set_attribute("lang", locale.lang.code())?;
    shadow.append_child(&root)?;
    let app = yew::Renderer::<App>::with_root_and_props(
        root,
        AppProps {
            campaign: options.campaign.into(),
            api_base: options.api_base.trim_end_matches('/').to_owned().into(),
            user: options.user.map(Into::into),
            user_token: options.user_token.map(Into::into),
            host: host.clone(),
            locale,
            lens_loader: lens::LensLoader(options.load_lens),
            loaded: options.loaded,
            reload: options.reload,
            drafts: options.drafts,
        },
    )
    .render();
    MOUNTED.with_borrow_mut(|mounted| mounted.push((host, app)));
    Ok(())
}

thread_local! {
    /// The widgets on the page, by host element.
    static MOUNTED: std::cell::RefCell<Vec<(Element, yew::AppHandle<App>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Removes the widget mounted on `host`: stops it (its timers and requests
/// end with it) and empties its shadow root. Answers whether there was one.
#[wasm_bindgen]
pub fn unmount(host: &Element) -> bool {
    let app = MOUNTED.with_borrow_mut(|mounted| {
        let at = mounted.iter().position(|(h, _)| h == host)?;
        Some(mounted.swap_remove(at).1)
    });
    let Some(app) = app else { return false };
    app.destroy();
    if let Some(shadow) = host.shadow_root() {
        shadow.set_inner_html("");
    }
    true
}
