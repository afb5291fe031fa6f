//! The live camera: `getUserMedia` with the rear camera, and the torch where
//! the phone has one. The lens's viewfinder takes the shots.

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlVideoElement, MediaStream, MediaStreamConstraints, MediaStreamTrack};

use crate::problem::CameraError;

/// JPEG quality of a shot; the upload preparation shrinks it afterwards.
pub const SHOT_QUALITY: u8 = 92;

/// Whether this browser can show a live camera at all (it needs a secure page).
pub fn supported() -> bool {
    web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| Reflect::get(&n, &"mediaDevices".into()).ok())
        .filter(|d| !d.is_undefined())
        .and_then(|d| Reflect::get(&d, &"getUserMedia".into()).ok())
        .is_some_and(|f| f.is_function())
}

/// Opens the rear camera (any camera where there is no rear one) and plays it in
/// `video`.
pub async fn open(video: &HtmlVideoElement) -> Result<MediaStream, CameraError> {
    if !supported() {
        return Err(CameraError::Unsupported);
    }
    let devices = web_sys::window()
        .ok_or(CameraError::Unsupported)?
        .navigator()
        .media_devices()
        .map_err(|_| CameraError::Unsupported)?;
    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&false.into());
    constraints.set_video(&object(&[
        ("facingMode", object(&[("ideal", "environment".into())])),
        ("width", object(&[("ideal", 1920.into())])),
        ("height", object(&[("ideal", 1080.into())])),
    ]));
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| CameraError::from_name(&error_name(&e)))?;
    let stream: MediaStream = JsFuture::from(promise)
        .await
        .map_err(|e| CameraError::from_name(&error_name(&e)))?
        .unchecked_into();
    // iOS Safari plays inline only with these set before play().
    video.set_muted(true);
    let _ = video.set_attribute("playsinline", "");
    video.set_src_object(Some(&stream));
    if let Ok(playing) = video.play()
        && JsFuture::from(playing).await.is_err()
    {
        stop(&stream);
        return Err(CameraError::Busy);
    }
    Ok(stream)
}

/// Turns the camera off (the phone's camera light goes out).
pub fn stop(stream: &MediaStream) {
    for track in stream.get_tracks() {
        track.unchecked_into::<MediaStreamTrack>().stop();
    }
}

/// The video track, if its camera has a torch that can be switched.
pub fn torch(stream: &MediaStream) -> Option<MediaStreamTrack> {
    let track: MediaStreamTrack = stream.get_video_tracks().get(0).dyn_into().ok()?;
    let capabilities = Reflect::get(&track, &"getCapabilities".into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?
        .call0(&track)
        .ok()?;
    Reflect::get(&capabilities, &"torch".into())
        .ok()?
        .as_bool()
        .filter(|has| *has)
        .map(|_| track)
}

/// Switches the torch; whether the camera accepted it.
pub async fn set_torch(track: &MediaStreamTrack, on: bool) -> bool {
    let advanced = Array::of1(&object(&[("torch", on.into())]));
    let constraints = object(&[("advanced", advanced.into())]);
    match track.apply_constraints_with_constraints(constraints.unchecked_ref()) {
        Ok(promise) => JsFuture::from(promise).await.is_ok(),
        Err(_) => false,
    }
}

fn error_name(error: &JsValue) -> String {
    Reflect::get(error, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default()
}

/// A plain JS object from key/value pairs.
fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&object, &(*key).into(), value);
    }
    object.into()
}
