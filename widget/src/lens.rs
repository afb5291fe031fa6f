//! The lens: the second wasm module (`widget/lens`: QR decoding and receipt
//! vision), which the loader fetches the first time a shopper opens the camera,
//! picks a photo or scans a code, so the widget's first load carries none of it;
//! and what its answers mean to the widget.

use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::photo::{Hint, Sample};

/// The loader's `loadLens()`: a promise of the lens module, initialised (the
/// same promise every time). Given to components through a yew context.
#[derive(Clone, PartialEq, Default)]
pub struct LensLoader(pub Option<Function>);

impl LensLoader {
    /// Starts fetching the lens where it is not here yet, so that it is by the
    /// time it is needed (the camera opening); the answer is not awaited.
    pub fn prefetch(&self) {
        if let Some(load) = &self.0 {
            let _ = load.call0(&JsValue::NULL);
        }
    }
}

/// The lens module, loaded.
#[derive(Clone, PartialEq)]
pub struct Lens(JsValue);

impl Lens {
    /// The lens, fetched now if it was not yet; `None` when it cannot be had
    /// (no loader, or the download failed: a photo then goes without advice).
    pub async fn load(loader: &LensLoader) -> Option<Self> {
        let load = loader.0.as_ref()?;
        let promise: Promise = load.call0(&JsValue::NULL).ok()?.dyn_into().ok()?;
        JsFuture::from(promise).await.ok().map(Self)
    }

    fn call(&self, name: &str, luma: &[u8], width: u32, height: u32) -> Option<JsValue> {
        let function: Function = Reflect::get(&self.0, &name.into()).ok()?.dyn_into().ok()?;
        function
            .call3(
                &self.0,
                &Uint8Array::from(luma),
                &width.into(),
                &height.into(),
            )
            .ok()
    }

    /// The text of the first QR code in a grey frame.
    pub fn decode(&self, luma: &[u8], width: u32, height: u32) -> Option<String> {
        self.call("decode", luma, width, height)?.as_string()
    }

    /// How sharp a grey frame is (the variance of its Laplacian): the higher,
    /// the crisper; for picking the sharpest of a burst.
    pub fn sharpness(&self, luma: &[u8], width: u32, height: u32) -> f64 {
        self.call("sharpness", luma, width, height)
            .and_then(|value| value.as_f64())
            .unwrap_or_default()
    }

    /// What would make the photo better, as hints to the shopper.
    pub fn hints(&self, sample: &Sample) -> Vec<Hint> {
        self.call("look", &sample.luma, sample.width, sample.height)
            .and_then(|bits| bits.as_f64())
            .map_or_else(Vec::new, |bits| hints(bits as u32))
    }
}

/// The advice bits of the lens's `look`, as `widget/lens` (`lens::advice`)
/// sets them; the widget's tests hold the two together.
pub mod advice {
    pub const NO_RECEIPT: u32 = 1;
    pub const MOVE_CLOSER: u32 = 2;
    pub const TOO_DARK: u32 = 4;
    pub const GLARE: u32 = 8;
    pub const HOLD_STILL: u32 = 16;
    pub const TILTED: u32 = 32;
}

/// The hints in the lens's advice bits, most important first.
pub fn hints(bits: u32) -> Vec<Hint> {
    [
        (advice::NO_RECEIPT, Hint::NoReceipt),
        (advice::TOO_DARK, Hint::TooDark),
        (advice::GLARE, Hint::TooBright),
        (advice::HOLD_STILL, Hint::Blurred),
        (advice::MOVE_CLOSER, Hint::TooSmall),
        (advice::TILTED, Hint::Tilted),
    ]
    .into_iter()
    .filter(|(bit, _)| bits & bit != 0)
    .map(|(_, hint)| hint)
    .collect()
}
