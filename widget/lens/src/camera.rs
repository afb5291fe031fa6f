//! The live camera behind the camera dialog (`camera_dialog`): the rear
//! camera opened into the dialog's `<video>` (`getUserMedia`), the torch where
//! the phone has one, and, until it stops, either the receipt watched by the
//! [`Viewfinder`] (outlined, and taken by itself, straightened, once held
//! still; the shutter takes it at once) or frames read for a QR code. What
//! happens is told as [`Event`]s.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{
    HtmlCanvasElement, HtmlVideoElement, MediaStream, MediaStreamConstraints, MediaStreamTrack,
};

use crate::track;
use crate::viewfinder::Viewfinder;

/// Pause between two frames scanned for a QR code.
const SCAN_GAP_MS: u32 = 150;
/// Pause between two frames the viewfinder looks at.
const WATCH_GAP_MS: u32 = 30;
/// JPEG quality of a shot (0 to 1); its preparation for the campaign
/// shrinks it afterwards.
const SHOT_QUALITY: f64 = 0.92;

/// What the camera tells.
pub enum Event {
    /// It could not be opened: the `DOMException`'s name (`"Unsupported"`
    /// where the browser has no `getUserMedia`).
    Failed(String),
    /// It plays: the shutter may be pressed; whether it has a torch.
    Live { torch: bool },
    /// The viewfinder's [`track::OUTLINED`] and [`track::TAKEN`] bits,
    /// changed.
    Seen(u32),
    /// A shot is being taken...
    Shooting,
    /// ... and it failed.
    Missed,
    /// The shot (a `Blob`): the receipt straightened, or the whole frame.
    Photo(JsValue),
    /// The text of the QR code read (the scan then stops).
    Code(String),
    /// The torch is on (or off) now.
    Torch(bool),
}

/// The camera, live in its dialog until dropped.
pub struct Camera(Rc<Live>);

struct Live {
    video: HtmlVideoElement,
    report: Box<dyn Fn(Event)>,
    /// The viewfinder, in photo mode once the camera plays.
    finder: RefCell<Option<Viewfinder>>,
    stream: RefCell<Option<MediaStream>>,
    /// The video track, where its camera has a torch, and whether it is on.
    torch: RefCell<Option<(MediaStreamTrack, bool)>>,
    /// Until the dialog closes.
    alive: Cell<bool>,
    /// A shot is being taken.
    busy: Cell<bool>,
}

impl Camera {
    /// Opens the camera into `video` and starts: with `overlay` (a canvas
    /// laid over the video), the viewfinder for receipt photos; without, the
    /// QR scan. What happens is told to `report`.
    pub fn new(
        video: HtmlVideoElement,
        overlay: Option<HtmlCanvasElement>,
        report: impl Fn(Event) + 'static,
    ) -> Self {
        let live = Rc::new(Live {
            video,
            report: Box::new(report),
            finder: RefCell::new(None),
            stream: RefCell::new(None),
            torch: RefCell::new(None),
            alive: Cell::new(true),
            busy: Cell::new(false),
        });
        spawn_local(run(live.clone(), overlay));
        Self(live)
    }

    /// The shutter: the receipt taken now (straightened where it is found).
    pub fn shoot(&self) {
        spawn_local(take(self.0.clone()));
    }

    /// Switches the torch on or off.
    pub fn switch_torch(&self) {
        let live = self.0.clone();
        spawn_local(async move {
            let Some((track, on)) = live.torch.borrow().clone() else {
                return;
            };
            if set_torch(&track, !on).await {
                *live.torch.borrow_mut() = Some((track, !on));
                live.tell(Event::Torch(!on));
            }
        });
    }
}

impl Drop for Camera {
    /// The camera off (its light goes out), and the watching ended.
    fn drop(&mut self) {
        self.0.alive.set(false);
        if let Some(stream) = self.0.stream.borrow_mut().take() {
            stop(&stream);
        }
    }
}

impl Live {
    /// Tells the dialog, while the camera is on (stopped, nobody
    /// listens).
    fn tell(&self, event: Event) {
        if self.alive.get() {
            (self.report)(event);
        }
    }
}

/// Opens the camera, then watches or scans until the dialog closes.
async fn run(live: Rc<Live>, overlay: Option<HtmlCanvasElement>) {
    let stream = match open(&live.video).await {
        Ok(stream) => stream,
        Err(name) => return live.tell(Event::Failed(name)),
    };
    if !live.alive.get() {
        return stop(&stream);
    }
    *live.torch.borrow_mut() = torch(&stream).map(|track| (track, false));
    *live.stream.borrow_mut() = Some(stream);
    match overlay {
        Some(overlay) => {
            *live.finder.borrow_mut() = Viewfinder::new(live.video.clone(), overlay).ok();
            live.tell(Event::Live {
                torch: live.torch.borrow().is_some(),
            });
            watch(&live).await;
        }
        None => {
            live.tell(Event::Live {
                torch: live.torch.borrow().is_some(),
            });
            scan(&live).await;
        }
    }
}

/// Looks at the frames until the dialog closes: the outline drawn, what is
/// seen told, and the shot taken when the receipt is held still.
async fn watch(live: &Rc<Live>) {
    let mut shown = 0;
    while live.alive.get() {
        if !live.busy.get() {
            let bits = live
                .finder
                .borrow_mut()
                .as_mut()
                .map_or(0, Viewfinder::watch);
            let seen = bits & (track::OUTLINED | track::TAKEN);
            if seen != shown {
                shown = seen;
                live.tell(Event::Seen(seen));
            }
            if bits & track::READY != 0 {
                take(live.clone()).await;
            }
        }
        TimeoutFuture::new(WATCH_GAP_MS).await;
    }
}

/// Reads frames until one has a QR code (told), or the dialog closes.
async fn scan(live: &Live) {
    while live.alive.get() {
        if let Some(text) = crate::code::read_code(live.video.clone().into()).await {
            live.tell(Event::Code(text));
            return;
        }
        TimeoutFuture::new(SCAN_GAP_MS).await;
    }
}

/// Takes a shot, one at a time.
async fn take(live: Rc<Live>) {
    if !live.alive.get() || live.busy.replace(true) {
        return;
    }
    let shot = live
        .finder
        .borrow_mut()
        .as_mut()
        .and_then(|finder| finder.shoot(SHOT_QUALITY).ok());
    if let Some(promise) = shot {
        live.tell(Event::Shooting);
        match JsFuture::from(promise).await {
            Ok(blob) => live.tell(Event::Photo(blob)),
            Err(_) => live.tell(Event::Missed),
        }
    }
    live.busy.set(false);
}

/// Opens the rear camera (any camera where there is no rear one) and plays
/// it in `video`; refused, the `DOMException`'s name.
async fn open(video: &HtmlVideoElement) -> Result<MediaStream, String> {
    let name = |e: JsValue| {
        Reflect::get(&e, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default()
    };
    let devices = web_sys::window()
        .and_then(|w| w.navigator().media_devices().ok())
        .filter(|d| Reflect::has(d, &"getUserMedia".into()).unwrap_or(false))
        .ok_or("Unsupported")?;
    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&false.into());
    constraints.set_video(&object(&[
        ("facingMode", object(&[("ideal", "environment".into())])),
        ("width", object(&[("ideal", 1920.into())])),
        ("height", object(&[("ideal", 1080.into())])),
    ]));
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(name)?;
    let stream: MediaStream = JsFuture::from(promise)
        .await
        .map_err(name)?
        .unchecked_into();
    // iOS Safari plays inline only with these set before play().
    video.set_muted(true);
    let _ = video.set_attribute("playsinline", "");
    video.set_src_object(Some(&stream));
    if let Ok(playing) = video.play()
        && JsFuture::from(playing).await.is_err()
    {
        stop(&stream);
        return Err("NotReadableError".into());
    }
    Ok(stream)
}

/// Turns the camera off (the phone's camera light goes out).
fn stop(stream: &MediaStream) {
    for track in stream.get_tracks() {
        track.unchecked_into::<MediaStreamTrack>().stop();
    }
}

/// The video track, if its camera has a torch that can be switched.
fn torch(stream: &MediaStream) -> Option<MediaStreamTrack> {
    let track: MediaStreamTrack = stream.get_video_tracks().get(0).dyn_into().ok()?;
    let capabilities = Reflect::get(&track, &"getCapabilities".into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?
        .call0(&track)
        .ok()?;
    Reflect::get(&capabilities, &"torch".into())
        .ok()?
        .as_bool()
        .filter(|has| *has)
        .map(|_| track)
}

/// Switches the torch; whether the camera accepted it.
async fn set_torch(track: &MediaStreamTrack, on: bool) -> bool {
    let advanced = Array::of1(&object(&[("torch", on.into())]));
    let constraints = object(&[("advanced", advanced.into())]);
    match track.apply_constraints_with_constraints(constraints.unchecked_ref()) {
        Ok(promise) => JsFuture::from(promise).await.is_ok(),
        Err(_) => false,
    }
}

/// A plain JS object from key/value pairs.
fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&object, &(*key).into(), value);
    }
    object.into()
}
