//! QR decoders on the project's fixture set ([`qrscan::fixtures`]), side by side:
//! qrscan (what the widget ships: quircs behind frame preparation), quircs and
//! rqrr (two ports of quirc) on the frame as it is, zedbar (a port of zbar, which
//! the widget shipped before) and zxing-cpp, the
//! reference, through its Python binding (`ZXING_PYTHON`: an interpreter that
//! has it; `cargo xtask bench` installs one). For each: the share of codes it
//! reads and its time per frame. The times are native code on this machine; the
//! wasm module runs the same code more slowly. Run by `cargo xtask bench`, which
//! puts the Markdown it prints into docs/bench.md.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use qrscan::fixtures::{self, Fixture};

/// A decoder under test: the text of the first code in a fixture, if any.
type Decoder = fn(&Fixture) -> Option<String>;

fn qrscan(fixture: &Fixture) -> Option<String> {
    qrscan::decode(&fixture.luma, fixture.width, fixture.height)
}

fn quircs(fixture: &Fixture) -> Option<String> {
    let mut quirc = quircs::Quirc::new();
    let (w, h) = (fixture.width as usize, fixture.height as usize);
    quirc
        .identify(w, h, &fixture.luma)
        .flatten()
        .filter_map(|code| code.decode().ok())
        .find_map(|data| String::from_utf8(data.payload).ok())
}

/// Natively only, like zedbar.
#[cfg(not(target_arch = "wasm32"))]
fn rqrr(fixture: &Fixture) -> Option<String> {
    let (w, h) = (fixture.width as usize, fixture.height as usize);
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| fixture.luma[y * w + x]);
    image
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

/// Natively only: zedbar is not built for wasm32 (where `cargo xtask widget`
/// lints this bench).
#[cfg(not(target_arch = "wasm32"))]
fn zedbar(fixture: &Fixture) -> Option<String> {
    use zedbar::config::QrCode;
    use zedbar::{DecoderConfig, Image, Scanner};
    // As the widget configured it: small codes, half and quarter size and a
    // smoothed copy retried when the first pass finds nothing.
    let config = DecoderConfig::new()
        .enable(QrCode)
        .retry_undecoded_regions(true)
        .retry_downscaled(true)
        .retry_smoothed(true);
    let mut image = Image::from_gray(&fixture.luma, fixture.width, fixture.height).ok()?;
    Scanner::with_config(config)
        .scan(&mut image)
        .into_symbols()
        .into_iter()
        .find_map(|symbol| symbol.data_string().map(str::to_owned))
}

/// What one decoder did on the set: the fixtures it read, its milliseconds per frame.
struct Run {
    name: &'static str,
    read: BTreeSet<String>,
    times: Vec<f64>,
}

fn run(name: &'static str, decode: Decoder, set: &[Fixture]) -> Run {
    let mut times = Vec::with_capacity(set.len());
    let mut read = BTreeSet::new();
    for fixture in set {
        let start = Instant::now();
        let text = decode(fixture);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        if text.as_deref() == Some(fixture.text.as_str()) {
            read.insert(fixture.name.clone());
        }
    }
    Run { name, read, times }
}

/// zxing-cpp reading each fixture, written as a PGM to a scratch folder; the
/// time is `read_barcodes` alone, as it runs in C++.
const ZXING_SCRIPT: &str = r"
import pathlib, sys, time
import numpy, zxingcpp
for pgm in sorted(pathlib.Path(sys.argv[1]).glob('*.pgm')):
    header, width_height, depth, pixels = pgm.read_bytes().split(b'\n', 3)
    width, height = map(int, width_height.split())
    image = numpy.frombuffer(pixels, dtype=numpy.uint8).reshape(height, width)
    want = pgm.with_suffix('.txt').read_text()
    start = time.perf_counter()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    took = (time.perf_counter() - start) * 1000
    print(pgm.stem, int(any(code.text == want for code in found)), took)
";

fn zxing(python: &Path, set: &[Fixture]) -> Run {
    let dir = std::env::temp_dir().join(format!("qr-fixtures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    for fixture in set {
        let mut pgm = format!("P5\n{} {}\n255\n", fixture.width, fixture.height).into_bytes();
        pgm.extend_from_slice(&fixture.luma);
        std::fs::write(dir.join(format!("{}.pgm", fixture.name)), pgm).expect("a fixture written");
        std::fs::write(dir.join(format!("{}.txt", fixture.name)), &fixture.text)
            .expect("a fixture written");
    }
    let out = Command::new(python)
        .args(["-c", ZXING_SCRIPT])
        .arg(&dir)
        .output()
        .expect("zxing-cpp's Python runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "zxing-cpp failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (mut read, mut times) = (BTreeSet::new(), Vec::new());
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut fields = line.split(' ');
        let (Some(name), Some(ok), Some(ms)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        if ok == "1" {
            read.insert(name.to_owned());
        }
        times.push(ms.parse().expect("a time in ms"));
    }
    assert_eq!(times.len(), set.len(), "zxing-cpp read every fixture file");
    Run {
        name: "zxing-cpp 3.1.1 (reference, C++)",
        read,
        times,
    }
}

/// At most six names, and how many more.
fn some(names: &[&String]) -> String {
    let shown: Vec<&str> = names.iter().take(6).map(|n| n.as_str()).collect();
    let more = names.len().saturating_sub(6);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn main() {
    let set = fixtures::set();
    let mut runs = vec![
        run(
            "qrscan (shipped: quircs with frame preparation)",
            qrscan,
            &set,
        ),
        run("quircs alone", quircs, &set),
    ];
    #[cfg(not(target_arch = "wasm32"))]
    runs.extend([
        run("rqrr alone", rqrr, &set),
        run("zedbar (shipped before)", zedbar, &set),
    ]);
    match std::env::var_os("ZXING_PYTHON") {
        Some(python) => runs.push(zxing(Path::new(&python), &set)),
        None => eprintln!("decoders: ZXING_PYTHON not set, zxing-cpp not run"),
    }
    println!("## QR decoding\n");
    println!(
        "{} fixtures of {}x{} px (3 module sizes x 4 tilts x 3 blurs x 3 lights), each decoder in turn in one run.\n",
        set.len(),
        fixtures::WIDTH,
        fixtures::HEIGHT
    );
    println!(
        "| decoder | decoded | median ms per frame | slowest ms | missed that another read |\n|---|---:|---:|---:|---|"
    );
    for run in &mut runs {
        run.times.sort_by(f64::total_cmp);
    }
    let anyone: BTreeSet<&String> = runs.iter().flat_map(|r| &r.read).collect();
    for run in &runs {
        let missed: Vec<&String> = anyone
            .iter()
            .copied()
            .filter(|name| !run.read.contains(*name))
            .collect();
        println!(
            "| {} | {}/{} ({:.1}%) | {:.1} | {:.1} | {} |",
            run.name,
            run.read.len(),
            set.len(),
            run.read.len() as f64 * 100.0 / set.len() as f64,
            run.times[run.times.len() / 2],
            run.times[run.times.len() - 1],
            if missed.is_empty() {
                "none".to_owned()
            } else {
                some(&missed)
            },
        );
    }
    let nobody: Vec<&String> = set
        .iter()
        .map(|f| &f.name)
        .filter(|name| !anyone.contains(name))
        .collect();
    let kinds: BTreeSet<String> = nobody
        .iter()
        .map(|name| {
            // m2-r25-b1-dim: its module size and blur.
            let parts: Vec<&str> = name.split('-').collect();
            format!(
                "{} px a module blurred {} px",
                &parts[0][1..],
                &parts[2][1..]
            )
        })
        .collect();
    println!(
        "\nRead by none of them: {} of {} ({}), every tilt and light: {}. There the blur is as wide as a module or wider, so the modules run together.",
        nobody.len(),
        set.len(),
        kinds.into_iter().collect::<Vec<_>>().join("; "),
        some(&nobody),
    );
}
