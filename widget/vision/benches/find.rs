//! Receipt vision on the fixture set (`cargo xtask bench` runs it; it
//! asserts nothing): how often the receipt's corners are found where they
//! are (IoU at least 0.9 with the true outline), how often a photo with a
//! readable receipt is said to have none, by surface, light and tilt, and
//! the time per 480x640 viewfinder frame on one core (native; the widget's
//! wasm in a slowed browser is measured with the widget).

use std::time::Instant;

use vision::fixtures::{self, Light, Surface};
use vision::{Advice, assess, find, straighten};

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
        "The receipt's corners found (`vision::find`) and the photo assessed (`vision::assess`) in {} viewfinder frames of 480x640: short and long receipts on wood, cloth or a table with other things on it (some as light as paper), the phone straight above or tilted up to 35 degrees with the receipt turned up to 20, in even light, in a soft shadow across it, or under a lamp, with sensor grain. Found: the outline overlaps the true one by at least 0.9 (IoU). Said to have none: the advice a shopper would read, \"no receipt\", on a photo of a readable receipt.\n",
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
}
