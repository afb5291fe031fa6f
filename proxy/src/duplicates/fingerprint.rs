//! A photo's fingerprint: what a receipt photo is known by when it comes
//! back, kept after the photo itself is gone. The receipt is found in the
//! photo's glance (`vision`), straightened, turned to portrait, cut to its
//! print and levelled, and its ink hashed; a photo the paper fills (what the
//! widget sends, straightened already; a scan) is the receipt itself. Pure:
//! it knows no database and no campaign.

// `mul_add` is a call into software where the target has no FMA (x86-64
// builds for any CPU): several times slower, for precision a pixel does not
// need.
#![allow(clippy::suboptimal_flops)]

use image::GrayImage;

use crate::photo::Glance;

/// What a photo is known by, kept after the photo itself is gone.
pub type PhotoHash = image_hasher::ImageHash;

/// How the hash is made, for the record (`docs/bench.md`).
pub const PHOTO_HASH: &str = "of the receipt found in the photo (seen at an eighth of its size, or finer to be at least 240 px long, in grey; looked for again with the white an editor fills a turned photo's corners with painted over), or of the whole photo where the paper fills it (what the widget sends, straightened already), straightened upright, cut to where its print lies and levelled to its lines of print, its ink against the paper at 64x128: a DCT hash of its lowest 16x32 frequencies (512 bits), looked up as it stands and upside down; where neither, a 16x32 gradient hash of the printed area of the photo at an eighth";

/// Bits two photos' hashes may differ by and still be alike: chosen from the
/// phone-photo table in `docs/bench.md` (1,000 receipts on textured
/// surfaces, every pair). There no two different receipts are alike up to
/// 96 bits (the first at 128), whether sent as photographed on a table or
/// straightened as the widget sends them, or one each way; at 80 nearly
/// every copy re-encoded, scaled to 60%, cropped in its margins, turned 2
/// degrees or a quarter, upside down, the same paper photographed again or
/// sent the other way is caught, and so is a copy turned 5 degrees in an
/// editor, its corners filled white. Missed: of a straightened photo, a copy
/// cropped 5% into its print (all). A likeness is only a hint either way: it
/// never refuses a shopper.
pub const PHOTO_DISTANCE: u32 = 80;

/// What a photo is known by: the fingerprints stored, each looked up against
/// every other photo's, and where the receipt was found and straightened,
/// each of them turned half way round (a receipt photographed upside down),
/// looked up too.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    /// The receipt as far as its paper goes; where the paper fills the
    /// photo, also cut to its print and levelled ([`print_of`]).
    pub kept: Vec<PhotoHash>,
    pub turned: Vec<PhotoHash>,
}

impl Fingerprint {
    /// Every fingerprint an upload's photo is looked up by.
    pub fn all(&self) -> impl Iterator<Item = &PhotoHash> {
        self.kept.iter().chain(&self.turned)
    }
}

/// The first fingerprint a photo is stored with (of the receipt as far as
/// its paper goes), `None` for one that cannot be decoded here (HEIC) or is
/// not whole: such a photo is not checked. An upload has its photos'
/// glances from their check already ([`fingerprint`]).
pub fn photo_hash(bytes: &[u8]) -> Option<PhotoHash> {
    photo_fingerprint(bytes).and_then(|print| print.kept.into_iter().next())
}

/// A photo's [`Fingerprint`], as [`photo_hash`] makes it.
pub fn photo_fingerprint(bytes: &[u8]) -> Option<Fingerprint> {
    let media_type = crate::photo::detect_type(bytes)?;
    let glance = crate::photo::check(bytes, media_type, u64::MAX).ok()??;
    Some(fingerprint(&glance))
}

/// The fingerprint of a photo's glance (grey, an eighth of its size or finer
/// for a small photo, `photo::glance_scale`): of the receipt found in it
/// (`vision`; in a photo turned in an editor, once the white it fills the
/// corners with is painted over: [`without_filled_corners`]), or of the
/// whole of it where the paper fills it (what the widget sends,
/// straightened already; a scan), straightened upright, cut
/// to its print and levelled ([`print_of`]), so that a copy cropped, turned
/// a little or a quarter, photographed again from another angle, or sent
/// once as a photo and once straightened is known; where neither, of its
/// printed area as it is.
pub fn fingerprint(glance: &Glance) -> Fingerprint {
    let (width, height) = glance.image.dimensions();
    let frame = vision::Grey {
        width,
        height,
        pixels: glance.image.as_raw().clone(),
    };
    // Where no edges are found, the paper may fill the photo (what the
    // widget sends, straightened already; a scan): the frame is the receipt.
    // A copy of it may have been cropped in its margins or turned in an
    // editor, with nothing to show either but its print: it is known by
    // its print too.
    // A photo turned in a desktop editor has its corners filled white, as
    // bright as the paper and edged as sharply: the receipt is looked for
    // again with them painted the colour beside them.
    let outline = match vision::find(&frame) {
        Some(quad) => Some((quad, false)),
        None if vision::paper_fills(&frame) => Some((vision::Quad::frame(width, height), true)),
        None => without_filled_corners(&frame)
            .and_then(|unfilled| vision::find(&unfilled))
            .map(|quad| (quad, false)),
    };
    let Some((quad, fills)) = outline else {
        return Fingerprint {
            // At an eighth, however finely the photo was seen: the hash of
            // its print's lines depends on the scale they are seen at.
            kept: vec![grey_hash(&printed_area(&glance.eighth()))],
            turned: Vec::new(),
        };
    };
    let upright = vision::straighten(&frame, &quad, STRAIGHTENED_SIDE);
    let mut receipt = GrayImage::from_raw(upright.width, upright.height, upright.pixels)
        .unwrap_or_else(|| glance.image.clone());
    // A receipt is taller than wide: one photographed sideways is turned
    // back a quarter, so only upside down is left to try.
    if receipt.width() > receipt.height() {
        receipt = image::imageops::rotate90(&receipt);
    }
    let print = fills.then(|| print_of(&receipt));
    let inks: Vec<GrayImage> = std::iter::once(receipt)
        .chain(print)
        .map(|face| {
            ink(&image::imageops::resize(
                &face,
                RECEIPT_SIZE.0,
                RECEIPT_SIZE.1,
                image::imageops::FilterType::Triangle,
            ))
        })
        .collect();
    Fingerprint {
        kept: inks.iter().map(ink_hash).collect(),
        turned: inks
            .iter()
            .map(|ink| ink_hash(&image::imageops::rotate180(ink)))
            .collect(),
    }
}

/// `frame` with the white an editor fills the corners of a turned photo
/// with (the pixels at least [`FILLED`] bright that a corner of the frame
/// reaches through such pixels) painted the mean grey of the pixels around
/// them, so that their straight edges are not taken for the receipt's;
/// `None` where no corner has such a fill (a thousandth of the frame at
/// least). Here, not in `vision::find`: only a copy made in an editor has
/// such corners, and the widget's viewfinder, which finds the receipt in
/// every frame, should not pay for looking twice.
fn without_filled_corners(frame: &vision::Grey) -> Option<vision::Grey> {
    let (w, h) = (frame.width as usize, frame.height as usize);
    if w == 0 || h == 0 || frame.pixels.len() < w * h {
        return None;
    }
    let white: Vec<bool> = frame.pixels[..w * h].iter().map(|&p| p >= FILLED).collect();
    let reached = flood(w, h, [0, w - 1, (h - 1) * w, h * w - 1], &white);
    if reached.len() * 1_000 < w * h {
        return None;
    }
    let mut filled = vec![false; w * h];
    for &at in &reached {
        filled[at] = true;
    }
    // The mean of the pixels beside the fill, outside it.
    let (mut sum, mut count) = (0u64, 0u64);
    for &at in &reached {
        for next in beside(at, w, h).filter(|n| !filled[*n]) {
            sum += u64::from(frame.pixels[next]);
            count += 1;
        }
    }
    // A frame white all over has nothing beside its white.
    let around = u8::try_from(sum.checked_div(count)?).unwrap_or(u8::MAX);
    let mut unfilled = frame.clone();
    for at in reached {
        unfilled.pixels[at] = around;
    }
    Some(unfilled)
}

/// The pixels of a `w` x `h` image that `starts` reach through `open` ones
/// (left, right, up and down), each once; a start that is not open reaches
/// nothing.
fn flood(w: usize, h: usize, starts: impl IntoIterator<Item = usize>, open: &[bool]) -> Vec<usize> {
    let mut seen = vec![false; w * h];
    let mut todo: Vec<usize> = starts.into_iter().collect();
    let mut reached = Vec::new();
    while let Some(at) = todo.pop() {
        if seen[at] || !open[at] {
            continue;
        }
        seen[at] = true;
        reached.push(at);
        todo.extend(beside(at, w, h));
    }
    reached
}

/// The pixels left, right, above and below pixel `at` of a `w` x `h` image.
fn beside(at: usize, w: usize, h: usize) -> impl Iterator<Item = usize> {
    let (x, y) = (at % w, at / w);
    [
        (x > 0).then(|| at - 1),
        (x + 1 < w).then(|| at + 1),
        (y > 0).then(|| at - w),
        (y + 1 < h).then(|| at + w),
    ]
    .into_iter()
    .flatten()
}

/// The part of a straightened receipt its print covers, so that where its
/// edges were found, or where a copy was cropped in its margins, does not
/// move the print in the fingerprint: the box within which all but a
/// hundredth of its print's ink lies on each side ([`print_only`]; measured
/// in ink rather than where the first dark pixel is, so that it moves
/// smoothly, by fractions of a pixel), along its lines of print, cut out
/// at that precision.
fn print_of(receipt: &GrayImage) -> GrayImage {
    let (w, h) = receipt.dimensions();
    let ink = ink(receipt);
    let print = print_only(receipt, &ink);
    let inked: Vec<(f32, f32, f64)> = ink
        .enumerate_pixels()
        .filter(|(x, y, _)| print[(y * w + x) as usize])
        .map(|(x, y, p)| (x as f32 + 0.5, y as f32 + 0.5, f64::from(p[0])))
        .collect();
    let (sin, cos) = level(&inked, w.max(h)).to_radians().sin_cos();
    // The ink along the print's own lines (`u`) and across them (`v`).
    let offset = (w + h) as f32;
    let span = 2 * (w + h) as usize + 2;
    let (mut along, mut across) = (vec![0f64; span], vec![0f64; span]);
    for &(x, y, weight) in &inked {
        let (u, v) = (x * cos + y * sin, y * cos - x * sin);
        along[((u + offset) as usize).min(span - 1)] += weight;
        across[((v + offset) as usize).min(span - 1)] += weight;
    }
    let (Some((u0, u1)), Some((v0, v1))) = (mass_between(&along), mass_between(&across)) else {
        return receipt.clone();
    };
    let (u0, u1, v0, v1) = (u0 - offset, u1 - offset, v0 - offset, v1 - offset);
    if u1 - u0 < w as f32 / 4.0 || v1 - v0 < h as f32 / 4.0 {
        return receipt.clone();
    }
    let frame = vision::Grey {
        width: w,
        height: h,
        pixels: receipt.as_raw().clone(),
    };
    let back = |u: f32, v: f32| vision::Point::new(u * cos - v * sin, u * sin + v * cos);
    let quad = vision::Quad([back(u0, v0), back(u1, v0), back(u1, v1), back(u0, v1)]);
    let print = vision::straighten(&frame, &quad, w.max(h));
    GrayImage::from_raw(print.width, print.height, print.pixels).unwrap_or_else(|| receipt.clone())
}

/// The angle (degrees, within [`LEVEL_RANGE`]) the lines of print run at:
/// where the ink, summed along lines at that angle, is most gathered into
/// some (the lines) and away from others (the space between).
fn level(inked: &[(f32, f32, f64)], side: u32) -> f32 {
    // Rows a quarter of a pixel high, each pixel's ink in the one its
    // centre falls in, then spread over a pixel's height either way: the
    // score does not depend on how the lines fall on the pixel grid (which
    // would favour an angle whose lines fall on whole rows).
    const SUB: usize = 4;
    let span = 3 * side as usize * SUB;
    let mut rows = vec![0f64; span];
    let mut spread = vec![0f64; span];
    let mut gathered = |degrees: f32| {
        let (sin, cos) = degrees.to_radians().sin_cos();
        rows.iter_mut().for_each(|r| *r = 0.0);
        for &(x, y, weight) in inked {
            let v = (y * cos - x * sin + side as f32) * SUB as f32;
            rows[(v.max(0.0) as usize).min(span - 1)] += weight;
        }
        for (i, out) in spread.iter_mut().enumerate() {
            *out = (i.saturating_sub(SUB - 1)..(i + SUB).min(span))
                .map(|k| rows[k] * (SUB - k.abs_diff(i)) as f64)
                .sum();
        }
        spread.iter().map(|r| r * r).sum::<f64>()
    };
    // Every half degree, then every tenth about the best of those.
    let mut best = |from: f32, to: f32, step: f32| {
        let steps = ((to - from) / step).round() as i32;
        (0..=steps)
            .map(|i| from + i as f32 * step)
            .map(|degrees| (gathered(degrees), degrees))
            .fold(
                (f64::MIN, 0.0),
                |best, here| if here.0 > best.0 { here } else { best },
            )
            .1
    };
    let coarse = best(-LEVEL_RANGE, LEVEL_RANGE, 0.5);
    best(coarse - 0.4, coarse + 0.4, 0.1)
}

/// How far a receipt's print is looked for turned either way (degrees).
const LEVEL_RANGE: f32 = 8.0;

/// A pixel of a receipt's [`ink`] at least this dark against its paper is print.
const INKED: u8 = 128;

/// Which pixels of a receipt (`receipt`, its `ink`) are print: those at
/// least [`INKED`], but not where they run on into the edge of the image,
/// directly or across white (the corners a photo editor fills a turned copy
/// with): a sliver of table (where the outline was found a little wide),
/// the corners of a copy turned and filled black, print cut by a crop.
fn print_only(receipt: &GrayImage, ink: &GrayImage) -> Vec<bool> {
    let (w, h) = ink.dimensions();
    let mut print: Vec<bool> = ink.pixels().map(|p| p[0] >= INKED).collect();
    // Open to the flood: print, and the fill with the pixel either side of
    // its boundary (part fill, part paper).
    let filled = |x: u32, y: u32| {
        (x.saturating_sub(1)..(x + 2).min(w)).any(|x| {
            (y.saturating_sub(1)..(y + 2).min(h)).any(|y| receipt.get_pixel(x, y)[0] >= FILLED)
        })
    };
    let open: Vec<bool> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| print[(y * w + x) as usize] || filled(x, y))
        .collect();
    let (w, h) = (w as usize, h as usize);
    let edge = (0..w)
        .flat_map(|x| [x, (h - 1) * w + x])
        .chain((0..h).flat_map(|y| [y * w, y * w + w - 1]));
    for at in flood(w, h, edge, &open) {
        print[at] = false;
    }
    print
}

/// As white as a photo editor's fill: brighter than paper photographed.
const FILLED: u8 = 250;

/// Where the mass of `counts` (by position) passes its first and its last
/// hundredth, to fractions of a position.
fn mass_between(counts: &[f64]) -> Option<(f32, f32)> {
    let total: f64 = counts.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let at = |share: f64| {
        let goal = total * share;
        let mut seen = 0.0;
        for (i, n) in counts.iter().enumerate() {
            if seen + n >= goal {
                return i as f32 + ((goal - seen) / n.max(f64::MIN_POSITIVE)) as f32;
            }
            seen += n;
        }
        counts.len() as f32
    };
    Some((at(0.01), at(0.99)))
}

/// The longer side a receipt is straightened to before its fingerprint.
const STRAIGHTENED_SIDE: u32 = 256;

/// The size a straightened receipt is fingerprinted at: every receipt the
/// same, whatever the photo's size and the receipt's length.
const RECEIPT_SIZE: (u32, u32) = (64, 128);

/// How much ink each pixel holds against the paper's own brightness around
/// it (the brightest within a twentieth of the width, smoothed): the light
/// falling across the paper, a shadow, a lamp, are gone; the print stays.
fn ink(receipt: &GrayImage) -> GrayImage {
    let (w, h) = receipt.dimensions();
    let reach = (w / 20).max(2);
    let brightest = |src: &GrayImage, along_rows: bool| {
        GrayImage::from_fn(w, h, |x, y| {
            let (at, limit) = if along_rows { (x, w) } else { (y, h) };
            let (lo, hi) = (at.saturating_sub(reach), (at + reach).min(limit - 1));
            let max = (lo..=hi)
                .map(|k| {
                    if along_rows {
                        src.get_pixel(k, y)[0]
                    } else {
                        src.get_pixel(x, k)[0]
                    }
                })
                .max()
                .unwrap_or(0);
            image::Luma([max])
        })
    };
    let paper = image::imageops::blur(&brightest(&brightest(receipt, true), false), 4.0);
    GrayImage::from_fn(w, h, |x, y| {
        let (p, level) = (
            f32::from(receipt.get_pixel(x, y)[0]),
            f32::from(paper.get_pixel(x, y)[0]).max(1.0),
        );
        image::Luma([((1.0 - (p / level).min(1.0)) * 510.0).min(255.0) as u8])
    })
}

/// A 512-bit DCT hash (the lowest 16x32 frequencies against their mean) of
/// a receipt's ink.
fn ink_hash(ink: &GrayImage) -> PhotoHash {
    let hasher = image_hasher::HasherConfig::new()
        .hash_size(16, 32)
        .hash_alg(image_hasher::HashAlg::Mean)
        .preproc_dct()
        .to_hasher();
    hasher.hash_image(&image::DynamicImage::ImageLuma8(ink.clone()))
}

/// A 16x32 gradient hash of a grey image.
fn grey_hash(grey: &GrayImage) -> PhotoHash {
    let hasher = image_hasher::HasherConfig::new()
        .hash_size(16, 32)
        .hash_alg(image_hasher::HashAlg::Gradient)
        .to_hasher();
    hasher.hash_image(&image::DynamicImage::ImageLuma8(grey.clone()))
}

/// The part of a receipt photo that holds print: the bounding box of pixels
/// clearly darker than the paper, so a copy cropped in its margins hashes the
/// same. "Clearly darker" is half way from the photo's mean to its darkest
/// hundredth: seen at an eighth, a line of print is a shade, not black.
fn printed_area(grey: &GrayImage) -> GrayImage {
    let (w, h) = grey.dimensions();
    let mut histogram = [0u64; 256];
    for p in grey.pixels() {
        histogram[usize::from(p[0])] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let mean = histogram
        .iter()
        .enumerate()
        .map(|(value, n)| value as u64 * n)
        .sum::<u64>()
        / total.max(1);
    let mut seen = 0;
    let darkest = histogram
        .iter()
        .position(|n| {
            seen += n;
            seen * 100 >= total
        })
        .unwrap_or(0) as u64;
    if mean.saturating_sub(darkest) < 24 {
        return grey.clone();
    }
    let ink = ((mean + darkest) / 2) as u8;
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for (x, y, p) in grey.enumerate_pixels() {
        if p[0] < ink {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    if x1 <= x0 || y1 <= y0 {
        return grey.clone();
    }
    image::imageops::crop_imm(grey, x0, y0, x1 - x0 + 1, y1 - y0 + 1).to_image()
}

/// Whether two photos' hashes are close enough to be one photo.
pub fn same_photo(a: &PhotoHash, b: &PhotoHash) -> bool {
    a.dist(b) <= PHOTO_DISTANCE
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A receipt's face, 120x256: light paper, lines of print of varied
    /// lengths at uneven spacing, turned by `degrees` about its centre (its
    /// corners filled white, as a photo editor does).
    fn face(degrees: f32) -> GrayImage {
        let lines: Vec<(f32, f32, f32)> = (0..18)
            .map(|i| {
                let top = 14.0 + i as f32 * 12.5 + (i * 7 % 5) as f32;
                let length = 30.0 + (i * 37 % 70) as f32;
                (top, 12.0, 12.0 + length)
            })
            .collect();
        let (sin, cos) = degrees.to_radians().sin_cos();
        GrayImage::from_fn(120, 256, |x, y| {
            let (dx, dy) = (x as f32 + 0.5 - 60.0, y as f32 + 0.5 - 128.0);
            let (u, v) = (cos * dx + sin * dy + 60.0, cos * dy - sin * dx + 128.0);
            if !(0.0..120.0).contains(&u) || !(0.0..256.0).contains(&v) {
                return image::Luma([255]);
            }
            let inked = lines
                .iter()
                .any(|&(top, from, to)| (top..top + 4.0).contains(&v) && (from..to).contains(&u));
            image::Luma([if inked { 40 } else { 228 }])
        })
    }

    fn inked(receipt: &GrayImage) -> Vec<(f32, f32, f64)> {
        let ink = ink(receipt);
        let print = print_only(receipt, &ink);
        ink.enumerate_pixels()
            .filter(|(x, y, _)| print[(y * receipt.width() + x) as usize])
            .map(|(x, y, p)| (x as f32 + 0.5, y as f32 + 0.5, f64::from(p[0])))
            .collect()
    }

    #[test]
    fn an_editors_white_corners_are_painted_the_grey_beside_them_and_nothing_else() {
        // A 40x30 table (grey 90) with a paper on it (white as the fill,
        // clear of the border), its top-left corner filled white by an editor.
        let mut pixels = vec![90u8; 40 * 30];
        for y in 0..30 {
            for x in 0..40 {
                if (12..28).contains(&x) && (6..24).contains(&y) {
                    pixels[y * 40 + x] = 255;
                }
                if x + y < 8 {
                    pixels[y * 40 + x] = 255;
                }
            }
        }
        let frame = vision::Grey {
            width: 40,
            height: 30,
            pixels,
        };
        let unfilled = without_filled_corners(&frame).expect("a filled corner");
        for (at, (&before, &after)) in frame.pixels.iter().zip(&unfilled.pixels).enumerate() {
            let (x, y) = (at % 40, at / 40);
            let expected = if x + y < 8 { 90 } else { before };
            assert_eq!(after, expected, "({x}, {y})");
        }
        // No white in a corner: nothing to paint.
        let plain = vision::Grey {
            pixels: frame.pixels.iter().map(|&p| p.min(200)).collect(),
            ..frame.clone()
        };
        assert!(without_filled_corners(&plain).is_none());
        let white = vision::Grey::filled(40, 30, 255);
        assert!(without_filled_corners(&white).is_none());
    }

    #[test]
    fn a_receipt_turned_in_an_editor_is_levelled_by_its_lines_of_print() {
        for turn in [-5.0f32, -2.0, 0.0, 3.0] {
            let found = level(&inked(&face(turn)), 256);
            assert!((found - turn).abs() <= 0.3, "turned {turn}: found {found}");
        }
    }

    #[test]
    fn a_copy_cropped_in_its_margins_or_turned_is_cut_to_the_same_print() {
        let hash = |face: &GrayImage| {
            ink_hash(&ink(&image::imageops::resize(
                &print_of(face),
                RECEIPT_SIZE.0,
                RECEIPT_SIZE.1,
                image::imageops::FilterType::Triangle,
            )))
        };
        // Its paper alone (the whole frame, as a receipt found by its edges
        // is hashed) is not enough: neither copy is known by it.
        let paper = |face: &GrayImage| {
            ink_hash(&ink(&image::imageops::resize(
                face,
                RECEIPT_SIZE.0,
                RECEIPT_SIZE.1,
                image::imageops::FilterType::Triangle,
            )))
        };
        let cropped = image::imageops::crop_imm(&face(0.0), 6, 8, 108, 240).to_image();
        for (what, copy) in [("cropped", cropped), ("turned", face(2.0))] {
            let apart = hash(&copy).dist(&hash(&face(0.0)));
            assert!(apart <= PHOTO_DISTANCE, "{what}: {apart} bits apart");
            let unlevelled = paper(&copy).dist(&paper(&face(0.0)));
            assert!(
                unlevelled > PHOTO_DISTANCE,
                "{what}: {unlevelled} bits apart"
            );
        }
    }
}
