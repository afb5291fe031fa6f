//! Joining a long receipt's parts: the repeat found where the parts overlap.

use vision::Grey;
use vision::fixtures::{self, Light, Rng, Scene, Surface, flat_receipt, resized};

/// Rows `from..to` of `receipt`, as another shot sees them: its own
/// brightness (`gain`, `offset`) and the sensor's grain.
fn part(receipt: &Grey, from: u32, to: u32, gain: f32, offset: f32, seed: u64) -> Grey {
    let w = receipt.width as usize;
    let mut grain = Rng(seed | 1);
    let pixels = receipt.pixels[from as usize * w..to as usize * w]
        .iter()
        .map(|&v| {
            let noise = (grain.bits() % 9) as f32 - 4.0;
            f32::from(v).mul_add(gain, offset + noise).clamp(0.0, 255.0) as u8
        })
        .collect();
    Grey {
        width: receipt.width,
        height: to - from,
        pixels,
    }
}

#[test]
fn the_rows_two_parts_share_are_found_whatever_each_parts_light() {
    for (paper, share) in [(1, 0.1), (2, 0.2), (3, 0.3), (4, 0.15), (5, 0.25)] {
        let receipt = flat_receipt(paper, 240, 1000);
        let cut = 560;
        let repeat = (f32::from(u16::try_from(cut).unwrap()) * share) as u32;
        let upper = part(&receipt, 0, cut, 1.0, 0.0, paper);
        let lower = part(&receipt, cut - repeat, 1000, 0.8, 20.0, paper + 10);
        let found = vision::overlap(&upper, &lower);
        assert!(
            found.is_some_and(|k| k.abs_diff(repeat) <= 1),
            "paper {paper}: {found:?} rows found repeated, {repeat} are"
        );
    }
}

#[test]
fn parts_that_do_not_meet_are_not_joined() {
    let receipt = flat_receipt(7, 240, 1000);
    // A gap of 40 rows between them.
    let upper = part(&receipt, 0, 480, 1.0, 0.0, 1);
    let lower = part(&receipt, 520, 1000, 1.0, 0.0, 2);
    assert_eq!(vision::overlap(&upper, &lower), None);
    // Another receipt altogether.
    let other = part(&flat_receipt(8, 240, 1000), 0, 500, 1.0, 0.0, 3);
    assert_eq!(vision::overlap(&upper, &other), None);
}

#[test]
fn blank_paper_or_parts_of_other_widths_are_not_joined() {
    let blank = Grey::filled(240, 400, 235);
    assert_eq!(vision::overlap(&blank, &blank), None);
    let receipt = flat_receipt(9, 240, 1000);
    let narrow = flat_receipt(9, 200, 1000);
    assert_eq!(
        vision::overlap(
            &part(&receipt, 0, 500, 1.0, 0.0, 1),
            &part(&narrow, 400, 1000, 1.0, 0.0, 2)
        ),
        None
    );
}

/// Two camera shots of a long receipt, each found on the table and
/// straightened, met a fraction of a row apart: sharp lines of print
/// correlated as well one row off as in place, and the parts were stacked
/// whole, the overlap shown twice.
#[test]
fn straightened_camera_shots_a_fraction_of_a_row_apart_were_stacked_whole() {
    for paper in [3, 5, 8, 11] {
        let receipt = flat_receipt(paper, 800, 2400);
        // Two parts of 1500 rows sharing 600, each filmed on a dark table
        // 1100 pixels tall (a row of the receipt is 0.73 of the frame's),
        // found, straightened and brought down to 240 wide.
        let shots: Vec<Grey> = [0, 900]
            .into_iter()
            .map(|from| {
                // As a page draws it: no sensor grain.
                let part = Grey {
                    width: 800,
                    height: 1500,
                    pixels: receipt.pixels[from as usize * 800..(from + 1500) as usize * 800]
                        .to_vec(),
                };
                let frame = on_a_table(&part, 960, 1280, 1100);
                let quad = vision::find(&frame).expect("the part found on the table");
                let upright = vision::straighten(&frame, &quad, 1280);
                let height = upright.height * 240 / upright.width;
                resized(&upright, 240, height)
            })
            .collect();
        // 600 of 1500 rows: 40% of the shot's height.
        let expected = shots[0].height * 2 / 5;
        let found = vision::overlap(&shots[0], &shots[1]);
        assert!(
            found.is_some_and(|k| k.abs_diff(expected) <= 3),
            "paper {paper}: {found:?} rows found repeated, about {expected} are"
        );
    }
}

/// `part` scaled to `height` tall, lying in the middle of a dark `w` x `h`
/// frame (a table).
fn on_a_table(part: &Grey, w: u32, h: u32, height: u32) -> Grey {
    let width = height * part.width / part.height;
    let scaled = resized(part, width, height);
    let (x0, y0) = ((w - width) / 2, (h - height) / 2);
    let mut frame = Grey::filled(w, h, 43);
    for y in 0..height {
        for x in 0..width {
            frame.pixels[((y0 + y) * w + x0 + x) as usize] = scaled.get(x, y);
        }
    }
    frame
}

/// A part found in a camera frame had its outline a row or two off the
/// paper's edge: the top of the band compared was a sliver of table, which
/// no row of the part above repeats, and the parts were stacked whole.
#[test]
fn a_part_starting_with_a_sliver_of_table_was_stacked_whole() {
    for paper in [2, 6, 10] {
        let receipt = flat_receipt(paper, 240, 1000);
        let upper = part(&receipt, 0, 560, 1.0, 0.0, paper);
        let mut lower = part(&receipt, 360, 1000, 1.0, 0.0, paper + 10);
        // Its outline two rows above the paper: the table shows there.
        lower.pixels[..2 * 240].fill(43);
        let found = vision::overlap(&upper, &lower);
        assert!(
            found.is_some_and(|k| k.abs_diff(200) <= 1),
            "paper {paper}: {found:?} rows found repeated, 200 are"
        );
    }
}

/// The parts of a long receipt as the camera takes them: each found in a
/// photo of its own and straightened, its outline a little off, so that the
/// same line of print comes out a few pixels apart from one part to the
/// next. Slid down the part above whole, the band of the next part matched
/// nowhere clearly, and every such pair was stacked whole.
#[test]
fn parts_found_in_their_own_photos_were_stacked_whole() {
    let (mut right, mut wrong, mut pairs) = (0, 0, 0);
    for (n, (surface, light, tilt)) in [
        (Surface::Wood, Light::Even, 0.0),
        (Surface::Wood, Light::Shade, 15.0),
        (Surface::Cloth, Light::Even, 25.0),
        (Surface::Cloth, Light::Lamp, 0.0),
        (Surface::Clutter, Light::Shade, 0.0),
        (Surface::Clutter, Light::Even, 15.0),
    ]
    .into_iter()
    .enumerate()
    {
        let n = n as u64 + 1;
        let shot = |seed: u64, from: f32, to: f32| {
            let scene = Scene {
                surface,
                light,
                long: true,
                tilt,
                seed,
                paper: n,
            };
            fixtures::straightened_part(scene, from, to, 240).expect("the part found")
        };
        // Parts of 0.625 of the receipt sharing 0.25 of it: 40% of each.
        let (upper, lower) = (shot(n * 2, 0.0, 0.625), shot(n * 2 + 1, 0.375, 1.0));
        let expected = lower.height as f32 * 0.4;
        pairs += 1;
        match vision::overlap(&upper, &lower) {
            Some(k) if (k as f32 - expected).abs() <= lower.height as f32 * 0.02 => right += 1,
            Some(k) => {
                wrong += 1;
                eprintln!("pair {n}: {k} rows taken for repeated, about {expected} are");
            }
            None => {}
        }
        // With a gap between them, never joined.
        let (upper, lower) = (shot(n * 2, 0.0, 0.45), shot(n * 2 + 1, 0.55, 1.0));
        assert_eq!(vision::overlap(&upper, &lower), None, "pair {n} with a gap");
    }
    assert_eq!(wrong, 0, "no pair joined at the wrong rows");
    assert!(right * 4 >= pairs * 3, "{right} of {pairs} pairs joined");
}

/// Where the part above ends in paper burnt white by a lamp (every pixel
/// 255), the rows it repeats cannot be told, and are not taken for any.
#[test]
fn a_part_ending_in_paper_burnt_white_is_not_joined() {
    let receipt = flat_receipt(4, 240, 1000);
    let mut upper = part(&receipt, 0, 560, 1.0, 0.0, 1);
    upper.pixels[200 * 240..].fill(255);
    let lower = part(&receipt, 360, 1000, 1.0, 0.0, 2);
    assert_eq!(vision::overlap(&upper, &lower), None);
}
