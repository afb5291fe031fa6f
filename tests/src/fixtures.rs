//! Fixture photos. The sandbox judges a photo by its pixels (see
//! `sandbox::verdict`), so these pick the verdict.

use std::io::Cursor;
use std::path::PathBuf;

use image::{ImageFormat, Rgb, RgbImage};

fn encode(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode fixture");
    out.into_inner()
}

/// A receipt-like photo: a light paper strip with dark printed lines. Accepted.
pub fn receipt_jpeg() -> Vec<u8> {
    let img = RgbImage::from_fn(360, 900, |x, y| {
        let printed = y % 24 < 3 && x > 30 && x < 330 - (y * 7 % 120);
        if printed {
            Rgb([35, 35, 40])
        } else {
            Rgb([246, 244, 238])
        }
    });
    encode(&img, ImageFormat::Jpeg)
}

/// A receipt of one shop with `lines` lines of print: receipts of one shop
/// share a layout (paper, margins, line pitch), so their photos look alike,
/// while the sandbox reads each by its print (how many lines) as another
/// receipt. Accepted.
pub fn shop_receipt_jpeg(lines: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(360, 900, |x, y| {
        let line = y / 24;
        let printed =
            line >= 1 && line <= lines && y % 24 < 3 && x > 30 && x < 330 - (line * 37 % 90);
        if printed {
            Rgb([35, 35, 40])
        } else {
            Rgb([246, 244, 238])
        }
    });
    encode(&img, ImageFormat::Jpeg)
}

/// A large, grainy receipt photo (1500x2000, about a megabyte even after the
/// widget re-encodes it): slow enough to upload on a throttled network for the
/// progress bar to be seen moving. Accepted.
pub fn large_receipt_jpeg() -> Vec<u8> {
    let mut seed: u32 = 0x9e37_79b9;
    let img = RgbImage::from_fn(1500, 2000, |x, y| {
        // xorshift: sensor noise that JPEG cannot squeeze away.
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let grain = (seed % 60) as u8;
        if y % 40 < 5 && x > 80 && x < 1400 - (y * 7 % 300) {
            Rgb([20 + grain / 2, 20 + grain / 2, 25 + grain / 2])
        } else {
            Rgb([195 + grain, 195 + grain, 190 + grain])
        }
    });
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
        .encode_image(&img)
        .expect("encode fixture");
    out.into_inner()
}

/// A 12 MP (4000x3000) phone photo of a receipt on a table, with sensor grain,
/// at the JPEG quality phones use: what the widget has to shrink before upload.
pub fn phone_photo_12mp() -> Vec<u8> {
    let mut seed: u32 = 0x2545_f491;
    let img = RgbImage::from_fn(4000, 3000, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let grain = (seed % 24) as u8;
        let on_paper = (900..3100).contains(&x) && (150..2850).contains(&y);
        if !on_paper {
            Rgb([100 + grain, 76 + grain, 50 + grain])
        } else if y % 60 < 9 && x > 1000 && x < 3000 - (y * 7 % 600) {
            Rgb([25 + grain, 25 + grain, 30 + grain])
        } else {
            Rgb([225 + grain, 224 + grain, 218 + grain])
        }
    });
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
        .encode_image(&img)
        .expect("encode fixture");
    out.into_inner()
}

/// A red picture: not a receipt. Rejected.
pub fn red_jpeg() -> Vec<u8> {
    encode(
        &RgbImage::from_pixel(300, 400, Rgb([210, 30, 40])),
        ImageFormat::Jpeg,
    )
}

/// A blue picture: a readable receipt outside the promotion's rules. Rejected by
/// providers that check rules, accepted by those that only read.
pub fn blue_jpeg() -> Vec<u8> {
    encode(
        &RgbImage::from_pixel(300, 400, Rgb([40, 60, 215])),
        ImageFormat::Jpeg,
    )
}

/// A photo too dark to read.
pub fn dark_jpeg() -> Vec<u8> {
    encode(
        &RgbImage::from_pixel(300, 400, Rgb([14, 14, 16])),
        ImageFormat::Jpeg,
    )
}

/// Writes a fixture under `target/fixtures/` (for a browser's file input) and
/// returns its path.
pub fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = crate::workspace_root().join("target/fixtures");
    std::fs::create_dir_all(&dir).expect("fixture dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write fixture");
    path
}

/// What Chromium's fake camera films (`--use-file-for-fake-video-capture`): a
/// receipt with the fiscal QR code [`qrscan::fixtures::fiscal_text`]`(seed)`, as
/// one 960x1280 frame of Y4M video (grey: the chroma planes are neutral).
pub fn camera_y4m(seed: u64) -> Vec<u8> {
    use qrscan::fixtures::{self, Light, Shot};
    let shot = Shot {
        module: 5.0,
        rotation: 8.0,
        blur: 0,
        light: Light::Even,
    };
    let frame = fixtures::draw(shot, seed);
    // Twice the fixture's size, so that the photo is not flagged as too small.
    y4m_doubled(&frame.luma, frame.width, frame.height)
}

/// What the fake camera films for the live viewfinder: a short receipt on a
/// table with other things on it, the phone leaning 15 degrees, in even light
/// (`vision::fixtures`), as one 960x1280 frame of Y4M video; and the
/// receipt's true corners in that frame.
pub fn table_y4m(seed: u64) -> (Vec<u8>, vision::Quad) {
    let fixture = on_a_table(seed);
    let frame = &fixture.frame;
    (
        y4m_doubled(&frame.pixels, frame.width, frame.height),
        fixture.corners.scaled(2.0),
    )
}

/// The same receipt on a table as [`table_y4m`], as a 960x1280 JPEG from the
/// gallery; and its true corners in it.
pub fn table_jpeg(seed: u64) -> (Vec<u8>, vision::Quad) {
    let fixture = on_a_table(seed);
    let frame = &fixture.frame;
    let img = image::GrayImage::from_fn(frame.width * 2, frame.height * 2, |x, y| {
        image::Luma([frame.get(x / 2, y / 2)])
    });
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
        .encode_image(&img)
        .expect("encode fixture");
    (out.into_inner(), fixture.corners.scaled(2.0))
}

/// A long receipt (800 x `height`, flat, as a scan or a straightened shot)
/// in two parts from the gallery, top then bottom, the second starting with
/// the `shared` rows the first ends with, as JPEGs.
pub fn long_receipt_parts(height: u32, shared: u32) -> [Vec<u8>; 2] {
    let receipt = vision::fixtures::flat_receipt(11, 800, height);
    let cut = (height + shared) / 2;
    let part = |from: u32, to: u32| {
        let img = image::GrayImage::from_fn(800, to - from, |x, y| {
            image::Luma([receipt.get(x, from + y)])
        });
        let mut out = Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
            .encode_image(&img)
            .expect("encode fixture");
        out.into_inner()
    };
    [part(0, cut), part(height - cut, height)]
}

/// A short receipt on a table with other things on it, the phone leaning 15
/// degrees, in even light.
fn on_a_table(seed: u64) -> vision::fixtures::Fixture {
    use vision::fixtures::{self, Light, Scene, Surface};
    fixtures::photograph(Scene {
        surface: Surface::Clutter,
        light: Light::Even,
        long: false,
        tilt: 15.0,
        seed,
        paper: seed,
    })
}

/// One frame of grey Y4M video of `luma` (`width` x `height`) at twice its
/// size. Y4M's luma is in video range (16 to 235, as Chromium reads it): white
/// paper written as 255 would come out burnt, its print's grey steps lost.
fn y4m_doubled(luma: &[u8], width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let (big_w, big_h) = (w * 2, h * 2);
    let mut video =
        format!("YUV4MPEG2 W{big_w} H{big_h} F30:1 Ip A1:1 C420jpeg\nFRAME\n").into_bytes();
    for y in 0..big_h {
        for x in 0..big_w {
            video.push((16 + u32::from(luma[(y / 2) * w + x / 2]) * 219 / 255) as u8);
        }
    }
    video.resize(video.len() + 2 * (big_w / 2) * (big_h / 2), 128);
    video
}

/// A photo of a receipt whose QR code says `text` (not a fiscal code: a
/// shop's own, a web address), sharp and evenly lit, as a JPEG.
pub fn other_qr_jpeg(text: &str) -> Vec<u8> {
    use qrscan::fixtures::{self, Light, Shot};
    let shot = Shot {
        module: 6.0,
        rotation: 0.0,
        blur: 0,
        light: Light::Even,
    };
    let frame = fixtures::draw_text(shot, text, 3);
    let img = RgbImage::from_fn(frame.width, frame.height, |x, y| {
        let v = frame.luma[(y * frame.width + x) as usize];
        Rgb([v, v, v])
    });
    encode(&img, ImageFormat::Jpeg)
}

/// A photo of a receipt with the fiscal QR code
/// [`qrscan::fixtures::fiscal_text`]`(seed)`, as a JPEG (for "read it from a
/// photo").
pub fn qr_receipt_jpeg(seed: u64) -> Vec<u8> {
    use qrscan::fixtures::{self, Light, Shot};
    let shot = Shot {
        module: 4.0,
        rotation: 25.0,
        blur: 1,
        light: Light::Uneven,
    };
    let frame = fixtures::draw(shot, seed);
    let img = RgbImage::from_fn(frame.width, frame.height, |x, y| {
        let v = frame.luma[(y * frame.width + x) as usize];
        Rgb([v, v, v.saturating_sub(6)])
    });
    encode(&img, ImageFormat::Jpeg)
}
