//! How the sandbox decides a receipt's verdict: from the pixels of the photo.
//!
//! Tests and the demo steer the simulated providers by the photo they upload, so
//! no test-only code path is needed in the proxy or the widget. The rules read the
//! pixels, not the file's bytes, so they survive the widget re-encoding a photo:
//!
//! | photo                                   | verdict        |
//! |-----------------------------------------|----------------|
//! | a whole PDF e-receipt (to its `%%EOF`)  | `Accepted`     |
//! | not decodable as JPEG or PNG            | `NotReceipt`   |
//! | red clearly dominant (a red picture)    | `NotReceipt`   |
//! | blue clearly dominant, however dark     | `OffPromotion` |
//! | mean brightness under 60 of 255         | `Unreadable`   |
//! | anything else                           | `Accepted`     |
//!
//! `OffPromotion` is a readable receipt that does not meet the promotion's rules:
//! providers that check rules (Aboutgoods with a campaign, APM's moderators)
//! reject it; providers that only read receipts accept it.

/// The simulated provider's decision on one photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    NotReceipt,
    Unreadable,
    /// Read, but outside the promotion's rules (date, products).
    OffPromotion,
}

/// Judges a photo by its pixels.
pub fn judge(photo: &[u8]) -> Verdict {
    // A shop's own e-receipt is text, read where it came whole.
    if crate::e_receipt::is_whole_pdf(photo) {
        return Verdict::Accepted;
    }
    let Ok(img) = image::load_from_memory(photo) else {
        return Verdict::NotReceipt;
    };
    // A thumbnail is plenty for mean colours and keeps large photos cheap.
    let small = img.thumbnail(64, 64).to_rgb8();
    let n = f64::from(small.width() * small.height()).max(1.0);
    let (mut r, mut g, mut b) = (0.0, 0.0, 0.0);
    for p in small.pixels() {
        r += f64::from(p[0]);
        g += f64::from(p[1]);
        b += f64::from(p[2]);
    }
    let (r, g, b) = (r / n, g / n, b / n);
    let luma = 0.114f64.mul_add(b, 0.299f64.mul_add(r, 0.587 * g));
    // Colour first: a deep blue or red is dark by its luma, but it is the
    // colour the README promises it is read as.
    if r > g + 60.0 && r > b + 60.0 {
        Verdict::NotReceipt
    } else if b > r + 60.0 && b > g + 60.0 {
        Verdict::OffPromotion
    } else if luma < 60.0 {
        Verdict::Unreadable
    } else {
        Verdict::Accepted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, Rgb, RgbImage};
    use std::io::Cursor;

    fn encode(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_white_page_with_dark_lines_is_accepted() {
        let img = RgbImage::from_fn(80, 200, |_, y| {
            if y % 10 == 0 {
                Rgb([20, 20, 20])
            } else {
                Rgb([245, 245, 240])
            }
        });
        assert_eq!(judge(&encode(&img, ImageFormat::Jpeg)), Verdict::Accepted);
    }

    #[test]
    fn a_dark_photo_is_unreadable() {
        let img = RgbImage::from_pixel(50, 50, Rgb([10, 10, 12]));
        assert_eq!(judge(&encode(&img, ImageFormat::Png)), Verdict::Unreadable);
    }

    #[test]
    fn a_red_picture_is_not_a_receipt() {
        let img = RgbImage::from_pixel(50, 50, Rgb([220, 30, 30]));
        assert_eq!(judge(&encode(&img, ImageFormat::Jpeg)), Verdict::NotReceipt);
    }

    #[test]
    fn a_blue_picture_is_off_promotion() {
        let img = RgbImage::from_pixel(50, 50, Rgb([40, 60, 210]));
        assert_eq!(
            judge(&encode(&img, ImageFormat::Png)),
            Verdict::OffPromotion
        );
    }

    /// A mostly blue photo came back unreadable: its luma is under 60.
    #[test]
    fn a_deep_blue_picture_was_read_as_unreadable() {
        let img = RgbImage::from_pixel(50, 50, Rgb([20, 40, 200]));
        assert_eq!(
            judge(&encode(&img, ImageFormat::Jpeg)),
            Verdict::OffPromotion
        );
    }

    #[test]
    fn bytes_that_are_no_image_are_not_a_receipt() {
        assert_eq!(judge(b"%PDF-1.4 hello"), Verdict::NotReceipt);
        let e_receipt = crate::e_receipt::pdf(1, 1);
        assert_eq!(judge(&e_receipt), Verdict::Accepted);
        assert_eq!(judge(&e_receipt[..200]), Verdict::NotReceipt);
    }
}
