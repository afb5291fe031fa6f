//! The functions of a module laid out for gzip: each followed by the one most
//! like it.
//!
//! gzip (DEFLATE) finds a repeat only in the 32 KB before it, and rustc lays
//! out functions in the order it generates them, so the near-copies that
//! generic code makes (a yew hook or callback for each type, a drop for each
//! type, a reader for each field) often lie too far apart to be found, and
//! each is stored in full. Laid out by likeness, the widget's module is
//! some 3% smaller gzipped (docs/bench.md, "Widget download").
//!
//! Likeness is estimated as MinHash does (Broder, 1997): the share of `HASHES`
//! hash functions whose least value over a body's `SHINGLE`-byte windows is
//! the same for two bodies. The layout is greedy: from the first function,
//! always the most like one of the last `RECENT` placed, the nearest in the
//! old order (the earlier of two as near) where several are as alike.
//!
//! wasm-opt does the moving (`--reorder-functions-by-name`, which renumbers
//! every call and table entry): [`name_by_likeness`] names each function by
//! its place in the new layout.

use std::cmp::Reverse;
use std::collections::VecDeque;

use anyhow::Context;

/// Bytes per window: long enough to tell instructions apart, short enough
/// that small bodies have several.
const SHINGLE: usize = 4;

/// Hash functions per body: enough that the estimate of likeness steadies
/// (measured on the widget: 64 lay it out 1.5 KB gzip worse).
const HASHES: usize = 256;

/// What MinHash keeps of a body: 16 bits of each least value, which two
/// unlike bodies share by chance once in 65,536.
type Signature = [u16; HASHES];

/// How many of the functions placed last the next is compared with: the
/// most like any of them comes next, so that a run of likes is not broken
/// by one that is a little less like the last.
const RECENT: usize = 5;

/// `module` with a name section (any it had is dropped) that names each
/// function it defines by its place in the layout by likeness, as five or
/// more digits, so that sorting by name lays them out so.
pub fn name_by_likeness(module: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut imported = 0u32;
    let mut bodies = Vec::new();
    let mut out = wasm_encoder::Module::new();
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        let payload = payload?;
        match &payload {
            wasmparser::Payload::ImportSection(reader) => {
                for import in reader.clone().into_imports() {
                    if matches!(import?.ty, wasmparser::TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            wasmparser::Payload::CodeSectionEntry(body) => {
                bodies.push(&module[body.range()]);
            }
            wasmparser::Payload::CustomSection(custom) if custom.name() == "name" => continue,
            _ => {}
        }
        if let Some((id, range)) = payload.as_section() {
            out.section(&wasm_encoder::RawSection {
                id,
                data: &module[range],
            });
        }
    }
    let order = by_likeness(&bodies);
    let mut place = vec![0; order.len()];
    for (at, &function) in order.iter().enumerate() {
        place[function] = at;
    }
    let mut names = wasm_encoder::NameMap::new();
    for (function, at) in place.iter().enumerate() {
        let index = imported + u32::try_from(function).context("too many functions")?;
        names.append(index, &format!("{at:05}"));
    }
    let mut section = wasm_encoder::NameSection::new();
    section.functions(&names);
    out.section(&section);
    Ok(out.finish())
}

/// The bodies' indices in the layout by likeness (see the module's doc).
fn by_likeness(bodies: &[&[u8]]) -> Vec<usize> {
    let signatures: Vec<Signature> = bodies.iter().map(|body| signature(body)).collect();
    let n = bodies.len();
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    // How alike each body not yet placed is to each of the last `RECENT`.
    let mut recent: VecDeque<Vec<usize>> = VecDeque::with_capacity(RECENT + 1);
    let mut last = 0;
    while order.len() < n {
        placed[last] = true;
        order.push(last);
        let alikes = signatures
            .iter()
            .zip(&placed)
            .map(|(other, &placed)| {
                if placed {
                    0
                } else {
                    alike(&signatures[last], other)
                }
            })
            .collect();
        recent.push_back(alikes);
        if recent.len() > RECENT {
            recent.pop_front();
        }
        let Some(next) = (0..n).filter(|&i| !placed[i]).max_by_key(|&i| {
            (
                recent.iter().map(|alikes| alikes[i]).max(),
                Reverse(i.abs_diff(last)),
                Reverse(i),
            )
        }) else {
            break;
        };
        last = next;
    }
    order
}

/// How many of the hash functions two signatures agree on.
fn alike(a: &Signature, b: &Signature) -> usize {
    a.iter().zip(b).filter(|(x, y)| x == y).count()
}

/// The least value of each hash function over `body`'s windows (the whole
/// body where it is shorter than one).
fn signature(body: &[u8]) -> Signature {
    let mut least = [u16::MAX; HASHES];
    let windows = body.windows(SHINGLE.min(body.len().max(1)));
    for window in windows {
        let base = window.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        for (k, slot) in least.iter_mut().enumerate() {
            let seed = (k as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            // The high bits of splitmix64's finish: one hash function per seed.
            let hash = (splitmix(base ^ seed) >> 48) as u16;
            *slot = (*slot).min(hash);
        }
    }
    least
}

/// splitmix64's finalizer: every bit of `x` stirred into every bit out.
fn splitmix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A function body of `n` instructions in the pattern `seed` picks.
    fn body(seed: u8, n: usize) -> Vec<u8> {
        (0..n)
            .flat_map(|i| [0x20, (i as u8).wrapping_mul(seed), 0x41, seed, 0x6a])
            .collect()
    }

    #[test]
    fn each_function_is_followed_by_the_one_most_like_it() {
        let a = body(3, 40);
        let b = body(7, 40);
        let mut a2 = a.clone();
        a2[10] ^= 0xff;
        let mut b2 = b.clone();
        b2.truncate(36);
        let bodies: Vec<&[u8]> = vec![&a, &b, &a2, &b2];
        assert_eq!(by_likeness(&bodies), [0, 2, 1, 3]);
        // Where none is more alike, the old order stays.
        let same: Vec<&[u8]> = vec![&a, &a, &a];
        assert_eq!(by_likeness(&same), [0, 1, 2]);
        assert!(by_likeness(&[]).is_empty());
    }

    #[test]
    fn the_names_sort_as_the_layout_and_number_after_the_imports() {
        let mut types = wasm_encoder::TypeSection::new();
        types.ty().function([], []);
        let mut imports = wasm_encoder::ImportSection::new();
        imports.import("env", "f", wasm_encoder::EntityType::Function(0));
        let mut functions = wasm_encoder::FunctionSection::new();
        let mut code = wasm_encoder::CodeSection::new();
        for seed in [3, 7, 3] {
            functions.function(0);
            let mut f = wasm_encoder::Function::new([]);
            for i in 0..30u8 {
                f.instruction(&wasm_encoder::Instruction::I32Const(i32::from(i * seed)));
                f.instruction(&wasm_encoder::Instruction::Drop);
            }
            f.instruction(&wasm_encoder::Instruction::End);
            code.function(&f);
        }
        let mut module = wasm_encoder::Module::new();
        module
            .section(&types)
            .section(&imports)
            .section(&functions)
            .section(&code);
        let named = name_by_likeness(&module.finish()).unwrap();
        let mut names = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(&named) {
            if let wasmparser::Payload::CustomSection(custom) = payload.unwrap()
                && let wasmparser::KnownCustom::Name(reader) = custom.as_known()
            {
                for name in reader {
                    if let wasmparser::Name::Function(map) = name.unwrap() {
                        for naming in map {
                            let naming = naming.unwrap();
                            names.push((naming.index, naming.name.to_owned()));
                        }
                    }
                }
            }
        }
        assert_eq!(
            names,
            [
                (1, "00000".into()),
                (2, "00002".into()),
                (3, "00001".into())
            ]
        );
    }
}
