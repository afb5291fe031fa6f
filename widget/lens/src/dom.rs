//! What the lens's dialogs are drawn with: plain DOM (no framework, which
//! would cost the lens more than its dialogs), the dialog itself ([`Modal`]:
//! labelled, holding the focus, closed with Escape), what they tell the
//! widget ([`Report`]), the page's listeners let go of when a dialog closes,
//! and the shopper's words as the widget holds them.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;
use web_sys::{Element, EventTarget, HtmlElement, KeyboardEvent, Node};
use words::Text;

/// The widget's `report(event, value)` function, shared by a dialog's
/// listeners.
#[derive(Clone)]
pub struct Report(Rc<Function>);

impl Report {
    pub fn new(report: Function) -> Self {
        Self(Rc::new(report))
    }

    /// Tells the widget `event`, with `value`.
    pub fn tell(&self, event: &str, value: &JsValue) {
        let _ = self.0.call2(&JsValue::NULL, &event.into(), value);
    }
}

/// A modal dialog in an element of the widget's: labelled, holding the
/// focus while it is open, Escape telling the widget `escape`. Dropped, it
/// is gone and the focus back where it was.
pub struct Modal {
    pub element: HtmlElement,
    /// Where the focus was before the dialog took it.
    opener: Option<HtmlElement>,
}

impl Modal {
    /// The dialog, of `class` and named `label`, opened in `host`.
    pub fn open(
        host: &Element,
        class: &str,
        label: &str,
        report: &Report,
        escape: &'static str,
        listeners: &mut Listeners,
    ) -> Result<Self, JsValue> {
        let opener = focused(host);
        let element = child(host, "div", class)?;
        set(
            &element,
            &[
                ("role", "dialog"),
                ("aria-modal", "true"),
                ("aria-label", label),
                ("tabindex", "-1"),
            ],
        )?;
        let report = report.clone();
        listeners.listen(&element, "keydown", move |event| {
            if event
                .dyn_ref::<KeyboardEvent>()
                .is_some_and(|e| e.key() == "Escape")
            {
                report.tell(escape, &JsValue::UNDEFINED);
            }
        })?;
        let _ = element.focus();
        Ok(Self { element, opener })
    }
}

impl Drop for Modal {
    fn drop(&mut self) {
        self.element.remove();
        if let Some(opener) = &self.opener {
            let _ = opener.focus();
        }
    }
}

/// `tag`, of `class`, appended to `parent`.
pub fn child(parent: &Node, tag: &str, class: &str) -> Result<HtmlElement, JsValue> {
    let document = parent.owner_document().ok_or("no document")?;
    let element: HtmlElement = document.create_element(tag)?.unchecked_into();
    if !class.is_empty() {
        element.set_class_name(class);
    }
    parent.append_child(&element)?;
    Ok(element)
}

/// `tag`, of `class`, made for `parent` but not in the page yet ([`shown`]
/// puts it there).
pub fn detached(parent: &Node, tag: &str, class: &str) -> Result<HtmlElement, JsValue> {
    let element = child(parent, tag, class)?;
    element.remove();
    Ok(element)
}

/// `element` in `parent` (before `before`, else last) while `shown`, out of
/// the page otherwise.
pub fn shown(element: &HtmlElement, parent: &Node, before: Option<&Node>, shown: bool) {
    let placed = element.parent_node().is_some();
    if shown && !placed {
        let _ = parent.insert_before(element, before);
    } else if !shown && placed {
        element.remove();
    }
}

/// An SVG `tag` appended to `parent`.
pub fn svg_child(parent: &Node, tag: &str) -> Result<Element, JsValue> {
    let document = parent.owner_document().ok_or("no document")?;
    let element = document.create_element_ns(Some("http://www.w3.org/2000/svg"), tag)?;
    parent.append_child(&element)?;
    Ok(element)
}

/// A `<button type="button">` of `class`, with `text`, in `parent`.
pub fn button(parent: &Node, class: &str, text: &str) -> Result<HtmlElement, JsValue> {
    let button = child(parent, "button", class)?;
    button.set_attribute("type", "button")?;
    button.set_text_content(Some(text));
    Ok(button)
}

/// Sets each `(name, value)` attribute of `element`.
pub fn set(element: &Element, attributes: &[(&str, &str)]) -> Result<(), JsValue> {
    for (name, value) in attributes {
        element.set_attribute(name, value)?;
    }
    Ok(())
}

/// The element that has the focus in `element`'s document or shadow root.
fn focused(element: &Element) -> Option<HtmlElement> {
    js_sys::Reflect::get(&element.get_root_node(), &"activeElement".into())
        .ok()?
        .dyn_into()
        .ok()
}

type Listener = (EventTarget, &'static str, Closure<dyn FnMut(JsValue)>);

/// Listeners added to the page, removed when dropped.
#[derive(Default)]
pub struct Listeners(Vec<Listener>);

impl Listeners {
    /// `handler` called on each `name` event of `target`.
    pub fn listen(
        &mut self,
        target: &EventTarget,
        name: &'static str,
        handler: impl FnMut(JsValue) + 'static,
    ) -> Result<(), JsValue> {
        let closure = Closure::<dyn FnMut(JsValue)>::new(handler);
        target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref())?;
        self.0.push((target.clone(), name, closure));
        Ok(())
    }
}

impl Drop for Listeners {
    fn drop(&mut self) {
        for (target, name, closure) in &self.0 {
            let _ =
                target.remove_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
        }
    }
}

thread_local! {
    /// Each list of words the widget has passed, read once: a page with
    /// one widget has one (a few KB for as long as the page lives).
    static READ: RefCell<Vec<(JsValue, &'static Text)>> = const { RefCell::new(Vec::new()) };
}

/// The shopper's words: `list` is the JS array of strings the loader
/// fetched for the widget (in [`Text`] order).
pub fn words(list: &JsValue) -> Result<&'static Text, JsValue> {
    if let Some(text) = READ.with_borrow(|read| {
        read.iter()
            .find(|(seen, _)| js_sys::Object::is(seen, list))
            .map(|(_, text)| *text)
    }) {
        return Ok(text);
    }
    let strings = list
        .dyn_ref::<js_sys::Array>()
        .ok_or("words")?
        .iter()
        .map(|s| s.as_string().map(|s| &*String::leak(s)))
        .collect::<Option<Vec<&'static str>>>()
        .ok_or("words")?;
    let text: &'static Text = Box::leak(Box::new(Text::from_strings(strings).ok_or("words")?));
    READ.with_borrow_mut(|read| read.push((list.clone(), text)));
    Ok(text)
}
