//! Any bytes as an output folder's manifest.json and trials.csv (split at
//! the first NUL byte), as `compare` and `sensitivity` read them: a run or
//! a clear error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let Ok(manifest) = std::str::from_utf8(&data[..split]) else { return };
    let trials = data.get(split + 1..).unwrap_or(&[]);
    if let Ok(run) = rofrsim::jobs::compare::parse_run(Path::new("fuzz"), manifest, trials) {
        // Comparing a parsed run with itself exercises every statistic.
        let rows = rofrsim::jobs::compare::compare_runs(&run, &run);
        for c in rows {
            assert!(c.mean.0.is_nan() || c.mean.0.is_finite());
        }
    }
});
