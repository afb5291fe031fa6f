//! Choosing receipt photos: the camera (through the file input's capture hint) or
//! the gallery, with a preview, the quality hints and a remove button for each,
//! in the order taken.

use wasm_bindgen::JsCast;
use web_sys::{File, HtmlInputElement};
use yew::prelude::*;

use crate::format;
use crate::state::PickedPhoto;

#[derive(Properties, PartialEq)]
pub struct PhotoPickerProps {
    pub photos: Vec<PickedPhoto>,
    /// How many more photos may be added.
    pub room: usize,
    /// How many are being prepared right now.
    pub preparing: usize,
    /// How many photos the campaign takes of one receipt.
    pub max: usize,
    pub disabled: bool,
    pub on_pick: Callback<Vec<File>>,
    pub on_remove: Callback<usize>,
}

#[component]
pub fn PhotoPicker(props: &PhotoPickerProps) -> Html {
    let onchange = {
        let (on_pick, room) = (props.on_pick.clone(), props.room);
        Callback::from(move |e: Event| {
            let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            else {
                return;
            };
            let files: Vec<File> = input
                .files()
                .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
                .unwrap_or_default();
            // Lets the shopper pick the same file again after removing it.
            input.set_value("");
            on_pick.emit(files.into_iter().take(room).collect());
        })
    };
    let several = props.max > 1;
    let label = match (props.photos.len() + props.preparing, several) {
        (0, _) => "Take a photo of your receipt",
        (_, true) => "Photograph the next part",
        (_, false) => "",
    };

    html! {
        <div class="rr-picker">
            <ol class="rr-thumbs" aria-label="Receipt photos, top to bottom">
                { for props.photos.iter().enumerate().map(|(i, photo)| {
                    let on_remove = props.on_remove.clone();
                    html! {
                        <li class="rr-thumb" key={photo.preview_url.clone()}>
                            <img src={photo.preview_url.clone()} alt={format!("Receipt photo {}", i + 1)} />
                            <button
                                type="button"
                                class="rr-remove"
                                aria-label={format!("Remove photo {}", i + 1)}
                                disabled={props.disabled}
                                onclick={move |_| on_remove.emit(i)}
                            >{ "×" }</button>
                            { for photo.hints.iter().map(|hint| html! {
                                <p class="rr-photo-hint">{ format::photo_hint(*hint) }</p>
                            }) }
                        </li>
                    }
                }) }
            </ol>
            <p class="rr-live" role="status" aria-live="polite">
                { if props.preparing > 0 { "Preparing your photo…" } else { "" } }
            </p>
            if several {
                <p class="rr-hint">
                    { format!("A long receipt? Photograph it in parts, top to bottom (up to {}).", props.max) }
                </p>
            }
            if props.room > 0 && !label.is_empty() {
                <div class="rr-pick-row">
                    <label class="rr-button rr-pick">
                        { label }
                        <input
                            class="rr-file rr-camera"
                            type="file"
                            accept="image/*"
                            capture="environment"
                            disabled={props.disabled}
                            onchange={onchange.clone()}
                        />
                    </label>
                    <label class="rr-button rr-secondary rr-pick">
                        { "Choose from gallery" }
                        <input
                            class="rr-file rr-gallery"
                            type="file"
                            accept="image/*"
                            multiple={props.room > 1}
                            disabled={props.disabled}
                            {onchange}
                        />
                    </label>
                </div>
            }
        </div>
    }
}
