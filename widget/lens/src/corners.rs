//! The corner editor: the receipt's four corners over a picked photo, moved
//! by the shopper where the lens found them wrong. The widget draws the photo,
//! the outline (an SVG `polygon` in a 0 to 100 box) and four `.rr-corner`
//! buttons in a frame; [`CornerEditor`] makes them move: a handle dragged
//! with a finger or the mouse, or moved with the arrow keys (five times as
//! far with Shift), and the outline following. Here rather than in the widget,
//! whose every kilobyte is on the first load.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{Element, EventTarget, HtmlElement, KeyboardEvent, PointerEvent};

/// How far an arrow key moves a corner, as a fraction of the photo.
const STEP: f32 = 0.01;

/// The handles and outline in the page, and where the corners are.
struct Shared {
    frame: HtmlElement,
    handles: Vec<HtmlElement>,
    outline: Option<Element>,
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
        if let Some(outline) = &self.outline {
            let points: Vec<String> = (0..4)
                .map(|at| {
                    format!(
                        "{},{}",
                        percent(corners[2 * at]),
                        percent(corners[2 * at + 1])
                    )
                })
                .collect();
            let _ = outline.set_attribute("points", &points.join(" "));
        }
    }
}

/// A fraction as a percentage with two decimals.
fn percent(fraction: f32) -> String {
    let hundredths = (fraction.clamp(0.0, 1.0) * 10_000.0).round() as u32;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

type Listener = (EventTarget, &'static str, Closure<dyn FnMut(JsValue)>);

/// The corners over a photo, moving as the shopper moves them.
#[wasm_bindgen]
pub struct CornerEditor {
    shared: Rc<Shared>,
    listeners: Vec<Listener>,
}

#[wasm_bindgen]
impl CornerEditor {
    /// Makes the four `.rr-corner` handles in `frame` (laid over the photo,
    /// its size) movable, starting at `corners` (eight fractions).
    #[wasm_bindgen(constructor)]
    pub fn new(frame: HtmlElement, corners: &[f32]) -> Result<Self, JsValue> {
        let corners = <[f32; 8]>::try_from(corners).map_err(|_| JsValue::from_str("corners"))?;
        let found = frame.query_selector_all(".rr-corner")?;
        let handles: Vec<HtmlElement> = (0..found.length())
            .filter_map(|i| found.get(i)?.dyn_into().ok())
            .collect();
        if handles.len() != 4 {
            return Err(JsValue::from_str("four corners"));
        }
        let shared = Rc::new(Shared {
            outline: frame.query_selector("polygon")?,
            frame,
            handles,
            corners: RefCell::new(corners),
            dragging: Cell::new(None),
        });
        shared.show();
        let mut editor = Self {
            shared: Rc::clone(&shared),
            listeners: Vec::new(),
        };
        for at in 0..4 {
            let handle: EventTarget = shared.handles[at].clone().into();
            let on = Rc::clone(&shared);
            editor.listen(&handle, "pointerdown", move |event| {
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
            let on = Rc::clone(&shared);
            editor.listen(&handle, "keydown", move |event| {
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
        let on = Rc::clone(&shared);
        editor.listen(&frame, "pointermove", move |event| {
            let (Ok(event), Some(at)) = (event.dyn_into::<PointerEvent>(), on.dragging.get())
            else {
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
            let on = Rc::clone(&shared);
            editor.listen(&frame, name, move |_| on.dragging.set(None))?;
        }
        Ok(editor)
    }

    /// Where the corners are now: eight fractions, as they were given.
    #[must_use]
    pub fn corners(&self) -> Vec<f32> {
        self.shared.corners.borrow().to_vec()
    }
}

impl CornerEditor {
    fn listen(
        &mut self,
        target: &EventTarget,
        name: &'static str,
        handler: impl FnMut(JsValue) + 'static,
    ) -> Result<(), JsValue> {
        let closure = Closure::<dyn FnMut(JsValue)>::new(handler);
        target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref())?;
        self.listeners.push((target.clone(), name, closure));
        Ok(())
    }
}

impl Drop for CornerEditor {
    /// The page's handles let go of.
    fn drop(&mut self) {
        for (target, name, closure) in &self.listeners {
            let _ =
                target.remove_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
        }
    }
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
