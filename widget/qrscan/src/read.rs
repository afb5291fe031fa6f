//! Reading a QR code from a grey frame with quircs (a Rust port of quirc), which
//! finds a code by its three finder squares in a black-and-white image and is
//! small and fast, but reads only what one threshold for the whole image leaves
//! clean. Phones see codes smaller, softer
//! and more unevenly lit than that, so the frame is prepared in passes, each
//! tried only when the ones before found nothing:
//!
//! 1. the frame as it is, with quirc's own threshold (a clear code: done in a
//!    few milliseconds);
//! 2. the whole frame, each pixel set black against the mean of its
//!    neighbourhood (light falling off across the paper no longer matters);
//! 3. the place busiest with edges both ways (a code's modules, where receipt
//!    text runs along lines), cut out, enlarged three times by bilinear
//!    interpolation and thresholded the same way: a code of two or three pixels a
//!    module, blurred, gets finder squares quirc can follow.
//!
//! On the fixture set this reads as many codes as zxing-cpp (`cargo xtask bench`).

/// A grey image borrowed from the caller: one byte per pixel, rows of `width`.
#[derive(Clone, Copy)]
struct Grey<'a> {
    luma: &'a [u8],
    width: usize,
    height: usize,
}

/// The windows searched for a small code: (side of the busiest square, margin
/// added around it, enlargement, thresholding radius in source pixels). The
/// first catches codes of 2 to 3 pixels a module (up to about 100 pixels wide),
/// the second codes up to twice that.
const WINDOWS: [(usize, usize, usize, usize); 2] = [(96, 56, 3, 4), (192, 48, 3, 6)];

/// Thresholding radius for the whole frame.
const FRAME_RADIUS: usize = 8;

/// The text of the first QR code in the image, or `None`.
pub fn decode(luma: &[u8], width: usize, height: usize) -> Option<String> {
    if width == 0 || height == 0 || luma.len() < width.checked_mul(height)? {
        return None;
    }
    let frame = Grey {
        luma,
        width,
        height,
    };
    if let Some(text) = quirc(luma, width, height) {
        return Some(text);
    }
    if let Some(text) = read(frame, 1, FRAME_RADIUS) {
        return Some(text);
    }
    let busy = Busy::new(frame);
    for (side, margin, scale, radius) in WINDOWS {
        let Some((x, y, side)) = busy.busiest(side) else {
            continue;
        };
        let (x0, y0) = (x.saturating_sub(margin), y.saturating_sub(margin));
        let (x1, y1) = (
            (x + side + margin).min(width),
            (y + side + margin).min(height),
        );
        let cut = crop(frame, x0, y0, x1 - x0, y1 - y0);
        let part = Grey {
            luma: &cut,
            width: x1 - x0,
            height: y1 - y0,
        };
        if let Some(text) = read(part, scale, radius) {
            return Some(text);
        }
    }
    None
}

/// quirc on `image` enlarged `scale` times, each pixel black where it is darker
/// than the mean of the `radius` around it.
fn read(image: Grey<'_>, scale: usize, radius: usize) -> Option<String> {
    let means = Sums::of(image);
    let (w, h) = (image.width, image.height);
    // Below zero: darker than its surroundings. Interpolated between pixels when
    // enlarged, so edges fall between them rather than on a staircase.
    let contrast: Vec<f32> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| f32::from(image.luma[y * w + x]) - means.mean(x, y, radius))
        .collect();
    let (big_w, big_h) = (w * scale, h * scale);
    let k = scale as f32;
    let mut bitmap = vec![0_u8; big_w * big_h];
    for (y, row) in bitmap.chunks_exact_mut(big_w).enumerate() {
        let fy = ((y as f32 + 0.5) / k - 0.5).max(0.0);
        let y0 = (fy as usize).min(h - 1);
        let y1 = (y0 + 1).min(h - 1);
        let ty = fy - y0 as f32;
        for (x, pixel) in row.iter_mut().enumerate() {
            let fx = ((x as f32 + 0.5) / k - 0.5).max(0.0);
            let x0 = (fx as usize).min(w - 1);
            let x1 = (x0 + 1).min(w - 1);
            let tx = fx - x0 as f32;
            let at = |x: usize, y: usize| contrast[y * w + x];
            let top = (at(x1, y0) - at(x0, y0)).mul_add(tx, at(x0, y0));
            let bottom = (at(x1, y1) - at(x0, y1)).mul_add(tx, at(x0, y1));
            *pixel = if (bottom - top).mul_add(ty, top) < 0.0 {
                0
            } else {
                255
            };
        }
    }
    quirc(&bitmap, big_w, big_h)
}

/// The first code quirc reads in a grey image of exactly `width` x `height`.
fn quirc(luma: &[u8], width: usize, height: usize) -> Option<String> {
    quircs::Quirc::new()
        .identify(width, height, &luma[..width * height])
        .flatten()
        .filter_map(|code| code.decode().ok())
        .find_map(|data| String::from_utf8(data.payload).ok())
}

fn crop(image: Grey<'_>, x: usize, y: usize, width: usize, height: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(width * height);
    for row in y..y + height {
        let start = row * image.width + x;
        out.extend_from_slice(&image.luma[start..start + width]);
    }
    out
}

/// Sums of a grid of values over rectangles in constant time (a summed-area
/// table): the frame's pixels, for the mean around each; the cells' edge
/// counts, for the busiest square.
struct Sums {
    /// (width + 1) x (height + 1): each the sum of the values above and left.
    sums: Vec<u64>,
    width: usize,
    height: usize,
}

impl Sums {
    /// The table of `width` x `height` values, `value(x, y)` each.
    fn new(width: usize, height: usize, value: impl Fn(usize, usize) -> u64) -> Self {
        let stride = width + 1;
        let mut sums = vec![0_u64; stride * (height + 1)];
        for y in 0..height {
            let mut row = 0_u64;
            for x in 0..width {
                row += value(x, y);
                sums[(y + 1) * stride + x + 1] = sums[y * stride + x + 1] + row;
            }
        }
        Self {
            sums,
            width,
            height,
        }
    }

    /// The sum over columns `x0..x1` and rows `y0..y1`.
    fn sum(&self, (x0, x1): (usize, usize), (y0, y1): (usize, usize)) -> u64 {
        let stride = self.width + 1;
        self.sums[y1 * stride + x1] + self.sums[y0 * stride + x0]
            - self.sums[y0 * stride + x1]
            - self.sums[y1 * stride + x0]
    }

    /// The mean over the square of `radius` around (x, y), cut at the edges.
    fn mean(&self, x: usize, y: usize, radius: usize) -> f32 {
        let xs = (x.saturating_sub(radius), (x + radius + 1).min(self.width));
        let ys = (y.saturating_sub(radius), (y + radius + 1).min(self.height));
        self.sum(xs, ys) as f32 / ((xs.1 - xs.0) * (ys.1 - ys.0)) as f32
    }

    /// The table of a grey image's pixels.
    fn of(image: Grey<'_>) -> Self {
        Self::new(image.width, image.height, |x, y| {
            u64::from(image.luma[y * image.width + x])
        })
    }
}

/// Side of the cells edges are counted in.
const CELL: usize = 8;

/// How busy with edges each cell of a frame is, both ways: the count of
/// horizontal and of vertical steps between ink and paper, the smaller of the
/// two (text on a line steps mostly one way; a code's modules both).
struct Busy {
    /// The cells' scores, summed.
    cells: Sums,
}

impl Busy {
    fn new(image: Grey<'_>) -> Self {
        let (w, h) = (image.width, image.height);
        let means = Sums::of(image);
        // Ink: clearly darker than its surroundings, so that the grain of blank
        // paper does not count as edges.
        let ink: Vec<bool> = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| {
                f32::from(image.luma[y * w + x]) < means.mean(x, y, FRAME_RADIUS).mul_add(0.9, -4.0)
            })
            .collect();
        let (columns, rows) = (w / CELL, h / CELL);
        let mut across = vec![0_u32; columns * rows];
        let mut down = vec![0_u32; columns * rows];
        for y in 1..rows * CELL {
            for x in 1..columns * CELL {
                let cell = (y / CELL) * columns + x / CELL;
                let here = ink[y * w + x];
                across[cell] += u32::from(here != ink[y * w + x - 1]);
                down[cell] += u32::from(here != ink[(y - 1) * w + x]);
            }
        }
        let cells = Sums::new(columns, rows, |column, row| {
            let cell = row * columns + column;
            u64::from(across[cell].min(down[cell]))
        });
        Self { cells }
    }

    /// The top-left corner and side, in pixels, of the square of about `side`
    /// pixels with the most edges both ways; `None` when it has none.
    fn busiest(&self, side: usize) -> Option<(usize, usize, usize)> {
        let (columns, rows) = (self.cells.width, self.cells.height);
        let n = (side / CELL).min(columns).min(rows);
        if n == 0 {
            return None;
        }
        let mut best = (0, 0, 0);
        for row in 0..=rows - n {
            for column in 0..=columns - n {
                let score = self.cells.sum((column, column + n), (row, row + n));
                if score > best.0 {
                    best = (score, column, row);
                }
            }
        }
        (best.0 > 0).then_some((best.1 * CELL, best.2 * CELL, n * CELL))
    }
}
