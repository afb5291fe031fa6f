//! Choosing receipt photos: the camera (through the file input's capture hint) or
//! the gallery, with previews and a remove button for each.

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::format;
use crate::state::PickedPhoto;

#[derive(Properties, PartialEq)]
pub struct PhotoPickerProps {
    pub photos: Vec<PickedPhoto>,
    /// How many photos the campaign takes.
    pub max: usize,
    /// Largest photo the campaign takes, in bytes (0: not known yet).
    pub max_bytes: u64,
    pub disabled: bool,
    pub on_add: Callback<Vec<PickedPhoto>>,
    pub on_remove: Callback<usize>,
}

#[component]
pub fn PhotoPicker(props: &PhotoPickerProps) -> Html {
    let onchange = {
        let on_add = props.on_add.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            else {
                return;
            };
            let mut picked = Vec::new();
            if let Some(files) = input.files() {
                for i in 0..files.length() {
                    let Some(file) = files.get(i) else { continue };
                    if let Ok(preview_url) = web_sys::Url::create_object_url_with_blob(&file) {
                        picked.push(PickedPhoto { file, preview_url });
                    }
                }
            }
            // Lets the shopper pick the same file again after removing it.
            input.set_value("");
            on_add.emit(picked);
        })
    };
    let full = props.photos.len() >= props.max;
    let hint = if props.max_bytes > 0 {
        format!(
            "Up to {} photo(s), {} each at most.",
            props.max,
            format::size(props.max_bytes)
        )
    } else {
        String::new()
    };

    html! {
        <div class="rr-picker">
            <ul class="rr-thumbs" aria-label="Chosen photos">
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
                        </li>
                    }
                }) }
            </ul>
            if !full {
                <label class="rr-button rr-pick">
                    { if props.photos.is_empty() { "Take or choose a photo of your receipt" } else { "Add another photo" } }
                    <input
                        class="rr-file"
                        type="file"
                        accept="image/*"
                        capture="environment"
                        multiple={props.max > 1}
                        disabled={props.disabled}
                        {onchange}
                    />
                </label>
            }
            if !hint.is_empty() {
                <p class="rr-hint">{ hint }</p>
            }
        </div>
    }
}
