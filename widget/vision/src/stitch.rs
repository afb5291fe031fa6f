//! Long receipts shot in parts: where the next part starts repeating the one
//! before, so that the parts are joined with the overlap shown once.
//!
//! Each part was found in its own photo and straightened, and its outline
//! is never exact: the same line of print comes out a few pixels off, a
//! little wider or turned, from one part to the next. So the search is in
//! two steps: the whole band of `lower`'s top slid down `upper` rigidly,
//! which finds the few places worth a closer look; then at each of them the
//! band in tiles, each tile let move by a few pixels, which is how well the
//! place really matches.

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
/// Columns averaged into one: finer than a stroke of print is where two
/// shots differ most and tell least.
const POOL: usize = 2;
/// Places the rigid search keeps for a closer look.
const CANDIDATES: usize = 8;
/// Tiles across the band, and how far each may move (pooled columns, rows).
const TILES: usize = 4;
const REACH_X: isize = 3;
const REACH_Y: isize = 2;
/// The band and the rows it repeats correlate at least this well, tile by
/// tile (1 is the same picture; the brightness and contrast of each shot do
/// not count).
const MATCH: f32 = 0.7;
/// And what keeps them from 1 (the sensor's grain, the outline's error) is
/// at most this share of what keeps the best place elsewhere from it: print
/// repeats line after line, and lines of a receipt look alike; the place
/// must be the one. Parts with a gap between them come to 0.7 at the least
/// in the bench (and on two more sets of its receipts), parts that meet
/// nearly always under 0.6.
const RESIDUAL: f32 = 0.6;
/// The least spread (grey levels squared, per pixel) a side of a
/// correlation has: less is flat.
const FLAT: f64 = 1e-3;
/// A band with less spread than this (grey levels, standard deviation) is
/// blank paper, which matches anywhere.
const BLANK: f32 = 4.0;

/// How many rows at the top of `lower` repeat the bottom of `upper` (two
/// straightened parts of one receipt, shot top to bottom, at the same width),
/// or `None` where no place matches clearly (the parts do not overlap, or
/// the repeat is blank paper). Compared by correlation, so a part shot in
/// other light still meets its neighbour.
pub fn overlap(upper: &Grey, lower: &Grey) -> Option<u32> {
    if upper.width == 0 || lower.width != upper.width || upper.height == 0 || lower.height == 0 {
        return None;
    }
    let (upper, lower) = (Plane::of(upper), Plane::of(lower));
    let (uh, lh) = (upper.height, lower.height);
    let band = ((lh as f32 * BAND) as usize).max(BAND_MIN);
    let margin = ((lh as f32 * MARGIN) as usize).max(MARGIN_MIN);
    let most = ((uh.min(lh) as f32 * MOST) as usize).min(uh);
    if margin + band > most || lower.spread(margin, band, 0, lower.width) < BLANK {
        return None;
    }
    // The band's rows `margin..margin + band` lie, for an overlap `k`, over
    // `upper`'s from `uh - k + margin`.
    let over = |k: usize| uh - k + margin;
    let rigid: Vec<(usize, f32)> = (margin + band..=most)
        .map(|k| {
            (
                k,
                lower.correlation(&upper, margin, over(k), band, 0, lower.width, 0),
            )
        })
        .collect();
    let refined: Vec<(usize, f32)> = peaks(&rigid)
        .into_iter()
        .map(|k| {
            let (score, dy) = lower.tiled(&upper, margin, over(k), band);
            (
                k.saturating_add_signed(-dy).clamp(margin + band, most),
                score,
            )
        })
        .collect();
    let &(k, best) = refined.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
    let elsewhere = refined
        .iter()
        .filter(|(other, _)| other.abs_diff(k) > band / 2)
        .map(|s| s.1)
        .fold(f32::MIN, f32::max);
    (best >= MATCH && 1.0 - best <= RESIDUAL * (1.0 - elsewhere)).then_some(k as u32)
}

/// The [`CANDIDATES`] best places of a rigid search: its local maxima,
/// highest first.
fn peaks(scores: &[(usize, f32)]) -> Vec<usize> {
    let mut peaks: Vec<(usize, f32)> = scores
        .iter()
        .enumerate()
        .filter(|&(i, &(_, s))| {
            let before = i.checked_sub(1).map_or(f32::MIN, |j| scores[j].1);
            let after = scores.get(i + 1).map_or(f32::MIN, |n| n.1);
            s >= before && s >= after
        })
        .map(|(_, &score)| score)
        .collect();
    peaks.sort_by(|a, b| b.1.total_cmp(&a.1));
    peaks.truncate(CANDIDATES);
    peaks.into_iter().map(|(k, _)| k).collect()
}

/// A part as compared: smoothed down the rows (two shots meet a fraction of
/// a row apart, and a line of print must still meet itself) and
/// [`POOL`] columns to one.
struct Plane {
    width: usize,
    height: usize,
    pixels: Vec<f32>,
}

impl Plane {
    fn of(grey: &Grey) -> Self {
        let (w, h) = (grey.width as usize, grey.height as usize);
        let width = (w / POOL).max(1);
        let mut pixels = Vec::with_capacity(width * h);
        for y in 0..h {
            let rows = [y.saturating_sub(1), y, y, (y + 1).min(h - 1)];
            for c in 0..width {
                let mut sum = 0u32;
                for row in rows {
                    for x in c * POOL..((c + 1) * POOL).min(w) {
                        sum += u32::from(grey.pixels[row * w + x]);
                    }
                }
                pixels.push(sum as f32 / (4 * POOL) as f32);
            }
        }
        Self {
            width,
            height: h,
            pixels,
        }
    }

    /// The standard deviation of rows `top..top + rows`, columns `from..to`.
    fn spread(&self, top: usize, rows: usize, from: usize, to: usize) -> f32 {
        let (mut sum, mut squares) = (0.0f64, 0.0f64);
        for y in top..top + rows {
            for &v in &self.pixels[y * self.width + from..y * self.width + to] {
                sum += f64::from(v);
                squares += f64::from(v) * f64::from(v);
            }
        }
        let n = (rows * (to - from)) as f64;
        ((squares - sum * sum / n) / n).max(0.0).sqrt() as f32
    }

    /// The correlation of this plane's rows `top..top + rows`, columns
    /// `from..to`, with `other`'s from row `other_top` and moved `dx`
    /// columns (columns moved off `other` are left out), and `dy` rows.
    #[allow(clippy::too_many_arguments)]
    fn correlation(
        &self,
        other: &Self,
        top: usize,
        other_top: usize,
        rows: usize,
        from: usize,
        to: usize,
        dx: isize,
    ) -> f32 {
        let from = from.max(usize::try_from(-dx).unwrap_or(0));
        let to = to.min(other.width.saturating_add_signed(-dx.max(0)));
        if from >= to || other_top + rows > other.height {
            return f32::MIN;
        }
        // Sums of each, their squares and products: one pass (in f64: the
        // squares of a thousand grey levels lose the spread in f32).
        let (mut a, mut b, mut aa, mut bb, mut ab) = (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
        for r in 0..rows {
            let mine = &self.pixels[(top + r) * self.width..][from..to];
            let start = ((other_top + r) * other.width + from).saturating_add_signed(dx);
            let theirs = &other.pixels[start..start + (to - from)];
            for (&x, &y) in mine.iter().zip(theirs) {
                let (x, y) = (f64::from(x), f64::from(y));
                a += x;
                b += y;
                aa += x * x;
                bb += y * y;
                ab += x * y;
            }
        }
        let n = (rows * (to - from)) as f64;
        let (ab, aa, bb) = (ab - a * b / n, aa - a * a / n, bb - b * b / n);
        // A flat side (paper burnt white, say) correlates with nothing, and
        // is never divided by.
        if aa.min(bb) <= n * FLAT {
            return 0.0;
        }
        (ab / (aa * bb).sqrt()) as f32
    }

    /// How well rows `top..top + rows` match `other`'s from `other_top`,
    /// in [`TILES`] tiles across, each moved to where it matches best
    /// (within [`REACH_X`], [`REACH_Y`]); blank tiles do not count. And the
    /// rows the tiles moved, on the whole (the median).
    fn tiled(&self, other: &Self, top: usize, other_top: usize, rows: usize) -> (f32, isize) {
        let tile = (self.width / TILES).max(1);
        let mut scores = Vec::with_capacity(TILES);
        let mut moves = Vec::with_capacity(TILES);
        for t in 0..TILES {
            let (from, to) = (t * tile, ((t + 1) * tile).min(self.width));
            if from >= to || self.spread(top, rows, from, to) < BLANK {
                continue;
            }
            let (mut score, mut moved) = (f32::MIN, 0);
            for dy in -REACH_Y..=REACH_Y {
                let Some(there) = other_top.checked_add_signed(dy) else {
                    continue;
                };
                for dx in -REACH_X..=REACH_X {
                    let here = self.correlation(other, top, there, rows, from, to, dx);
                    if here > score {
                        (score, moved) = (here, dy);
                    }
                }
            }
            scores.push(score);
            moves.push(moved);
        }
        if scores.is_empty() {
            return (f32::MIN, 0);
        }
        moves.sort_unstable();
        (
            scores.iter().sum::<f32>() / scores.len() as f32,
            moves[moves.len() / 2],
        )
    }
}
