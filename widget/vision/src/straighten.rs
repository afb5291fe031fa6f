//! The receipt warped upright and cropped to its outline.

use crate::Grey;
use crate::geometry::{Perspective, Quad};

/// The receipt inside `quad` (ordered corners) of `frame`, upright, as wide
/// as its longer top or bottom edge and as tall as its longer side, at most
/// `max_side` on its longer side.
pub fn straighten(frame: &Grey, quad: &Quad, max_side: u32) -> Grey {
    let (width, height) = quad.size();
    let scale = (max_side as f32 / width.max(height)).min(1.0);
    let (w, h) = (
        ((width * scale).round() as u32).max(1),
        ((height * scale).round() as u32).max(1),
    );
    let perspective = Perspective::square_to(quad);
    let mut pixels = Vec::with_capacity(w as usize * h as usize);
    for y in 0..h {
        let v = (y as f32 + 0.5) / h as f32;
        for x in 0..w {
            let u = (x as f32 + 0.5) / w as f32;
            let p = perspective.apply(u, v);
            pixels.push(frame.sample(p.x - 0.5, p.y - 0.5).round() as u8);
        }
    }
    Grey {
        width: w,
        height: h,
        pixels,
    }
}
