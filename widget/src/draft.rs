//! The shopper's draft survives the page: the step they are on, the store and
//! offers they chose, the QR code, the photos already prepared for upload, and
//! the idempotency key of the upload (so a reload during an upload that did
//! reach the proxy never makes a second submission). A reload, a closed tab or
//! the browser killing the page (iOS does, after the camera app) brings the
//! shopper back where they were.
//!
//! The draft lives in IndexedDB (photos are too large for `localStorage`),
//! through the small key-value store the loader passes as `drafts` (`get`,
//! `put`, `del`, each a promise), under the same key as the submission in
//! flight ([`crate::resume::Resume`]): the campaign, the page's path and the
//! shopper as the page names them. It is replaced as the shopper goes, and
//! dropped once the proxy has the receipt (the submission in flight takes
//! over) or the shopper starts again.

use api::Merchant;
use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};

use crate::state::{Draft, PickedPhoto, State, Step};
use web::wire::FromJs;

/// The loader's draft store, and this widget's key in it.
#[derive(Debug, Clone)]
pub struct Drafts {
    store: JsValue,
    key: JsValue,
}

/// One widget's drafts are its key's: comparing keys is enough.
impl PartialEq for Drafts {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Drafts {
    /// The loader's `store` under `key` (a store that is not one keeps nothing).
    pub fn new(store: JsValue, key: &str) -> Self {
        Self {
            store,
            key: key.into(),
        }
    }

    /// Calls the store's `method` with the key (and `value`); its answer.
    async fn call(&self, method: &str, value: Option<&JsValue>) -> Option<JsValue> {
        let function: Function = Reflect::get(&self.store, &method.into())
            .ok()?
            .dyn_into()
            .ok()?;
        let answer = match value {
            Some(value) => function.call2(&self.store, &self.key, value),
            None => function.call1(&self.store, &self.key),
        };
        let promise: Promise = answer.ok()?.dyn_into().ok()?;
        JsFuture::from(promise).await.ok()
    }

    /// The draft an earlier page left, if any (and readable).
    pub async fn load(&self) -> Option<Draft> {
        read(&self.call("get", None).await?)
    }

    /// Keeps what the shopper has so far, or drops the draft when there is
    /// nothing to keep or the proxy has the receipt. In the background: a
    /// store that fails (private browsing, full) only loses the draft.
    pub fn keep(&self, state: &State) {
        let value = written(state);
        let drafts = self.clone();
        spawn_local(async move {
            match value {
                Some(value) => drafts.call("put", Some(&value)).await,
                None => drafts.call("del", None).await,
            };
        });
    }
}

/// The draft of `state` as stored (a structured-cloneable object), or `None`
/// when there is nothing worth keeping.
fn written(state: &State) -> Option<JsValue> {
    let step = match state.step {
        Step::Merchant => "merchant",
        Step::Offers => "offers",
        Step::Capture => "capture",
        // Not sent yet, as far as this page knows: sent again on return.
        Step::Sending => "sending",
        Step::Waiting { .. } | Step::Done(..) => return None,
    };
    if state.merchant.is_none() && state.photos.is_empty() && state.qr.is_none() {
        return None;
    }
    let draft = Object::new();
    let set = |name: &str, value: &JsValue| {
        let _ = Reflect::set(&draft, &name.into(), value);
    };
    set("step", &step.into());
    if let Some(key) = &state.idempotency_key {
        set("key", &key.as_str().into());
    }
    if let Some(merchant) = &state.merchant {
        set("merchant", &serde_wasm_bindgen::to_value(merchant).ok()?);
    }
    set(
        "claimed",
        &serde_wasm_bindgen::to_value(&state.claimed).ok()?,
    );
    if let Some(qr) = &state.qr {
        set("qr", &qr.as_str().into());
    }
    let photos: Array = state
        .photos
        .iter()
        .map(|p| JsValue::from(&p.blob))
        .collect();
    set("photos", &photos);
    Some(draft.into())
}

/// A stored draft read back; `None` when it is not one.
fn read(value: &JsValue) -> Option<Draft> {
    if !value.is_object() {
        return None;
    }
    let field = |name: &str| Reflect::get(value, &name.into()).unwrap_or_default();
    let photos = field("photos")
        .dyn_into::<Array>()
        .ok()?
        .iter()
        .map(|blob| blob.dyn_into::<web_sys::Blob>().ok())
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        // Their quality hints are not kept.
        .filter_map(|blob| {
            Some(PickedPhoto {
                preview_url: web_sys::Url::create_object_url_with_blob(&blob).ok()?,
                blob,
                hints: Vec::new(),
                original: None,
            })
        })
        .collect();
    Some(Draft {
        step: field("step").as_string()?,
        merchant: Merchant::from_js(&field("merchant")),
        claimed: Vec::from_js(&field("claimed"))?,
        qr: field("qr").as_string(),
        photos,
        idempotency_key: field("key").as_string(),
    })
}
