//! Any `--set key.path=VALUE` on the minimal fixture scenario: parsing and
//! applying it must give a scenario or diagnostics, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rofrsim::scenario::Override;

const BASE: &str = include_str!("../../tests/fixtures/minimal.toml");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Up to three overrides, one per line.
    let overrides: Vec<Override> = text.lines().take(3).filter_map(|l| l.parse().ok()).collect();
    let _ = rofrsim::scenario::load_str("minimal.toml", BASE, &overrides);
});
