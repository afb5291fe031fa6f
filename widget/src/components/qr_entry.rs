//! The receipt's QR code: scanned live with the camera, read from a photo, or
//! typed from what is printed under it (date, time, total, FN, FD, FP); checked
//! with [`api::fiscal`] and shown back (date and amount) for confirmation before
//! it is sent.

use api::fiscal::{FiscalQr, FiscalTime, Operation, check_qr_text};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlInputElement};
use yew::prelude::*;

use crate::camera;
use crate::components::camera::{Camera, CameraMode};
use crate::components::chosen_files;
use crate::format;
use crate::scan::{QrLoader, QrReader};

#[derive(Properties, PartialEq)]
pub struct QrEntryProps {
    /// The confirmed QR text, if any.
    pub qr: Option<String>,
    pub locale: AttrValue,
    pub disabled: bool,
    pub on_set: Callback<Option<String>>,
}

/// The form's fields: (name, label, input type, input mode, pattern hint).
const FIELDS: [(&str, &str, &str, &str); 6] = [
    ("date", "Date of purchase", "date", "none"),
    ("time", "Time", "time", "none"),
    ("total", "Total", "text", "decimal"),
    (
        "fn",
        "FN (fiscal drive number, 16 digits)",
        "text",
        "numeric",
    ),
    ("fd", "FD (fiscal document number)", "text", "numeric"),
    ("fp", "FP (fiscal sign)", "text", "numeric"),
];

#[component]
pub fn QrEntry(props: &QrEntryProps) -> Html {
    let open = use_state(|| false);
    let error = use_state(|| None::<String>);
    let scanning = use_state(|| false);
    let reading = use_state(|| false);
    let loader = use_context::<QrLoader>().unwrap_or_default();
    // A scanned or read code is checked as the proxy will check it, then set.
    let found = {
        let (on_set, error) = (props.on_set.clone(), error.clone());
        Callback::from(move |text: String| match check_qr_text(&text) {
            Ok(()) => {
                error.set(None);
                on_set.emit(Some(text));
            }
            Err(e) => error.set(Some(format!("{e} {}", format::QR_TRY_AGAIN))),
        })
    };

    if let Some(qr) = &props.qr {
        let parsed = FiscalQr::parse(qr).ok();
        let on_remove = {
            let on_set = props.on_set.clone();
            Callback::from(move |_: MouseEvent| on_set.emit(None))
        };
        return html! {
            <div class="rr-qr rr-qr-set" role="status">
                <p class="rr-qr-label">{ "Receipt QR code" }</p>
                if let Some(parsed) = parsed {
                    <p class="rr-qr-summary">
                        <span class="rr-qr-date">{ format::fiscal_time(&parsed.time, &props.locale) }</span>
                        { " · " }
                        <span class="rr-qr-total">{ format::money(parsed.amount_cents, "RUB", &props.locale) }</span>
                    </p>
                } else {
                    <p class="rr-qr-summary">{ qr.clone() }</p>
                }
                <button type="button" class="rr-link rr-qr-remove" disabled={props.disabled} onclick={on_remove}>
                    { "Remove" }
                </button>
            </div>
        };
    }
    if !*open {
        let on_qr = {
            let (found, scanning) = (found.clone(), scanning.clone());
            Callback::from(move |text| {
                scanning.set(false);
                found.emit(text);
            })
        };
        let on_fail = {
            let (error, scanning) = (error.clone(), scanning.clone());
            Callback::from(move |e| {
                scanning.set(false);
                error.set(Some(format::camera_error(e).to_owned()));
            })
        };
        let on_close = {
            let scanning = scanning.clone();
            Callback::from(move |()| scanning.set(false))
        };
        let on_photo = {
            let (found, error, reading) = (found.clone(), error.clone(), reading.clone());
            Callback::from(move |e: Event| {
                let Some(photo) = chosen_files(&e).into_iter().next() else {
                    return;
                };
                let (found, error, reading, loader) = (
                    found.clone(),
                    error.clone(),
                    reading.clone(),
                    loader.clone(),
                );
                reading.set(true);
                spawn_local(async move {
                    let reader = QrReader::new(&loader).await;
                    let text = match &reader {
                        Some(reader) => reader.read_photo(&photo).await,
                        None => None,
                    };
                    reading.set(false);
                    match (reader, text) {
                        (_, Some(text)) => found.emit(text),
                        (None, None) => error.set(Some(format::SCANNER_UNAVAILABLE.to_owned())),
                        (Some(_), None) => error.set(Some(format::QR_NOT_FOUND.to_owned())),
                    }
                });
            })
        };
        let (open, scanning_now) = (open.clone(), scanning.clone());
        return html! {
            <div class="rr-qr rr-qr-choose">
                <p class="rr-qr-label">{ "The receipt's QR code" }</p>
                <div class="rr-pick-row">
                    if camera::supported() {
                        <button type="button" class="rr-button rr-secondary rr-qr-scan" disabled={props.disabled}
                            onclick={move |_| scanning_now.set(true)}>
                            { "Scan the QR code" }
                        </button>
                    }
                    <label class="rr-button rr-secondary">
                        { "Read it from a photo" }
                        <input class="rr-file rr-qr-photo" type="file" accept="image/*"
                            disabled={props.disabled || *reading} onchange={on_photo} />
                    </label>
                </div>
                <button type="button" class="rr-link rr-qr-open" disabled={props.disabled}
                    onclick={move |_| open.set(true)}>
                    { "Type the details instead" }
                </button>
                <p class="rr-live" role="status" aria-live="polite">
                    { if *reading { "Reading the QR code…" } else { "" } }
                </p>
                if let Some(message) = &*error {
                    <p class="rr-error rr-qr-error" role="alert">{ message.clone() }</p>
                }
                if *scanning {
                    <Camera mode={CameraMode::Qr} {on_qr} {on_fail} {on_close} />
                }
            </div>
        };
    }
    let onsubmit = {
        let (on_set, error, open) = (props.on_set.clone(), error.clone(), open.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(form) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
                return;
            };
            let value = |name: &str| {
                form.query_selector(&format!("[name={name}]"))
                    .ok()
                    .flatten()
                    .and_then(|el| el.dyn_into::<HtmlInputElement>().ok())
                    .map(|input| input.value().trim().replace(',', "."))
                    .unwrap_or_default()
            };
            match typed(
                &value("date"),
                &value("time"),
                &value("total"),
                &value("fn"),
                &value("fd"),
                &value("fp"),
            ) {
                Ok(qr) => {
                    error.set(None);
                    open.set(false);
                    on_set.emit(Some(qr));
                }
                Err(message) => error.set(Some(message)),
            }
        })
    };
    html! {
        <form class="rr-qr rr-qr-form" {onsubmit} novalidate=true>
            <fieldset class="rr-step">
                <legend class="rr-question">{ "The details printed under the QR code" }</legend>
                { for FIELDS.iter().map(|(name, label, kind, mode)| html! {
                    <label class="rr-field">
                        <span>{ *label }</span>
                        <input name={*name} type={*kind} inputmode={*mode} required=true
                            disabled={props.disabled} autocomplete="off" />
                    </label>
                }) }
            </fieldset>
            if let Some(message) = &*error {
                <p class="rr-error rr-qr-error" role="alert">{ message.clone() }</p>
            }
            <button type="submit" class="rr-button rr-qr-check" disabled={props.disabled}>{ "Check the code" }</button>
        </form>
    }
}

/// The fiscal QR text for typed fields, or what is wrong, in words.
fn typed(
    date: &str,
    time: &str,
    total: &str,
    drive: &str,
    document: &str,
    sign: &str,
) -> Result<String, String> {
    let time = FiscalTime::from_inputs(date, time)
        .ok_or_else(|| "Please enter the date and time printed on the receipt.".to_owned())?;
    let amount_cents = api::fiscal::parse_amount(total)
        .ok_or_else(|| "Please enter the total as printed, e.g. 127.00.".to_owned())?;
    let qr = FiscalQr {
        time,
        amount_cents,
        drive: drive.to_owned(),
        document: document.to_owned(),
        sign: sign.to_owned(),
        operation: Operation::Sale,
    }
    .to_qr_string();
    // The same check the proxy makes.
    FiscalQr::parse(&qr).map(|_| qr).map_err(|e| e.to_string())
}
