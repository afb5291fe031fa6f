//! The decoder on fixture images. Runs natively (`cargo test`) and as wasm in
//! Chromium (`cargo xtask ci` runs it for wasm32), where the widget uses it.

use qrscan::fixtures::{self, Light, Shot};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn shot(module: f32, rotation: f32, blur: usize, light: Light) -> Shot {
    Shot {
        module,
        rotation,
        blur,
        light,
    }
}

fn assert_reads(shot: Shot, seed: usize) {
    let f = fixtures::draw(shot, seed as u64);
    assert_eq!(
        qrscan::decode(&f.luma, f.width, f.height).as_deref(),
        Some(f.text.as_str()),
        "{}",
        f.name
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn reads_a_sharp_fiscal_code_at_every_tilt() {
    for (seed, rotation) in [0.0, 8.0, 25.0, 45.0].into_iter().enumerate() {
        assert_reads(shot(5.0, rotation, 0, Light::Even), seed);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn reads_codes_in_dim_uneven_light_and_slight_blur() {
    for (seed, light) in [Light::Dim, Light::Uneven].into_iter().enumerate() {
        assert_reads(shot(5.0, 8.0, 1, light), seed);
    }
}

/// Small codes, tilted and soft, where quirc on the frame as it is sees no
/// finder squares: read from the frame thresholded against its neighbourhood, or
/// from the busiest place cut out and enlarged. Neither quircs alone nor zedbar
/// (shipped before) reads the first two; quircs alone misses all four.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn reads_codes_of_two_and_three_pixels_a_module_tilted_and_soft() {
    assert_reads(shot(2.0, 45.0, 0, Light::Dim), 3);
    assert_reads(shot(3.0, 45.0, 1, Light::Dim), 7);
    assert_reads(shot(2.0, 25.0, 0, Light::Even), 6);
    assert_reads(shot(3.0, 45.0, 1, Light::Uneven), 4);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn frames_smaller_than_its_windows_or_of_pure_noise_are_read_as_no_code() {
    for (width, height) in [(0, 0), (1, 1), (7, 7), (9, 300), (300, 9), (100, 100)] {
        let luma = vec![128; width * height];
        assert_eq!(qrscan::decode(&luma, width as u32, height as u32), None);
    }
    let mut seed = 0x2545_F491_u32;
    let noise: Vec<u8> = (0..480 * 640)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as u8
        })
        .collect();
    assert_eq!(qrscan::decode(&noise, 480, 640), None);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn finds_nothing_on_a_receipt_without_a_code() {
    let f = fixtures::draw(shot(5.0, 0.0, 0, Light::Even), 1);
    // Paper over the code: only the receipt's text lines and noise are left.
    let mut luma = f.luma.clone();
    let top = (f.height / 3) as usize * f.width as usize;
    for pixel in &mut luma[top..] {
        *pixel = 230;
    }
    assert_eq!(qrscan::decode(&luma, f.width, f.height), None);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn refuses_a_buffer_smaller_than_its_dimensions() {
    assert_eq!(qrscan::decode(&[255; 100], 480, 640), None);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_fixture_set_is_the_same_every_time() {
    let (a, b) = (
        fixtures::draw(shot(3.0, 25.0, 1, Light::Uneven), 7),
        fixtures::draw(shot(3.0, 25.0, 1, Light::Uneven), 7),
    );
    assert_eq!(a.luma, b.luma);
    assert_eq!(a.text, b.text);
    assert_eq!(a.text, fixtures::fiscal_text(7));
}
