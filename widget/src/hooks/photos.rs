//! [`photo_picking`]: picked files prepared one by one for upload. It calls no
//! hook, so it is a plain function (yew treats every `use_*` call as a hook).

use wasm_bindgen_futures::spawn_local;
use web_sys::Blob;
use yew::prelude::*;

use crate::lens::{Lens, LensLoader};
use crate::photo::{Hint, Prep};
use crate::problem::Problem;
use crate::state::{Action, Original, PickedPhoto, State};
use crate::{client, e_receipt};

/// The callback that takes picked files and prepares each for the campaign's
/// photo rules (nothing happens before the campaign is loaded), the lens
/// (fetched by `lens` the first time) looking at each for hints; files past the
/// receipt's photo limit are refused with words. Where the
/// provider checks photos (`capabilities.quality_check`), each prepared photo
/// is then checked at `base` for `campaign`: what it finds is a hint, never a
/// block. A PDF is an e-receipt, sent as it is where the campaign takes one
/// (`e_receipt`), refused in words where it does not.
pub fn photo_picking(
    state: &UseReducerHandle<State>,
    base: &AttrValue,
    campaign: &AttrValue,
    lens: &LensLoader,
) -> Callback<Vec<Blob>> {
    let dispatcher = state.dispatcher();
    let prep = state.campaign.as_ref().map(|c| Prep::from(&c.photos));
    let pdf_bytes = state
        .campaign
        .as_ref()
        .and_then(|c| e_receipt::taken(&c.photos));
    let checked = state
        .campaign
        .as_ref()
        .is_some_and(|c| c.capabilities.quality_check);
    let (base, campaign, lens) = (base.clone(), campaign.clone(), lens.clone());
    let (room, max) = (state.room(), state.max_photos());
    Callback::from(move |mut files: Vec<Blob>| {
        let Some(prep) = prep else { return };
        // More than the receipt may have: the first are kept, and the
        // shopper is told why the others are not.
        let over = files.len() > room;
        files.truncate(room);
        if !files.is_empty() {
            dispatcher.dispatch(Action::Preparing(files.len()));
        }
        if over {
            dispatcher.dispatch(Action::Failed(Problem::TooManyPhotos(max)));
        }
        if files.is_empty() {
            return;
        }
        let (dispatcher, base, campaign, lens) = (
            dispatcher.clone(),
            base.clone(),
            campaign.clone(),
            lens.clone(),
        );
        spawn_local(async move {
            for file in files {
                if e_receipt::is_pdf(&file).await {
                    let ready = e_receipt::typed(&file, pdf_bytes)
                        .and_then(|blob| previewed(blob, Vec::new()));
                    dispatcher.dispatch(Action::PhotoReady(ready));
                    continue;
                }
                let ready = picked(&file, prep, &lens).await;
                let check = ready
                    .as_ref()
                    .ok()
                    .filter(|_| checked)
                    .map(|p| (p.blob.clone(), p.preview_url.clone()));
                dispatcher.dispatch(Action::PhotoReady(ready));
                if let Some((blob, preview_url)) = check
                    && let Ok(found) = client::quality_check(&base, &campaign, &blob).await
                    && !found.usable
                {
                    let codes = found.reasons.iter().map(|r| r.code).collect();
                    dispatcher.dispatch(Action::PhotoUnusable(preview_url, codes));
                }
            }
        });
    })
}

/// The callback that straightens the photo at a place again, to corners the
/// shopper moved (its [`Original`]'s): the photo is replaced where the lens
/// can be had, and left as it was otherwise.
pub fn corners_moving(
    state: &UseReducerHandle<State>,
    lens: &LensLoader,
) -> Callback<(usize, [f32; 8])> {
    let dispatcher = state.dispatcher();
    let quality = state
        .campaign
        .as_ref()
        .map_or(api::DEFAULT_QUALITY, |c| c.photos.quality);
    let (photos, lens) = (state.photos.clone(), lens.clone());
    Callback::from(move |(at, corners): (usize, [f32; 8])| {
        let Some(photo) = photos.get(at).cloned() else {
            return;
        };
        let Some(original) = photo.original.clone() else {
            return;
        };
        let (dispatcher, lens) = (dispatcher.clone(), lens.clone());
        spawn_local(async move {
            let Some(lens) = Lens::load(&lens).await else {
                return;
            };
            let Some(blob) = lens.straighten(&original.blob, &corners, quality).await else {
                return;
            };
            if let Ok(mut moved) = previewed(blob, photo.hints.clone()) {
                moved.original = Some(Original {
                    corners,
                    ..original
                });
                dispatcher.dispatch(Action::PhotoReplaced(photo.preview_url, moved));
            }
        });
    })
}

/// Prepares one picked file for upload by the lens, with its preview and
/// what the lens sees wrong with it; where it finds the receipt in it, the
/// straightened receipt is what is sent (the shopper may move the corners
/// after). Without the lens (its download failed), the shopper is told to
/// try again: the next try fetches it again.
async fn picked(file: &Blob, prep: Prep, lens: &LensLoader) -> Result<PickedPhoto, Problem> {
    let lens = Lens::load(lens).await.ok_or(Problem::LensUnavailable)?;
    let prepared = lens.prepare(file, prep).await?;
    Ok(match prepared.straightened {
        Some((blob, corners)) => {
            let mut photo = previewed(blob, prepared.hints)?;
            photo.original = Some(Original {
                blob: prepared.blob,
                corners,
            });
            photo
        }
        None => previewed(prepared.blob, prepared.hints)?,
    })
}

/// `blob`, picked, with an object URL for its preview.
fn previewed(blob: Blob, hints: Vec<Hint>) -> Result<PickedPhoto, Problem> {
    let preview_url =
        web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| Problem::PreviewFailed)?;
    Ok(PickedPhoto {
        blob,
        preview_url,
        hints,
        original: None,
    })
}
