//! The lens: the second wasm module (`widget/lens`: QR decoding and receipt
//! vision), which the loader fetches the first time a shopper opens the camera,
//! picks a photo or scans a code, so the widget's first load carries none of it;
//! and what its answers mean to the widget.

use js_sys::{Array, Float32Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, HtmlCanvasElement, HtmlVideoElement};

use crate::photo::{Hint, Prep, Prepared};
use crate::problem::{CameraError, Problem};

/// The loader's `loadLens()`: a promise of the lens module, initialised (the
/// same promise every time). Given to components through a yew context.
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

/// What the lens's live camera tells (`widget/lens/src/camera.rs`).
#[derive(Debug, Clone, PartialEq)]
pub enum CameraEvent {
    /// The camera could not be opened.
    Failed(CameraError),
    /// It plays: the shutter may be pressed; whether it has a torch.
    Live { torch: bool },
    /// The viewfinder's [`advice`] `OUTLINED` and `TAKEN` bits, changed.
    Seen(u32),
    /// A shot is being taken.
    Shooting,
    /// ... and it failed.
    Missed,
    /// The shot: the receipt straightened, or the whole frame.
    Photo(Blob),
    /// The QR code read.
    Code(String),
    /// The torch is on (or off).
    Torch(bool),
}

impl CameraEvent {
    fn read(event: &str, value: JsValue) -> Option<Self> {
        Some(match event {
            "failed" => Self::Failed(CameraError::from_name(&value.as_string()?)),
            "live" => Self::Live {
                torch: value.as_bool()?,
            },
            "seen" => Self::Seen(value.as_f64()? as u32),
            "shooting" => Self::Shooting,
            "missed" => Self::Missed,
            "photo" => Self::Photo(value.dyn_into().ok()?),
            "code" => Self::Code(value.as_string()?),
            "torch" => Self::Torch(value.as_bool()?),
            _ => return None,
        })
    }
}

/// The lens's live camera in the widget's camera dialog: it opens the camera
/// into the `<video>` and, with a canvas laid over it, outlines the receipt
/// and takes it (else it scans for a QR code), telling [`CameraEvent`]s.
/// Dropped, the camera is off.
pub struct LiveCamera {
    camera: JsValue,
    _report: Closure<dyn FnMut(JsValue, JsValue)>,
}

impl LiveCamera {
    pub fn start(
        lens: &Lens,
        video: &HtmlVideoElement,
        overlay: Option<&HtmlCanvasElement>,
        on: impl Fn(CameraEvent) + 'static,
    ) -> Option<Self> {
        let class = function(&lens.0, "Camera")?;
        let report = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |event: JsValue, value| {
            if let Some(event) = event.as_string().and_then(|e| CameraEvent::read(&e, value)) {
                on(event);
            }
        });
        let overlay = overlay.map_or(JsValue::UNDEFINED, |o| o.clone().into());
        let camera =
            Reflect::construct(&class, &Array::of3(video, &overlay, report.as_ref())).ok()?;
        Some(Self {
            camera,
            _report: report,
        })
    }

    fn call(&self, name: &str) {
        if let Some(method) = function(&self.camera, name) {
            let _ = method.call0(&self.camera);
        }
    }

    /// The shutter.
    pub fn shoot(&self) {
        self.call("shoot");
    }

    pub fn switch_torch(&self) {
        self.call("switchTorch");
    }
}

impl Drop for LiveCamera {
    /// The camera off, and the lens's memory for it freed.
    fn drop(&mut self) {
        self.call("stop");
        self.call("free");
    }
}

/// The lens's corner editor: the four handles over a picked photo, moved
/// by the shopper (the widget draws them; the lens moves them).
pub struct CornerEditor(JsValue);

impl CornerEditor {
    /// Makes the `.rr-corner` handles in `frame` movable from `corners`.
    pub fn new(lens: &Lens, frame: &web_sys::HtmlElement, corners: &[f32; 8]) -> Option<Self> {
        let class = function(&lens.0, "CornerEditor")?;
        let corners = Float32Array::from(corners.as_slice());
        Reflect::construct(&class, &Array::of2(frame, &corners))
            .ok()
            .map(Self)
    }

    /// Where the corners are now.
    pub fn corners(&self) -> Option<[f32; 8]> {
        let now = function(&self.0, "corners")?.call0(&self.0).ok()?;
        now.dyn_into::<Float32Array>()
            .ok()?
            .to_vec()
            .try_into()
            .ok()
    }
}

impl Drop for CornerEditor {
    /// The lens's memory for it freed, and the page's handles let go of.
    fn drop(&mut self) {
        if let Some(free) = function(&self.0, "free") {
            let _ = free.call0(&self.0);
        }
    }
}

/// The bits of the lens's advice (`preparePhoto`) and its camera's viewfinder, as `widget/lens`
/// (`lens::advice`, `lens::OUTLINED`...) sets them; the widget's tests hold
/// the two together.
pub mod advice {
    pub const NO_RECEIPT: u32 = 1;
    pub const MOVE_CLOSER: u32 = 2;
    pub const TOO_DARK: u32 = 4;
    pub const GLARE: u32 = 8;
    pub const HOLD_STILL: u32 = 16;
    pub const TILTED: u32 = 32;
    /// A receipt is outlined live.
    pub const OUTLINED: u32 = 1 << 8;
    /// ... held still and sharp: the shot takes itself now.
    pub const READY: u32 = 1 << 9;
    /// ... and it is the one taken last.
    pub const TAKEN: u32 = 1 << 10;
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
