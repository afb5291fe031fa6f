//! Receipt photos for the benches, made the same way each run (no file is
//! committed): synthetic receipts, photographed as a phone does on a table at
//! the widget's 1500x2000, or as its camera writes them at 12 MP.

// Each bench takes what it needs of these.
#![allow(dead_code)]

use image::{DynamicImage, GrayImage, Luma, RgbImage};

/// A synthetic receipt photo: `store` decides the header and layout, `purchase`
/// the item lines and the total.
pub fn receipt(store: u32, purchase: u32) -> RgbImage {
    let (w, h) = (900u32, 2000u32);
    let mut rng = Rng(u64::from(store) * 7919 + 17);
    let mut img = GrayImage::from_pixel(w, h, Luma([238]));
    let mut y = 60;
    // The store's header: its name and address lines.
    for _ in 0..(3 + rng.next() % 3) {
        let width = 300 + (rng.next() % 400) as u32;
        text_line(&mut img, (w - width) / 2, y, width, 26, &mut rng);
        y += 50;
    }
    y += 40;
    // The purchase: item lines and prices.
    let mut rng = Rng(u64::from(store) * 104_729 + u64::from(purchase) * 1_299_709 + 5);
    for _ in 0..(8 + rng.next() % 14) {
        let width = 200 + (rng.next() % 380) as u32;
        text_line(&mut img, 60, y, width, 22, &mut rng);
        text_line(&mut img, w - 200, y, 120, 22, &mut rng);
        y += 44;
    }
    y += 40;
    text_line(&mut img, 60, y, 200, 34, &mut rng);
    text_line(&mut img, w - 260, y, 180, 34, &mut rng);
    DynamicImage::ImageLuma8(img).to_rgb8()
}

/// Words of dark print along one line.
pub fn text_line(img: &mut GrayImage, x0: u32, y0: u32, width: u32, height: u32, rng: &mut Rng) {
    let mut x = x0;
    while x < x0 + width {
        let word = 20 + (rng.next() % 70) as u32;
        for dx in 0..word.min(x0 + width - x) {
            for dy in 0..height {
                if (dx + dy) % 5 != 0 {
                    img.put_pixel(x + dx, y0 + dy, Luma([40]));
                }
            }
        }
        x += word + 14;
    }
}

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

pub fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .unwrap();
    out.into_inner()
}

/// What a receipt lies on.
#[derive(Clone, Copy)]
pub enum Surface {
    Wood,
    Cloth,
    Clutter,
}

/// A phone's photo of `receipt` on `surface`: the paper a little turned and
/// off-centre on a textured background, a light falling off across the frame,
/// sensor grain, at 1500x2000 (what the widget sends).
pub fn on_table(receipt: &RgbImage, surface: Surface, seed: u64) -> RgbImage {
    let mut rng = Rng(seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407));
    let (w, h) = (1500u32, 2000u32);
    let scale = 0.72 + (rng.next() % 14) as f32 / 100.0;
    let degrees = ((rng.next() % 81) as f32 - 40.0) / 10.0;
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (rw, rh) = receipt.dimensions();
    let (cx, cy) = (
        w as f32 / 2.0 + ((rng.next() % 121) as f32 - 60.0),
        h as f32 / 2.0 + ((rng.next() % 121) as f32 - 60.0),
    );
    let light_x = (rng.next() % 100) as f32 / 100.0;
    let grain_seed = rng.next();
    let mut grain = Rng(grain_seed | 1);
    RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        // Back into the receipt's own pixels.
        let (sx, sy) = (
            cos.mul_add(dx, sin * dy) / scale + rw as f32 / 2.0,
            (-sin).mul_add(dx, cos * dy) / scale + rh as f32 / 2.0,
        );
        let base = if sx >= 0.0 && sy >= 0.0 && (sx as u32) < rw && (sy as u32) < rh {
            receipt.get_pixel(sx as u32, sy as u32).0
        } else {
            match surface {
                Surface::Wood => {
                    let ring = ((x as f32)
                        .mul_add(0.02, (y as f32 * 0.003).sin() * 6.0)
                        .sin()
                        * 18.0) as i32;
                    [(120 + ring) as u8, (80 + ring) as u8, (50 + ring / 2) as u8]
                }
                Surface::Cloth => {
                    let weave = if (x / 3 + y / 3) % 2 == 0 { 14 } else { -14 };
                    [(70 + weave) as u8, (90 + weave) as u8, (120 + weave) as u8]
                }
                Surface::Clutter => {
                    // A table with things on it: blocks of other colours.
                    let cell = (x / 180 * 31 + y / 240 * 17) % 7;
                    let v = 60 + cell * 22;
                    [v as u8, (v * 9 / 10) as u8, (v * 8 / 10) as u8]
                }
            }
        };
        let light = 0.3f32.mul_add(1.0 - ((x as f32 / w as f32) - light_x).abs(), 0.75);
        let noise = (grain.next() % 17) as f32 - 8.0;
        let shade = |c: u8| (f32::from(c).mul_add(light, noise)).clamp(0.0, 255.0) as u8;
        image::Rgb([shade(base[0]), shade(base[1]), shade(base[2])])
    })
}

/// What a camera's processing leaves of its sensor's noise.
#[derive(Clone, Copy)]
pub enum Grain {
    /// Every pixel its own (±8 grey levels), as a sensor gives it: the
    /// worst a JPEG encoder meets, JPEG 92.
    Raw,
    /// What a phone's denoising leaves: faint (±3) and in blotches of a few
    /// pixels, under a light falling off to the corners, JPEG 90.
    Denoised,
}

/// A phone's photo as its camera writes it: 3000x4000 (12 MP), the receipt
/// on a wooden table, with `grain`.
pub fn camera_photo(receipt: &RgbImage, grain: Grain) -> Vec<u8> {
    let (w, h) = (3000u32, 4000u32);
    let (rw, rh) = receipt.dimensions();
    let mut rng = Rng(0x2545_f491);
    // The denoised grain: a value for each 4x4 patch.
    let patches: Vec<i32> = (0..(w / 4) * (h / 4))
        .map(|_| (rng.next() % 7) as i32 - 3)
        .collect();
    let img = RgbImage::from_fn(w, h, |x, y| {
        let (sx, sy) = (x as i64 - 600, y as i64 - 500);
        let base =
            if (0..i64::from(rw) * 2).contains(&sx) && (0..i64::from(rh) * 3 / 2).contains(&sy) {
                receipt.get_pixel((sx / 2) as u32, (sy * 2 / 3) as u32).0
            } else {
                let ring = ((x as f32)
                    .mul_add(0.02, (y as f32 * 0.003).sin() * 6.0)
                    .sin()
                    * 18.0) as i32;
                [(120 + ring) as u8, (80 + ring) as u8, (50 + ring / 2) as u8]
            };
        let (noise, light) = match grain {
            Grain::Raw => ((rng.next() % 17) as i32 - 8, 1.0),
            Grain::Denoised => {
                let (dx, dy) = (x as f32 / w as f32 - 0.5, y as f32 / h as f32 - 0.5);
                (
                    patches[((y / 4) * (w / 4) + x / 4) as usize],
                    0.6f32.mul_add(-dx.mul_add(dx, dy * dy), 1.0),
                )
            }
        };
        let shade = |c: u8| f32::from(c).mul_add(light, noise as f32).clamp(0.0, 255.0) as u8;
        image::Rgb([shade(base[0]), shade(base[1]), shade(base[2])])
    });
    jpeg(
        &img,
        match grain {
            Grain::Raw => 92,
            Grain::Denoised => 90,
        },
    )
}

/// `photo` as the widget sends it: the receipt found in a 640 px frame of it
/// (`vision`, as the lens looks at the camera), straightened from the whole
/// photo; the photo as it is where none is found.
pub fn straightened(photo: &RgbImage) -> RgbImage {
    let (w, h) = photo.dimensions();
    let scale = 640.0 / w.max(h) as f32;
    let small = image::imageops::resize(
        &DynamicImage::ImageRgb8(photo.clone()).to_luma8(),
        (w as f32 * scale).round() as u32,
        (h as f32 * scale).round() as u32,
        image::imageops::FilterType::Triangle,
    );
    let frame = vision::Grey {
        width: small.width(),
        height: small.height(),
        pixels: small.into_raw(),
    };
    let Some(quad) = vision::find(&frame) else {
        return photo.clone();
    };
    let rgba = vision::Rgba {
        width: w,
        height: h,
        pixels: DynamicImage::ImageRgb8(photo.clone()).to_rgba8().into_raw(),
    };
    let upright = vision::straighten_rgba(&rgba, &quad.scaled(1.0 / scale), w.max(h));
    let rgba = image::RgbaImage::from_raw(upright.width, upright.height, upright.pixels)
        .expect("straightened pixels");
    DynamicImage::ImageRgba8(rgba).to_rgb8()
}
