//! Long receipts shot in parts: where the next part starts repeating the one
//! before, so that the parts are joined with the overlap shown once.

use crate::Grey;

/// The band of `lower`'s top compared along `upper`'s bottom: this share of
/// `lower`'s height, at least [`BAND_MIN`] rows (a few lines of print). Parts
/// must overlap by at least that much to be joined without the repeat.
const BAND: f32 = 0.08;
const BAND_MIN: usize = 12;
/// The band starts this share of `lower`'s height below its top, at least
/// [`MARGIN_MIN`] rows: a part found in a camera frame has its outline a row
/// or two off the paper's edge, a sliver of table or a line of print cut
/// short, which no row of `upper` repeats.
const MARGIN: f32 = 0.02;
const MARGIN_MIN: usize = 4;
/// The most of the shorter part that may repeat.
const MOST: f32 = 0.6;
/// The band and the rows it repeats correlate at least this well (1 is the
/// same picture; the brightness and contrast of each shot do not count).
const MATCH: f32 = 0.9;
/// And what keeps them from 1 (the sensor's grain) is at most this share of
/// what keeps the best place elsewhere from it: print repeats line after
/// line, and lines of a receipt look alike; the place must be the one.
const RESIDUAL: f32 = 0.3;
/// A band with less spread than this (grey levels, standard deviation) is
/// blank paper, which matches anywhere.
const BLANK: f32 = 4.0;

/// How many rows at the top of `lower` repeat the bottom of `upper` (two
/// straightened parts of one receipt, shot top to bottom, at the same width),
/// or `None` where no place matches clearly (the parts do not overlap, or
/// the repeat is blank paper). Compared by correlation, so a part shot in
/// other light still meets its neighbour.
pub fn overlap(upper: &Grey, lower: &Grey) -> Option<u32> {
    let w = upper.width as usize;
    if w == 0 || lower.width as usize != w {
        return None;
    }
    let (uh, lh) = (upper.height as usize, lower.height as usize);
    if uh == 0 || lh == 0 {
        return None;
    }
    // Two shots of one receipt meet a fraction of a row apart: smoothed
    // down the rows, a line of print still meets itself, where sharp it
    // would correlate little better than the line above or below.
    let (upper_rows, lower_rows) = (smoothed(upper), smoothed(lower));
    let band = ((lh as f32 * BAND) as usize).max(BAND_MIN);
    let margin = ((lh as f32 * MARGIN) as usize).max(MARGIN_MIN);
    let most = ((uh.min(lh) as f32 * MOST) as usize).min(uh);
    if margin + band > most {
        return None;
    }
    let (top, spread) = normalized(&lower_rows[margin * w..(margin + band) * w]);
    if spread < BLANK {
        return None;
    }
    // For each overlap `k`, the band's correlation with the rows of `upper`
    // it would lie over: from `k - margin` rows above its bottom.
    let scores: Vec<(usize, f32)> = (margin + band..=most)
        .map(|k| {
            let from = uh - k + margin;
            let (here, _) = normalized(&upper_rows[from * w..(from + band) * w]);
            let dot = here.iter().zip(&top).map(|(a, b)| a * b).sum::<f32>();
            (k, dot / top.len() as f32)
        })
        .collect();
    let (k, best) = scores.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1))?;
    let elsewhere = scores
        .iter()
        .filter(|(other, _)| other.abs_diff(k) > band / 2)
        .map(|s| s.1)
        .fold(f32::MIN, f32::max);
    (best >= MATCH && 1.0 - best <= RESIDUAL * (1.0 - elsewhere)).then_some(k as u32)
}

/// `grey`'s pixels, each the mean of itself (twice) and the pixels above
/// and below it: a line of print spread over the rows it falls between.
fn smoothed(grey: &Grey) -> Vec<u8> {
    let (w, h) = (grey.width as usize, grey.height as usize);
    let at = |x: usize, y: usize| u16::from(grey.pixels[y * w + x]);
    (0..h)
        .flat_map(|y| {
            (0..w).map(move |x| {
                let (above, below) = (at(x, y.saturating_sub(1)), at(x, (y + 1).min(h - 1)));
                ((above + 2 * at(x, y) + below + 2) / 4) as u8
            })
        })
        .collect()
}

/// `pixels` less their mean, over their standard deviation; and that
/// deviation.
fn normalized(pixels: &[u8]) -> (Vec<f32>, f32) {
    let n = pixels.len() as f32;
    let mean = pixels.iter().map(|&v| f32::from(v)).sum::<f32>() / n;
    let spread = (pixels
        .iter()
        .map(|&v| (f32::from(v) - mean).powi(2))
        .sum::<f32>()
        / n)
        .sqrt();
    let scale = 1.0 / spread.max(f32::EPSILON);
    let out = pixels
        .iter()
        .map(|&v| (f32::from(v) - mean) * scale)
        .collect();
    (out, spread)
}
