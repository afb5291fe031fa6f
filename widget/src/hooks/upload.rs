//! [`use_upload`]: sending the receipt and following it to its verdict.
//!
//! The upload goes with XMLHttpRequest for its progress events, is retried on
//! network loss with the same idempotency key (so the proxy never makes a second
//! submission of it), and waits while the phone is offline; one the page left
//! unsent (a reload, a killed tab) goes again by itself. Then the submission
//! is checked, backing off gently, until its status is final. The host page hears
//! `submitted` and `result` DOM events on the host element.

use std::cell::RefCell;
use std::rc::Rc;

use api::SubmissionCreated;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Blob, Element};
use yew::prelude::*;

use super::{online, use_on_change, use_on_mount};
use crate::client::{self, SendError, Transfer};
use crate::effects::{emit, new_idempotency_key};
use crate::lens::{Lens, LensLoader};
use crate::photo::Prep;
use crate::problem::Problem;
use crate::resume::Resume;
use crate::state::{Action, State, Step};

/// Where uploads go and who hears of them.
#[derive(Clone)]
pub struct Target {
    /// The proxy's origin.
    pub base: AttrValue,
    pub campaign: AttrValue,
    pub user: Option<AttrValue>,
    pub user_token: Option<AttrValue>,
    /// The host element, on which the widget's DOM events are dispatched.
    pub host: Element,
    /// The lens, which joins a long receipt's parts.
    pub lens: LensLoader,
}

/// What the upload hook gives the components.
pub struct Uploader {
    /// The submission in flight, kept across reloads until the shopper starts
    /// again (and so clears it).
    pub resume: Resume,
    /// Sends what the shopper prepared.
    pub send: Callback<MouseEvent>,
    /// Cancels the upload under way, at once.
    pub cancel: Callback<MouseEvent>,
    /// Asks for manual review of the submission with this id.
    pub review: Callback<String>,
}

/// Longest wait between two status checks.
const MAX_POLL_MS: u32 = 5_000;
/// Attempts on a connection that is up but failing, before giving up.
const MAX_ATTEMPTS: u32 = 4;

/// A long receipt's photos as one tall image, for a provider that takes one
/// image per receipt: joined by the lens, the rows the parts share shown once.
async fn one_image(blobs: &[Blob], prep: Prep, loader: &LensLoader) -> Result<Blob, Problem> {
    let lens = Lens::load(loader).await.ok_or(Problem::LensUnavailable)?;
    lens.combine(blobs, prep).await
}

/// The upload of what the shopper prepared, its cancel, and the manual-review
/// request.
#[hook]
pub fn use_upload(state: &UseReducerHandle<State>, target: Target) -> Uploader {
    let transfer = use_mut_ref(Transfer::default);
    let loader = target.lens.clone();
    let resume = (*use_memo((), |()| {
        Resume::new(&target.campaign, target.user.as_deref())
    }))
    .clone();
    // A submission left in flight by an earlier page: straight to its wait.
    {
        let (dispatcher, resume, base, host) = (
            state.dispatcher(),
            resume.clone(),
            target.base.clone(),
            target.host.clone(),
        );
        use_on_mount(Box::new(move |_| {
            if let Some(id) = resume.get() {
                dispatcher.dispatch(Action::Resumed(id.clone()));
                spawn_local(async move {
                    let seen = api::SubmissionStatus::Queued;
                    follow(&base, &id, seen, &dispatcher, &host, &resume).await;
                });
            }
        }));
    }
    let send = {
        let (state, transfer, target) = (state.clone(), transfer.clone(), target.clone());
        let (resume, loader) = (resume.clone(), loader.clone());
        Callback::from(move |_: MouseEvent| {
            let loader = loader.clone();
            let Some(campaign) = state.campaign.clone() else {
                return;
            };
            let Target {
                base,
                campaign: campaign_id,
                user,
                user_token,
                host,
                ..
            } = target.clone();
            let blobs: Vec<Blob> = state.photos.iter().map(|p| p.blob.clone()).collect();
            let extras = client::Extras {
                user: user.as_ref().map(ToString::to_string),
                user_token: user_token.as_ref().map(ToString::to_string),
                merchant: state.merchant.as_ref().map(|m| m.id.clone()),
                offers: state.claimed.clone(),
                qr: state.qr.clone(),
            };
            let key = state
                .idempotency_key
                .clone()
                .unwrap_or_else(new_idempotency_key);
            let dispatcher = state.dispatcher();
            *transfer.borrow_mut() = Transfer::default();
            let (transfer, resume) = (transfer.clone(), resume.clone());
            dispatcher.dispatch(Action::Sending(key.clone()));
            spawn_local(async move {
                let blobs = if campaign.capabilities.combine_photos && blobs.len() > 1 {
                    match one_image(&blobs, Prep::from(&campaign.photos), &loader).await {
                        Ok(tall) => vec![tall],
                        Err(e) => return dispatcher.dispatch(Action::Failed(e)),
                    }
                } else {
                    blobs
                };
                let upload = Upload {
                    base: &base,
                    campaign: &campaign_id,
                    key: &key,
                    photos: &blobs,
                    extras: &extras,
                };
                let created = match upload.send(&dispatcher, &transfer).await {
                    Ok(created) => created,
                    Err(SendError::Cancelled) => return dispatcher.dispatch(Action::Cancelled),
                    Err(SendError::Refused(message)) => {
                        return dispatcher.dispatch(Action::Failed(message));
                    }
                    // The retries ran out: the shopper can press Send again (same key).
                    Err(SendError::Transient(blame)) => {
                        return dispatcher.dispatch(Action::Failed(Problem::GaveUp(blame)));
                    }
                };
                emit(&host, "submitted", &JsValue::from_str(&created.id), true);
                let (id, seen) = (created.id.clone(), created.status);
                resume.set(&id);
                dispatcher.dispatch(Action::Created(created));
                follow(&base, &id, seen, &dispatcher, &host, &resume).await;
            });
        })
    };
    // An upload the page left unsent goes again, with its key, once the
    // campaign and the draft's photos are here.
    {
        let send = send.clone();
        let due = state.unsent && state.step == Step::Capture && state.ready_to_send();
        use_on_change(
            u32::from(due),
            Box::new(move |due| {
                if *due == 1 {
                    // Send reads nothing of its click: no event is made for it.
                    send.emit(wasm_bindgen::JsCast::unchecked_into(JsValue::NULL));
                }
            }),
        );
    }
    let cancel = Callback::from(move |_: MouseEvent| transfer.borrow_mut().cancel());
    let review = {
        let dispatcher = state.dispatcher();
        Callback::from(move |id: String| {
            let (dispatcher, base, host) =
                (dispatcher.clone(), target.base.clone(), target.host.clone());
            spawn_local(async move {
                match client::review(&base, &id).await {
                    Ok((submission, json)) => {
                        emit(&host, "result", &json, true);
                        dispatcher.dispatch(Action::Updated(submission, json));
                    }
                    Err(e) => dispatcher.dispatch(Action::Failed(e.0)),
                }
            });
        })
    };
    Uploader {
        resume,
        send,
        cancel,
        review,
    }
}

/// One upload, retried on network loss with the same idempotency key (so the
/// proxy never makes a second submission of it), and held while the phone is
/// offline until it is back.
struct Upload<'a> {
    base: &'a str,
    campaign: &'a str,
    key: &'a str,
    photos: &'a [Blob],
    extras: &'a client::Extras,
}

impl Upload<'_> {
    async fn send(
        &self,
        dispatcher: &UseReducerDispatcher<State>,
        transfer: &Rc<RefCell<Transfer>>,
    ) -> Result<SubmissionCreated, SendError> {
        let (mut failures, mut delay) = (0, 1_000);
        loop {
            if !online() {
                dispatcher.dispatch(Action::Offline(true));
                pause(transfer, None).await;
                dispatcher.dispatch(Action::Offline(false));
            }
            if transfer.borrow().cancelled {
                return Err(SendError::Cancelled);
            }
            let progress = dispatcher.clone();
            let result = client::submit(
                self.base,
                self.campaign,
                self.key,
                self.photos,
                self.extras,
                move |sent, total| progress.dispatch(Action::Progress(sent, total)),
                transfer,
            )
            .await;
            match result {
                // Lost while going offline: wait for the network, then resend.
                Err(SendError::Transient(_)) if !online() => {}
                Err(SendError::Transient(_)) if failures + 1 < MAX_ATTEMPTS => {
                    failures += 1;
                    pause(transfer, Some(delay)).await;
                    delay *= 2;
                }
                other => return other,
            }
        }
    }
}

/// Waits until the browser is back online (`None`) or `ms` pass, or until
/// the shopper cancels: a cancel takes effect at once, whatever the upload is
/// waiting for.
async fn pause(transfer: &Rc<RefCell<Transfer>>, ms: Option<u32>) {
    super::pause(ms, ms.is_none(), |wake| {
        transfer.borrow_mut().on_cancel = Some(wake.clone());
    })
    .await;
    transfer.borrow_mut().on_cancel = None;
}

/// Follows the submission until its status is final, and on while a person
/// has it (`needs_review`, which the verdict card says): their decision is
/// shown when it comes, unless the shopper has started again. Each request is a long
/// poll: the proxy answers when the status moves on from `seen`, or the
/// submission becomes delayed (or no longer is). An answer that
/// brings no change (the wait ran out) or a failed request is followed by a
/// pause that grows, so a proxy that cannot hold requests is polled gently.
/// The proxy keeps the submission whatever happens here.
async fn follow(
    base: &str,
    id: &str,
    mut seen: api::SubmissionStatus,
    dispatcher: &UseReducerDispatcher<State>,
    host: &Element,
    resume: &Resume,
) {
    let mut pause = 0;
    let mut delayed = false;
    loop {
        if pause > 0 {
            TimeoutFuture::new(pause).await;
        }
        match client::submission(base, id, seen, delayed).await {
            Ok((submission, json)) => {
                let (status, now_delayed) = (submission.status, submission.delayed);
                // Started again while a person had it (another submission in
                // flight, or none): no longer followed.
                if seen == api::SubmissionStatus::NeedsReview && !resume.still(id) {
                    return;
                }
                if status.is_final() {
                    emit(host, "result", &json, true);
                }
                dispatcher.dispatch(Action::Updated(submission, json));
                if status.is_final() && status != api::SubmissionStatus::NeedsReview {
                    return;
                }
                pause = if status == seen && now_delayed == delayed {
                    (pause * 2).clamp(500, MAX_POLL_MS)
                } else {
                    0
                };
                (seen, delayed) = (status, now_delayed);
            }
            // Gone (erased, or past its retention): nothing to wait for.
            Err(client::ClientError(problem @ Problem::Refused(api::ErrorCode::NotFound))) => {
                resume.clear();
                return dispatcher.dispatch(Action::Failed(problem));
            }
            // Offline (the waiting step says so): asked again as soon as the
            // phone is back.
            Err(_) if !online() => {
                super::pause(None, true, |_| ()).await;
                pause = 0;
            }
            Err(_) => pause = (pause * 2).clamp(1_000, MAX_POLL_MS),
        }
    }
}
