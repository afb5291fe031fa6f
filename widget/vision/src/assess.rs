//! What would make a photo of a receipt better, in words a shopper can act
//! on: from the receipt found (or not) and the frame.

use crate::Grey;
use crate::geometry::Quad;

/// What the shopper can do for a better photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advice {
    /// No receipt in sight.
    NoReceipt,
    /// The receipt is small in the frame.
    MoveCloser,
    /// The receipt is too dark to read.
    TooDark,
    /// Light shines off the paper.
    Glare,
    /// The photo is blurred: hold still.
    HoldStill,
    /// Seen at a slant: hold the phone flat above the receipt.
    Tilted,
}

/// How a frame shows its receipt.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The receipt's outline, where one was found.
    pub quad: Option<Quad>,
    /// The share of the frame the receipt covers.
    pub fill: f32,
    /// The paper's brightness (the median inside the outline, 0 to 255).
    pub brightness: f32,
    /// The share of the receipt's pixels burnt white.
    pub glare: f32,
    /// How crisp the print is: its steepest steps from pixel to pixel
    /// against those from 2x2 block to 2x2 block (about 1 in focus, 0.5
    /// blurred over a few pixels).
    pub sharpness: f32,
    /// The most a corner is off a right angle, in degrees.
    pub tilt: f32,
    /// What to do, most important first; empty: a good photo.
    pub advice: Vec<Advice>,
}

impl Assessment {
    /// Good enough to take by itself.
    pub fn is_good(&self) -> bool {
        self.advice.is_empty()
    }
}

/// A receipt reaching less far than this across the frame (its longer way)
/// is far: the shopper is asked to come closer.
const REACH_MIN: f32 = 0.5;
/// A paper darker than this is too dark to read.
const DARK: f32 = 70.0;
/// More than this share of burnt pixels is glare.
const GLARE: f32 = 0.04;
/// Print less crisp than this is blurred.
const SHARP: f32 = 0.7;
/// Corners further than this from right angles: seen at a slant.
const TILT: f32 = 25.0;

/// How `frame` shows the receipt outlined by `quad` (from [`crate::find`]).
pub fn assess(frame: &Grey, quad: Option<Quad>) -> Assessment {
    let Some(quad) = quad else {
        return Assessment {
            quad: None,
            fill: 0.0,
            brightness: 0.0,
            glare: 0.0,
            sharpness: 0.0,
            tilt: 0.0,
            advice: vec![Advice::NoReceipt],
        };
    };
    let fill = quad.area() / (frame.width as f32 * frame.height as f32);
    // The pixels inside, on a grid (enough for statistics); the steepest
    // steps between neighbouring pixels there, and between neighbouring
    // 2x2 blocks: print in focus steps as steeply from pixel to pixel as
    // from block to block; blurred over a few pixels, half as steeply.
    let stride = ((frame.width.max(frame.height) / 320).max(1) * 2) as usize;
    let mut histogram = [0u32; 256];
    let (mut fine, mut coarse) = ([0u32; 256], [0u32; 256]);
    let (w, h) = (frame.width as usize, frame.height as usize);
    let at = |x: usize, y: usize| frame.pixels[y * w + x];
    let block = |x: usize, y: usize| {
        (u16::from(at(x, y))
            + u16::from(at(x + 1, y))
            + u16::from(at(x, y + 1))
            + u16::from(at(x + 1, y + 1)))
            / 4
    };
    for y in (0..h.saturating_sub(4)).step_by(stride) {
        for x in (0..w.saturating_sub(4)).step_by(stride) {
            if !quad.contains(crate::Point::new(x as f32 + 0.5, y as f32 + 0.5)) {
                continue;
            }
            let here = at(x, y);
            histogram[usize::from(here)] += 1;
            let step = here.abs_diff(at(x + 1, y)).max(here.abs_diff(at(x, y + 1)));
            fine[usize::from(step)] += 1;
            let b = block(x, y);
            let step = b.abs_diff(block(x + 2, y)).max(b.abs_diff(block(x, y + 2)));
            coarse[usize::from(step.min(255))] += 1;
        }
    }
    let total: u32 = histogram.iter().sum();
    let brightness = percentile(&histogram, 0.5);
    let burnt: u32 = histogram[250..].iter().sum();
    let glare = burnt as f32 / total.max(1) as f32;
    let sharpness = percentile(&fine, 0.99) / percentile(&coarse, 0.99).max(1.0);
    let tilt = quad.skew();
    let mut advice = Vec::new();
    if brightness < DARK {
        advice.push(Advice::TooDark);
    }
    // A long receipt covers little of the frame however close: what counts
    // is how far it reaches across the frame, its longer way.
    let (xs, ys): (Vec<f32>, Vec<f32>) = quad.0.iter().map(|p| (p.x, p.y)).unzip();
    let spread = |v: &[f32], side: u32| {
        (v.iter().copied().fold(f32::MIN, f32::max) - v.iter().copied().fold(f32::MAX, f32::min))
            / side as f32
    };
    let reach = spread(&xs, frame.width).max(spread(&ys, frame.height));
    if reach < REACH_MIN {
        advice.push(Advice::MoveCloser);
    }
    if glare > GLARE {
        advice.push(Advice::Glare);
    }
    if sharpness < SHARP && brightness >= DARK {
        advice.push(Advice::HoldStill);
    }
    if tilt > TILT {
        advice.push(Advice::Tilted);
    }
    Assessment {
        quad: Some(quad),
        fill,
        brightness,
        glare,
        sharpness,
        tilt,
        advice,
    }
}

/// The value below which `share` of a histogram's counts lie.
fn percentile(histogram: &[u32; 256], share: f32) -> f32 {
    let total: u32 = histogram.iter().sum();
    let target = (total as f32 * share).ceil() as u32;
    let mut seen = 0;
    for (value, n) in histogram.iter().enumerate() {
        seen += n;
        if seen >= target.max(1) {
            return value as f32;
        }
    }
    255.0
}
