//! Any bytes as a scenario file: loading must return a scenario or
//! diagnostics, never panic; a scenario that loads must run a trial whose
//! outcomes are finite.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rofrsim::engine::{Model, NoObserver, Scratch};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(scenario) = rofrsim::scenario::load_str("fuzz.toml", text, &[]) {
        let model = Model::new(&scenario);
        let o = model.run_trial(1, 0, &mut Scratch::default(), &mut NoObserver);
        assert!(o.unmet_share.is_finite() && o.microsoft_value_npv_usd_bn.is_finite());
        assert!((0.0..=1.0).contains(&o.unmet_share) && (0.0..=1.0).contains(&o.azure_share_end));
    }
});
