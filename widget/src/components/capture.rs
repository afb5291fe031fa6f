//! The capture step: the chosen store and offers (where the campaign has them),
//! the photos, the QR code (where the provider takes one), and Send, which
//! becomes the upload's progress while it is under way. Where the widget sees
//! no receipt in a photo, Send first asks whether to send anyway: the shopper
//! should not wait for a certain refusal without being told.

use web_sys::Blob;
use yew::prelude::*;

use crate::components::photo_picker::{self, PhotoPicker};
use crate::components::qr_entry::{self, QrEntry};
use crate::components::sending;
use crate::hooks::use_focus;
use crate::photo::Hint;
use crate::problem::Problem;
use crate::shared::Shared;
use crate::state::PickedPhoto;

#[derive(Properties, PartialEq)]
pub struct CaptureProps {
    pub shared: Shared,
    /// The chosen store's name and how many offers are claimed, where the
    /// campaign has offers.
    pub claim: Option<(AttrValue, usize)>,
    pub photos: Vec<PickedPhoto>,
    /// How many more photos may be added.
    pub room: usize,
    /// How many are being prepared right now.
    pub preparing: usize,
    /// How many photos the campaign takes of one receipt.
    pub max: usize,
    /// The campaign takes a PDF e-receipt in place of photos.
    pub e_receipts: bool,
    /// The provider takes the receipt's QR code.
    pub takes_qr: bool,
    /// Photos or the QR code alone are enough (the campaign needs no photo
    /// when there is a code): the code is offered instead of photos.
    pub either: bool,
    /// The confirmed QR text, if any.
    pub qr: Option<String>,
    /// What went wrong last: said under the photos where it is about a photo,
    /// else above Send.
    pub problem: Option<Problem>,
    /// The shopper cancelled the last upload.
    pub cancelled: bool,
    /// The page went away during the upload: it is sent again.
    pub unsent: bool,
    /// The upload is under way.
    pub sending: bool,
    /// Bytes sent and to send, once the upload has started.
    pub progress: Option<(f64, f64)>,
    /// The phone is offline; the upload waits for the network.
    pub offline: bool,
    /// Enough has been prepared to send.
    pub ready: bool,
    pub on_pick: Callback<Vec<Blob>>,
    /// The place of the photo being taken again, if one is.
    pub retaking: Option<usize>,
    pub on_remove: Callback<usize>,
    /// Takes the photo at this place again.
    pub on_retake: Callback<usize>,
    /// Straightens the photo at this place again, to these corners.
    pub on_corners: Callback<(usize, [f32; 8])>,
    pub on_qr: Callback<Option<String>>,
    pub on_change_offers: Callback<MouseEvent>,
    pub on_send: Callback<MouseEvent>,
    pub on_cancel: Callback<MouseEvent>,
}

#[component]
pub fn Capture(props: &CaptureProps) -> Html {
    let locale = &props.shared.locale;
    let t = locale.t();
    let sending = props.sending;
    let summary = props.claim.as_ref().map(|(store, claimed)| {
        let offers = locale.count(t.count_offers(), *claimed as u64);
        html! {
            <p class="rr-summary">
                { format!("{store} · {offers}") }
                <button type="button" class="rr-link rr-change" disabled={sending} onclick={props.on_change_offers.clone()}>
                    { t.change() }
                </button>
            </p>
        }
    });
    // Its parts are views, their state kept here (a component each would
    // cost the bundle about 0.4 KiB), gone with the step.
    let picker = photo_picker::use_picker(&props.shared.reporter);
    let qr_entry = qr_entry::use_qr_entry(&props.shared.reporter);
    let photos = PhotoPicker {
        shared: &props.shared,
        photos: &props.photos,
        room: props.room,
        preparing: props.preparing,
        max: props.max,
        e_receipts: props.e_receipts,
        disabled: sending,
        problem: props
            .problem
            .as_ref()
            .filter(|p| p.kind() == "photo")
            .map(|p| locale.problem(p).into()),
        on_pick: props.on_pick.clone(),
        retaking: props.retaking,
        on_remove: props.on_remove.clone(),
        on_retake: props.on_retake.clone(),
        on_corners: props.on_corners.clone(),
    };
    // Asked for these photos (by their count): a photo added or removed asks
    // again.
    let asked = use_state(Option::<usize>::default);
    // The widget's own look, or the provider's check.
    let unusable = props
        .photos
        .iter()
        .any(|p| p.hints.iter().any(|h| matches!(h, Hint::Unusable(_))));
    let doubtful = unusable
        || props
            .photos
            .iter()
            .any(|p| p.hints.contains(&Hint::NoReceipt));
    let count = props.photos.len();
    let on_send = {
        let (asked, on_send) = (asked.clone(), props.on_send.clone());
        Callback::from(move |e: MouseEvent| {
            if doubtful && *asked != Some(count) {
                asked.set(Some(count));
            } else {
                on_send.emit(e);
            }
        })
    };
    let asking = doubtful && *asked == Some(count) && !sending;
    // The question takes the focus when it opens, and gives it back to Send
    // when the shopper answers "not yet" (counted, so each answer does).
    let answered = use_state(u32::default);
    let anyway_ref = use_focus(u32::from(asking));
    let send_ref = use_focus(*answered);
    // Anything else that went wrong is about sending: said above Send, whose
    // press tries again.
    let send_problem = props.problem.as_ref().filter(|p| p.kind() != "photo");
    let notice = if props.unsent {
        Some(t.not_sent_yet())
    } else if props.cancelled && !sending {
        Some(t.cancelled())
    } else {
        None
    };
    html! {
        <>
            { for summary }
            { photo_picker::view(&photos, &picker) }
            if props.takes_qr {
                { qr_entry::view(&QrEntry {
                    shared: &props.shared,
                    qr: props.qr.as_deref(),
                    either: props.either,
                    disabled: sending,
                    on_set: props.on_qr.clone(),
                }, &qr_entry) }
            }
            if let Some(problem) = send_problem {
                <p class="rr-error" role="alert">{ locale.problem(problem) }</p>
            }
            if let Some(notice) = notice {
                <p class="rr-notice" role="status">{ notice }</p>
            }
            if asking {
                <div class="rr-confirm" role="alertdialog"
                    aria-label={if unusable { t.unusable_question() } else { t.no_receipt_question() }}>
                    <p>{ if unusable { t.unusable_question() } else { t.no_receipt_question() } }</p>
                    <button type="button" class="rr-button rr-send-anyway" ref={anyway_ref}
                        onclick={props.on_send.clone()}>
                        { t.send_anyway() }
                    </button>
                    <button type="button" class="rr-button rr-secondary rr-not-yet"
                        onclick={let asked = asked.clone(); move |_| {
                            asked.set(None);
                            answered.set(*answered + 1);
                        }}>
                        { t.cancel() }
                    </button>
                </div>
            } else if sending {
                { sending::view(t, props.progress, props.offline, props.on_cancel.clone()) }
            } else {
                <button
                    class="rr-button rr-submit"
                    type="button"
                    ref={send_ref}
                    disabled={!props.ready}
                    onclick={on_send}
                >
                    { if matches!(send_problem, Some(Problem::GaveUp(_))) { t.retry() } else { t.send() } }
                </button>
            }
        </>
    }
}
