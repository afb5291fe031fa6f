//! Whether an uploaded photo is what it claims to be, judged by decoding it,
//! in little memory: a JPEG to its grey plane only, a PNG one row at a time.
//! The one decode also leaves a [`Glance`], what every later look at the
//! photo (its fingerprint) works from: no photo is decoded twice. A baseline
//! JPEG, what phones write, is read only to an eighth ([`jpeg`]): its cost is
//! its compressed bytes', not its pixels'; one too small for its eighth to be
//! looked at is decoded whole.

mod jpeg;
pub mod pdf;

use providers::MediaType;
use tokio::sync::Semaphore;

/// Photos decoded at once, across all uploads: decoding is CPU work, and a
/// progressive JPEG's coefficients take memory.
pub static DECODING: Semaphore = Semaphore::const_new(2);

/// Why a photo is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// Truncated, damaged, or something else after a photo's first bytes.
    #[error("the photo is damaged or incomplete")]
    NotWhole,
    /// More pixels than the campaign takes.
    #[error("the photo has too many pixels")]
    TooManyPixels,
    /// An e-receipt with more pages than the campaign takes.
    #[error("the e-receipt has too many pages")]
    TooManyPages,
    /// An e-receipt locked with a password.
    #[error("the e-receipt is locked with a password")]
    Locked,
    /// An e-receipt that would act when opened: a script, an embedded file.
    #[error("the e-receipt carries a script or an embedded file")]
    Active,
}

/// A photo seen small and in grey: each pixel the mean of a `scale` x
/// `scale` block of the photo's, an eighth (what a JPEG's DC coefficients
/// hold) or, for a small photo, a half or a quarter ([`glance_scale`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glance {
    pub image: image::GrayImage,
    /// 8, 4, 2 or 1: the side of the photo's block one pixel stands for.
    pub scale: u32,
}

impl Glance {
    /// The photo at an eighth, whatever the scale it was seen at: each pixel
    /// the mean of the `8 / scale` square of this one's it covers.
    pub fn eighth(&self) -> image::GrayImage {
        let k = GLANCE_SCALE / self.scale.clamp(1, GLANCE_SCALE);
        if k <= 1 {
            return self.image.clone();
        }
        let (w, h) = self.image.dimensions();
        let mut shrink = Shrink::new(w, h, k);
        for (y, row) in self.image.rows().enumerate() {
            shrink.add_row(y as u32, row.map(|p| p[0]));
        }
        shrink.finish()
    }
}

/// The side of the square of the photo's pixels one [`Glance`] pixel stands
/// for, at most.
pub const GLANCE_SCALE: u32 = 8;

/// A glance is at least this long on its longer side where the photo is (a
/// receipt in it is found and straightened from it: a copy scaled down, seen
/// at an eighth, was too small for that, and escaped as another receipt).
pub const GLANCE_LONG_SIDE: u32 = 240;

/// The side of the block one glance pixel stands for, for a photo of
/// `width` x `height`: [`GLANCE_SCALE`], or the largest of 4, 2 and 1 that
/// leaves the glance [`GLANCE_LONG_SIDE`] long (a divisor of 8, so that the
/// glance at an eighth is its own blocks' means, [`Glance::eighth`]).
pub fn glance_scale(width: u32, height: u32) -> u32 {
    let long = width.max(height);
    [GLANCE_SCALE, 4, 2]
        .into_iter()
        .find(|scale| long / scale >= GLANCE_LONG_SIDE)
        .unwrap_or(1)
}

/// The photo's (or e-receipt's) type, judged from its first bytes (not its
/// name or the type its sender declared).
pub fn detect_type(bytes: &[u8]) -> Option<MediaType> {
    MediaType::from_mime(infer::get(bytes)?.mime_type())
}

/// Checks that `bytes` are one whole photo of at most `max_pixels`: the
/// pixel limit always applies (a photo whose size cannot be read is refused),
/// and a truncated file, or one that goes on as something else (a JPEG, then
/// HTML), is refused. HEIC, which the proxy cannot decode, passes once its
/// size is read from its header. Answers the photo's [`Glance`] (`None` for
/// HEIC).
pub fn check(
    bytes: &[u8],
    media_type: MediaType,
    max_pixels: u64,
) -> Result<Option<Glance>, Problem> {
    let within = |width: u64, height: u64| {
        if width.saturating_mul(height) > max_pixels {
            Err(Problem::TooManyPixels)
        } else {
            Ok(())
        }
    };
    match media_type {
        MediaType::Jpeg => check_jpeg(bytes, within).map(Some),
        MediaType::Png => check_png(bytes, within).map(Some),
        MediaType::Heic | MediaType::Heif => {
            let size = imagesize::blob_size(bytes).map_err(|_| Problem::NotWhole)?;
            within(size.width as u64, size.height as u64).map(|()| None)
        }
        // Not a photo: an e-receipt is checked by [`pdf::check`].
        MediaType::Pdf => Err(Problem::NotWhole),
    }
}

fn check_jpeg(
    bytes: &[u8],
    within: impl Fn(u64, u64) -> Result<(), Problem>,
) -> Result<Glance, Problem> {
    // What the eighth reader does not do, or refuses, is decoded whole: a
    // photo is only ever refused on the full decoder's word. A photo so small
    // that its eighth is too small to look at is decoded whole too (it is
    // small: its decode is quick).
    if let Ok(jpeg::Read::Glance(image)) = jpeg::read(bytes, &within) {
        let small = image.width().max(image.height()) < GLANCE_LONG_SIDE;
        // A JPEG ends with its end-of-image marker.
        if !ends_with_end_of_image(bytes) {
            return Err(Problem::NotWhole);
        }
        if !small {
            return Ok(Glance {
                image,
                scale: GLANCE_SCALE,
            });
        }
    }
    decode_whole(bytes, within, glance_scale)
}

/// A JPEG decoded whole, to its grey plane, then shrunk to its glance (at the
/// `scale` for its size, [`glance_scale`]).
fn decode_whole(
    bytes: &[u8],
    within: impl Fn(u64, u64) -> Result<(), Problem>,
    scale: impl Fn(u32, u32) -> u32,
) -> Result<Glance, Problem> {
    use zune_core::bytestream::ZCursor;
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;
    // Grey: every coefficient is still read, but only the luma plane is
    // kept (a third of RGB's memory). zune-jpeg decodes on the calling
    // thread (jpeg-decoder's scaled decoding, tried, hands rows to threads of
    // its own and halved the uploads taken per second under a burst).
    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::Luma);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().map_err(|_| Problem::NotWhole)?;
    let info = decoder.info().ok_or(Problem::NotWhole)?;
    if info.width == 0 || info.height == 0 {
        return Err(Problem::NotWhole);
    }
    within(u64::from(info.width), u64::from(info.height))?;
    let grey = decoder.decode().map_err(|_| Problem::NotWhole)?;
    // A JPEG ends with its end-of-image marker: a decoder may fill in what a
    // truncated one lacks.
    if !ends_with_end_of_image(bytes) {
        return Err(Problem::NotWhole);
    }
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    let scale = scale(width, height);
    let mut glance = Shrink::new(width, height, scale);
    for (y, row) in grey.chunks_exact(width as usize).enumerate() {
        glance.add_row(y as u32, row.iter().copied());
    }
    Ok(Glance {
        image: glance.finish(),
        scale,
    })
}

fn check_png(
    bytes: &[u8],
    within: impl Fn(u64, u64) -> Result<(), Problem>,
) -> Result<Glance, Problem> {
    // The chunk that ends every PNG: nothing may follow it.
    const IEND: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];
    if !bytes.ends_with(&IEND) {
        return Err(Problem::NotWhole);
    }
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    // Eight bits a channel, palettes spelled out: a row is grey, grey and
    // alpha, RGB or RGBA.
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|_| Problem::NotWhole)?;
    let (width, height) = (reader.info().width, reader.info().height);
    within(u64::from(width), u64::from(height))?;
    let channels = reader.output_color_type().0.samples();
    let scale = glance_scale(width, height);
    let mut glance = Shrink::new(width, height, scale);
    let mut y = 0;
    while let Some(row) = reader.next_row().map_err(|_| Problem::NotWhole)? {
        let pixels = row.data().chunks_exact(channels);
        match channels {
            1 | 2 => glance.add_row(y, pixels.map(|p| p[0])),
            _ => glance.add_row(y, pixels.map(|p| luma(p[0], p[1], p[2]))),
        }
        y += 1;
    }
    reader.finish().map_err(|_| Problem::NotWhole)?;
    Ok(Glance {
        image: glance.finish(),
        scale,
    })
}

/// The grey of an sRGB pixel (BT.601 weights, as JPEG's luma).
fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b)) >> 8) as u8
}

/// A [`Glance`] built a row of the photo at a time: each of its pixels sums
/// the photo's pixels it stands for.
struct Shrink {
    /// The side of the block each of its pixels stands for.
    scale: u32,
    width: u32,
    height: u32,
    sums: Vec<u32>,
    counts: Vec<u32>,
}

impl Shrink {
    fn new(width: u32, height: u32, scale: u32) -> Self {
        let (width, height) = (width.div_ceil(scale).max(1), height.div_ceil(scale).max(1));
        let cells = (width * height) as usize;
        Self {
            scale,
            width,
            height,
            sums: vec![0; cells],
            counts: vec![0; cells],
        }
    }

    fn add_row(&mut self, y: u32, row: impl Iterator<Item = u8>) {
        let start = ((y / self.scale).min(self.height - 1) * self.width) as usize;
        let cells = &mut self.sums[start..start + self.width as usize];
        let counts = &mut self.counts[start..start + self.width as usize];
        for (x, value) in row.enumerate() {
            let cell = (x / self.scale as usize).min(cells.len() - 1);
            cells[cell] += u32::from(value);
            counts[cell] += 1;
        }
    }

    fn finish(self) -> image::GrayImage {
        let pixels = self
            .sums
            .iter()
            .zip(&self.counts)
            .map(|(&sum, &count)| (sum / count.max(1)) as u8)
            .collect();
        image::GrayImage::from_raw(self.width, self.height, pixels).unwrap_or_default()
    }
}

/// A JPEG's end-of-image marker (`FF D9`) among its last bytes (cameras may
/// pad after it).
fn ends_with_end_of_image(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let photo = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 251) as u8, (y % 241) as u8, 200])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        photo
            .write_to(&mut out, image::ImageFormat::Jpeg)
            .expect("encode");
        out.into_inner()
    }

    #[test]
    fn photo_types_are_told_by_content() {
        assert_eq!(
            detect_type(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(MediaType::Jpeg)
        );
        assert_eq!(
            detect_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(MediaType::Png)
        );
        // An e-receipt, which the campaign's rules then take or refuse.
        assert_eq!(detect_type(b"%PDF-1.7\n"), Some(MediaType::Pdf));
        assert_eq!(detect_type(b"GIF89a......"), None);
        assert_eq!(detect_type(b"just some text"), None);
        assert_eq!(detect_type(b""), None);
    }

    #[test]
    fn a_whole_jpeg_passes_and_a_cut_one_does_not() {
        let photo = jpeg(2400, 1800);
        let glance = check(&photo, MediaType::Jpeg, u64::MAX).unwrap();
        assert_eq!(glance.map(|g| g.image.dimensions()), Some((300, 225)));
        let cut = &photo[..photo.len() * 2 / 3];
        assert_eq!(
            check(cut, MediaType::Jpeg, u64::MAX),
            Err(Problem::NotWhole)
        );
    }

    #[test]
    fn a_glance_is_the_photos_grey_by_eighths() {
        // Left half black, right half white: the glance's columns follow.
        let photo = image::RgbImage::from_fn(2048, 64, |x, _| {
            image::Rgb(if x < 1024 { [0, 0, 0] } else { [255, 255, 255] })
        });
        let mut out = std::io::Cursor::new(Vec::new());
        photo.write_to(&mut out, image::ImageFormat::Png).unwrap();
        let glance = check(&out.into_inner(), MediaType::Png, u64::MAX)
            .unwrap()
            .unwrap();
        assert_eq!((glance.image.dimensions(), glance.scale), ((256, 8), 8));
        assert_eq!(glance.image.get_pixel(127, 7)[0], 0);
        assert_eq!(glance.image.get_pixel(128, 0)[0], 255);
        let jpeg = jpeg(2048, 64);
        let grey = check(&jpeg, MediaType::Jpeg, u64::MAX).unwrap().unwrap();
        assert_eq!(grey.image.dimensions(), (256, 8));
    }

    /// A copy of a photo scaled down, seen at an eighth, left too few pixels
    /// to find the receipt in, and escaped as another receipt: a small photo
    /// is seen by smaller blocks, its glance as long as [`GLANCE_LONG_SIDE`] or
    /// the photo itself.
    #[test]
    fn a_scaled_down_copy_was_seen_too_small_to_find_its_receipt_in() {
        for (width, height, seen, scale) in [
            (960, 720, (240, 180), 4),
            (1500, 900, (375, 225), 4),
            (900, 300, (450, 150), 2),
            (64, 16, (64, 16), 1),
        ] {
            let photo = jpeg(width, height);
            let grey = check(&photo, MediaType::Jpeg, u64::MAX).unwrap().unwrap();
            assert_eq!(
                (grey.image.dimensions(), grey.scale),
                (seen, scale),
                "{width}x{height}"
            );
            // Brought back to an eighth, it is the photo's eighth.
            let eighth = decode_whole(&photo, |_, _| Ok(()), |_, _| GLANCE_SCALE)
                .unwrap()
                .image;
            let back = grey.eighth();
            assert_eq!(back.dimensions(), eighth.dimensions(), "{width}x{height}");
            let apart = back
                .pixels()
                .zip(eighth.pixels())
                .map(|(a, b)| a[0].abs_diff(b[0]))
                .max();
            assert!(apart <= Some(2), "{width}x{height}: {apart:?}");
        }
    }

    #[test]
    fn the_pixel_limit_is_read_from_the_frame_not_trusted() {
        assert_eq!(
            check(&jpeg(400, 300), MediaType::Jpeg, 400 * 300 - 1),
            Err(Problem::TooManyPixels)
        );
    }

    #[test]
    fn a_png_with_anything_after_its_end_is_refused() {
        let mut out = std::io::Cursor::new(Vec::new());
        image::GrayImage::from_pixel(40, 30, image::Luma([9]))
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        let png = out.into_inner();
        let glance = check(&png, MediaType::Png, u64::MAX).unwrap().unwrap();
        assert_eq!(
            glance.image.dimensions(),
            (40, 30),
            "a photo this small seen whole"
        );
        assert!(glance.image.pixels().all(|p| p[0] == 9), "the grey kept");
        let mut polyglot = png.clone();
        polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
        assert_eq!(
            check(&polyglot, MediaType::Png, u64::MAX),
            Err(Problem::NotWhole)
        );
        let truncated = &png[..png.len() / 2];
        assert_eq!(
            check(truncated, MediaType::Png, u64::MAX),
            Err(Problem::NotWhole)
        );
    }
}
