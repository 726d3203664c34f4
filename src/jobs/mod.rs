//! The work of the commands that simulate: [`run`] a scenario into an
//! output folder (the toolbox `sweep` and `compare` build on), [`sweep`]
//! over combinations of values, [`compare`] runs with common random
//! numbers. [`simulate`] runs the trials in parallel and combines them in
//! order, so every output is byte-identical whatever the thread count.

pub mod columns;
pub mod compare;
pub mod run;
pub mod simulate;
pub mod sweep;
