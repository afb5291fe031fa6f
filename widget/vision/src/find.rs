//! Finding the receipt: the frame reduced to about 200 px, then grown from
//! its brightest places into regions whose neighbouring pixels differ
//! little (paper, and the light falling off across it, but not the step at
//! its edge), the print's holes filled, and each region's outline fitted
//! with the largest quadrilateral its convex hull holds. The receipt is the
//! largest region that fills its quadrilateral and is brighter than what
//! lies around it.

use crate::Grey;
use crate::geometry::{Point, Quad, convex_hull, largest_quad};

/// The reduced frame's longer side, about.
const WORKING_SIDE: u32 = 200;
/// Neighbouring pixels of one sheet of paper differ by at most this much in
/// the reduced, smoothed frame.
const STEP: i16 = 9;
/// The most the frame may change across a pixel for a region to grow
/// through it.
const EDGE: i16 = 30;
/// Print thinner than `2 * PRINT + 1` reduced pixels is closed over.
const PRINT: usize = 3;
/// How far a side may move to the paper's edge.
const REFINE: f32 = 8.0;
/// Places a region is grown from: the brightest, apart from each other.
const SEEDS: usize = 8;
/// The frame steps down across a receipt's edge by at least this much.
const STEP_DOWN: f32 = 14.0;
/// Of a receipt's outline, at least this share is such a step.
const SUPPORTED: f32 = 0.7;
/// A receipt covers at least this much of the frame.
const SMALLEST: f32 = 0.02;

/// The receipt's corners in `frame` (ordered, [`Quad::ordered`]), or `None`
/// where no region looks like a sheet of paper.
pub fn find(frame: &Grey) -> Option<Quad> {
    let factor = (frame.width.max(frame.height) / WORKING_SIDE).max(1);
    // Grown, judged and fitted on the brightest of each block (the paper
    // between the print stays paper, however dense the print).
    let bright = closed(&smoothed(&frame.brightest(factor)), PRINT);
    let (w, h) = (bright.width as usize, bright.height as usize);
    if w < 8 || h < 8 {
        return None;
    }
    let flat = flatness(&bright);
    let mut claimed = vec![false; w * h];
    let mut best: Option<(f32, Quad)> = None;
    for seed in seeds(&bright) {
        if claimed[seed] {
            continue;
        }
        if !flat[seed] {
            continue;
        }
        let region = grow(&bright, &flat, seed);
        for (i, inside) in region.iter().enumerate() {
            claimed[i] |= *inside;
        }
        let Some((score, quad)) = judge(&bright, &region) else {
            continue;
        };
        if best.as_ref().is_none_or(|(b, _)| score > *b) {
            best = Some((score, quad));
        }
    }
    best.map(|(_, quad)| quad.scaled(factor as f32).ordered())
}

/// The frame with its dark marks narrower than `2 * reach + 1` pixels (the
/// print) closed over: each pixel the brightest within `reach`, then the
/// darkest of those within `reach` (a morphological closing, by rows then
/// columns). Edges of larger shapes stay where they were.
fn closed(frame: &Grey, reach: usize) -> Grey {
    let bright = along_lines(frame, |line, out| extreme(line, reach, u8::max, out));
    along_lines(&bright, |line, out| extreme(line, reach, u8::min, out))
}

/// The frame smoothed by a 3x3 mean (grain and print's fine detail gone;
/// beyond the border, the border's pixels again).
fn smoothed(frame: &Grey) -> Grey {
    // A mean of 3 along rows, then along columns: each the sum over 3 (at
    // most 765, kept in u16) and one division by 9 at the end would round
    // as a 3x3 sum does, but the rows' sums do not fit a u8 between the
    // passes; so the rows are summed into u16 and the columns finish.
    let (w, h) = (frame.width as usize, frame.height as usize);
    if w == 0 || h == 0 {
        return frame.clone();
    }
    let mut rows = vec![0u16; w * h];
    for (src, out) in frame.pixels.chunks_exact(w).zip(rows.chunks_exact_mut(w)) {
        for (x, o) in out.iter_mut().enumerate() {
            let (l, r) = (x.saturating_sub(1), (x + 1).min(w - 1));
            *o = u16::from(src[l]) + u16::from(src[x]) + u16::from(src[r]);
        }
    }
    let mut pixels = vec![0u8; w * h];
    for y in 0..h {
        let (up, down) = (y.saturating_sub(1), (y + 1).min(h - 1));
        let (a, b, c) = (
            &rows[up * w..][..w],
            &rows[y * w..][..w],
            &rows[down * w..][..w],
        );
        for (x, o) in pixels[y * w..][..w].iter_mut().enumerate() {
            *o = ((a[x] + b[x] + c[x]) / 9) as u8;
        }
    }
    Grey {
        width: frame.width,
        height: frame.height,
        pixels,
    }
}

/// `pass` over every row of `frame`, then over every column of what it
/// gave: each line handed over as contiguous pixels, its result written
/// into the slice beside it.
fn along_lines(frame: &Grey, pass: impl Fn(&[u8], &mut [u8])) -> Grey {
    let (w, h) = (frame.width as usize, frame.height as usize);
    let mut across = vec![0u8; w * h];
    for (src, out) in frame
        .pixels
        .chunks_exact(w.max(1))
        .zip(across.chunks_exact_mut(w.max(1)))
    {
        pass(src, out);
    }
    let mut pixels = vec![0u8; w * h];
    let (mut column, mut done) = (vec![0u8; h], vec![0u8; h]);
    for x in 0..w {
        for (y, c) in column.iter_mut().enumerate() {
            *c = across[y * w + x];
        }
        pass(&column, &mut done);
        for (y, d) in done.iter().enumerate() {
            pixels[y * w + x] = *d;
        }
    }
    Grey {
        width: frame.width,
        height: frame.height,
        pixels,
    }
}

/// Each pixel of `line` the `pick` (brightest or darkest) of those within
/// `reach` of it, into `out`. The line is padded with its end pixels (which
/// changes no window's pick), then picked over spans doubling from 1 (each
/// step a pass the compiler vectorizes), and each window is two spans that
/// overlap.
fn extreme(line: &[u8], reach: usize, pick: impl Fn(u8, u8) -> u8, out: &mut [u8]) {
    let (Some(&first), Some(&last)) = (line.first(), line.last()) else {
        return;
    };
    let window = 2 * reach + 1;
    let mut spans = Vec::with_capacity(line.len() + 2 * reach);
    spans.extend(std::iter::repeat_n(first, reach));
    spans.extend_from_slice(line);
    spans.extend(std::iter::repeat_n(last, reach));
    let mut span = 1;
    while span * 2 <= window {
        for i in 0..spans.len() - span {
            spans[i] = pick(spans[i], spans[i + span]);
        }
        span *= 2;
    }
    let rest = window - span;
    for (k, o) in out.iter_mut().enumerate() {
        *o = pick(spans[k], spans[k + rest]);
    }
}

/// The places brightest against their surroundings (a 5x5 block's mean
/// against the mean of the frame within a fifth of its size around: paper in
/// a shadow stands out of the shadow as paper in the light does), at least a
/// tenth of the frame apart.
fn seeds(small: &Grey) -> Vec<usize> {
    let (w, h) = (small.width as usize, small.height as usize);
    // Sums over any box, from the integral image.
    let mut integral = vec![0u32; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u32;
        for x in 0..w {
            row += u32::from(small.pixels[y * w + x]);
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let mean = |x: usize, y: usize, reach: usize| {
        let (x0, y0) = (x.saturating_sub(reach), y.saturating_sub(reach));
        let (x1, y1) = ((x + reach + 1).min(w), (y + reach + 1).min(h));
        let sum = integral[y1 * (w + 1) + x1] + integral[y0 * (w + 1) + x0]
            - integral[y0 * (w + 1) + x1]
            - integral[y1 * (w + 1) + x0];
        sum as f32 / ((x1 - x0) * (y1 - y0)) as f32
    };
    let around = w.max(h) / 10;
    let mut places: Vec<(f32, usize, usize)> = Vec::new();
    for y in (2..h - 2).step_by(4) {
        for x in (2..w - 2).step_by(4) {
            places.push((mean(x, y, 2) - mean(x, y, around), x, y));
        }
    }
    places.sort_by(|a, b| b.0.total_cmp(&a.0));
    let apart = (w.max(h) / 10).max(4);
    let mut chosen: Vec<(usize, usize)> = Vec::new();
    for (_, x, y) in places {
        if chosen
            .iter()
            .all(|&(cx, cy)| cx.abs_diff(x).max(cy.abs_diff(y)) >= apart)
        {
            chosen.push((x, y));
            if chosen.len() == SEEDS {
                break;
            }
        }
    }
    chosen.into_iter().map(|(x, y)| y * w + x).collect()
}

/// The pixels reached from `seed` stepping only between neighbours that
/// differ by at most [`STEP`], through pixels where the frame is flat (an
/// edge, crossed or followed, is a wall: along a slanted edge neighbouring
/// pixels differ little), and never below a third of the seed's brightness
/// (paper in a shadow is still paper).
fn grow(small: &Grey, flat: &[bool], seed: usize) -> Vec<bool> {
    let (w, h) = (small.width as usize, small.height as usize);
    let floor = small.pixels[seed] / 3;
    let mut inside = vec![false; w * h];
    let mut stack = vec![seed];
    inside[seed] = true;
    while let Some(i) = stack.pop() {
        let (x, y) = (i % w, i / w);
        let here = i16::from(small.pixels[i]);
        let mut visit = |j: usize| {
            let there = small.pixels[j];
            if !inside[j] && flat[j] && there >= floor && (i16::from(there) - here).abs() <= STEP {
                inside[j] = true;
                stack.push(j);
            }
        };
        if x > 0 {
            visit(i - 1);
        }
        if x + 1 < w {
            visit(i + 1);
        }
        if y > 0 {
            visit(i - w);
        }
        if y + 1 < h {
            visit(i + w);
        }
    }
    inside
}

/// Where the frame is flat: the change across each pixel (between its
/// neighbours on either side, both ways) is at most [`EDGE`].
fn flatness(small: &Grey) -> Vec<bool> {
    let (w, h) = (small.width as usize, small.height as usize);
    let v = |x: usize, y: usize| i16::from(small.pixels[y * w + x]);
    let mut flat = vec![false; w * h];
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let across = (v(x + 1, y) - v(x - 1, y)).abs() + (v(x, y + 1) - v(x, y - 1)).abs();
            flat[y * w + x] = across <= EDGE;
        }
    }
    flat
}

/// The region grown by one pixel all round: the edge's ramp, whose middle
/// is where the paper ends, was left out as a wall.
fn dilated(region: &[bool], w: usize, h: usize) -> Vec<bool> {
    let mut out = region.to_vec();
    for y in 0..h {
        for x in 0..w {
            if region[y * w + x] {
                continue;
            }
            out[y * w + x] = (x > 0 && region[y * w + x - 1])
                || (x + 1 < w && region[y * w + x + 1])
                || (y > 0 && region[(y - 1) * w + x])
                || (y + 1 < h && region[(y + 1) * w + x]);
        }
    }
    out
}

/// A region's outline and how much it looks like a receipt, or `None`: the
/// largest quadrilateral in the region's convex hull (the print inside may
/// split the paper's region; its margins still reach the corners), kept
/// where the frame steps down from bright to dark across its sides nearly
/// all the way round.
fn judge(small: &Grey, region: &[bool]) -> Option<(f32, Quad)> {
    let (w, h) = (small.width as usize, small.height as usize);
    let solid = dilated(region, w, h);
    // What runs along most of the frame's border is the table.
    let border = (0..w)
        .flat_map(|x| [x, (h - 1) * w + x])
        .chain((0..h).flat_map(|y| [y * w, y * w + w - 1]))
        .filter(|&i| solid[i])
        .count();
    if border * 5 > (w + h) * 2 * 2 {
        return None;
    }
    // The outline: each pixel on the region's edge, as the square it covers.
    let mut edge = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            if !solid[i] {
                continue;
            }
            let on_edge = x == 0
                || y == 0
                || x + 1 == w
                || y + 1 == h
                || !solid[i - 1]
                || !solid[i + 1]
                || !solid[i - w]
                || !solid[i + w];
            if on_edge {
                let (x, y) = (x as f32, y as f32);
                edge.extend([
                    Point::new(x, y),
                    Point::new(x + 1.0, y),
                    Point::new(x, y + 1.0),
                    Point::new(x + 1.0, y + 1.0),
                ]);
            }
        }
    }
    let quad = largest_quad(&convex_hull(edge))?;
    if quad.area() < SMALLEST * (w * h) as f32 {
        return None;
    }
    let quad = refined(small, &quad);
    let support = support(small, &quad);
    if support < SUPPORTED {
        return None;
    }
    Some((quad.area() * support, quad))
}

/// `quad` with each side moved across, by up to [`REFINE`] pixels, to where
/// the frame steps down most steeply (the middle of the paper's edge, not
/// where the region stopped), and its corners where the sides meet.
fn refined(small: &Grey, quad: &Quad) -> Quad {
    let p = quad.0;
    let centre = Point::new(
        p.iter().map(|q| q.x).sum::<f32>() / 4.0,
        p.iter().map(|q| q.y).sum::<f32>() / 4.0,
    );
    // Each side as a point on it and its outward normal.
    let mut lines = [(Point::new(0.0, 0.0), Point::new(0.0, 0.0)); 4];
    for side in 0..4 {
        let (a, b) = (p[side], p[(side + 1) % 4]);
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let length = dx.hypot(dy).max(1e-3);
        let mut normal = Point::new(dy / length, -dx / length);
        let mid = Point::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0);
        if normal.x * (mid.x - centre.x) + normal.y * (mid.y - centre.y) < 0.0 {
            normal = Point::new(-normal.x, -normal.y);
        }
        let step_at = |offset: f32| {
            (0..16)
                .map(|k| {
                    let t = (k as f32 + 0.5) / 16.0 * 0.8 + 0.1;
                    let (x, y) = (
                        (normal.x * offset + (dx * t + a.x)),
                        (normal.y * offset + (dy * t + a.y)),
                    );
                    small.sample(x - normal.x - 0.5, y - normal.y - 0.5)
                        - small.sample(x + normal.x - 0.5, y + normal.y - 0.5)
                })
                .sum::<f32>()
        };
        let mut best = (step_at(0.0), 0.0);
        let mut offset = -REFINE;
        while offset <= REFINE {
            let step = step_at(offset);
            if step > best.0 {
                best = (step, offset);
            }
            offset += 0.25;
        }
        let moved = Point::new(normal.x * best.1 + a.x, normal.y * best.1 + a.y);
        lines[side] = (moved, Point::new(dx, dy));
    }
    let mut corners = p;
    for (k, corner) in corners.iter_mut().enumerate() {
        // Corner k is where side k-1 meets side k.
        let ((p1, d1), (p2, d2)) = (lines[(k + 3) % 4], lines[k]);
        let den = d1.x * d2.y - (d1.y * d2.x);
        if den.abs() > 1e-6 {
            let t = ((p2.x - p1.x) * d2.y - ((p2.y - p1.y) * d2.x)) / den;
            *corner = Point::new(d1.x * t + p1.x, d1.y * t + p1.y);
        }
    }
    Quad(corners)
}

/// The share of points along `quad`'s sides where the frame just inside is
/// brighter than just outside by [`STEP_DOWN`], counting each side's share
/// no more than the weakest side's twice (paper has four edges).
fn support(small: &Grey, quad: &Quad) -> f32 {
    const SAMPLES: usize = 24;
    const REACH: f32 = 2.5;
    let p = quad.0;
    // Which way is out: away from the centre.
    let centre = Point::new(
        p.iter().map(|q| q.x).sum::<f32>() / 4.0,
        p.iter().map(|q| q.y).sum::<f32>() / 4.0,
    );
    let mut shares = [0.0f32; 4];
    for side in 0..4 {
        let (a, b) = (p[side], p[(side + 1) % 4]);
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let length = dx.hypot(dy).max(1e-3);
        let (mut nx, mut ny) = (dy / length, -dx / length);
        let mid = Point::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0);
        if nx * (mid.x - centre.x) + ny * (mid.y - centre.y) < 0.0 {
            (nx, ny) = (-nx, -ny);
        }
        let mut stepped = 0;
        for k in 0..SAMPLES {
            // Away from the corners, where the sides meet other edges.
            let t = (k as f32 + 0.5) / SAMPLES as f32 * 0.8 + 0.1;
            let (x, y) = ((dx * t + a.x), (dy * t + a.y));
            let inside = small.sample((nx * -REACH + x) - 0.5, (ny * -REACH + y) - 0.5);
            let outside = small.sample((nx * REACH + x) - 0.5, (ny * REACH + y) - 0.5);
            stepped += usize::from(inside - outside >= STEP_DOWN);
        }
        shares[side] = stepped as f32 / SAMPLES as f32;
    }
    let weakest = shares.iter().copied().fold(1.0, f32::min);
    shares.iter().map(|s| s.min(weakest * 2.0)).sum::<f32>() / 4.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each window's pick, taken the plain way.
    fn plain(line: &[u8], reach: usize, pick: fn(u8, u8) -> u8) -> Vec<u8> {
        (0..line.len())
            .map(|k| {
                let window = &line[k.saturating_sub(reach)..=(k + reach).min(line.len() - 1)];
                window.iter().copied().fold(window[0], pick)
            })
            .collect()
    }

    #[test]
    fn extreme_picks_what_each_window_holds_however_long_the_line() {
        let mut seed = 7u32;
        for length in [1, 2, 3, 6, 7, 8, 31, 200] {
            let line: Vec<u8> = (0..length)
                .map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (seed >> 24) as u8
                })
                .collect();
            for reach in 0..6 {
                for pick in [u8::max as fn(u8, u8) -> u8, u8::min] {
                    let mut out = vec![0; length];
                    extreme(&line, reach, pick, &mut out);
                    assert_eq!(out, plain(&line, reach, pick), "{length} {reach}");
                }
            }
        }
    }

    #[test]
    fn smoothing_takes_the_border_again_beyond_the_frame() {
        let frame = Grey {
            width: 3,
            height: 2,
            pixels: vec![0, 90, 180, 9, 99, 189],
        };
        // (0,0): rows 0,0,1 x columns 0,0,1: (0+0+90)*2 + (9+9+99) = 297 / 9.
        let out = smoothed(&frame);
        assert_eq!(out.pixels[0], 33);
        // (1,1): every pixel, the lower row twice.
        assert_eq!(out.pixels[4], ((270 + 297 * 2) / 9) as u8);
    }
}
