//! The receipt's corners in a picked photo, for the shopper to fix where the
//! lens found them wrong: the photo as it was, the outline over it and a
//! handle on each corner, which the lens's corner editor places and makes
//! move (dragged with a finger or the mouse, or with the arrow keys;
//! `widget/lens`'s `corners.rs`). "Use these corners" straightens the photo to them again.

use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use web_sys::{Blob, HtmlElement};
use yew::prelude::*;

use crate::i18n::{fill, use_locale};
use crate::lens::{CornerEditor, Lens, LensLoader};

#[derive(Properties, PartialEq)]
pub struct CornersProps {
    /// The photo before it was straightened.
    pub original: Blob,
    /// Its corners, each `x, y` as fractions of its width and height.
    pub corners: [f32; 8],
    pub on_done: Callback<[f32; 8]>,
    pub on_cancel: Callback<()>,
}

#[component]
pub fn Corners(props: &CornersProps) -> Html {
    let locale = use_locale();
    let t = locale.t();
    let loader = use_context::<LensLoader>().unwrap_or_default();
    let frame = use_node_ref();
    let editor = use_mut_ref(|| None::<CornerEditor>);
    // The photo as it was, shown for as long as the editor is open.
    let url = use_memo(props.original.clone(), |blob| {
        web_sys::Url::create_object_url_with_blob(blob).unwrap_or_default()
    });
    {
        let (url, frame, editor, corners) =
            (url.clone(), frame.clone(), editor.clone(), props.corners);
        use_effect_with((), move |()| {
            let attached = Rc::clone(&editor);
            spawn_local(async move {
                if let (Some(lens), Some(frame)) =
                    (Lens::load(&loader).await, frame.cast::<HtmlElement>())
                {
                    *attached.borrow_mut() = CornerEditor::new(&lens, &frame, &corners);
                }
            });
            move || {
                editor.borrow_mut().take();
                let _ = web_sys::Url::revoke_object_url(&url);
            }
        });
    }
    let corners = props.corners;
    let on_done = {
        let on_done = props.on_done.clone();
        Callback::from(move |_: MouseEvent| {
            let moved = editor.borrow().as_ref().and_then(CornerEditor::corners);
            on_done.emit(moved.unwrap_or(corners));
        })
    };
    let on_cancel = props.on_cancel.reform(|_: MouseEvent| ());
    html! {
        <div class="rr-camera-dialog rr-corners" role="dialog" aria-modal="true"
            aria-label={t.adjust_corners()}>
            <p class="rr-camera-status">{ t.corners_help() }</p>
            <div class="rr-corners-view">
                <div class="rr-corners-frame" ref={frame}>
                    <img src={(*url).clone()} alt={t.photo_alt_original()} draggable="false" />
                    <svg class="rr-corners-outline" viewBox="0 0 100 100" preserveAspectRatio="none"
                        aria-hidden="true">
                        <polygon />
                    </svg>
                    { for (0..4).map(|at| html! {
                        <button type="button" class="rr-corner"
                            aria-label={fill(t.corner(), &[("n", &(at + 1).to_string())])} />
                    }) }
                </div>
            </div>
            <div class="rr-camera-bar">
                <button type="button" class="rr-button rr-secondary rr-corners-cancel"
                    onclick={on_cancel}>{ t.cancel() }</button>
                <button type="button" class="rr-button rr-corners-done"
                    onclick={on_done}>{ t.use_corners() }</button>
            </div>
        </div>
    }
}
