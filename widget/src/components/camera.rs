//! The live camera, full screen over the widget: for receipt photos, a
//! viewfinder that outlines the receipt and takes it, straightened, by itself
//! once it is held still (the lens's `Viewfinder`), with the shutter there
//! for whoever wants it and the torch; or a live QR scan that closes itself
//! on the first code it reads.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{
    Blob, HtmlCanvasElement, HtmlElement, HtmlVideoElement, MediaStream, MediaStreamTrack,
};
use yew::prelude::*;

use crate::camera;
use crate::i18n::{fill, use_locale};
use crate::lens::{Lens, LensLoader, Viewfinder, advice};
use crate::problem::{CameraError, Problem};

/// What the camera is open for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraMode {
    Photo,
    Qr,
}

#[derive(Properties, PartialEq)]
pub struct CameraProps {
    pub mode: CameraMode,
    /// Photos already taken of this receipt, and how many it may have.
    #[prop_or_default]
    pub taken: usize,
    #[prop_or_default]
    pub max: usize,
    /// The newest photo's preview, shown beside the shutter.
    #[prop_or_default]
    pub last: Option<AttrValue>,
    #[prop_or_default]
    pub on_photo: Callback<Blob>,
    #[prop_or_default]
    pub on_qr: Callback<String>,
    /// The camera could not start; the parent offers the fallback.
    pub on_fail: Callback<CameraError>,
    pub on_close: Callback<()>,
}

/// Pause between two scanned frames.
const SCAN_GAP_MS: u32 = 150;
/// Pause between two frames the viewfinder looks at.
const WATCH_GAP_MS: u32 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Starting,
    Live,
    /// A shot is being taken.
    Shooting,
    /// The lens (the QR reader, the viewfinder) could not be had.
    NoReader,
}

#[component]
pub fn Camera(props: &CameraProps) -> Html {
    let video = use_node_ref();
    let overlay = use_node_ref();
    let dialog = use_node_ref();
    let status = use_state(|| Status::Starting);
    // What the viewfinder sees: its `OUTLINED` and `TAKEN` bits.
    let seen = use_state(|| 0u32);
    let finder = use_mut_ref(|| None::<Rc<Viewfinder>>);
    let busy = use_mut_ref(|| false);
    let stream = use_mut_ref(|| None::<MediaStream>);
    let torch = use_state(|| None::<(MediaStreamTrack, bool)>);
    let alive = use_mut_ref(|| true);
    let loader = use_context::<LensLoader>().unwrap_or_default();
    let locale = use_locale();
    let t = locale.t();

    {
        let (video, dialog, status, torch) =
            (video.clone(), dialog.clone(), status.clone(), torch.clone());
        let (stream, alive) = (stream.clone(), alive.clone());
        let (mode, on_qr, on_fail) = (props.mode, props.on_qr.clone(), props.on_fail.clone());
        let loader = loader.clone();
        let (overlay, seen, finder, busy, on_photo) = (
            overlay.clone(),
            seen.clone(),
            finder.clone(),
            busy.clone(),
            props.on_photo.clone(),
        );
        use_effect_with((), move |()| {
            // Focus goes into the dialog, and back where it was when it closes.
            let opener = dialog.cast::<HtmlElement>().and_then(|dialog| {
                let before = js_sys::Reflect::get(&dialog.get_root_node(), &"activeElement".into())
                    .ok()
                    .and_then(|el| el.dyn_into::<HtmlElement>().ok());
                let _ = dialog.focus();
                before
            });
            let (stream_on_close, alive_on_close) = (stream.clone(), alive.clone());
            // The photo taken here will want the lens: fetched while the
            // camera starts.
            loader.prefetch();
            spawn_local(async move {
                let Some(el) = video.cast::<HtmlVideoElement>() else {
                    return;
                };
                let opened = match camera::open(&el).await {
                    Ok(opened) => opened,
                    Err(e) => return on_fail.emit(e),
                };
                if !*alive.borrow() {
                    return camera::stop(&opened);
                }
                torch.set(camera::torch(&opened).map(|track| (track, false)));
                *stream.borrow_mut() = Some(opened);
                match (mode, overlay.cast::<HtmlCanvasElement>()) {
                    (CameraMode::Qr, _) => {
                        status.set(Status::Live);
                        scan(&el, &loader, &alive, &status, &on_qr).await;
                    }
                    (CameraMode::Photo, Some(overlay)) => {
                        let shooter = Shooter {
                            video: el,
                            finder,
                            busy,
                            status,
                            on_photo,
                        };
                        watch(&shooter, &overlay, &loader, &alive, &seen).await;
                    }
                    (CameraMode::Photo, None) => {}
                }
            });
            move || {
                if let Some(opener) = opener {
                    let _ = opener.focus();
                }
                *alive_on_close.borrow_mut() = false;
                if let Some(open) = stream_on_close.borrow_mut().take() {
                    camera::stop(&open);
                }
            }
        });
    }

    let on_shutter = {
        let (video, status, on_photo) = (video.clone(), status.clone(), props.on_photo.clone());
        let (finder, busy) = (finder.clone(), busy.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(el) = video.cast::<HtmlVideoElement>() else {
                return;
            };
            let shooter = Shooter {
                video: el,
                finder: finder.clone(),
                busy: busy.clone(),
                status: status.clone(),
                on_photo: on_photo.clone(),
            };
            spawn_local(async move { shooter.take().await });
        })
    };
    let on_torch = {
        let torch = torch.clone();
        Callback::from(move |_: MouseEvent| {
            let Some((track, on)) = (*torch).clone() else {
                return;
            };
            let torch = torch.clone();
            spawn_local(async move {
                if camera::set_torch(&track, !on).await {
                    torch.set(Some((track, !on)));
                }
            });
        })
    };
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let onkeydown = {
        let on_close = props.on_close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                on_close.emit(());
            }
        })
    };

    let live = matches!(*status, Status::Live | Status::Shooting);
    let line = match (props.mode, *status) {
        (_, Status::Starting) => t.camera_starting().to_owned(),
        (CameraMode::Qr, Status::NoReader) => locale.problem(&Problem::ScannerUnavailable),
        (CameraMode::Photo, Status::NoReader) => locale.problem(&Problem::LensUnavailable),
        (CameraMode::Qr, _) => t.camera_aim_qr().to_owned(),
        (CameraMode::Photo, Status::Shooting) => t.camera_hold().to_owned(),
        (CameraMode::Photo, _)
            if *seen & (advice::OUTLINED | advice::TAKEN) == advice::OUTLINED =>
        {
            t.camera_outlined().to_owned()
        }
        (CameraMode::Photo, _) if props.taken == 0 => t.camera_fit().to_owned(),
        (CameraMode::Photo, _) => fill(
            t.camera_taken(),
            &[
                ("n", &props.taken.to_string()),
                ("max", &props.max.to_string()),
            ],
        ),
    };
    let (label, close_label) = match props.mode {
        CameraMode::Photo => (
            t.camera_label(),
            if props.taken > 0 {
                t.camera_done()
            } else {
                t.camera_close()
            },
        ),
        CameraMode::Qr => (t.scanner_label(), t.scanner_close()),
    };
    html! {
        <div class="rr-camera-dialog" role="dialog" aria-modal="true" aria-label={label}
            tabindex="-1" ref={dialog} {onkeydown}>
            // The guides sit over the picture alone, clear of the status line
            // and the buttons on the smallest screens.
            <div class="rr-view">
                // The whole frame, as it will be saved (`object-fit: contain`).
                <video class="rr-viewfinder" ref={video} autoplay=true muted=true playsinline=true />
                if props.mode == CameraMode::Qr {
                    <div class="rr-qr-frame" aria-hidden="true"></div>
                } else {
                    <div class="rr-receipt-frame" aria-hidden="true"></div>
                    // The receipt's outline, drawn live by the lens.
                    <canvas class="rr-outline" ref={overlay} aria-hidden="true"></canvas>
                    // A long receipt's last part, its bottom shown at the top:
                    // where the next part starts, so that they overlap.
                    if let Some(last) = props.last.as_ref().filter(|_| props.taken < props.max) {
                        <img class="rr-overlap" src={last.clone()} alt="" aria-hidden="true" />
                    }
                    // Re-made at each photo, so its flash plays once per shot.
                    <div class="rr-flash" key={props.taken.to_string()} aria-hidden="true"></div>
                }
            </div>
            <p class="rr-camera-status rr-live" role="status" aria-live="polite">{ line }</p>
            <div class="rr-camera-bar">
                if let Some((_, on)) = &*torch {
                    <button type="button" class="rr-button rr-secondary rr-torch" aria-pressed={on.to_string()}
                        onclick={on_torch}>{ t.torch() }</button>
                }
                if let Some(last) = &props.last {
                    <img class="rr-last" src={last.clone()} alt={t.last_photo()} />
                }
                if props.mode == CameraMode::Photo {
                    <button type="button" class="rr-shutter" aria-label={t.shutter()}
                        disabled={!live || *status == Status::Shooting} onclick={on_shutter}></button>
                }
                <button type="button" class="rr-button rr-secondary rr-camera-close" onclick={close}>
                    { close_label }
                </button>
            </div>
        </div>
    }
}

/// Reads frames until one has a QR code (emitted), the camera closes, or no
/// reader can be had.
async fn scan(
    video: &HtmlVideoElement,
    loader: &LensLoader,
    alive: &Rc<RefCell<bool>>,
    status: &UseStateHandle<Status>,
    on_qr: &Callback<String>,
) {
    let Some(lens) = Lens::load(loader).await else {
        return status.set(Status::NoReader);
    };
    while *alive.borrow() {
        if let Some(text) = lens.read_code(video).await {
            if *alive.borrow() {
                on_qr.emit(text);
            }
            return;
        }
        TimeoutFuture::new(SCAN_GAP_MS).await;
    }
}

/// What takes a photo, one at a time: the lens's viewfinder, the receipt
/// straightened (the shutter waits for it).
struct Shooter {
    video: HtmlVideoElement,
    finder: Rc<RefCell<Option<Rc<Viewfinder>>>>,
    busy: Rc<RefCell<bool>>,
    status: UseStateHandle<Status>,
    on_photo: Callback<Blob>,
}

impl Shooter {
    async fn take(&self) {
        let Some(finder) = self.finder.borrow().clone() else {
            return;
        };
        if self.busy.replace(true) {
            return;
        }
        self.status.set(Status::Shooting);
        let quality = f64::from(camera::SHOT_QUALITY) / 100.0;
        if let Some(blob) = finder.shoot(quality).await {
            self.on_photo.emit(blob);
        }
        self.status.set(Status::Live);
        *self.busy.borrow_mut() = false;
    }
}

/// Looks at the camera's frames with the lens's viewfinder until the camera
/// closes: the outline drawn over `overlay`, what it sees told to the status
/// line, and the shot taken when the receipt is held still. The camera is
/// live (its shutter on) once the viewfinder is; where the lens cannot be
/// had, the status line says so.
async fn watch(
    shooter: &Shooter,
    overlay: &HtmlCanvasElement,
    loader: &LensLoader,
    alive: &Rc<RefCell<bool>>,
    seen: &UseStateHandle<u32>,
) {
    let finder = match Lens::load(loader).await {
        Some(lens) => Viewfinder::new(&lens, &shooter.video, overlay),
        None => None,
    };
    let Some(finder) = finder else {
        return shooter.status.set(Status::NoReader);
    };
    let finder = Rc::new(finder);
    *shooter.finder.borrow_mut() = Some(finder.clone());
    shooter.status.set(Status::Live);
    let mut shown = 0;
    while *alive.borrow() {
        if !*shooter.busy.borrow() {
            let bits = finder.watch();
            if bits & (advice::OUTLINED | advice::TAKEN) != shown {
                shown = bits & (advice::OUTLINED | advice::TAKEN);
                seen.set(shown);
            }
            if bits & advice::READY != 0 {
                shooter.take().await;
            }
        }
        TimeoutFuture::new(WATCH_GAP_MS).await;
    }
}
