//! QR decoders on the project's fixture set ([`qrscan::fixtures`]): the share of
//! codes each one reads and its time per frame, for zedbar (what the widget
//! ships) and rqrr (the other pure-Rust decoder). The times are native code on
//! this machine; the wasm module runs the same code more slowly (not yet measured
//! in the browser). Run by `cargo xtask bench`, which puts the Markdown it prints
//! into docs/bench.md.

use std::time::Instant;

use qrscan::fixtures::{self, Fixture};

/// A decoder under test: the text of the first code in a fixture, if any.
type Decoder = fn(&Fixture) -> Option<String>;

fn zedbar(fixture: &Fixture) -> Option<String> {
    qrscan::decode(&fixture.luma, fixture.width, fixture.height)
}

fn rqrr(fixture: &Fixture) -> Option<String> {
    let (w, h) = (fixture.width as usize, fixture.height as usize);
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| fixture.luma[y * w + x]);
    image
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

fn main() {
    let set = fixtures::set();
    let decoders: [(&str, Decoder); 2] = [("zedbar (qrscan, shipped)", zedbar), ("rqrr", rqrr)];
    println!("## QR decoding\n");
    println!(
        "{} fixtures of {}x{} px (3 module sizes x 4 tilts x 3 blurs x 3 lights).\n",
        set.len(),
        fixtures::WIDTH,
        fixtures::HEIGHT
    );
    println!(
        "| decoder | decoded | median ms per frame | slowest ms | missed |\n|---|---:|---:|---:|---|"
    );
    for (name, decode) in decoders {
        let mut times = Vec::with_capacity(set.len());
        let mut missed = Vec::new();
        for fixture in &set {
            let start = Instant::now();
            let text = decode(fixture);
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            if text.as_deref() != Some(fixture.text.as_str()) {
                missed.push(fixture.name.clone());
            }
        }
        times.sort_by(f64::total_cmp);
        let decoded = set.len() - missed.len();
        let shown: Vec<_> = missed.iter().take(6).cloned().collect();
        let more = if missed.len() > 6 {
            format!(" and {} more", missed.len() - 6)
        } else {
            String::new()
        };
        println!(
            "| {name} | {decoded}/{} ({:.1}%) | {:.1} | {:.1} | {}{more} |",
            set.len(),
            decoded as f64 * 100.0 / set.len() as f64,
            times[times.len() / 2],
            times[times.len() - 1],
            shown.join(", "),
        );
    }
}
