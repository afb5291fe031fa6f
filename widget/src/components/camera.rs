//! The live camera, full screen over the widget: for receipt photos, a
//! viewfinder that outlines the receipt and takes it, straightened, by itself
//! once it is held still, with the shutter there for whoever wants it and
//! the torch; or a live QR scan that closes itself on the first code it
//! reads. The dialog and its words are drawn here; the camera itself is the
//! lens's (`LiveCamera`), fetched as the dialog opens.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Blob, HtmlCanvasElement, HtmlElement, HtmlVideoElement};
use yew::prelude::*;

use crate::i18n::{fill, use_locale};
use crate::lens::{CameraEvent, Lens, LensLoader, LiveCamera, advice};
use crate::problem::{CameraError, Problem};

/// Whether this browser can show a live camera at all (it needs a secure
/// page and `getUserMedia`).
pub fn supported() -> bool {
    web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| js_sys::Reflect::get(&n, &"mediaDevices".into()).ok())
        .filter(|d| !d.is_undefined())
        .and_then(|d| js_sys::Reflect::get(&d, &"getUserMedia".into()).ok())
        .is_some_and(|f| f.is_function())
}

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
    // Whether the camera has a torch, and whether it is on.
    let torch = use_state(|| None::<bool>);
    let camera = use_mut_ref(|| None::<Rc<LiveCamera>>);
    let loader = use_context::<LensLoader>().unwrap_or_default();
    let locale = use_locale();
    let t = locale.t();

    {
        let (video, overlay, dialog, camera) = (
            video.clone(),
            overlay.clone(),
            dialog.clone(),
            camera.clone(),
        );
        let (status, seen, torch) = (status.clone(), seen.clone(), torch.clone());
        let (mode, on_photo, on_qr, on_fail) = (
            props.mode,
            props.on_photo.clone(),
            props.on_qr.clone(),
            props.on_fail.clone(),
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
            let (on_close, alive) = (camera.clone(), Rc::new(Cell::new(true)));
            let closed = alive.clone();
            spawn_local(async move {
                let Some(el) = video.cast::<HtmlVideoElement>() else {
                    return;
                };
                let Some(lens) = Lens::load(&loader).await else {
                    return status.set(Status::NoReader);
                };
                let overlay = overlay
                    .cast::<HtmlCanvasElement>()
                    .filter(|_| mode == CameraMode::Photo);
                let on = move |event| match event {
                    CameraEvent::Failed(e) => on_fail.emit(e),
                    CameraEvent::Live { torch: has } => {
                        torch.set(has.then_some(false));
                        status.set(Status::Live);
                    }
                    CameraEvent::Seen(bits) => seen.set(bits),
                    CameraEvent::Shooting => status.set(Status::Shooting),
                    CameraEvent::Missed => status.set(Status::Live),
                    CameraEvent::Photo(blob) => {
                        status.set(Status::Live);
                        on_photo.emit(blob);
                    }
                    CameraEvent::Code(text) => on_qr.emit(text),
                    CameraEvent::Torch(on) => torch.set(Some(on)),
                };
                // Closed while the lens was on its way: no camera.
                if alive.get() {
                    *camera.borrow_mut() =
                        LiveCamera::start(&lens, &el, overlay.as_ref(), on).map(Rc::new);
                }
            });
            move || {
                if let Some(opener) = opener {
                    let _ = opener.focus();
                }
                closed.set(false);
                // Dropped: the camera off.
                on_close.borrow_mut().take();
            }
        });
    }

    let on_shutter = {
        let camera = camera.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(camera) = camera.borrow().as_ref() {
                camera.shoot();
            }
        })
    };
    let on_torch = {
        let camera = camera.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(camera) = camera.borrow().as_ref() {
                camera.switch_torch();
            }
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
                if let Some(on) = *torch {
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
