//! Receipt vision on the fixture set (`cargo xtask bench` runs it; it
//! asserts nothing): how often the receipt's corners are found where they
//! are (IoU at least 0.9 with the true outline), how often a photo with a
//! readable receipt is said to have none, by surface, light and tilt, and
//! the time per 480x640 viewfinder frame on one core (native; the widget's
//! wasm in a slowed browser is measured with the widget).

use std::time::Instant;

use vision::fixtures::{self, Light, Scene, Surface};
use vision::{Advice, Grey, assess, find, overlap, straighten};

fn main() {
    let set = fixtures::set(5);
    let mut rows: Vec<(String, usize, usize, usize)> = Vec::new();
    let mut times = Vec::new();
    let mut said = Vec::new();
    let mut row = |name: String, good: bool, none: bool| {
        if let Some(r) = rows.iter_mut().find(|r| r.0 == name) {
            r.1 += 1;
            r.2 += usize::from(good);
            r.3 += usize::from(none);
        } else {
            rows.push((name, 1, usize::from(good), usize::from(none)));
        }
    };
    for fixture in &set {
        let started = Instant::now();
        let quad = find(&fixture.frame);
        let seen = assess(&fixture.frame, quad);
        times.push(started.elapsed());
        let good = quad.is_some_and(|q| q.iou(&fixture.corners) >= 0.9);
        let none = seen.advice.contains(&Advice::NoReceipt);
        said.push(seen.advice.clone());
        let scene = fixture.scene;
        let surface = match scene.surface {
            Surface::Wood => "on wood",
            Surface::Cloth => "on cloth",
            Surface::Clutter => "on a cluttered table",
        };
        let light = match scene.light {
            Light::Even => "in even light",
            Light::Shade => "in a shadow",
            Light::Lamp => "under a lamp",
        };
        row("**all**".to_owned(), good, none);
        row(surface.to_owned(), good, none);
        row(light.to_owned(), good, none);
        row(
            if scene.long { "long" } else { "short" }.to_owned(),
            good,
            none,
        );
        row(format!("phone tilted {} degrees", scene.tilt), good, none);
    }
    // The same receipts as scans: straightened from their true corners, so
    // the paper fills the frame (a scan, a photo cropped to the paper).
    let scans_said_none = set
        .iter()
        .filter(|fixture| {
            let scan = straighten(&fixture.frame, &fixture.corners, 640);
            assess(&scan, find(&scan))
                .advice
                .contains(&Advice::NoReceipt)
        })
        .count();
    let advice_counts: Vec<String> = [
        (Advice::MoveCloser, "move closer"),
        (Advice::TooDark, "too dark"),
        (Advice::Glare, "glare"),
        (Advice::HoldStill, "hold still"),
        (Advice::Tilted, "tilted"),
    ]
    .iter()
    .map(|(advice, words)| {
        let n = said.iter().filter(|a| a.contains(advice)).count();
        format!("{words} {n}")
    })
    .collect();
    times.sort();
    let ms = |i: usize| times[i].as_secs_f64() * 1000.0;
    println!("## Receipt vision\n");
    println!(
        "The receipt's corners found (`vision::find`) and the photo assessed (`vision::assess`) in {} viewfinder frames of 480x640: short and long receipts on wood, cloth or a table with other things on it (some as light as paper), the phone straight above or tilted up to 35 degrees with the receipt turned up to 20, in even light, in a soft shadow across it, or under a lamp, with sensor grain; the print of characters of thin strokes, each pixel the mean of what lies on it as a lens gathers it. Found: the outline overlaps the true one by at least 0.9 (IoU). Said to have none: the advice a shopper would read, \"no receipt\", on a photo of a readable receipt.\n",
        set.len()
    );
    println!("| photos | n | found (IoU >= 0.9) | said to have no receipt |\n|---|---:|---:|---:|");
    let order = [
        "**all**",
        "on wood",
        "on cloth",
        "on a cluttered table",
        "in even light",
        "in a shadow",
        "under a lamp",
        "short",
        "long",
        "phone tilted 0 degrees",
        "phone tilted 15 degrees",
        "phone tilted 25 degrees",
        "phone tilted 35 degrees",
    ];
    rows.sort_by_key(|r| order.iter().position(|o| *o == r.0).unwrap_or(order.len()));
    for (name, n, good, none) in rows {
        println!(
            "| {name} | {n} | {good} ({:.1}%) | {none} ({:.1}%) |",
            100.0 * good as f64 / n as f64,
            100.0 * none as f64 / n as f64
        );
    }
    println!(
        "\nThe same {} receipts as scans (straightened from their true corners, the paper filling the frame, as a scan or a photo cropped to the paper would): said to have no receipt {scans_said_none}.",
        set.len()
    );
    println!(
        "\nThe other advice given on the same photos (all in focus; the lamp burns some paper white, the shadow darkens some, the tilted ones are seen at a slant): {}.",
        advice_counts.join(", ")
    );
    println!(
        "\nTime per frame, one core, native: median {:.2} ms, slowest {:.2} ms.",
        ms(times.len() / 2),
        ms(times.len() - 1)
    );
    long_receipts();
}

/// The width parts are compared at (the lens's `STITCH_WIDTH`).
const STITCH_WIDTH: u32 = 240;

/// Long receipts shot in two parts, top then bottom, each part a photo of
/// its own (placed, turned and lit anew): found, straightened and brought to
/// the width the lens compares them at, then joined by `vision::overlap`.
fn long_receipts() {
    // Of the receipt's length, how much the two parts share (negative: a
    // gap between them).
    let shares = [0.1, 0.2, 0.3, -0.1];
    let mut rows: Vec<(String, usize, usize, usize, usize)> = Vec::new();
    let mut unfound = 0;
    let mut n = 0u64;
    for surface in [Surface::Wood, Surface::Cloth, Surface::Clutter] {
        for light in [Light::Even, Light::Shade, Light::Lamp] {
            for tilt in [0.0, 15.0, 25.0] {
                for share in shares {
                    n += 1;
                    let (upper_to, lower_from) = ((1.0 + share) / 2.0, (1.0 - share) / 2.0);
                    let shot = |seed: u64, from: f32, to: f32| {
                        let scene = Scene {
                            surface,
                            light,
                            long: true,
                            tilt,
                            seed,
                            paper: n,
                        };
                        fixtures::straightened_part(scene, from, to, STITCH_WIDTH)
                    };
                    let (Some(upper), Some(lower)) =
                        (shot(n * 2, 0.0, upper_to), shot(n * 2 + 1, lower_from, 1.0))
                    else {
                        unfound += 1;
                        continue;
                    };
                    let outcome = joined(&lower, overlap(&upper, &lower), share, upper_to);
                    let name = if share > 0.0 {
                        format!("sharing {:.0}% of the receipt", share * 100.0)
                    } else {
                        "with a gap between them".to_owned()
                    };
                    for name in [name, format!("phone tilted {tilt} degrees")] {
                        let row = match rows.iter_mut().position(|r| r.0 == name) {
                            Some(at) => &mut rows[at],
                            None => {
                                rows.push((name, 0, 0, 0, 0));
                                rows.last_mut().expect("just pushed")
                            }
                        };
                        row.1 += 1;
                        match outcome {
                            Joined::Right => row.2 += 1,
                            Joined::Whole => row.3 += 1,
                            Joined::Wrong => row.4 += 1,
                        }
                    }
                }
            }
        }
    }
    println!("\n### Long receipts in two parts\n");
    println!(
        "{n} long receipts shot in two parts, top then bottom, each part a 480x640 photo of its own (on wood, cloth or a cluttered table, in even light, shade or under a lamp, the phone straight above or tilted 15 or 25 degrees, the part placed and turned anew), found, straightened and compared {STITCH_WIDTH} px wide as the lens compares them (`vision::overlap`). Joined right: where the parts share rows, the repeat found within 2% of the part's height and shown once; where a gap lies between them, stacked whole. Stacked whole: the repeat shown twice (nothing lost). Joined wrong: rows dropped or repeated in the image sent. Parts not found in their photo (then sent as they are, not straightened): {unfound}.\n"
    );
    println!(
        "| parts | n | joined right | stacked whole | joined wrong |\n|---|---:|---:|---:|---:|"
    );
    // The shares in order, then the gap, then the tilts.
    rows.sort_by_key(|r| {
        (
            r.0.starts_with("phone"),
            r.0.starts_with("with"),
            r.0.clone(),
        )
    });
    for (name, n, right, whole, wrong) in rows {
        println!("| {name} | {n} | {right} | {whole} | {wrong} |");
    }
    println!();
}

/// How two parts came out joined.
#[derive(Clone, Copy)]
enum Joined {
    Right,
    Whole,
    Wrong,
}

/// The join `found` (rows of `lower` repeating `upper`) judged against the
/// truth: the parts share `share` of the receipt, the upper part ending at
/// `upper_to` of it.
fn joined(lower: &Grey, found: Option<u32>, share: f32, upper_to: f32) -> Joined {
    if share <= 0.0 {
        return if found.is_none() {
            Joined::Right
        } else {
            Joined::Wrong
        };
    }
    // The lower part is as long as the upper one: `upper_to` of the receipt.
    let expected = lower.height as f32 * share / upper_to;
    match found {
        None => Joined::Whole,
        Some(k) if (k as f32 - expected).abs() <= (lower.height as f32 * 0.02).max(2.0) => {
            Joined::Right
        }
        Some(_) => Joined::Wrong,
    }
}
