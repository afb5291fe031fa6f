//! The entropy-coded data of a scan: Huffman tables and the bits read
//! through them, block by block, keeping each block's DC coefficient and
//! walking past its AC ones.

use super::next_marker;
use crate::photo::Problem;

/// How many bits the AC walk looks ahead: a code and its extra bits are
/// passed in one lookup when they fit (nearly all of a photo's do).
pub(super) const SKIP_BITS: u32 = 11;

/// In an entry of [`Huffman::skip`]: the block ends here.
const SKIP_END: u16 = 1 << 15;

/// The entry of [`Huffman::skip`] for a code of `length` bits meaning `rs`
/// (run, size), packed in a `u16`: the bits to pass (`0..5`), the
/// coefficients passed (`5..10`), the extra bits still to take after
/// (`10..14`), and [`SKIP_END`].
fn skip_entry(length: u32, rs: u8) -> u16 {
    let (run, size) = (u16::from(rs >> 4), u16::from(rs & 15));
    let length = length as u16;
    match (run, size) {
        // Sixteen zeros.
        (15, 0) => length | 16 << 5,
        // The rest of the block is zero.
        (_, 0) => length | SKIP_END,
        _ if u32::from(length + size) <= SKIP_BITS => (length + size) | (run + 1) << 5,
        _ => length | (run + 1) << 5 | size << 10,
    }
}

/// A Huffman table: codes up to 9 bits by lookup, longer ones by length.
pub(super) struct Huffman {
    /// By the next 9 bits: the code's length (0: longer) and its value.
    fast: Box<[(u8, u8); 512]>,
    /// For walking past AC coefficients, by the next [`SKIP_BITS`] bits:
    /// what the code and its extra bits come to ([`skip_entry`]; 0: a longer code).
    skip: Box<[u16; 1 << SKIP_BITS]>,
    /// For each length, the largest code of it (-1: none) and the offset from
    /// a code to its value's index.
    max_code: [i32; 17],
    offset: [i32; 17],
    values: Vec<u8>,
}

impl Huffman {
    pub(super) fn new(counts: &[u8], values: &[u8]) -> Result<Self, Problem> {
        let mut fast = Box::new([(0u8, 0u8); 512]);
        let mut skip = Box::new([0u16; 1 << SKIP_BITS]);
        let mut max_code = [-1i32; 17];
        let mut offset = [0i32; 17];
        let (mut code, mut index) = (0i32, 0usize);
        for length in 1..=16 {
            let n = usize::from(counts[length - 1]);
            offset[length] = index as i32 - code;
            for _ in 0..n {
                if code >= 1 << length {
                    return Err(Problem::NotWhole);
                }
                let value = *values.get(index).ok_or(Problem::NotWhole)?;
                if length <= 9 {
                    let shift = 9 - length;
                    let start = (code as usize) << shift;
                    for entry in &mut fast[start..start + (1 << shift)] {
                        *entry = (length as u8, value);
                    }
                }
                if length <= SKIP_BITS as usize {
                    let shift = SKIP_BITS as usize - length;
                    let start = (code as usize) << shift;
                    skip[start..start + (1 << shift)].fill(skip_entry(length as u32, value));
                }
                code += 1;
                index += 1;
            }
            if n > 0 {
                max_code[length] = code - 1;
            }
            code <<= 1;
        }
        Ok(Self {
            fast,
            skip,
            max_code,
            offset,
            values: values.to_vec(),
        })
    }
}

/// The entropy-coded bits of a scan, most significant first, with `FF 00`
/// unstuffed. At a marker or the end, zeros are fed in, and counted: a scan
/// that uses them was cut short.
pub(super) struct Bits<'a> {
    bytes: &'a [u8],
    pub(super) pos: usize,
    acc: u64,
    count: u32,
    /// Zero bits fed in past the data.
    padding: u32,
}

impl<'a> Bits<'a> {
    pub(super) fn new(bytes: &'a [u8], pos: usize) -> Self {
        Self {
            bytes,
            pos,
            acc: 0,
            count: 0,
            padding: 0,
        }
    }

    fn refill(&mut self) {
        // Eight bytes at once where none of them is `FF` (a stuffed byte or
        // a marker), as many whole bytes as the accumulator has room for.
        if self.padding == 0
            && let Some(chunk) = self.bytes.get(self.pos..self.pos + 8)
        {
            let word = u64::from_be_bytes(chunk.try_into().unwrap_or_default());
            let flipped = !word;
            // Whether a byte of `flipped` is zero: one of `word` is `FF`.
            let has_ff = flipped.wrapping_sub(0x0101_0101_0101_0101) & word & 0x8080_8080_8080_8080;
            if has_ff == 0 {
                let taken = (64 - self.count) / 8;
                let filled = self.count + 8 * taken;
                let kept = if filled == 64 {
                    u64::MAX
                } else {
                    !(u64::MAX >> filled)
                };
                self.acc |= (word >> self.count) & kept;
                self.pos += taken as usize;
                self.count = filled;
                return;
            }
        }
        while self.count <= 56 {
            let byte = if self.padding > 0 {
                None
            } else {
                match self.bytes.get(self.pos) {
                    Some(0xFF) if self.bytes.get(self.pos + 1) == Some(&0x00) => {
                        self.pos += 2;
                        Some(0xFF)
                    }
                    Some(0xFF) | None => None,
                    Some(&b) => {
                        self.pos += 1;
                        Some(b)
                    }
                }
            };
            if byte.is_none() {
                self.padding += 8;
            }
            self.acc |= u64::from(byte.unwrap_or(0)) << (56 - self.count);
            self.count += 8;
        }
    }

    fn take(&mut self, n: u32) -> u32 {
        let value = (self.acc >> (64 - n)) as u32;
        self.acc <<= n;
        self.count -= n;
        value
    }

    fn symbol(&mut self, table: &Huffman) -> Result<u8, Problem> {
        if self.count < 32 {
            self.refill();
        }
        let (length, value) = table.fast[(self.acc >> 55) as usize];
        if length > 0 {
            self.take(u32::from(length));
            return Ok(value);
        }
        let peek = (self.acc >> 48) as i32;
        for length in 10..=16 {
            let code = peek >> (16 - length);
            if code <= table.max_code[length] {
                self.take(length as u32);
                return table
                    .values
                    .get((code + table.offset[length]) as usize)
                    .copied()
                    .ok_or(Problem::NotWhole);
            }
        }
        Err(Problem::NotWhole)
    }

    /// One block: answers its DC coefficient (unquantized), walking past its
    /// AC ones.
    pub(super) fn block(
        &mut self,
        dc: &Huffman,
        ac: &Huffman,
        prediction: &mut i32,
    ) -> Result<i32, Problem> {
        let size = u32::from(self.symbol(dc)?);
        if size > 11 {
            return Err(Problem::NotWhole);
        }
        if size > 0 {
            let raw = self.take(size) as i32;
            // Wrapping: a damaged scan may sum past any bound, and its
            // glance is nonsense either way.
            *prediction = prediction.wrapping_add(if raw < 1 << (size - 1) {
                raw - (1 << size) + 1
            } else {
                raw
            });
        }
        let mut k = 1;
        while k < 64 {
            if self.count < 32 {
                self.refill();
            }
            let entry = ac.skip[(self.acc >> (64 - SKIP_BITS)) as usize];
            if entry == 0 {
                // A code longer than the lookahead.
                let rs = self.symbol(ac)?;
                let (run, size) = (u32::from(rs >> 4), u32::from(rs & 15));
                if size == 0 {
                    if run != 15 {
                        break;
                    }
                    k += 16;
                    continue;
                }
                k += run + 1;
                self.take(size);
                continue;
            }
            self.take(u32::from(entry & 31));
            if entry & SKIP_END != 0 {
                break;
            }
            k += u32::from(entry >> 5 & 31);
            let extra = u32::from(entry >> 10 & 15);
            if extra > 0 {
                self.take(extra);
            }
        }
        Ok(*prediction)
    }

    /// Whether the bits read so far were all in the data.
    fn whole(&self) -> bool {
        self.padding <= self.count
    }

    /// Between restart intervals: the bits left are padding, and a restart
    /// marker must come next.
    pub(super) fn restart(&mut self) -> Result<(), Problem> {
        if !self.whole() {
            return Err(Problem::NotWhole);
        }
        let (marker, at) = next_marker(self.bytes, self.pos).ok_or(Problem::NotWhole)?;
        if !(0xD0..=0xD7).contains(&marker) {
            return Err(Problem::NotWhole);
        }
        self.pos = at + 2;
        self.acc = 0;
        self.count = 0;
        self.padding = 0;
        Ok(())
    }

    /// At the end of the scan.
    pub(super) fn done(&self) -> Result<(), Problem> {
        if self.whole() {
            Ok(())
        } else {
            Err(Problem::NotWhole)
        }
    }
}
