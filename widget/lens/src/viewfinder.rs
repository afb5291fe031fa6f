//! The live viewfinder: each frame of the camera looked at for the receipt,
//! its outline drawn over the picture, and the shot taken as the straightened
//! receipt. The camera (`camera.rs`) hands it the dialog's `<video>` and a
//! `<canvas>` laid over it, calls [`Viewfinder::watch`] a frame at a time
//! and [`Viewfinder::shoot`] when the answer says [`track::READY`] or the
//! shopper presses the shutter. Exported too, for the bench that times it.

use js_sys::Promise;
use vision::{Quad, Rgba};
use wasm_bindgen::prelude::*;
use web_sys::{HtmlCanvasElement, HtmlVideoElement};

use crate::canvas::{context, encode};

use crate::track::{self, Tracker};

/// The long side of the frames looked at live.
pub const WATCHED_SIDE: u32 = 640;
/// The long side the straightened receipt is kept to (the widget's upload
/// preparation shrinks it further where the campaign's provider asks).
const SHOT_SIDE: u32 = 3000;
/// The outline's colours: looking, and held still (about to be taken).
const LOOKING: &str = "#1a56db";
const STILL: &str = "#0e9f6e";

/// The camera's frames, looked at one by one.
#[wasm_bindgen]
pub struct Viewfinder {
    video: HtmlVideoElement,
    overlay: HtmlCanvasElement,
    /// Where frames are drawn to be read.
    work: HtmlCanvasElement,
    tracker: Tracker,
    /// The size of the frames the tracker's outlines are in.
    watched: (u32, u32),
}

#[wasm_bindgen]
impl Viewfinder {
    /// A viewfinder over `video`, drawing on `overlay` (laid over the video,
    /// the same size).
    #[wasm_bindgen(constructor)]
    pub fn new(video: HtmlVideoElement, overlay: HtmlCanvasElement) -> Result<Self, JsValue> {
        let work = overlay
            .owner_document()
            .ok_or_else(|| JsValue::from_str("no document"))?
            .create_element("canvas")?
            .unchecked_into();
        Ok(Self {
            video,
            overlay,
            work,
            tracker: Tracker::default(),
            watched: (0, 0),
        })
    }

    /// Looks at the current frame (at [`WATCHED_SIDE`]), draws the receipt's
    /// outline, and answers with the advice bits of [`crate::assess`] and
    /// [`track::OUTLINED`], [`track::READY`] and [`track::TAKEN`].
    pub fn watch(&mut self) -> u32 {
        let Some(frame) = self.grab(WATCHED_SIDE) else {
            self.draw(None, false);
            return crate::advice::NO_RECEIPT;
        };
        let grey = frame.grey();
        let outline = vision::find(&grey);
        let advice = crate::assess(&grey, outline);
        let diagonal = (grey.width as f32).hypot(grey.height as f32);
        let seen = self.tracker.see(outline, advice, diagonal);
        self.watched = (grey.width, grey.height);
        self.draw(outline, seen & track::READY != 0);
        seen
    }

    /// The current frame at the camera's full size, as a JPEG of `quality`
    /// (0 to 1): the receipt found in it, straightened and cropped, or the
    /// whole frame where none is found (a receipt filling it, or none). A
    /// promise of the `Blob`. The receipt is not taken by itself again until
    /// it moves away.
    pub fn shoot(&mut self, quality: f64) -> Result<Promise, JsValue> {
        let frame = self
            .grab(u32::MAX)
            .ok_or_else(|| JsValue::from_str("no frame"))?;
        let outline = vision::find(&frame.grey()).or_else(|| {
            // Not found in this frame: the outline the shopper saw, if any.
            let (w, _) = self.watched;
            let scale = frame.width as f32 / w.max(1) as f32;
            self.tracker.outline().map(|quad| quad.scaled(scale))
        });
        self.tracker.shot();
        let image = match outline {
            Some(quad) => vision::straighten_rgba(&frame, &quad, SHOT_SIDE),
            None => frame,
        };
        encode(&image, quality)
    }
}

impl Viewfinder {
    /// The current video frame, scaled to fit `long_side`.
    fn grab(&self, long_side: u32) -> Option<Rgba> {
        let (w, h) = crate::fitted(
            self.video.video_width(),
            self.video.video_height(),
            long_side,
        )?;
        if self.work.width() != w || self.work.height() != h {
            self.work.set_width(w);
            self.work.set_height(h);
        }
        let context = context(&self.work, true)?;
        context
            .draw_image_with_html_video_element_and_dw_and_dh(
                &self.video,
                0.0,
                0.0,
                f64::from(w),
                f64::from(h),
            )
            .ok()?;
        let data = context
            .get_image_data(0.0, 0.0, f64::from(w), f64::from(h))
            .ok()?;
        Some(Rgba {
            width: w,
            height: h,
            pixels: data.data().0,
        })
    }

    /// The outline (in the watched frame's pixels) drawn over the picture as
    /// the page shows it (the whole frame fitted in, `object-fit: contain`),
    /// green when about to be taken; nothing drawn where there is none.
    fn draw(&self, outline: Option<Quad>, ready: bool) {
        let (cw, ch) = (
            self.overlay.client_width().max(0) as u32,
            self.overlay.client_height().max(0) as u32,
        );
        if self.overlay.width() != cw || self.overlay.height() != ch {
            self.overlay.set_width(cw);
            self.overlay.set_height(ch);
        }
        let Some(context) = context(&self.overlay, false) else {
            return;
        };
        context.clear_rect(0.0, 0.0, f64::from(cw), f64::from(ch));
        let (Some(quad), (fw, fh)) = (outline, self.watched) else {
            return;
        };
        if fw == 0 || fh == 0 {
            return;
        }
        let scale = (cw as f32 / fw as f32).min(ch as f32 / fh as f32);
        let (dx, dy) = (
            (cw as f32 - fw as f32 * scale) / 2.0,
            (ch as f32 - fh as f32 * scale) / 2.0,
        );
        context.begin_path();
        for (i, p) in quad.0.iter().enumerate() {
            let (x, y) = (f64::from(p.x * scale + dx), f64::from(p.y * scale + dy));
            if i == 0 {
                context.move_to(x, y);
            } else {
                context.line_to(x, y);
            }
        }
        context.close_path();
        let colour = if ready { STILL } else { LOOKING };
        context.set_global_alpha(0.2);
        context.set_fill_style_str(colour);
        context.fill();
        context.set_global_alpha(1.0);
        context.set_line_width(4.0);
        context.set_line_join("round");
        context.set_stroke_style_str(colour);
        context.stroke();
    }
}
