//! The work of the commands that simulate: [`run`] a scenario into an
//! output folder (the toolbox `sweep` and `compare` build on), [`sweep`]
//! over combinations of values, [`compare`] runs with common random
//! numbers. [`simulate`] runs the trials in parallel and combines them in
//! order, so every output is byte-identical whatever the thread count.

pub mod columns;
pub mod compare;
pub mod run;
pub mod shard;
pub mod simulate;
pub mod sweep;

/// Prints on stderr each of `scenario`'s sampling notes (correlations
/// adjusted or left out, inputs too coarse for their correlations) not
/// printed yet, under the name of what is run: a sweep's combinations and
/// a compare's runs share most of them.
pub fn sampling_notes(scenario: &crate::scenario::Scenario, name: &str, printed: &mut Vec<String>) {
    for note in &scenario.sampling.notes {
        if !printed.contains(note) {
            progress(&format!("{name}: {note}"));
            printed.push(note.clone());
        }
    }
}

/// A line of progress on stderr. Progress is not a result: when stderr is
/// closed (`2>&1 | head`), the work goes on without it rather than panic
/// as `eprintln!` would.
pub fn progress(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}
