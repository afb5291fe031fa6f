//! Whether an uploaded photo is what it claims to be, judged by decoding it,
//! in little memory: a JPEG to its grey plane only, a PNG one row at a time.

use providers::MediaType;
use tokio::sync::Semaphore;

/// Photos decoded at once, across all uploads (and duplicate hashes): decoding
/// is CPU work, and a progressive JPEG's coefficients or a hash's whole
/// decoded photo take memory.
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
}

/// The photo's type, judged from its first bytes (not its name or the type
/// its sender declared).
pub fn detect_type(bytes: &[u8]) -> Option<MediaType> {
    MediaType::from_mime(infer::get(bytes)?.mime_type())
}

/// Checks that `bytes` are one whole photo of at most `max_pixels`: the
/// pixel limit always applies (a photo whose size cannot be read is refused),
/// and a truncated file, or one that goes on as something else (a JPEG, then
/// HTML), is refused. HEIC, which the proxy cannot decode, passes once its
/// size is read from its header.
pub fn check(bytes: &[u8], media_type: MediaType, max_pixels: u64) -> Result<(), Problem> {
    let within = |width: u64, height: u64| {
        if width.saturating_mul(height) > max_pixels {
            Err(Problem::TooManyPixels)
        } else {
            Ok(())
        }
    };
    match media_type {
        MediaType::Jpeg => check_jpeg(bytes, within),
        MediaType::Png => check_png(bytes, within),
        MediaType::Heic | MediaType::Heif => {
            let size = imagesize::blob_size(bytes).map_err(|_| Problem::NotWhole)?;
            within(size.width as u64, size.height as u64)
        }
    }
}

fn check_jpeg(
    bytes: &[u8],
    within: impl Fn(u64, u64) -> Result<(), Problem>,
) -> Result<(), Problem> {
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
    decoder.decode().map_err(|_| Problem::NotWhole)?;
    // A JPEG ends with its end-of-image marker: a decoder may fill in what a
    // truncated one lacks.
    if !ends_with_end_of_image(bytes) {
        return Err(Problem::NotWhole);
    }
    Ok(())
}

fn check_png(
    bytes: &[u8],
    within: impl Fn(u64, u64) -> Result<(), Problem>,
) -> Result<(), Problem> {
    // The chunk that ends every PNG: nothing may follow it.
    const IEND: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];
    if !bytes.ends_with(&IEND) {
        return Err(Problem::NotWhole);
    }
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().map_err(|_| Problem::NotWhole)?;
    let (width, height) = (reader.info().width, reader.info().height);
    within(u64::from(width), u64::from(height))?;
    while reader.next_row().map_err(|_| Problem::NotWhole)?.is_some() {}
    reader.finish().map_err(|_| Problem::NotWhole)
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
        assert_eq!(detect_type(b"%PDF-1.7\n"), None);
        assert_eq!(detect_type(b"GIF89a......"), None);
        assert_eq!(detect_type(b"just some text"), None);
        assert_eq!(detect_type(b""), None);
    }

    #[test]
    fn a_whole_jpeg_passes_and_a_cut_one_does_not() {
        let photo = jpeg(2400, 1800);
        assert_eq!(check(&photo, MediaType::Jpeg, u64::MAX), Ok(()));
        let cut = &photo[..photo.len() * 2 / 3];
        assert_eq!(
            check(cut, MediaType::Jpeg, u64::MAX),
            Err(Problem::NotWhole)
        );
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
        assert_eq!(check(&png, MediaType::Png, u64::MAX), Ok(()));
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
