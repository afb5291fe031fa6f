//! The receipt's QR code: scanned live with the camera, read from a photo, or
//! typed from what is printed under it (date, time, total, FN, FD, FP); checked
//! with [`api::fiscal`] and shown back (date and amount) for confirmation before
//! it is sent.
//!
//! A view of the capture step's (`view`), its own state kept by the step's
//! component ([`use_qr_entry`]): a component of its own would cost the
//! bundle about 0.3 KiB.

use api::fiscal::{FiscalQr, FiscalQrError, FiscalTime, Operation, check_qr_text};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlElement, HtmlInputElement};
use yew::prelude::*;

use crate::components::camera::{self, Camera, CameraMode};
use crate::components::chosen_files;
use crate::effects::Reporter;
use crate::i18n::Text;
use crate::lens::Lens;
use crate::problem::Problem;
use crate::shared::Shared;
use web::intl;

/// What the QR entry shows and does.
pub struct QrEntry<'a> {
    pub shared: &'a Shared,
    /// The confirmed QR text, if any.
    pub qr: Option<&'a str>,
    /// The code alone is enough, without photos: it is offered instead.
    pub either: bool,
    pub disabled: bool,
    pub on_set: Callback<Option<String>>,
}

/// The form's fields: (name, label, input type, input mode).
fn fields(t: &Text) -> [(&'static str, &'static str, &'static str, &'static str); 6] {
    [
        ("date", t.field_date(), "date", "none"),
        ("time", t.field_time(), "time", "none"),
        ("total", t.field_total(), "text", "decimal"),
        ("fn", t.field_fn(), "text", "numeric"),
        ("fd", t.field_fd(), "text", "numeric"),
        ("fp", t.field_fp(), "text", "numeric"),
    ]
}

/// The typed field a problem is about (`fields`' name), to mark and focus.
fn field_at_fault(problem: &Problem) -> Option<&'static str> {
    match problem {
        Problem::QrNeedTime => Some("date"),
        Problem::QrNeedTotal => Some("total"),
        Problem::QrTyped(FiscalQrError::Missing(key) | FiscalQrError::Invalid(key)) => match *key {
            "t" => Some("date"),
            "s" => Some("total"),
            "fn" => Some("fn"),
            "i" => Some("fd"),
            "fp" => Some("fp"),
            _ => None,
        },
        _ => None,
    }
}

/// The QR entry's own state.
#[derive(Clone)]
pub struct Entry {
    /// The choices, shown once asked for: folded, they keep the first step
    /// short enough for the height the page reserves.
    shown: UseStateHandle<bool>,
    /// The typed form is open.
    open: UseStateHandle<bool>,
    error: UseStateHandle<Option<Problem>>,
    /// The live scan is open.
    scanning: UseStateHandle<bool>,
    /// A photo's code is being read.
    reading: UseStateHandle<bool>,
}

/// The QR entry's state, kept by the step that shows it; a problem it
/// shows is told to the host page by `reporter`.
#[hook]
pub fn use_qr_entry(reporter: &Reporter) -> Entry {
    let error = use_state(Option::<Problem>::default);
    crate::effects::use_reported((*error).clone(), reporter);
    Entry {
        shown: use_state(bool::default),
        open: use_state(bool::default),
        error,
        scanning: use_state(bool::default),
        reading: use_state(bool::default),
    }
}

/// The QR entry: a view (its state is [`Entry`]).
pub fn view(props: &QrEntry<'_>, state: &Entry) -> Html {
    let Entry {
        shown,
        open,
        error,
        scanning,
        reading,
    } = state.clone();
    let loader = props.shared.lens.clone();
    let locale = &props.shared.locale;
    let t = locale.t();
    // A scanned or read code is checked as the proxy will check it, then set.
    let found = {
        let (on_set, error) = (props.on_set.clone(), error.clone());
        Callback::from(move |text: String| match check_qr_text(&text) {
            Ok(()) => {
                error.set(None);
                on_set.emit(Some(text));
            }
            Err(e) => error.set(Some(Problem::QrRefused(e))),
        })
    };

    if let Some(qr) = props.qr {
        let parsed = FiscalQr::parse(qr).ok();
        let on_remove = {
            let on_set = props.on_set.clone();
            Callback::from(move |_: MouseEvent| on_set.emit(None))
        };
        return html! {
            <div class="rr-qr rr-qr-set" role="status">
                <p class="rr-qr-label">{ t.qr_set_label() }</p>
                if let Some(parsed) = parsed {
                    <p class="rr-qr-summary">
                        <span class="rr-qr-date">{ intl::fiscal_time(&parsed.time, &locale.tag) }</span>
                        { " · " }
                        // The receipt's total (a fiscal code's is in
                        // roubles), labelled: never mistaken for the reward.
                        { t.field_total() }{ " " }
                        <span class="rr-qr-total">{ intl::money_cents(parsed.amount_cents, "RUB", &locale.tag) }</span>
                    </p>
                } else {
                    <p class="rr-qr-summary">{ qr }</p>
                }
                <button type="button" class="rr-link rr-qr-remove" disabled={props.disabled} onclick={on_remove}>
                    { t.qr_remove() }
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
            Callback::from(move |problem| {
                scanning.set(false);
                error.set(Some(problem));
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
                    let reader = Lens::load(&loader).await;
                    let text = match &reader {
                        Some(lens) => lens.read_code(&photo).await,
                        None => None,
                    };
                    reading.set(false);
                    match (reader, text) {
                        (_, Some(text)) => found.emit(text),
                        (None, None) => error.set(Some(Problem::ScannerUnavailable)),
                        (Some(_), None) => error.set(Some(Problem::QrNotFound)),
                    }
                });
            })
        };
        let (open, scanning_now, show) = (open.clone(), scanning.clone(), shown.clone());
        return html! {
            <div class="rr-qr rr-qr-choose">
                <button type="button" class="rr-link rr-qr-add" aria-expanded={if *shown { "true" } else { "false" }} disabled={props.disabled}
                    onclick={move |_| show.set(!*show)}>
                    { if props.either { t.qr_instead() } else { t.qr_add() } }
                </button>
                if *shown {
                    <div class="rr-pick-row">
                        if camera::supported() {
                            <button type="button" class="rr-button rr-secondary rr-qr-scan" disabled={props.disabled}
                                onclick={move |_| scanning_now.set(true)}>
                                { t.qr_scan() }
                            </button>
                        }
                        <label class="rr-button rr-secondary">
                            { t.qr_from_photo() }
                            <input class="rr-file rr-qr-photo" type="file" accept="image/*"
                                disabled={props.disabled || *reading} onchange={on_photo} />
                        </label>
                    </div>
                    <button type="button" class="rr-link rr-qr-open" disabled={props.disabled}
                        onclick={move |_| open.set(true)}>
                        { t.qr_type() }
                    </button>
                }
                <p class="rr-live" role="status" aria-live="polite">
                    { if *reading { t.qr_reading() } else { "" } }
                </p>
                if let Some(problem) = &*error {
                    <p class="rr-error rr-qr-error" role="alert">{ locale.problem(problem) }</p>
                }
                if *scanning {
                    { camera::view(&Camera {
                        shared: props.shared,
                        mode: CameraMode::Qr,
                        taken: 0,
                        max: 0,
                        ready: 0,
                        last: None,
                        on_photo: Callback::noop(),
                        on_qr,
                        on_fail,
                        on_close,
                    }) }
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
                Err(problem) => {
                    // The phone scrolls to the field at fault, above its keyboard.
                    if let Some(input) = field_at_fault(&problem)
                        .and_then(|name| {
                            form.query_selector(&format!("[name={name}]"))
                                .ok()
                                .flatten()
                        })
                        .and_then(|el| el.dyn_into::<HtmlElement>().ok())
                    {
                        let _ = input.focus();
                    }
                    error.set(Some(problem));
                }
            }
        })
    };
    let at_fault = error.as_ref().and_then(field_at_fault);
    let back_to_scanning = {
        let (open, error) = (open.clone(), error.clone());
        move |_: MouseEvent| {
            error.set(None);
            open.set(false);
        }
    };
    html! {
        <form class="rr-qr rr-qr-form" {onsubmit} novalidate=true>
            <fieldset class="rr-step">
                <legend class="rr-question">{ t.qr_form_legend() }</legend>
                { for fields(t).into_iter().map(|(name, label, kind, mode)| {
                    let wrong = at_fault == Some(name);
                    html! {
                        <label class="rr-field">
                            <span>{ label }</span>
                            <input name={name} type={kind} inputmode={mode} required=true
                                disabled={props.disabled} autocomplete="off"
                                aria-invalid={wrong.then_some("true")}
                                aria-describedby={wrong.then_some("rr-qr-error")} />
                        </label>
                    }
                }) }
            </fieldset>
            if let Some(problem) = &*error {
                <p class="rr-error rr-qr-error" id="rr-qr-error" role="alert">{ locale.problem(problem) }</p>
            }
            <button type="submit" class="rr-button rr-qr-check" disabled={props.disabled}>{ t.qr_check() }</button>
            <button type="button" class="rr-link rr-qr-back" disabled={props.disabled} onclick={back_to_scanning}>
                { t.qr_scan() }
            </button>
        </form>
    }
}

/// The fiscal QR text for typed fields, or what is wrong.
fn typed(
    date: &str,
    time: &str,
    total: &str,
    drive: &str,
    document: &str,
    sign: &str,
) -> Result<String, Problem> {
    let time = FiscalTime::from_inputs(date, time).ok_or(Problem::QrNeedTime)?;
    let amount_cents = api::fiscal::parse_amount(total).ok_or(Problem::QrNeedTotal)?;
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
    FiscalQr::parse(&qr).map(|_| qr).map_err(Problem::QrTyped)
}
