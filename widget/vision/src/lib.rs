//! Receipt vision, one piece for the widget (in the browser, wasm32) and the
//! proxy (natively): given a frame, [`find`] the receipt's four corners,
//! [`straighten`] it upright and cropped, and [`assess`] the photo (is it
//! sharp, lit, near enough, seen from above), with the [`Advice`] a shopper
//! can act on.
//!
//! Pure Rust with no dependency, so the widget's module stays small. Frames
//! are grey ([`Grey`]): the receipt is paper and print, and colour would
//! only cost time.
//!
//! - `geometry`: points, quads, the perspective between the unit square and
//!   a quad, convex hulls, overlap (IoU);
//! - `find`: the corners, from a reduced frame;
//! - `straighten`: the receipt warped upright, in grey or in colour ([`Rgba`]);
//! - `assess`: what would make the photo better;
//! - `fixtures` (feature `fixtures`): receipts photographed on tables, with
//!   their true corners, for the tests and `cargo xtask bench`.

// `mul_add` is a call into software where the target has no FMA (wasm32,
// and x86-64 builds for any CPU): several times slower, for precision a
// pixel does not need.
#![allow(clippy::suboptimal_flops)]

mod assess;
mod find;
#[cfg(feature = "fixtures")]
pub mod fixtures;
pub mod geometry;
mod stitch;
mod straighten;

pub use assess::{Advice, Assessment, assess, paper_fills, sharpness};
pub use find::find;
pub use geometry::{Point, Quad};
pub use stitch::overlap;
pub use straighten::{Rgba, straighten, straighten_rgba};

/// A grey image: one byte a pixel, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grey {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Grey {
    /// An image of `width` x `height` filled with `value`.
    pub fn filled(width: u32, height: u32, value: u8) -> Self {
        Self {
            width,
            height,
            pixels: vec![value; width as usize * height as usize],
        }
    }

    pub fn get(&self, x: u32, y: u32) -> u8 {
        self.pixels[y as usize * self.width as usize + x as usize]
    }

    /// The value at a point between pixels (bilinear), clamped to the edges.
    pub fn sample(&self, x: f32, y: f32) -> f32 {
        let max_x = self.width.saturating_sub(1) as f32;
        let max_y = self.height.saturating_sub(1) as f32;
        let (x, y) = (x.clamp(0.0, max_x), y.clamp(0.0, max_y));
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (x0, y0) = (x0 as u32, y0 as u32);
        let (x1, y1) = ((x0 + 1).min(max_x as u32), (y0 + 1).min(max_y as u32));
        let top = f32::from(self.get(x0, y0)) * (1.0 - fx) + (f32::from(self.get(x1, y0)) * fx);
        let bottom = f32::from(self.get(x0, y1)) * (1.0 - fx) + (f32::from(self.get(x1, y1)) * fx);
        top * (1.0 - fy) + (bottom * fy)
    }

    /// Reduced by `factor` in each direction, each pixel the brightest of
    /// the block it covers.
    pub fn brightest(&self, factor: u32) -> Self {
        let factor = factor.max(1);
        let (w, h) = (self.width / factor, self.height / factor);
        let mut pixels = vec![0u8; w as usize * h as usize];
        for y in 0..h * factor {
            let row = y as usize * self.width as usize;
            let out = (y / factor) as usize * w as usize;
            for (bx, block) in self.pixels[row..row + (w * factor) as usize]
                .chunks_exact(factor as usize)
                .enumerate()
            {
                let max = block.iter().copied().max().unwrap_or(0);
                pixels[out + bx] = pixels[out + bx].max(max);
            }
        }
        Self {
            width: w,
            height: h,
            pixels,
        }
    }
}
