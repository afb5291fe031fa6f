//! The lens: the second wasm module (`widget/lens`: QR decoding and receipt
//! vision), which the loader fetches the first time a shopper opens the camera,
//! picks a photo or scans a code, so the widget's first load carries none of it;
//! and what its answers mean to the widget.

use js_sys::{Array, Float32Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use crate::photo::{Hint, Prep, Prepared};
use crate::problem::Problem;

/// The loader's `loadLens()`: a promise of the lens module, initialised (the
/// same promise every time). Given to components in their `shared` prop.
#[derive(Clone, PartialEq, Default)]
pub struct LensLoader(pub Option<Function>);

/// `object`'s function (or class) `name`, where it has one.
fn function(object: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(object, &name.into()).ok()?.dyn_into().ok()
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

    /// The lens's function `name`, called with `arguments`.
    fn call(&self, name: &str, arguments: &Array) -> Option<JsValue> {
        function(&self.0, name)?.apply(&self.0, arguments).ok()
    }

    /// The text of the first QR code in `source`: a `<video>`'s current
    /// frame, or a photo (`Blob`). By the browser's `BarcodeDetector` where
    /// it has one, else by the lens's own decoder.
    pub async fn read_code(&self, source: &JsValue) -> Option<String> {
        let promise: Promise = self
            .call("readCode", &Array::of1(source))?
            .dyn_into()
            .ok()?;
        JsFuture::from(promise).await.ok()?.as_string()
    }

    /// `file` made ready to send under the campaign's rules: scaled,
    /// encoded within its size, looked at, and the receipt in it found and
    /// straightened. A file the browser cannot decode is passed on as it is
    /// where it is HEIC within the size, and refused in words otherwise.
    pub async fn prepare(&self, file: &Blob, prep: Prep) -> Result<Prepared, Problem> {
        let arguments = Array::of4(
            file,
            &prep.long_side.into(),
            &prep.quality.into(),
            &(prep.max_bytes as f64).into(),
        );
        let out = self.run("preparePhoto", &arguments).await?;
        let field = |name: &str| Reflect::get(&out, &name.into()).unwrap_or_default();
        let blob = field("blob").dyn_into().map_err(|_| Problem::NotAPhoto)?;
        let corners: Option<[f32; 8]> = field("corners")
            .dyn_into::<Float32Array>()
            .ok()
            .and_then(|c| c.to_vec().try_into().ok());
        let straightened = field("straightened").dyn_into::<Blob>().ok().zip(corners);
        Ok(Prepared {
            blob,
            hints: hints(field("advice").as_f64().unwrap_or_default() as u32),
            straightened,
        })
    }

    /// A long receipt's prepared parts as one tall image, top to bottom, the
    /// rows two parts share shown once.
    pub async fn combine(&self, parts: &[Blob], prep: Prep) -> Result<Blob, Problem> {
        let arguments = Array::of4(
            &parts.iter().collect::<Array>(),
            &prep.long_side.into(),
            &prep.quality.into(),
            &(prep.max_bytes as f64).into(),
        );
        let out = self.run("combinePhotos", &arguments).await?;
        out.dyn_into().map_err(|_| Problem::NotAPhoto)
    }

    /// The lens's async function `name`, awaited: its refusal (a number,
    /// as `widget/lens/src/photo.rs` numbers them) as a problem.
    async fn run(&self, name: &str, arguments: &Array) -> Result<JsValue, Problem> {
        let promise: Promise = self
            .call(name, arguments)
            .and_then(|p| p.dyn_into().ok())
            .ok_or(Problem::LensUnavailable)?;
        JsFuture::from(promise)
            .await
            .map_err(|why| match why.as_f64() {
                Some(2.0) => Problem::TooLargeToShrink,
                _ => Problem::NotAPhoto,
            })
    }

    /// `photo` (prepared) straightened to `corners` (as [`Lens::corners`]
    /// answers), as a JPEG of `quality` (1 to 100).
    pub async fn straighten(&self, photo: &Blob, corners: &[f32; 8], quality: u8) -> Option<Blob> {
        let arguments = Array::of3(
            photo,
            &Float32Array::from(corners.as_slice()),
            &(f64::from(quality) / 100.0).into(),
        );
        let promise: Promise = self.call("straighten", &arguments)?.dyn_into().ok()?;
        JsFuture::from(promise).await.ok()?.dyn_into().ok()
    }
}

/// One of the lens's dialogs (`CameraDialog`, `CornersDialog`: drawn by the
/// lens, in the shopper's words, into an element the widget hands it), open
/// until dropped. What the shopper does in it comes as `(event, value)`.
pub struct Dialog {
    dialog: JsValue,
    _report: Closure<dyn FnMut(JsValue, JsValue)>,
}

impl Dialog {
    /// The lens's dialog `class`, opened with `arguments` and then the
    /// function it reports to, which calls `on`.
    pub fn open(
        lens: &Lens,
        class: &str,
        arguments: &Array,
        on: impl Fn(&str, JsValue) + 'static,
    ) -> Option<Self> {
        let class = function(&lens.0, class)?;
        let report = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |event: JsValue, value| {
            if let Some(event) = event.as_string() {
                on(&event, value);
            }
        });
        arguments.push(report.as_ref());
        let dialog = Reflect::construct(&class, arguments).ok()?;
        Some(Self {
            dialog,
            _report: report,
        })
    }

    /// The dialog's method `name`, called with `arguments`.
    pub fn call(&self, name: &str, arguments: &Array) {
        if let Some(method) = function(&self.dialog, name) {
            let _ = method.apply(&self.dialog, arguments);
        }
    }
}

impl Drop for Dialog {
    /// The dialog gone (the camera off), and the lens's memory for it freed.
    fn drop(&mut self) {
        self.call("free", &Array::new());
    }
}

/// The bits of the lens's advice (`preparePhoto`), as `widget/lens`
/// (`lens::advice`) sets them; the widget's tests hold the two together.
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
