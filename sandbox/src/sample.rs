//! The receipt every simulated provider reads from an accepted photo: the
//! Easypromos document's example (CLAREL, 37.87 EUR), so tests and the demo show
//! the same facts whichever provider a campaign uses; and, of each photo,
//! what tells one receipt of that shop from another ([`Reading`]): read from
//! the receipt's fiscal QR code where the photo shows one, else from how its
//! print looks (how many lines it has), never from the file's bytes. Two
//! photos of one receipt (re-encoded, scaled, cropped in its margins) read
//! the same; receipts with other codes, or other print, read differently.

pub const STORE: &str = "CLAREL";
pub const ADDRESS: &str = "AV PRIMERO DE JUNIO 66";
pub const TAX_ID: &str = "A43227628";
pub const DATE: &str = "2025-09-24";
pub const TIME: &str = "20:08";
pub const RECEIPT_NUMBER: &str = "00309139";
pub const CURRENCY: &str = "EUR";
pub const TOTAL: f64 = 37.87;

/// One printed line.
#[derive(Debug, Clone, Copy)]
pub struct Line {
    pub article: &'static str,
    pub sku: &'static str,
    pub quantity: u32,
    pub total: f64,
}

pub const LINES: [Line; 5] = [
    Line {
        article: "SERUM REVITALIFT LAS",
        sku: "171752",
        quantity: 1,
        total: 24.19,
    },
    Line {
        article: "CREMA REVITALIF LASE",
        sku: "155687",
        quantity: 1,
        total: 22.09,
    },
    Line {
        article: "DETER MAQU CAPSULA O",
        sku: "308872",
        quantity: 1,
        total: 9.99,
    },
    Line {
        article: "ESPUMA PERFECT VOLUM",
        sku: "290794",
        quantity: 1,
        total: 5.49,
    },
    Line {
        article: "LACA PERFECT VOLUMEN",
        sku: "290790",
        quantity: 1,
        total: 5.29,
    },
];

/// What a simulated provider reads from one photo beside the sample's fixed
/// facts: the date, time, total and number of the receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub total_cents: u32,
    pub number: u32,
}

impl Reading {
    /// The document's example receipt, as [`DATE`], [`TIME`], [`TOTAL`] and
    /// [`RECEIPT_NUMBER`] say.
    pub const SAMPLE: Self = Self {
        year: 2025,
        month: 9,
        day: 24,
        hour: 20,
        minute: 8,
        total_cents: 3787,
        number: 309_139,
    };

    /// `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `HH:MM`.
    pub fn time(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }

    pub fn total(&self) -> f64 {
        f64::from(self.total_cents) / 100.0
    }

    /// Eight digits, as the sample's.
    pub fn receipt_number(&self) -> String {
        format!("{:08}", self.number)
    }

    /// What is read of a photo: its fiscal QR code's facts where it shows
    /// one, else the sample shop's receipt with as many lines as its print
    /// (the sample itself where no print is found); of an e-receipt, the
    /// number it prints (and a time of day that goes with it, as for print).
    pub fn of_photo(photo: &[u8]) -> Self {
        if crate::e_receipt::is_pdf(photo) {
            return crate::e_receipt::number(photo)
                .map_or(Self::SAMPLE, |number| Self::numbered(number, number));
        }
        let Ok(image) = image::load_from_memory(photo) else {
            return Self::SAMPLE;
        };
        let grey = image.thumbnail(1600, 1600).to_luma8();
        if let Some(reading) = read_qr(&grey).as_deref().and_then(Self::of_qr_text) {
            return reading;
        }
        match print_lines(&grey) {
            0 => Self::SAMPLE,
            lines => Self::numbered(309_000 + lines, lines),
        }
    }

    /// The sample shop's receipt `number`, at a time of day that `seed` sets
    /// (two seeds a minute apart or more are two receipts).
    fn numbered(number: u32, seed: u32) -> Self {
        Self {
            hour: 8 + u8::try_from(seed / 60 % 12).unwrap_or(0),
            minute: u8::try_from(seed % 60).unwrap_or(0),
            number,
            ..Self::SAMPLE
        }
    }

    /// The facts of a fiscal receipt's QR text (`t=20190113T154800&s=127.00&
    /// fn=...&i=41406&...`): its date and time (`t`), total (`s`) and
    /// document number (`i`); `None` for any other text.
    pub fn of_qr_text(text: &str) -> Option<Self> {
        let get = |key: &str| {
            text.split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v)
        };
        let t = get("t")?;
        get("fn")?;
        let digits = |from: usize, len: usize| t.get(from..from + len)?.parse::<u16>().ok();
        let (whole, cents) = get("s")?.split_once('.').unwrap_or((get("s")?, "0"));
        let cents = format!("{cents:0<2}");
        Some(Self {
            year: digits(0, 4)?,
            month: u8::try_from(digits(4, 2)?).ok()?,
            day: u8::try_from(digits(6, 2)?).ok()?,
            hour: u8::try_from(digits(9, 2)?).ok()?,
            minute: u8::try_from(digits(11, 2)?).ok()?,
            total_cents: whole.parse::<u32>().ok()? * 100 + cents.get(..2)?.parse::<u32>().ok()?,
            number: get("i")?.parse().ok()?,
        })
    }
}

/// [`Reading::of_photo`], off the async threads: decoding and scanning a
/// photo is work, and the sandbox shares its runtime with the tests and the
/// clients they drive.
pub async fn read(photo: impl AsRef<[u8]> + Send + 'static) -> Reading {
    tokio::task::spawn_blocking(move || Reading::of_photo(photo.as_ref()))
        .await
        .unwrap_or(Reading::SAMPLE)
}

/// The text of a QR code in the photo, if one can be read.
fn read_qr(grey: &image::GrayImage) -> Option<String> {
    let (w, h) = (grey.width() as usize, grey.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        grey.get_pixel(x as u32, y as u32)[0]
    });
    prepared
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

/// How many lines of print a receipt photo has: runs of rows with ink (pixels
/// clearly darker than the photo's mean), counted on the photo scaled to a
/// fixed height, so scaling and re-encoding do not change the count.
fn print_lines(grey: &image::GrayImage) -> u32 {
    let (w, h) = grey.dimensions();
    if w == 0 || h == 0 {
        return 0;
    }
    let height = 800;
    let width = (w * height / h).clamp(1, 800);
    let small = image::imageops::resize(grey, width, height, image::imageops::FilterType::Triangle);
    let mean = small.pixels().map(|p| u64::from(p[0])).sum::<u64>() / u64::from(width * height);
    let ink = mean.saturating_sub(50);
    let mut lines = 0;
    let mut in_line = false;
    for y in 0..height {
        let dark = (0..width)
            .filter(|&x| u64::from(small.get_pixel(x, y)[0]) < ink)
            .count();
        let inked = dark * 50 > width as usize;
        if inked && !in_line {
            lines += 1;
        }
        in_line = inked;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, Rgb, RgbImage};

    fn receipt(lines: u32, width: u32, height: u32) -> Vec<u8> {
        let pitch = height / lines;
        let img = RgbImage::from_fn(width, height, |x, y| {
            if y % pitch < pitch / 6 + 1 && x > width / 10 && x < width * 9 / 10 {
                Rgb([30, 30, 35])
            } else {
                Rgb([245, 243, 236])
            }
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    #[test]
    fn one_receipt_reads_alike_at_any_size_and_another_reads_differently() {
        let small = Reading::of_photo(&receipt(30, 360, 900));
        let large = Reading::of_photo(&receipt(30, 1080, 2700));
        let other = Reading::of_photo(&receipt(41, 360, 900));
        assert_eq!(small, large);
        assert_ne!(small, other);
        assert_eq!(small.date(), DATE);
        assert_eq!(small.total(), TOTAL);
    }

    #[test]
    fn a_fiscal_qr_text_gives_its_date_time_total_and_number() {
        let read = Reading::of_qr_text(
            "t=20190113T154800&s=127.5&fn=9282440300682838&i=41406&fp=3826178052&n=1",
        )
        .unwrap();
        assert_eq!(read.date(), "2019-01-13");
        assert_eq!(read.time(), "15:48");
        assert_eq!(read.total(), 127.5);
        assert_eq!(read.number, 41406);
        assert_eq!(Reading::of_qr_text("hello"), None);
    }

    #[test]
    fn the_sample_reads_as_the_document_says() {
        let sample = Reading::SAMPLE;
        assert_eq!(sample.date(), DATE);
        assert_eq!(sample.time(), TIME);
        assert_eq!(sample.total(), TOTAL);
        assert_eq!(sample.receipt_number(), RECEIPT_NUMBER);
    }
}
