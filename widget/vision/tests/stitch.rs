//! Joining a long receipt's parts: the repeat found where the parts overlap.

use vision::Grey;
use vision::fixtures::{Rng, flat_receipt};

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
