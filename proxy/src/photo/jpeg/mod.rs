//! A baseline JPEG read to an eighth of its size: every block's Huffman codes
//! are walked (so a truncated or damaged scan is caught as a full decode
//! catches it), but only the grey component's DC coefficients are kept, the
//! mean of each 8x8 block. No inverse DCT, no upsampling, no colour: the cost
//! is the compressed bytes', not the pixels'.
//!
//! Only what phones write is read here (baseline and extended Huffman, 8 bits,
//! interleaved or not, restart intervals); anything else (progressive,
//! arithmetic, 12 bits, lossless) answers [`Read::Other`] and is decoded whole
//! by the caller.

mod entropy;

use image::GrayImage;

use super::Problem;
use entropy::{Bits, Huffman};

/// What the reader made of a JPEG.
#[derive(Debug)]
pub enum Read {
    /// Its grey component at an eighth of its size.
    Glance(GrayImage),
    /// A kind this reader does not do.
    Other,
}

/// Reads `bytes` to their [`Glance`], after `within` has accepted the frame's
/// size.
pub fn read(
    bytes: &[u8],
    within: impl Fn(u64, u64) -> Result<(), Problem>,
) -> Result<Read, Problem> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(Problem::NotWhole);
    }
    let mut jpeg = Jpeg::default();
    let mut pos = 2;
    loop {
        let (marker, at) = next_marker(bytes, pos).ok_or(Problem::NotWhole)?;
        pos = at + 2;
        match marker {
            0xD9 => break,
            0xD8 => return Err(Problem::NotWhole),
            0xD0..=0xD7 | 0x01 => {}
            // Progressive, lossless, arithmetic coded: decoded whole.
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCF => return Ok(Read::Other),
            _ => {
                let (segment, end) = segment(bytes, at)?;
                pos = end;
                match marker {
                    0xC0 | 0xC1 => {
                        if !jpeg.frame(segment)? {
                            return Ok(Read::Other);
                        }
                        let frame = jpeg.frame.as_ref().ok_or(Problem::NotWhole)?;
                        within(u64::from(frame.width), u64::from(frame.height))?;
                        // Only once the size is allowed: the blocks' DC values.
                        let first = frame.components[0];
                        jpeg.grey = vec![0; frame.mcus_x * first.h * frame.mcus_y * first.v];
                    }
                    0xC4 => jpeg.huffman(segment)?,
                    0xDB => jpeg.quantization(segment)?,
                    0xDD => {
                        let d = segment.get(..2).ok_or(Problem::NotWhole)?;
                        jpeg.restart_interval = u16::from_be_bytes([d[0], d[1]]);
                    }
                    0xDA => pos = jpeg.scan(segment, bytes, end)?,
                    // Application data, comments: not ours to read.
                    _ => {}
                }
            }
        }
    }
    jpeg.finish().map(Read::Glance)
}

/// The next marker at or after `pos` (its code and where its `FF` is),
/// skipping fill bytes and, leniently, stray bytes before it.
fn next_marker(bytes: &[u8], mut pos: usize) -> Option<(u8, usize)> {
    loop {
        let at = pos + bytes.get(pos..)?.iter().position(|&b| b == 0xFF)?;
        let mut code = at + 1;
        while bytes.get(code) == Some(&0xFF) {
            code += 1;
        }
        match *bytes.get(code)? {
            0x00 => pos = code + 1,
            marker => return Some((marker, code - 1)),
        }
    }
}

/// A marker segment's payload (after its length), for the marker at `at`,
/// and where the segment ends.
fn segment(bytes: &[u8], at: usize) -> Result<(&[u8], usize), Problem> {
    let length = bytes.get(at + 2..at + 4).ok_or(Problem::NotWhole)?;
    let end = at + 2 + usize::from(u16::from_be_bytes([length[0], length[1]]));
    let payload = bytes.get(at + 4..end).ok_or(Problem::NotWhole)?;
    Ok((payload, end))
}

#[derive(Debug, Clone, Copy)]
struct Component {
    id: u8,
    h: usize,
    v: usize,
    quant: usize,
}

#[derive(Debug)]
struct Frame {
    width: u16,
    height: u16,
    components: Vec<Component>,
    h_max: usize,
    v_max: usize,
    mcus_x: usize,
    mcus_y: usize,
}

impl Frame {
    /// A component's size in blocks, as a scan of it alone walks them.
    fn blocks(&self, c: &Component) -> (usize, usize) {
        let w = (usize::from(self.width) * c.h).div_ceil(self.h_max);
        let h = (usize::from(self.height) * c.v).div_ceil(self.v_max);
        (w.div_ceil(8), h.div_ceil(8))
    }
}

#[derive(Default)]
struct Jpeg {
    frame: Option<Frame>,
    /// The DC entry of each quantization table.
    quant: [Option<u16>; 4],
    dc: [Option<Huffman>; 4],
    ac: [Option<Huffman>; 4],
    restart_interval: u16,
    /// The first component's DC values, by block, the width of its MCU rows.
    grey: Vec<i32>,
    grey_seen: bool,
}

impl Jpeg {
    /// Reads a baseline frame header; `false` for one this reader does not do.
    fn frame(&mut self, s: &[u8]) -> Result<bool, Problem> {
        if self.frame.is_some() {
            return Err(Problem::NotWhole);
        }
        let head = s.get(..6).ok_or(Problem::NotWhole)?;
        if head[0] != 8 {
            return Ok(false);
        }
        let height = u16::from_be_bytes([head[1], head[2]]);
        let width = u16::from_be_bytes([head[3], head[4]]);
        let count = usize::from(head[5]);
        if width == 0 || height == 0 || !(1..=4).contains(&count) {
            return Err(Problem::NotWhole);
        }
        let mut components = Vec::with_capacity(count);
        for c in s
            .get(6..6 + 3 * count)
            .ok_or(Problem::NotWhole)?
            .chunks_exact(3)
        {
            let (h, v) = (usize::from(c[1] >> 4), usize::from(c[1] & 15));
            if !(1..=4).contains(&h) || !(1..=4).contains(&v) || c[2] > 3 {
                return Err(Problem::NotWhole);
            }
            components.push(Component {
                id: c[0],
                h,
                v,
                quant: usize::from(c[2]),
            });
        }
        let h_max = components.iter().map(|c| c.h).max().unwrap_or(1);
        let v_max = components.iter().map(|c| c.v).max().unwrap_or(1);
        let mcus_x = usize::from(width).div_ceil(8 * h_max);
        let mcus_y = usize::from(height).div_ceil(8 * v_max);
        self.frame = Some(Frame {
            width,
            height,
            components,
            h_max,
            v_max,
            mcus_x,
            mcus_y,
        });
        Ok(true)
    }

    fn quantization(&mut self, mut s: &[u8]) -> Result<(), Problem> {
        while let Some((&pq_tq, rest)) = s.split_first() {
            let (wide, id) = (pq_tq >> 4, usize::from(pq_tq & 15));
            let size = if wide == 0 { 64 } else { 128 };
            if id > 3 || wide > 1 || rest.len() < size {
                return Err(Problem::NotWhole);
            }
            self.quant[id] = Some(if wide == 0 {
                u16::from(rest[0])
            } else {
                u16::from_be_bytes([rest[0], rest[1]])
            });
            s = &rest[size..];
        }
        Ok(())
    }

    fn huffman(&mut self, mut s: &[u8]) -> Result<(), Problem> {
        while let Some((&tc_th, rest)) = s.split_first() {
            let (class, id) = (tc_th >> 4, usize::from(tc_th & 15));
            let counts = rest.get(..16).ok_or(Problem::NotWhole)?;
            let total: usize = counts.iter().map(|&n| usize::from(n)).sum();
            let values = rest.get(16..16 + total).ok_or(Problem::NotWhole)?;
            if id > 3 || class > 1 {
                return Err(Problem::NotWhole);
            }
            let table = Huffman::new(counts, values)?;
            if class == 0 {
                self.dc[id] = Some(table);
            } else {
                self.ac[id] = Some(table);
            }
            s = &rest[16 + total..];
        }
        Ok(())
    }

    /// Decodes the scan whose header is `s` and whose entropy-coded data
    /// starts at `pos`; answers where the data ends.
    fn scan(&mut self, s: &[u8], bytes: &[u8], pos: usize) -> Result<usize, Problem> {
        let frame = self.frame.as_ref().ok_or(Problem::NotWhole)?;
        let count = usize::from(*s.first().ok_or(Problem::NotWhole)?);
        if count > 4 {
            return Err(Problem::NotWhole);
        }
        let spec = s.get(1..1 + 2 * count).ok_or(Problem::NotWhole)?;
        let mut members = Vec::with_capacity(count);
        for m in spec.chunks_exact(2) {
            let index = frame
                .components
                .iter()
                .position(|c| c.id == m[0])
                .ok_or(Problem::NotWhole)?;
            let dc = self.dc[usize::from(m[1] >> 4) & 3]
                .as_ref()
                .ok_or(Problem::NotWhole)?;
            let ac = self.ac[usize::from(m[1] & 15) & 3]
                .as_ref()
                .ok_or(Problem::NotWhole)?;
            members.push((index, dc, ac));
        }
        if members.is_empty() {
            return Err(Problem::NotWhole);
        }
        let grey_width = frame.mcus_x * frame.components[0].h;
        let mut bits = Bits::new(bytes, pos);
        let mut predictions = [0i32; 4];
        let interval = usize::from(self.restart_interval);
        // Between restart intervals the bits left are padding, the marker
        // comes next, and the DC predictions start again.
        let restart = |bits: &mut Bits<'_>, n: usize, predictions: &mut [i32; 4]| {
            if interval > 0 && n > 0 && n.is_multiple_of(interval) {
                *predictions = [0; 4];
                bits.restart()
            } else {
                Ok(())
            }
        };
        if let [(index, dc, ac)] = members[..] {
            let (across, down) = frame.blocks(&frame.components[index]);
            for n in 0..across * down {
                restart(&mut bits, n, &mut predictions)?;
                let value = bits.block(dc, ac, &mut predictions[0])?;
                if index == 0 {
                    self.grey[(n / across) * grey_width + n % across] = value;
                }
            }
        } else {
            for n in 0..frame.mcus_x * frame.mcus_y {
                restart(&mut bits, n, &mut predictions)?;
                let (mx, my) = (n % frame.mcus_x, n / frame.mcus_x);
                for (slot, &(index, dc, ac)) in members.iter().enumerate() {
                    let c = frame.components[index];
                    for v in 0..c.v {
                        for h in 0..c.h {
                            let value = bits.block(dc, ac, &mut predictions[slot])?;
                            if index == 0 {
                                self.grey[(my * c.v + v) * grey_width + mx * c.h + h] = value;
                            }
                        }
                    }
                }
            }
        }
        bits.done()?;
        self.grey_seen |= members.iter().any(|m| m.0 == 0);
        Ok(bits.pos)
    }

    /// The glance, once the image has ended.
    fn finish(self) -> Result<GrayImage, Problem> {
        let frame = self.frame.ok_or(Problem::NotWhole)?;
        if !self.grey_seen {
            return Err(Problem::NotWhole);
        }
        let first = frame.components[0];
        let quant = self.quant[first.quant].ok_or(Problem::NotWhole)?;
        let (across, down) = frame.blocks(&first);
        let grey_width = frame.mcus_x * first.h;
        let mut pixels = Vec::with_capacity(across * down);
        for y in 0..down {
            for x in 0..across {
                // The DC coefficient is eight times the block's mean, less 128.
                let dc = i64::from(self.grey[y * grey_width + x]) * i64::from(quant);
                pixels.push((((dc + 4) >> 3) + 128).clamp(0, 255) as u8);
            }
        }
        GrayImage::from_raw(across as u32, down as u32, pixels).ok_or(Problem::NotWhole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A textured photo (grain on every pixel, print, a darker table), in
    /// colour or grey, as `image` encodes it.
    fn photo(width: u32, height: u32, colour: bool, quality: u8) -> Vec<u8> {
        let mut seed: u32 = 0x9e37_79b9;
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let grain = (seed % 40) as u8;
            let paper = x > width / 5 && x < width * 4 / 5;
            let print = paper && y % 23 < 4 && x % 97 > 20;
            match (paper, print) {
                (_, true) => image::Rgb([30 + grain, 30 + grain, 40 + grain]),
                (true, false) => image::Rgb([200 + grain, 198 + grain, 190 + grain]),
                _ => image::Rgb([90 + grain, 60 + grain, 30 + grain]),
            }
        });
        let img = if colour {
            image::DynamicImage::ImageRgb8(img)
        } else {
            image::DynamicImage::ImageLuma8(image::DynamicImage::ImageRgb8(img).to_luma8())
        };
        let mut out = std::io::Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&img)
            .expect("encode");
        out.into_inner()
    }

    fn glance(bytes: &[u8]) -> Result<GrayImage, Problem> {
        match read(bytes, |_, _| Ok(()))? {
            Read::Glance(glance) => Ok(glance),
            Read::Other => panic!("a baseline JPEG taken for another kind"),
        }
    }

    #[test]
    fn the_eighth_is_the_full_decode_shrunk() {
        for (width, height, colour, quality) in [
            (1200, 900, true, 92),
            (333, 517, true, 50),
            (64, 16, true, 85),
            (301, 199, false, 90),
        ] {
            let mean = apart(&photo(width, height, colour, quality));
            assert!(
                mean < 1.5,
                "{width}x{height} colour {colour}: {mean} grey levels apart on average"
            );
        }
    }

    /// The photo as `jpeg-encoder` writes it: with restart markers every
    /// `interval` MCUs, Huffman tables made for it (codes up to 16 bits),
    /// or progressive.
    fn encoded(
        width: u16,
        height: u16,
        interval: u16,
        optimized: bool,
        progressive: bool,
    ) -> Vec<u8> {
        let rgb = image::load_from_memory(&photo(width.into(), height.into(), true, 100))
            .expect("decodes")
            .to_rgb8();
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, 88);
        encoder.set_restart_interval(interval);
        encoder.set_optimized_huffman_tables(optimized);
        encoder.set_progressive(progressive);
        encoder
            .encode(&rgb, width, height, jpeg_encoder::ColorType::Rgb)
            .expect("encodes");
        out
    }

    /// How far our glance is from the whole decode shrunk, on average.
    fn apart(bytes: &[u8]) -> f64 {
        let ours = glance(bytes).unwrap();
        let whole =
            crate::photo::decode_whole(bytes, |_, _| Ok(()), |_, _| crate::photo::GLANCE_SCALE)
                .map(|g| g.image)
                .unwrap();
        assert_eq!(ours.dimensions(), whole.dimensions());
        let differs: u64 = ours
            .pixels()
            .zip(whole.pixels())
            .map(|(a, b)| u64::from(a[0].abs_diff(b[0])))
            .sum();
        differs as f64 / f64::from(ours.width() * ours.height())
    }

    #[test]
    fn restart_intervals_are_followed() {
        for interval in [1, 3, 7] {
            let mean = apart(&encoded(413, 290, interval, false, false));
            assert!(
                mean < 1.5,
                "restart every {interval}: {mean} grey levels apart"
            );
        }
    }

    #[test]
    fn codes_longer_than_the_lookahead_read_as_the_short_ones() {
        // Tables made for the photo: one scan a component, codes up to 16
        // bits. The coefficients are the same as with the standard tables,
        // so the glance must be too. (zune-jpeg reads such a file with its
        // lower rows black, so it is not the yardstick here.)
        for interval in [0, 5] {
            let standard = glance(&encoded(413, 290, interval, false, false)).unwrap();
            let bytes = encoded(413, 290, interval, true, false);
            assert!(longest_code(&bytes) > entropy::SKIP_BITS as usize);
            let optimized = glance(&bytes).unwrap();
            assert_eq!(
                standard.as_raw(),
                optimized.as_raw(),
                "restart every {interval}"
            );
        }
    }

    /// The longest Huffman code of any table in `bytes`, in bits.
    fn longest_code(bytes: &[u8]) -> usize {
        let mut longest = 0;
        let mut at = 2;
        while let Some((marker, found)) = next_marker(bytes, at) {
            if marker == 0xDA {
                break;
            }
            let (segment, end) = segment(bytes, found).unwrap();
            let mut rest = segment;
            while rest.len() > 17 && marker == 0xC4 {
                let counts = &rest[1..17];
                if let Some(length) = counts.iter().rposition(|&n| n > 0) {
                    longest = longest.max(length + 1);
                }
                let total: usize = counts.iter().map(|&n| usize::from(n)).sum();
                rest = &rest[17 + total..];
            }
            at = end;
        }
        longest
    }

    #[test]
    fn a_restart_marker_lost_is_not_whole() {
        let bytes = encoded(413, 290, 3, false, false);
        // The scan's third restart marker (FF D2) turned into data.
        let at = bytes
            .windows(2)
            .position(|w| w == [0xFF, 0xD2])
            .expect("a third restart marker");
        let mut damaged = bytes.clone();
        damaged[at + 1] = 0x00;
        assert!(matches!(
            read(&damaged, |_, _| Ok(())),
            Err(Problem::NotWhole)
        ));
    }

    #[test]
    fn a_progressive_photo_is_left_to_the_full_decoder() {
        let bytes = encoded(200, 120, 0, false, true);
        assert!(matches!(read(&bytes, |_, _| Ok(())), Ok(Read::Other)));
        assert!(
            crate::photo::decode_whole(&bytes, |_, _| Ok(()), |_, _| crate::photo::GLANCE_SCALE)
                .is_ok()
        );
    }

    #[test]
    fn a_cut_scan_is_not_whole() {
        let bytes = photo(640, 480, true, 90);
        for cut in [bytes.len() / 3, bytes.len() / 2, bytes.len() - 300] {
            assert_eq!(
                glance(&bytes[..cut]).err(),
                Some(Problem::NotWhole),
                "cut at {cut}"
            );
        }
        let mut damaged = bytes.clone();
        let middle = damaged.len() / 2;
        damaged[middle..middle + 64].fill(0xFF);
        assert!(glance(&damaged).is_err(), "a run of FF in the scan");
    }

    #[test]
    fn damaged_bytes_anywhere_are_refused_or_read_never_a_panic() {
        let bytes = photo(96, 64, true, 80);
        let mut seed: u64 = 0x853c_49e6_748f_ea9b;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..3000 {
            let mut damaged = bytes.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % damaged.len() as u64) as usize;
                damaged[at] = next() as u8;
            }
            let cut = damaged.len() - (next() % 8) as usize;
            let _ = read(&damaged[..cut], |_, _| Ok(()));
        }
    }

    #[test]
    fn what_phones_do_not_write_is_left_to_the_full_decoder() {
        // A 12-bit frame header.
        let twelve_bits = [
            0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x0C, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11,
            0x00,
        ];
        assert!(matches!(read(&twelve_bits, |_, _| Ok(())), Ok(Read::Other)));
        // A progressive frame header.
        let progressive = [0xFF, 0xD8, 0xFF, 0xC2, 0x00, 0x0B, 0x08, 0x00, 0x10];
        assert!(matches!(read(&progressive, |_, _| Ok(())), Ok(Read::Other)));
    }

    #[test]
    fn the_pixel_limit_is_asked_before_the_scan() {
        let bytes = photo(64, 48, true, 80);
        let asked = read(&bytes, |w, h| {
            assert_eq!((w, h), (64, 48));
            Err(Problem::TooManyPixels)
        });
        assert_eq!(asked.err(), Some(Problem::TooManyPixels));
    }
}
