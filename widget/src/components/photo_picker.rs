//! Choosing receipt photos: the live camera where the browser has one (else, or
//! when it is refused, the file input's capture hint, which opens the phone's
//! camera app) or the gallery, with a preview, the quality hints and a remove
//! button for each, in the order taken; or, where the campaign's provider
//! reads PDF, the shop's e-receipt in their place.
//!
//! A view of the capture step's (`view`), its own state kept by the step's
//! component ([`use_picker`]): a component of its own would cost the bundle
//! about 0.4 KiB.

use web_sys::Blob;
use yew::prelude::*;

use crate::components::camera::{self, Camera, CameraMode};
use crate::components::chosen_files;
use crate::components::corners::{self, Corners};
use crate::effects::Reporter;
use crate::i18n::fill;
use crate::problem::Problem;
use crate::shared::Shared;
use crate::state::PickedPhoto;

/// What the photo picker shows and does.
pub struct PhotoPicker<'a> {
    pub shared: &'a Shared,
    pub photos: &'a [PickedPhoto],
    /// How many more photos may be added.
    pub room: usize,
    /// How many are being prepared right now.
    pub preparing: usize,
    /// How many photos the campaign takes of one receipt.
    pub max: usize,
    /// The campaign takes a PDF e-receipt in place of photos.
    pub e_receipts: bool,
    pub disabled: bool,
    /// What went wrong with the last photo picked, in words.
    pub problem: Option<AttrValue>,
    pub on_pick: Callback<Vec<Blob>>,
    /// The place of the photo being taken again, if one is.
    pub retaking: Option<usize>,
    pub on_remove: Callback<usize>,
    /// Takes the photo at this place again (a hint says it needs it).
    pub on_retake: Callback<usize>,
    /// Straightens the photo at this place again, to these corners.
    pub on_corners: Callback<(usize, [f32; 8])>,
}

/// The picker's own state.
pub struct Picker {
    camera_open: UseStateHandle<bool>,
    /// The photo whose corners are being moved.
    adjusting: UseStateHandle<Option<usize>>,
    /// Set when the live camera could not start: the capture input is
    /// offered instead, with the reason in words (where only the lens could
    /// not be had, the camera stays on offer to try again).
    camera_failed: UseStateHandle<Option<Problem>>,
}

/// The picker's state, kept by the step that shows it; a problem it shows
/// is told to the host page by `reporter`.
#[hook]
pub fn use_picker(reporter: &Reporter) -> Picker {
    let camera_failed = use_state(Option::<Problem>::default);
    crate::effects::use_reported((*camera_failed).clone(), reporter);
    Picker {
        camera_open: use_state(bool::default),
        adjusting: use_state(Option::<usize>::default),
        camera_failed,
    }
}

/// The photo picker: a view (its state is [`Picker`]).
pub fn view(props: &PhotoPicker<'_>, state: &Picker) -> Html {
    let Picker {
        camera_open,
        adjusting,
        camera_failed,
    } = state;
    let locale = &props.shared.locale;
    let t = locale.t();
    let onchange = {
        let on_pick = props.on_pick.clone();
        Callback::from(move |e: Event| on_pick.emit(chosen_files(&e)))
    };
    let live_camera = camera::supported() && !matches!(**camera_failed, Some(Problem::Camera(_)));
    let on_photo = {
        let on_pick = props.on_pick.clone();
        Callback::from(move |blob: Blob| on_pick.emit(vec![blob]))
    };
    let on_fail = {
        let (camera_open, camera_failed) = (camera_open.clone(), camera_failed.clone());
        Callback::from(move |problem| {
            camera_open.set(false);
            camera_failed.set(Some(problem));
        })
    };
    let on_close = {
        let camera_open = camera_open.clone();
        Callback::from(move |()| camera_open.set(false))
    };
    let open_camera = {
        let (camera_open, camera_failed) = (camera_open.clone(), camera_failed.clone());
        Callback::from(move |_: MouseEvent| {
            camera_failed.set(None);
            camera_open.set(true);
        })
    };
    let several = props.max > 1;
    // "Retake photo n", beside the photo and on the button taking it again.
    let retake_photo = |at: usize| fill(t.retake_photo(), &[("n", &(at + 1).to_string())]);
    let retake_label;
    let label = match (
        props.retaking,
        props.photos.len() + props.preparing,
        several,
    ) {
        (Some(at), _, _) => {
            retake_label = retake_photo(at);
            retake_label.as_str()
        }
        (None, 0, _) => t.take_photo(),
        (None, _, true) => t.next_part(),
        (None, _, false) => "",
    };
    // A hint's own button: the photo is taken again in its place, with the
    // live camera where there is one.
    let retake = |i: usize| {
        let (on_retake, camera_open) = (props.on_retake.clone(), camera_open.clone());
        Callback::from(move |_: MouseEvent| {
            on_retake.emit(i);
            if live_camera {
                camera_open.set(true);
            }
        })
    };

    html! {
        // With no photo yet, taking one is the first action (`data-first`).
        <div class="rr-picker" data-first={(props.photos.len() + props.preparing == 0).to_string()}>
            <ol class="rr-thumbs" aria-label={t.photos_label()}>
                { for props.photos.iter().enumerate().map(|(i, photo)| {
                    let on_remove = props.on_remove.clone();
                    if photo.is_e_receipt() {
                        return html! {
                            <li class="rr-thumb rr-e-receipt" key={photo.preview_url.clone()}>
                                <span class="rr-pdf">{ t.e_receipt_alt() }</span>
                                <button
                                    type="button"
                                    class="rr-remove"
                                    aria-label={t.remove_e_receipt()}
                                    disabled={props.disabled}
                                    onclick={move |_| on_remove.emit(i)}
                                >{ "×" }</button>
                            </li>
                        };
                    }
                    html! {
                        <li class="rr-thumb" key={photo.preview_url.clone()}>
                            <img src={photo.preview_url.clone()} alt={fill(t.photo_alt(), &[("n", &(i + 1).to_string())])} />
                            <button
                                type="button"
                                class="rr-remove"
                                aria-label={fill(t.remove_photo(), &[("n", &(i + 1).to_string())])}
                                disabled={props.disabled}
                                onclick={move |_| on_remove.emit(i)}
                            >{ "×" }</button>
                            { for photo.hints.iter().map(|hint| html! {
                                <p class="rr-photo-hint">{ hint.advice(t) }</p>
                            }) }
                            if photo.original.is_some() {
                                <button type="button" class="rr-link rr-adjust"
                                    disabled={props.disabled}
                                    onclick={let a = adjusting.clone(); move |_| a.set(Some(i))}>
                                    { t.adjust_corners() }
                                </button>
                            }
                            if !photo.hints.is_empty() {
                                <button type="button" class="rr-link rr-retake-photo"
                                    disabled={props.disabled} onclick={retake(i)}>
                                    { retake_photo(i) }
                                </button>
                            }
                        </li>
                    }
                }) }
            </ol>
            <p class="rr-live" role="status" aria-live="polite">
                { if props.preparing > 0 { t.preparing() } else { "" } }
            </p>
            if let Some(problem) = &props.problem {
                <p class="rr-error rr-photo-error" role="alert">{ problem.clone() }</p>
            }
            // Once a first part is here, where the next is asked for (the
            // live camera says it from the start): the first step stays as
            // short as the height a page reserves for it.
            if several && !props.photos.is_empty() && !props.photos.iter().any(PickedPhoto::is_e_receipt) {
                <p class="rr-hint rr-long-receipt">
                    { fill(t.long_receipt(), &[("n", &props.max.to_string())]) }
                </p>
            }
            if let Some(problem) = &**camera_failed {
                <p class="rr-notice rr-camera-error" role="alert">{ locale.problem(problem) }</p>
            }
            if let Some((at, original)) = adjusting
                .and_then(|at| Some((at, props.photos.get(at)?.original.as_ref()?)))
            {
                { corners::view(&Corners {
                    shared: props.shared,
                    original: &original.blob,
                    corners: original.corners,
                    on_done: {
                        let (adjusting, on_corners) = (adjusting.clone(), props.on_corners.clone());
                        Callback::from(move |corners| {
                            adjusting.set(None);
                            on_corners.emit((at, corners));
                        })
                    },
                    on_cancel: { let a = adjusting.clone(); Callback::from(move |()| a.set(None)) },
                }) }
            }
            if **camera_open && props.room > 0 {
                { camera::view(&Camera {
                    shared: props.shared,
                    mode: CameraMode::Photo,
                    taken: props.photos.len() + props.preparing,
                    max: props.max,
                    ready: props.photos.len(),
                    last: props.photos.last().map(|p| p.preview_url.as_str()),
                    on_photo,
                    on_qr: Callback::noop(),
                    on_fail,
                    on_close,
                }) }
            }
            if props.room > 0 && !label.is_empty() {
                <div class="rr-pick-row">
                    if live_camera {
                        <button type="button" class="rr-button rr-pick rr-open-camera"
                            disabled={props.disabled} onclick={open_camera}>
                            { label }
                        </button>
                    } else {
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
                    }
                    <label class="rr-button rr-secondary rr-pick">
                        { t.gallery() }
                        <input
                            class="rr-file rr-gallery"
                            type="file"
                            accept="image/*"
                            multiple={props.room > 1}
                            disabled={props.disabled}
                            onchange={onchange.clone()}
                        />
                    </label>
                </div>
            }
            // The shop's e-receipt, in place of photos (so offered only
            // before any is taken).
            if props.e_receipts && props.photos.is_empty() && props.preparing == 0 {
                <label class="rr-link rr-pick-pdf">
                    { t.e_receipt() }
                    <input
                        class="rr-file rr-pdf-file"
                        type="file"
                        accept="application/pdf,.pdf"
                        disabled={props.disabled}
                        {onchange}
                    />
                </label>
            }
        </div>
    }
}
