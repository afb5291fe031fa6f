//! The receipt warped upright and cropped to its outline: in grey (for the
//! fingerprint and the QR decoder) and in colour (the photo the widget
//! uploads).

use crate::Grey;
use crate::geometry::{Perspective, Quad};

/// The receipt inside `quad` (ordered corners) of `frame`, upright, as wide
/// as its longer top or bottom edge and as tall as its longer side, at most
/// `max_side` on its longer side.
pub fn straighten(frame: &Grey, quad: &Quad, max_side: u32) -> Grey {
    let (width, height) = upright_size(quad, max_side);
    let pixels = warp(quad, width, height, 1, |x, y, out| {
        out[0] = frame.sample(x, y).round() as u8;
    });
    Grey {
        width,
        height,
        pixels,
    }
}

/// A colour image: four bytes a pixel (red, green, blue, alpha), row by row,
/// as a canvas's `ImageData` holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgba {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Rgba {
    /// Its grey copy (the luma of ITU-R BT.601, in integers).
    pub fn grey(&self) -> Grey {
        Grey {
            width: self.width,
            height: self.height,
            pixels: self
                .pixels
                .chunks_exact(4)
                .map(|p| {
                    ((77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2])) >> 8)
                        as u8
                })
                .collect(),
        }
    }
}

/// [`straighten`] in colour: the receipt inside `quad` of `frame`, upright
/// and opaque.
pub fn straighten_rgba(frame: &Rgba, quad: &Quad, max_side: u32) -> Rgba {
    let (width, height) = upright_size(quad, max_side);
    let (w, h) = (frame.width as usize, frame.height as usize);
    let pixels = warp(quad, width, height, 4, |x, y, out| {
        // Bilinear, each channel, clamped to the frame's edges.
        let x = x.clamp(0.0, w.saturating_sub(1) as f32);
        let y = y.clamp(0.0, h.saturating_sub(1) as f32);
        let (x0, y0) = (x as usize, y as usize);
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
        let at = |x: usize, y: usize, c: usize| f32::from(frame.pixels[(y * w + x) * 4 + c]);
        for (c, value) in out.iter_mut().take(3).enumerate() {
            let top = at(x0, y0, c) * (1.0 - fx) + at(x1, y0, c) * fx;
            let bottom = at(x0, y1, c) * (1.0 - fx) + at(x1, y1, c) * fx;
            *value = (top * (1.0 - fy) + bottom * fy).round() as u8;
        }
        out[3] = 255;
    });
    Rgba {
        width,
        height,
        pixels,
    }
}

/// The upright receipt's size in pixels: its outline's, scaled down to at
/// most `max_side` on its longer side.
fn upright_size(quad: &Quad, max_side: u32) -> (u32, u32) {
    let (width, height) = quad.size();
    let scale = (max_side as f32 / width.max(height)).min(1.0);
    (
        ((width * scale).round() as u32).max(1),
        ((height * scale).round() as u32).max(1),
    )
}

/// `width` x `height` pixels of `channels` bytes, each set by `pixel` from
/// the point of the frame (between pixels, centres at .5) it comes from.
fn warp(
    quad: &Quad,
    width: u32,
    height: u32,
    channels: usize,
    mut pixel: impl FnMut(f32, f32, &mut [u8]),
) -> Vec<u8> {
    let perspective = Perspective::square_to(quad);
    let mut pixels = vec![0u8; width as usize * height as usize * channels];
    for (i, out) in pixels.chunks_exact_mut(channels).enumerate() {
        let (x, y) = (i % width as usize, i / width as usize);
        let u = (x as f32 + 0.5) / width as f32;
        let v = (y as f32 + 0.5) / height as f32;
        let p = perspective.apply(u, v);
        pixel(p.x - 0.5, p.y - 0.5, out);
    }
    pixels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Point;

    #[test]
    fn a_colour_receipt_comes_out_upright_with_its_colours_and_the_grey_one_alike() {
        // A 40x60 frame: a red rectangle (10..30, 10..50) on blue.
        let (w, h) = (40u32, 60u32);
        let mut frame = Rgba {
            width: w,
            height: h,
            pixels: Vec::new(),
        };
        for y in 0..h {
            for x in 0..w {
                let inside = (10..30).contains(&x) && (10..50).contains(&y);
                frame.pixels.extend(if inside {
                    [200, 20, 20, 255]
                } else {
                    [10, 10, 200, 255]
                });
            }
        }
        let quad = Quad([
            Point::new(10.0, 10.0),
            Point::new(30.0, 10.0),
            Point::new(30.0, 50.0),
            Point::new(10.0, 50.0),
        ]);
        let upright = straighten_rgba(&frame, &quad, 1000);
        assert_eq!((upright.width, upright.height), (20, 40));
        // Well inside: the square's red, opaque.
        let centre = ((20 * 20 + 10) * 4) as usize;
        assert_eq!(&upright.pixels[centre..centre + 4], &[200, 20, 20, 255]);
        let grey = straighten(&frame.grey(), &quad, 1000);
        assert_eq!((grey.width, grey.height), (20, 40));
        assert_eq!(grey.get(10, 20), upright.grey().get(10, 20));
        // Capped on its longer side.
        let small = straighten_rgba(&frame, &quad, 20);
        assert_eq!((small.width, small.height), (10, 20));
    }
}
