//! The camera dialog, full screen over the widget: for receipt photos, the
//! viewfinder that outlines the receipt and takes it by itself once it is
//! held still, with the shutter there for whoever wants it, the torch, the
//! last photo and, for a long receipt, the bottom of the last part shown at
//! the top (where the next part starts, so that they overlap); or a live QR
//! scan that stops on the first code it reads. Drawn here rather than in the
//! widget, whose every kilobyte is on the first load; the widget hands it an
//! element to draw in and the shopper's words, and hears through one
//! `report(event, value)` function:
//!
//! - `"failed"`, the `DOMException` name the camera was refused with
//!   (`"Unsupported"` where the browser has no `getUserMedia`);
//! - `"photo"`, the shot (a `Blob`);
//! - `"code"`, the text of the QR code read;
//! - `"close"`, the shopper closed the dialog (the button, or Escape).
//!
//! The widget tells it how many photos the receipt has ([`CameraDialog::update`])
//! and drops it to close it: the camera off, the dialog gone, the focus back
//! where it was.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlCanvasElement, HtmlElement, Node};
use words::{Text, fill};

use crate::camera::{Camera, Event};
use crate::dom::{self, Listeners, Modal, Report, button, child, set, shown};
use crate::track;

/// The camera dialog, open until dropped (`free()`).
#[wasm_bindgen]
pub struct CameraDialog {
    view: Rc<View>,
    /// The page's listeners, let go of first.
    _listeners: Listeners,
    /// The camera, off when dropped.
    _camera: Rc<Camera>,
    _modal: Modal,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Starting,
    Live,
    /// A shot is being taken.
    Shooting,
}

/// The dialog's elements and what they show.
struct View {
    text: &'static Text,
    /// Scanning for a QR code rather than taking receipt photos.
    qr: bool,
    report: Report,
    scene: HtmlElement,
    bar: HtmlElement,
    status_line: HtmlElement,
    torch_button: HtmlElement,
    last: HtmlElement,
    overlap: Option<HtmlElement>,
    shutter: Option<HtmlElement>,
    close: HtmlElement,
    flash: RefCell<Option<HtmlElement>>,
    status: Cell<Status>,
    /// The viewfinder's `OUTLINED` and `TAKEN` bits.
    seen: Cell<u32>,
    /// Whether the camera has a torch, and whether it is on.
    torch: Cell<Option<bool>>,
    /// Photos of this receipt so far, and how many it may have.
    taken: Cell<u32>,
    max: Cell<u32>,
    /// The newest photo's preview.
    newest: RefCell<Option<String>>,
}

#[wasm_bindgen]
impl CameraDialog {
    /// Opens the dialog in `host` (an element of the widget's) and the
    /// camera in it: for a QR code where `qr`, else for receipt photos.
    /// `words` are the shopper's (the JS array the widget was given).
    #[wasm_bindgen(constructor)]
    pub fn new(
        host: &Element,
        qr: bool,
        words: &JsValue,
        report: Function,
    ) -> Result<Self, JsValue> {
        let text = dom::words(words)?;
        let report = Report::new(report);
        let mut listeners = Listeners::default();
        let label = if qr {
            text.scanner_label()
        } else {
            text.camera_label()
        };
        let modal = Modal::open(
            host,
            "rr-camera-dialog",
            label,
            &report,
            "close",
            &mut listeners,
        )?;
        let dialog = &modal.element;
        // The guides sit over the picture alone, clear of the status line
        // and the buttons on the smallest screens.
        let scene = child(dialog, "div", "rr-view")?;
        // The whole frame, as it will be saved (`object-fit: contain`).
        let video = child(&scene, "video", "rr-viewfinder")?;
        set(
            &video,
            &[("autoplay", ""), ("muted", ""), ("playsinline", "")],
        )?;
        let guide = child(
            &scene,
            "div",
            if qr {
                "rr-qr-frame"
            } else {
                "rr-receipt-frame"
            },
        )?;
        set(&guide, &[("aria-hidden", "true")])?;
        // The receipt's outline, drawn live by the viewfinder.
        let outline = if qr {
            None
        } else {
            let canvas = child(&scene, "canvas", "rr-outline")?;
            set(&canvas, &[("aria-hidden", "true")])?;
            Some(canvas.unchecked_into::<HtmlCanvasElement>())
        };
        let overlap = if qr {
            None
        } else {
            let overlap = dom::detached(&scene, "img", "rr-overlap")?;
            set(&overlap, &[("alt", ""), ("aria-hidden", "true")])?;
            Some(overlap)
        };
        let status_line = child(dialog, "p", "rr-camera-status rr-live")?;
        set(&status_line, &[("role", "status"), ("aria-live", "polite")])?;
        let bar = child(dialog, "div", "rr-camera-bar")?;
        let torch_button = button(&bar, "rr-button rr-secondary rr-torch", text.torch())?;
        torch_button.remove();
        let last = dom::detached(&bar, "img", "rr-last")?;
        set(&last, &[("alt", text.last_photo())])?;
        let shutter = if qr {
            None
        } else {
            let shutter = button(&bar, "rr-shutter", "")?;
            set(&shutter, &[("aria-label", text.shutter())])?;
            Some(shutter)
        };
        let close = button(&bar, "rr-button rr-secondary rr-camera-close", "")?;

        let view = Rc::new(View {
            text,
            qr,
            report,
            scene,
            bar: bar.clone(),
            status_line,
            torch_button: torch_button.clone(),
            last,
            overlap,
            shutter: shutter.clone(),
            close: close.clone(),
            flash: RefCell::new(None),
            status: Cell::new(Status::Starting),
            seen: Cell::new(0),
            torch: Cell::new(None),
            taken: Cell::new(0),
            max: Cell::new(0),
            newest: RefCell::new(None),
        });
        view.render();

        let heard = Rc::clone(&view);
        let camera = Rc::new(Camera::new(video.unchecked_into(), outline, move |event| {
            heard.hear(event)
        }));
        if let Some(shutter) = &shutter {
            let camera = Rc::clone(&camera);
            listeners.listen(shutter, "click", move |_| camera.shoot())?;
        }
        let on = Rc::clone(&camera);
        listeners.listen(&torch_button, "click", move |_| on.switch_torch())?;
        let on = Rc::clone(&view);
        listeners.listen(&close, "click", move |_| {
            on.report.tell("close", &JsValue::UNDEFINED);
        })?;
        Ok(Self {
            view,
            _listeners: listeners,
            _camera: camera,
            _modal: modal,
        })
    }

    /// The receipt has `taken` photos of at most `max`, the newest shown
    /// from `newest` (a URL).
    pub fn update(&self, taken: u32, max: u32, newest: Option<String>) {
        let view = &self.view;
        let more = taken > view.taken.get();
        view.taken.set(taken);
        view.max.set(max);
        *view.newest.borrow_mut() = newest;
        if more && !view.qr {
            view.flash();
        }
        view.render();
    }
}

impl View {
    /// What the camera said, shown (and passed on where the widget needs it).
    fn hear(&self, event: Event) {
        match event {
            Event::Failed(name) => return self.report.tell("failed", &name.into()),
            Event::Live { torch } => {
                self.torch.set(torch.then_some(false));
                self.status.set(Status::Live);
            }
            Event::Seen(bits) => self.seen.set(bits),
            Event::Shooting => self.status.set(Status::Shooting),
            Event::Missed => self.status.set(Status::Live),
            Event::Photo(blob) => {
                self.status.set(Status::Live);
                self.report.tell("photo", &blob);
            }
            Event::Code(text) => return self.report.tell("code", &text.into()),
            Event::Torch(on) => self.torch.set(Some(on)),
        }
        self.render();
    }

    /// A white flash over the picture, played once per photo.
    fn flash(&self) {
        if let Some(old) = self.flash.borrow_mut().take() {
            old.remove();
        }
        if let Ok(flash) = child(&self.scene, "div", "rr-flash") {
            let _ = flash.set_attribute("aria-hidden", "true");
            *self.flash.borrow_mut() = Some(flash);
        }
    }

    /// Every element as the state says.
    fn render(&self) {
        let t = self.text;
        let (status, taken, max) = (self.status.get(), self.taken.get(), self.max.get());
        let line = match status {
            Status::Starting => t.camera_starting().to_owned(),
            _ if self.qr => t.camera_aim_qr().to_owned(),
            Status::Shooting => t.camera_hold().to_owned(),
            _ if self.seen.get() & (track::OUTLINED | track::TAKEN) == track::OUTLINED => {
                t.camera_outlined().to_owned()
            }
            _ if taken == 0 => t.camera_fit().to_owned(),
            Status::Live => fill(
                t.camera_taken(),
                &[("n", &taken.to_string()), ("max", &max.to_string())],
            ),
        };
        self.status_line.set_text_content(Some(&line));
        let close = match (self.qr, taken) {
            (true, _) => t.scanner_close(),
            (false, 0) => t.camera_close(),
            (false, _) => t.camera_done(),
        };
        self.close.set_text_content(Some(close));
        // Only what there is to show is in the page, in the bar's order:
        // torch, last photo, shutter, close.
        let torch = self.torch.get();
        let pressed = if torch == Some(true) { "true" } else { "false" };
        let _ = self.torch_button.set_attribute("aria-pressed", pressed);
        let first = self.bar.first_child();
        shown(
            &self.torch_button,
            &self.bar,
            first.as_ref(),
            torch.is_some(),
        );
        let newest = self.newest.borrow();
        if let Some(url) = newest.as_deref() {
            let _ = self.last.set_attribute("src", url);
            if let Some(overlap) = &self.overlap {
                let _ = overlap.set_attribute("src", url);
            }
        }
        let after_last: &HtmlElement = self.shutter.as_ref().unwrap_or(&self.close);
        shown(&self.last, &self.bar, Some(after_last), newest.is_some());
        if let Some(overlap) = &self.overlap {
            let flash = self.flash.borrow();
            let before = flash.as_ref().map(|f| f.unchecked_ref::<Node>());
            shown(
                overlap,
                &self.scene,
                before,
                newest.is_some() && taken < max,
            );
        }
        if let Some(shutter) = &self.shutter {
            let _ = shutter.toggle_attribute_with_force("disabled", status != Status::Live);
        }
    }
}
