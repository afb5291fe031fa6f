//! The corner editor, a dialog over the widget: a picked photo as it was,
//! the receipt's four corners on it (an outline, and a handle on each) where
//! the lens found them, for the shopper to move where they are wrong: a handle
//! dragged with a finger or the mouse, or moved with the arrow keys (five
//! times as far with Shift), the outline following. Drawn here rather than in
//! the widget, whose every kilobyte is on the first load; the widget hands it
//! an element to draw in and the shopper's words, and hears through one
//! `report(event, value)` function: `"done"` with the corners (eight
//! fractions) or `"cancel"` (the button, or Escape). Dropped (`free()`), it
//! is gone and the focus back where it was.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Float32Array, Function};
use wasm_bindgen::prelude::*;
use web_sys::{Blob, Element, EventTarget, HtmlElement, KeyboardEvent, PointerEvent, Url};
use words::fill;

use crate::dom::{self, Listeners, Modal, Report, button, child, set, svg_child};

/// How far an arrow key moves a corner, as a fraction of the photo.
const STEP: f32 = 0.01;

/// The handles and outline in the page, and where the corners are.
struct Shared {
    frame: HtmlElement,
    handles: Vec<HtmlElement>,
    outline: Element,
    /// Each `x, y` as fractions of the photo's width and height.
    corners: RefCell<[f32; 8]>,
    /// The corner being dragged.
    dragging: Cell<Option<usize>>,
}

impl Shared {
    /// Corner `at` moved to `x, y` (fractions, kept inside the photo).
    fn place(&self, at: usize, x: f32, y: f32) {
        {
            let mut corners = self.corners.borrow_mut();
            corners[2 * at] = x.clamp(0.0, 1.0);
            corners[2 * at + 1] = y.clamp(0.0, 1.0);
        }
        self.show();
    }

    /// The handles and the outline where the corners are.
    fn show(&self) {
        let corners = *self.corners.borrow();
        for (at, handle) in self.handles.iter().enumerate() {
            let style = handle.style();
            let _ = style.set_property("left", &format!("{}%", percent(corners[2 * at])));
            let _ = style.set_property("top", &format!("{}%", percent(corners[2 * at + 1])));
        }
        let points: Vec<String> = (0..4)
            .map(|at| {
                format!(
                    "{},{}",
                    percent(corners[2 * at]),
                    percent(corners[2 * at + 1])
                )
            })
            .collect();
        let _ = self.outline.set_attribute("points", &points.join(" "));
    }
}

/// A fraction as a percentage with two decimals.
fn percent(fraction: f32) -> String {
    let hundredths = (fraction.clamp(0.0, 1.0) * 10_000.0).round() as u32;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// The corner editor, open until dropped.
#[wasm_bindgen]
pub struct CornersDialog {
    /// The page's listeners, let go of before the dialog goes.
    _listeners: Listeners,
    _modal: Modal,
    /// The photo's address, let go of with the dialog.
    url: String,
}

#[wasm_bindgen]
impl CornersDialog {
    /// Opens the editor in `host` (an element of the widget's) over `photo`
    /// (as it was before it was straightened), its corners at `corners`
    /// (eight fractions of its width and height). `words` are the shopper's
    /// (the JS array the widget was given).
    #[wasm_bindgen(constructor)]
    pub fn new(
        host: &Element,
        words: &JsValue,
        photo: &Blob,
        corners: &[f32],
        report: Function,
    ) -> Result<Self, JsValue> {
        let corners = <[f32; 8]>::try_from(corners).map_err(|_| JsValue::from_str("corners"))?;
        let t = dom::words(words)?;
        let report = Report::new(report);
        let mut listeners = Listeners::default();
        let modal = Modal::open(
            host,
            "rr-camera-dialog rr-corners",
            t.adjust_corners(),
            &report,
            "cancel",
            &mut listeners,
        )?;
        let dialog = &modal.element;
        let help = child(dialog, "p", "rr-camera-status")?;
        help.set_text_content(Some(t.corners_help()));
        let scene = child(dialog, "div", "rr-corners-view")?;
        let frame = child(&scene, "div", "rr-corners-frame")?;
        let url = Url::create_object_url_with_blob(photo)?;
        let image = child(&frame, "img", "")?;
        set(
            &image,
            &[
                ("src", &url),
                ("alt", t.photo_alt_original()),
                ("draggable", "false"),
            ],
        )?;
        let svg = svg_child(&frame, "svg")?;
        set(
            &svg,
            &[
                ("class", "rr-corners-outline"),
                ("viewBox", "0 0 100 100"),
                ("preserveAspectRatio", "none"),
                ("aria-hidden", "true"),
            ],
        )?;
        let outline = svg_child(&svg, "polygon")?;
        let handles = (1..=4)
            .map(|n| {
                let handle = button(&frame, "rr-corner", "")?;
                handle.set_attribute("aria-label", &fill(t.corner(), &[("n", &n.to_string())]))?;
                Ok(handle)
            })
            .collect::<Result<Vec<_>, JsValue>>()?;
        let bar = child(dialog, "div", "rr-camera-bar")?;
        let cancel = button(&bar, "rr-button rr-secondary rr-corners-cancel", t.cancel())?;
        let done = button(&bar, "rr-button rr-corners-done", t.use_corners())?;

        let shared = Rc::new(Shared {
            frame,
            handles,
            outline,
            corners: RefCell::new(corners),
            dragging: Cell::new(None),
        });
        shared.show();
        moving(&shared, &mut listeners)?;
        let (on, said) = (Rc::clone(&shared), report.clone());
        listeners.listen(&done, "click", move |_| {
            let corners = Float32Array::from(on.corners.borrow().as_slice());
            said.tell("done", &corners);
        })?;
        listeners.listen(&cancel, "click", move |_| {
            report.tell("cancel", &JsValue::UNDEFINED);
        })?;
        Ok(Self {
            _listeners: listeners,
            _modal: modal,
            url,
        })
    }
}

impl Drop for CornersDialog {
    fn drop(&mut self) {
        let _ = Url::revoke_object_url(&self.url);
    }
}

/// The handles made to move, and the outline to follow them.
fn moving(shared: &Rc<Shared>, listeners: &mut Listeners) -> Result<(), JsValue> {
    for at in 0..4 {
        let handle: EventTarget = shared.handles[at].clone().into();
        let on = Rc::clone(shared);
        listeners.listen(&handle, "pointerdown", move |event| {
            let Ok(event) = event.dyn_into::<PointerEvent>() else {
                return;
            };
            event.prevent_default();
            on.dragging.set(Some(at));
            // Moves keep coming to the handle while the finger is down,
            // wherever it goes.
            let _ = on.handles[at].set_pointer_capture(event.pointer_id());
            let _ = on.handles[at].focus();
        })?;
        let on = Rc::clone(shared);
        listeners.listen(&handle, "keydown", move |event| {
            let Ok(event) = event.dyn_into::<KeyboardEvent>() else {
                return;
            };
            let step = if event.shift_key() { 5.0 * STEP } else { STEP };
            let (dx, dy) = match event.key().as_str() {
                "ArrowLeft" => (-step, 0.0),
                "ArrowRight" => (step, 0.0),
                "ArrowUp" => (0.0, -step),
                "ArrowDown" => (0.0, step),
                _ => return,
            };
            event.prevent_default();
            let corners = *on.corners.borrow();
            on.place(at, corners[2 * at] + dx, corners[2 * at + 1] + dy);
        })?;
    }
    let frame: EventTarget = shared.frame.clone().into();
    let on = Rc::clone(shared);
    listeners.listen(&frame, "pointermove", move |event| {
        let (Ok(event), Some(at)) = (event.dyn_into::<PointerEvent>(), on.dragging.get()) else {
            return;
        };
        let rect = on.frame.get_bounding_client_rect();
        if rect.width() > 0.0 && rect.height() > 0.0 {
            let x = (f64::from(event.client_x()) - rect.left()) / rect.width();
            let y = (f64::from(event.client_y()) - rect.top()) / rect.height();
            on.place(at, x as f32, y as f32);
        }
    })?;
    for name in ["pointerup", "pointercancel"] {
        let on = Rc::clone(shared);
        listeners.listen(&frame, name, move |_| on.dragging.set(None))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fraction_is_a_percentage_with_two_decimals_kept_inside() {
        assert_eq!(percent(0.1234), "12.34");
        assert_eq!(percent(0.05), "5.00");
        assert_eq!(percent(1.2), "100.00");
        assert_eq!(percent(-0.1), "0.00");
    }
}
