//! The QR fixture set: fiscal receipt codes drawn the way a phone sees them, small
//! and large, tilted, out of focus, in dim or uneven light, with sensor noise and
//! receipt text around them. Generated, so the set is reproducible and nothing
//! binary is committed; `cargo xtask bench` reports each decoder's rate on it.

use qrcode::{Color, QrCode};

/// One grey image and the text of the QR code in it.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The variation, e.g. `m3-r25-b1-dim`.
    pub name: String,
    pub text: String,
    pub luma: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// How one fixture is drawn.
#[derive(Debug, Clone, Copy)]
pub struct Shot {
    /// Pixels per QR module.
    pub module: f32,
    /// Tilt in degrees.
    pub rotation: f32,
    /// Box blur radius in pixels (0: sharp).
    pub blur: usize,
    pub light: Light,
}

/// The lighting of a shot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Light {
    Even,
    /// Low contrast: black at 70, paper at 150.
    Dim,
    /// Light falling off from one corner to half.
    Uneven,
}

/// Size of every fixture image (a phone frame scaled down, portrait).
pub const WIDTH: u32 = 480;
pub const HEIGHT: u32 = 640;

/// The whole set: 3 sizes × 4 tilts × 3 blurs × 3 lights = 108 images.
#[must_use]
pub fn set() -> Vec<Fixture> {
    let mut all = Vec::new();
    for module in [2.0, 3.0, 5.0] {
        for rotation in [0.0, 8.0, 25.0, 45.0] {
            for blur in [0, 1, 2] {
                for light in [Light::Even, Light::Dim, Light::Uneven] {
                    let seed = all.len() as u64;
                    all.push(draw(
                        Shot {
                            module,
                            rotation,
                            blur,
                            light,
                        },
                        seed,
                    ));
                }
            }
        }
    }
    all
}

/// A fiscal receipt code; `seed` varies its numbers.
#[must_use]
pub fn fiscal_text(seed: u64) -> String {
    format!(
        "t=20261115T{:02}{:02}&s={}.{:02}&fn=87160001000{:05}&i={}&fp={}&n=1",
        10 + seed % 12,
        seed % 60,
        100 + seed * 7 % 900,
        seed * 13 % 100,
        seed * 7919 % 100_000,
        1000 + seed * 31,
        3_000_000_000 + seed * 104_729,
    )
}

/// Draws one shot of a receipt with a QR code of [`fiscal_text`]`(seed)`.
#[must_use]
pub fn draw(shot: Shot, seed: u64) -> Fixture {
    draw_text(shot, &fiscal_text(seed), seed)
}

/// Draws one shot of a receipt with a QR code of `text` (any code a shopper
/// may meet: a shop's own, a web address), its print and noise from `seed`.
#[must_use]
pub fn draw_text(shot: Shot, text: &str, seed: u64) -> Fixture {
    let code = QrCode::new(text.as_bytes()).expect("the text fits in a QR code");
    let modules = code.width();
    let dark: Vec<bool> = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    let (w, h) = (WIDTH as usize, HEIGHT as usize);
    let (cx, cy) = (w as f32 / 2.0, h as f32 * 0.55);
    let (sin, cos) = shot.rotation.to_radians().sin_cos();
    let half = modules as f32 / 2.0;
    let mut rng = Lcg(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);

    // Ink coverage in [0, 1] per pixel, 2×2 supersampled for anti-aliased edges.
    let mut ink = vec![0.0_f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut covered = 0.0;
            for (sx, sy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                let (dx, dy) = (x as f32 + sx - cx, y as f32 + sy - cy);
                // Into the code's frame: undo the tilt, then scale to modules.
                let u = dx.mul_add(cos, dy * sin) / shot.module + half;
                let v = (-dx).mul_add(sin, dy * cos) / shot.module + half;
                if u >= 0.0 && v >= 0.0 && (u as usize) < modules && (v as usize) < modules {
                    if dark[v as usize * modules + u as usize] {
                        covered += 0.25;
                    }
                } else if receipt_text(x, y, cy, rng.peek(x, y)) {
                    covered += 0.25;
                }
            }
            ink[y * w + x] = covered;
        }
    }
    let ink = box_blur(&ink, w, h, shot.blur);
    let (black, paper) = match shot.light {
        Light::Dim => (70.0, 150.0),
        Light::Even | Light::Uneven => (25.0, 235.0),
    };
    let mut luma = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let mut value = ink[y * w + x].mul_add(black - paper, paper);
            if shot.light == Light::Uneven {
                let falloff = (x + y) as f32 / (w + h) as f32;
                value *= falloff.mul_add(-0.5, 1.0);
            }
            value += rng.noise() * 12.0;
            luma.push(value.clamp(0.0, 255.0) as u8);
        }
    }
    Fixture {
        name: format!(
            "m{}-r{}-b{}-{}",
            shot.module,
            shot.rotation,
            shot.blur,
            match shot.light {
                Light::Even => "even",
                Light::Dim => "dim",
                Light::Uneven => "uneven",
            }
        ),
        text: text.to_owned(),
        luma,
        width: WIDTH,
        height: HEIGHT,
    }
}

/// Lines of receipt "text" above the code: short dark dashes on a line grid.
fn receipt_text(x: usize, y: usize, code_y: f32, hash: u64) -> bool {
    let line = y / 18;
    (y as f32) < code_y - 140.0
        && y % 18 < 9
        && (24..456).contains(&x)
        && !(hash >> 7).is_multiple_of(5)
        && !(x / 7 + line * 3).is_multiple_of(6)
}

fn box_blur(ink: &[f32], w: usize, h: usize, radius: usize) -> Vec<f32> {
    if radius == 0 {
        return ink.to_vec();
    }
    let pass = |src: &[f32], horizontal: bool| -> Vec<f32> {
        let mut out = vec![0.0; src.len()];
        for y in 0..h {
            for x in 0..w {
                let (mut sum, mut n) = (0.0, 0.0);
                for d in 0..=2 * radius {
                    let (xx, yy) = if horizontal {
                        ((x + d).wrapping_sub(radius), y)
                    } else {
                        (x, (y + d).wrapping_sub(radius))
                    };
                    if xx < w && yy < h {
                        sum += src[yy * w + xx];
                        n += 1.0;
                    }
                }
                out[y * w + x] = sum / n;
            }
        }
        out
    };
    pass(&pass(ink, true), false)
}

/// A small deterministic generator: the fixtures are the same on every machine.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }

    /// Noise in [-1, 1).
    fn noise(&mut self) -> f32 {
        (self.next() % 2000) as f32 / 1000.0 - 1.0
    }

    /// A hash of a position, for the text layout (does not advance).
    fn peek(&self, x: usize, y: usize) -> u64 {
        (self.0 ^ ((x / 7) as u64).wrapping_mul(0x2545_F491_4F6C_DD1D) ^ ((y / 18) as u64) << 32)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}
