//! Any bytes as an output folder's sensitivity.csv, as `rofrsim
//! sensitivity` reads and prints it: rows or a clear error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz/sensitivity.csv");
    if let Ok(rows) = rofrsim::folder::sensitivity::parse(path, data) {
        let _ = rofrsim::commands::sensitivity::format_rows(path, &rows, None, 5);
        if let Some(first) = rows.first() {
            let _ = rofrsim::commands::sensitivity::format_rows(path, &rows, Some(&first.metric), 3);
        }
    }
});
