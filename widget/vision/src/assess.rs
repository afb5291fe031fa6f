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
/// A 2x2 block at least this bright is burnt white.
const BURNT: u16 = 250;
/// A frame that is all paper: at least this share of it light, once the print
/// is closed over, light meaning at least half as bright as its brightest tenth
/// (a shadow across the paper is still paper) ...
const PAPER_SHARE: f32 = 0.9;
/// ... with print: at least this share of its pixels darker than the paper
/// around them by at least a third of the paper's brightness.
const PRINT_SHARE: f32 = 0.005;
/// Print less crisp than this is blurred.
const SHARP: f32 = 0.7;
/// Corners further than this from right angles: seen at a slant.
const TILT: f32 = 25.0;

/// How `frame` shows the receipt outlined by `quad` (from [`crate::find`]).
///
/// Where no outline was found, the frame may still be all receipt: a scan, a
/// photo cropped to the paper, a receipt held close. Such a frame (light paper
/// from edge to edge, with print on it) is assessed as a receipt filling it;
/// a frame too dark or burnt too white to tell is said to be that, not empty.
pub fn assess(frame: &Grey, quad: Option<Quad>) -> Assessment {
    let quad = match quad {
        Some(quad) => quad,
        None if paper_fills(frame) => Quad::frame(frame.width, frame.height),
        None => {
            // Too dark or burnt too white to tell: that, which the shopper
            // can fix, rather than "no receipt".
            let median = median(frame);
            let advice = if median < DARK {
                Advice::TooDark
            } else if median >= f32::from(BURNT) {
                Advice::Glare
            } else {
                Advice::NoReceipt
            };
            return Assessment {
                quad: None,
                fill: 0.0,
                brightness: 0.0,
                glare: 0.0,
                sharpness: 0.0,
                tilt: 0.0,
                advice: vec![advice],
            };
        }
    };
    let fill = quad.area() / (frame.width as f32 * frame.height as f32);
    // The pixels inside, on a grid (enough for statistics); the steepest
    // steps between neighbouring pixels there, and between neighbouring
    // 2x2 blocks: print in focus steps as steeply from pixel to pixel as
    // from block to block; blurred over a few pixels, half as steeply.
    let stride = ((frame.width.max(frame.height) / 320).max(1) * 2) as usize;
    let mut histogram = [0u32; 256];
    let (mut fine, mut coarse) = ([0u32; 256], [0u32; 256]);
    let mut burnt = 0u32;
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
            // Burnt: a 2x2 block white, not a grain of the sensor's noise.
            burnt += u32::from(b >= BURNT);
            let step = b.abs_diff(block(x + 2, y)).max(b.abs_diff(block(x, y + 2)));
            coarse[usize::from(step.min(255))] += 1;
        }
    }
    let total: u32 = histogram.iter().sum();
    let brightness = percentile(&histogram, 0.5);
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

/// How sharp `frame` is: the variance of its Laplacian (each pixel against its
/// four neighbours), high where edges are crisp, low when blurred. Comparable
/// between frames of one scene (the sharpest of a burst), not an absolute.
pub fn sharpness(frame: &Grey) -> f32 {
    let (w, h) = (frame.width as usize, frame.height as usize);
    if w < 3 || h < 3 {
        return 0.0;
    }
    let at = |x: usize, y: usize| i32::from(frame.pixels[y * w + x]);
    let (mut sum, mut squares, mut n) = (0.0_f64, 0.0_f64, 0.0_f64);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let laplacian =
                at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4 * at(x, y);
            let v = f64::from(laplacian);
            sum += v;
            squares += v * v;
            n += 1.0;
        }
    }
    let mean = sum / n;
    (squares / n - mean * mean) as f32
}

/// Whether `frame` is light paper with print from edge to edge (a scan, a
/// photo cropped to the paper, a receipt the widget straightened): brightest
/// in 5x5 blocks (the print closed over), nearly all of it is light; as it
/// is, some of it is print, well darker than that.
pub fn paper_fills(frame: &Grey) -> bool {
    const BLOCK: u32 = 5;
    if frame.width < BLOCK * 4 || frame.height < BLOCK * 4 {
        return false;
    }
    let paper = frame.brightest(BLOCK);
    let top = percentile(&histogram(&paper.pixels), 0.9);
    if top < DARK {
        return false;
    }
    let light = paper
        .pixels
        .iter()
        .filter(|&&v| f32::from(v) >= top / 2.0)
        .count();
    if (light as f32) < paper.pixels.len() as f32 * PAPER_SHARE {
        return false;
    }
    let w = frame.width as usize;
    let mut print = 0usize;
    for (i, &v) in frame.pixels.iter().enumerate() {
        let (x, y) = ((i % w) as u32 / BLOCK, (i / w) as u32 / BLOCK);
        if x < paper.width && y < paper.height {
            let around = paper.get(x, y);
            print += usize::from(around.saturating_sub(v) > around / 3);
        }
    }
    print as f32 >= frame.pixels.len() as f32 * PRINT_SHARE
}

/// The median of a frame's pixels.
fn median(frame: &Grey) -> f32 {
    percentile(&histogram(&frame.pixels), 0.5)
}

/// How many of `pixels` have each value.
fn histogram(pixels: &[u8]) -> [u32; 256] {
    let mut counts = [0u32; 256];
    for &v in pixels {
        counts[usize::from(v)] += 1;
    }
    counts
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
