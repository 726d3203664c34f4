//! rofrsim: a Monte Carlo engine for OpenAI's compute demand and
//! Microsoft's contract rights over it (ROFR, API exclusivity, revenue share,
//! IP rights ending at a sunset or verified AGI).
//!
//! The library holds the whole engine; the `rofrsim` binary is a thin CLI
//! over [`cli::run`]. See MODEL.md (the contract) and the README.
#![warn(missing_docs)]

pub mod cli;
pub mod columns;
pub mod compare;
pub mod diag;
pub mod dist;
pub mod error;
pub mod inference;
pub mod model;
pub mod month;
pub mod output;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod sensitivity;
pub mod simulate;
pub mod stats;
pub mod sweep;
pub mod table;
pub mod target;
pub mod validate;
