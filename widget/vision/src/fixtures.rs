//! The fixture set: receipts photographed as a phone's viewfinder sees them
//! (480x640 frames), with their true corners. Short and long receipts, on
//! wood, cloth or a table with things on it, seen straight on or with the
//! phone tilted up to 35 degrees and the receipt turned, in even light, in
//! the soft shadow of whoever holds the phone, or under a lamp; the print of
//! varied characters, each pixel the mean of the scene over it (as a lens
//! gathers light, so print finer than a pixel is greyed, not aliased). Long
//! receipts are also shot in parts (`photograph_part`). Made the same way
//! each run; no file is committed.

use crate::Grey;
use crate::geometry::{Perspective, Point, Quad};

/// What the receipt lies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Wood,
    Cloth,
    /// A table with other things on it, some as light as paper.
    Clutter,
}

/// How it is lit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Light {
    Even,
    /// A soft shadow across the frame and the receipt.
    Shade,
    /// A lamp's bright spot, falling off around it.
    Lamp,
}

/// One photo's circumstances.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scene {
    pub surface: Surface,
    pub light: Light,
    /// A long receipt (four times as tall as wide) or a short one (twice).
    pub long: bool,
    /// How far the phone leans from looking straight down, in degrees.
    pub tilt: f32,
    /// The photo's placement, surface detail and light.
    pub seed: u64,
    /// The receipt's print: two scenes with the same `paper` show one
    /// receipt.
    pub paper: u64,
}

/// A frame and the receipt's true corners in it.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub scene: Scene,
    pub frame: Grey,
    pub corners: Quad,
}

pub const WIDTH: u32 = 480;
pub const HEIGHT: u32 = 640;

/// Every surface, light, length and tilt (0, 15, 25, 35 degrees), `per`
/// photos of each.
pub fn set(per: u64) -> Vec<Fixture> {
    let mut out = Vec::new();
    for surface in [Surface::Wood, Surface::Cloth, Surface::Clutter] {
        for light in [Light::Even, Light::Shade, Light::Lamp] {
            for long in [false, true] {
                for tilt in [0.0, 15.0, 25.0, 35.0] {
                    for n in 0..per {
                        let seed = out.len() as u64 * 7919 + n + 1;
                        out.push(photograph(Scene {
                            surface,
                            light,
                            long,
                            tilt,
                            seed,
                            paper: seed,
                        }));
                    }
                }
            }
        }
    }
    out
}

/// Deterministic numbers (xorshift).
pub struct Rng(pub u64);

impl Rng {
    pub fn bits(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `lo..hi`.
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        (self.bits() % 10_000) as f32 / 10_000.0 * (hi - lo) + lo
    }
}

/// Where in a pixel the scene is sampled (offsets from its centre): a 3x3
/// grid.
const SUBPIXELS: [(f32, f32); 9] = [
    (-0.33, -0.33),
    (0.0, -0.33),
    (0.33, -0.33),
    (-0.33, 0.0),
    (0.0, 0.0),
    (0.33, 0.0),
    (-0.33, 0.33),
    (0.0, 0.33),
    (0.33, 0.33),
];

/// The photo of `scene`.
pub fn photograph(scene: Scene) -> Fixture {
    photograph_part(scene, 0.0, 1.0)
}

/// The photo of the receipt's rows `from..to` (fractions of its length),
/// lying by themselves in `scene`: one of the parts a long receipt is shot
/// in, the rest of the paper out of the frame.
pub fn photograph_part(scene: Scene, from: f32, to: f32) -> Fixture {
    let mut rng = Rng(scene.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let (w, h) = (WIDTH as f32, HEIGHT as f32);
    // The receipt in its own plane, centred, then turned.
    let aspect = (if scene.long { 4.0 } else { 2.0 }) * (to - from);
    let height = h * rng.range(0.55, 0.8);
    let width = height / aspect;
    let turn = rng.range(-20.0, 20.0).to_radians();
    let (sin, cos) = turn.sin_cos();
    let lean = scene.tilt.to_radians();
    let distance = h * 1.4;
    let (cx, cy) = (
        w / 2.0 + rng.range(-30.0, 30.0),
        h / 2.0 + rng.range(-30.0, 30.0),
    );
    let corners = [(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)].map(|(u, v)| {
        let (x, y) = (u * width, v * height);
        let (x, y) = (x.mul_add(cos, -(y * sin)), x.mul_add(sin, y * cos));
        // The phone leans back: the far (upper) part of the table recedes.
        let depth = distance + y * lean.sin();
        let k = distance / depth;
        Point::new(cx + x * k, cy + y * lean.cos() * k)
    });
    let quad = Quad(corners);
    let to_paper = Perspective::square_to(&quad).inverse();
    let paper = Paper::new(
        &mut Rng(scene.paper.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1),
        scene.long,
    );
    let background = Background::new(scene.surface, &mut rng, &quad);
    let light = Lighting::new(scene.light, &mut rng);
    let mut grain = Rng(rng.bits() | 1);
    let mut pixels = Vec::with_capacity((WIDTH * HEIGHT) as usize);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            // What a lens gathers on a pixel: the mean of the scene over
            // it (print finer than a pixel is greyed, not aliased).
            let base = SUBPIXELS
                .iter()
                .map(|&(dx, dy)| {
                    let (sx, sy) = (fx + dx, fy + dy);
                    let p = to_paper.apply(sx, sy);
                    if (0.0..1.0).contains(&p.x) && (0.0..1.0).contains(&p.y) {
                        paper.at(p.x, p.y.mul_add(to - from, from))
                    } else {
                        background.at(sx, sy)
                    }
                })
                .sum::<f32>()
                / SUBPIXELS.len() as f32;
            let noise = (grain.bits() % 13) as f32 - 6.0;
            pixels.push(base.mul_add(light.at(fx, fy), noise).clamp(0.0, 255.0) as u8);
        }
    }
    Fixture {
        scene,
        frame: Grey {
            width: WIDTH,
            height: HEIGHT,
            pixels,
        },
        corners: quad.ordered(),
    }
}

/// The part `from..to` of the long receipt of `scene` as the lens keeps it:
/// photographed ([`photograph_part`]), found, straightened, and scaled to
/// `width` wide; `None` where the receipt is not found in its photo.
pub fn straightened_part(scene: Scene, from: f32, to: f32, width: u32) -> Option<Grey> {
    let fixture = photograph_part(
        Scene {
            long: true,
            ..scene
        },
        from,
        to,
    );
    let quad = crate::find(&fixture.frame)?;
    let upright = crate::straighten(&fixture.frame, &quad, 640);
    let height = upright.height * width / upright.width.max(1);
    Some(resized(&upright, width, height.max(1)))
}

/// `grey` resampled to `w` x `h` (bilinear), as a canvas scales a picture.
pub fn resized(grey: &Grey, w: u32, h: u32) -> Grey {
    let at = |x: u32, y: u32| f32::from(grey.get(x.min(grey.width - 1), y.min(grey.height - 1)));
    let mut pixels = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            let sx = ((x as f32 + 0.5) * grey.width as f32 / w as f32 - 0.5).max(0.0);
            let sy = ((y as f32 + 0.5) * grey.height as f32 / h as f32 - 0.5).max(0.0);
            let (x0, y0) = (sx as u32, sy as u32);
            let (fx, fy) = (sx.fract(), sy.fract());
            let top = at(x0, y0).mul_add(1.0 - fx, at(x0 + 1, y0) * fx);
            let bottom = at(x0, y0 + 1).mul_add(1.0 - fx, at(x0 + 1, y0 + 1) * fx);
            pixels.push(top.mul_add(1.0 - fy, bottom * fy) as u8);
        }
    }
    Grey {
        width: w,
        height: h,
        pixels,
    }
}

/// A long receipt as straightened, filling a `width` x `height` frame: its
/// face alone, as the parts of it shot one after another are cut from.
pub fn flat_receipt(paper: u64, width: u32, height: u32) -> Grey {
    let face = Paper::new(
        &mut Rng(paper.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1),
        true,
    );
    let mut pixels = Vec::with_capacity(width as usize * height as usize);
    for y in 0..height {
        for x in 0..width {
            let (u, v) = (
                (x as f32 + 0.5) / width as f32,
                (y as f32 + 0.5) / height as f32,
            );
            pixels.push(face.at(u, v) as u8);
        }
    }
    Grey {
        width,
        height,
        pixels,
    }
}

/// A receipt's face: paper with a header, item lines and a total.
struct Paper {
    /// Which character is printed where.
    seed: u64,
    shade: f32,
    cell: f32,
    /// Print lines: their top and bottom (0 to 1 down the receipt) and how
    /// far across they run.
    lines: Vec<(f32, f32, f32, f32)>,
}

impl Paper {
    fn new(rng: &mut Rng, long: bool) -> Self {
        let count = if long { 40 } else { 16 };
        let pitch = 0.9 / count as f32;
        let lines = (0..count)
            .map(|i| {
                let top = (i as f32).mul_add(pitch, 0.05);
                let (from, to) = if i < 3 {
                    let half = rng.range(0.15, 0.35);
                    (0.5 - half, 0.5 + half)
                } else {
                    (0.08, rng.range(0.4, 0.92))
                };
                (top, top + pitch * 0.55, from, to)
            })
            .collect();
        Self {
            seed: rng.bits(),
            shade: rng.range(225.0, 245.0),
            // A character's width for its line's height, in the receipt's
            // own units (it is taller than wide).
            cell: if long { 2.4 } else { 1.2 },
            lines,
        }
    }

    fn at(&self, u: f32, v: f32) -> f32 {
        let printed = self.lines.iter().any(|&(top, bottom, from, to)| {
            if !(top..bottom).contains(&v) || !(from..to).contains(&u) {
                return false;
            }
            // Characters of thin strokes (about a third of the line's box
            // inked, as thermal print is), each its own of uprights, bars
            // and a foot, with spaces between words.
            let line = bottom - top;
            let cell = line * self.cell;
            let at = (u - from) / cell;
            let (x, y) = (at.fract(), (v - top) / line);
            let strokes = glyph(self.seed, top, at as u32);
            let upright =
                |bit: u32, from: f32, to: f32| strokes & bit != 0 && (from..to).contains(&x);
            let bar = |bit: u32, from: f32, to: f32| {
                strokes & bit != 0 && (from..to).contains(&y) && x < 0.62
            };
            upright(1, 0.0, 0.14)
                || upright(2, 0.5, 0.62)
                || upright(4, 0.25, 0.37)
                || bar(8, 0.0, 0.12)
                || bar(16, 0.88, 1.0)
                || bar(32, 0.44, 0.56)
        });
        if printed { 55.0 } else { self.shade }
    }
}

/// The strokes (bits: left, right and middle uprights, top, foot and middle
/// bars) of the `n`th character of the line at `top` on the paper of `seed`;
/// none for a space between words (one in six).
fn glyph(seed: u64, top: f32, n: u32) -> u32 {
    let mut hash = seed ^ (u64::from(top.to_bits()) << 20) ^ u64::from(n);
    hash = hash.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    hash ^= hash >> 29;
    hash = hash.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    hash ^= hash >> 32;
    if hash.is_multiple_of(6) {
        return 0;
    }
    // At least an upright and a bar: no character is a lone stroke.
    let bar = if (hash >> 16) & 1 == 0 { 8 } else { 16 };
    ((hash >> 8) as u32 & 63) | 1 | bar
}

/// What lies around the receipt.
struct Background {
    surface: Surface,
    base: f32,
    /// Things on the table: a box (left, top, right, bottom) and its shade.
    things: Vec<([f32; 4], f32)>,
}

impl Background {
    fn new(surface: Surface, rng: &mut Rng, receipt: &Quad) -> Self {
        let base = match surface {
            Surface::Wood => rng.range(95.0, 140.0),
            Surface::Cloth => rng.range(70.0, 120.0),
            Surface::Clutter => rng.range(100.0, 150.0),
        };
        let mut things = Vec::new();
        if surface == Surface::Clutter {
            // Things beside the receipt, not on it: boxes of any shade.
            let (xs, ys): (Vec<f32>, Vec<f32>) = receipt.0.iter().map(|p| (p.x, p.y)).unzip();
            let margin = 12.0;
            let (left, right) = (
                xs.iter().copied().fold(f32::MAX, f32::min) - margin,
                xs.iter().copied().fold(f32::MIN, f32::max) + margin,
            );
            let (top, bottom) = (
                ys.iter().copied().fold(f32::MAX, f32::min) - margin,
                ys.iter().copied().fold(f32::MIN, f32::max) + margin,
            );
            for _ in 0..40 {
                if things.len() == 5 {
                    break;
                }
                let (bw, bh) = (rng.range(30.0, 140.0), rng.range(30.0, 140.0));
                let (x, y) = (
                    rng.range(-20.0, WIDTH as f32 - 10.0),
                    rng.range(-20.0, HEIGHT as f32 - 10.0),
                );
                let apart = x + bw < left || x > right || y + bh < top || y > bottom;
                if apart {
                    things.push(([x, y, x + bw, y + bh], rng.range(20.0, 235.0)));
                }
            }
        }
        Self {
            surface,
            base,
            things,
        }
    }

    fn at(&self, x: f32, y: f32) -> f32 {
        for ([l, t, r, b], shade) in &self.things {
            if (*l..*r).contains(&x) && (*t..*b).contains(&y) {
                return *shade;
            }
        }
        match self.surface {
            Surface::Wood => {
                let ring = (x.mul_add(0.05, (y * 0.01).sin() * 4.0)).sin() * 16.0;
                self.base + ring
            }
            Surface::Cloth => {
                let weave = if ((x / 2.0) as u32 + (y / 2.0) as u32).is_multiple_of(2) {
                    12.0
                } else {
                    -12.0
                };
                self.base + weave
            }
            Surface::Clutter => self.base,
        }
    }
}

/// The light over the frame, as a factor on the surfaces' own shades.
struct Lighting {
    light: Light,
    /// Shade: the shadow's edge (a point and a direction); lamp: its spot.
    at: Point,
    direction: f32,
}

impl Lighting {
    fn new(light: Light, rng: &mut Rng) -> Self {
        Self {
            light,
            at: Point::new(
                rng.range(0.2, 0.8) * WIDTH as f32,
                rng.range(0.2, 0.8) * HEIGHT as f32,
            ),
            direction: rng.range(0.0, std::f32::consts::TAU),
        }
    }

    fn at(&self, x: f32, y: f32) -> f32 {
        let (dx, dy) = (x - self.at.x, y - self.at.y);
        match self.light {
            Light::Even => 1.0 - (dx * dx + dy * dy) / (2.0 * (HEIGHT * HEIGHT) as f32),
            Light::Shade => {
                // Across the edge, over 80 pixels: down to 0.5.
                let (sin, cos) = self.direction.sin_cos();
                let across = dx.mul_add(cos, dy * sin) / 80.0;
                let t = (across + 0.5).clamp(0.0, 1.0);
                0.5f32.mul_add(1.0 - t, t * 1.0)
            }
            Light::Lamp => {
                let r2 = (dx * dx + dy * dy) / (200.0 * 200.0);
                0.35f32.mul_add((-r2).exp(), 0.75)
            }
        }
    }
}
