//! rofrsim: a Monte Carlo engine for OpenAI's compute demand and
//! Microsoft's contract rights over it (ROFR, API exclusivity, revenue share,
//! IP rights ending at a sunset or verified AGI).
//!
//! The library holds the whole engine; the `rofrsim` binary is a thin CLI
//! over [`commands::main`]. `docs/model.md` is the specification. The layers,
//! each using only those below it:
//!
//! - [`scenario`]: reading and checking a scenario file (months,
//!   distributions, `--set`), into a typed [`scenario::Scenario`];
//! - [`lanes`]: several trials per CPU instruction: the lane type the month
//!   step is written over (scalar, SSE2, AVX2, AVX-512, all giving the same
//!   bits), exp / ln / 2^x and random numbers in lanes;
//! - [`engine`]: the month step of many trials side by side, and the
//!   contract terms it applies;
//! - [`analysis`]: statistics over trials (summaries, percentiles, tests,
//!   sensitivity, targets, comparisons);
//! - [`folder`]: everything about an output folder: its kinds, the manifest,
//!   one module per file it holds, and the table of outcomes;
//! - [`jobs`]: the work of `run`, `sweep` and `compare`: simulating in
//!   parallel and filling an output folder;
//! - [`report`]: charts and the HTML page, drawn from an output folder;
//! - [`commands`]: the command line: parse, call, print.
#![warn(missing_docs)]

pub mod analysis;
pub mod commands;
pub mod engine;
pub mod error;
pub mod folder;
pub mod jobs;
pub mod lanes;
pub mod report;
pub mod scenario;
