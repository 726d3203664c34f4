//! Statistics over trials: summaries and percentiles, confidence intervals
//! and two-sample tests, which input drives which outcome, the probability
//! of meeting a target, and one outcome compared between two runs.

pub mod comparison;
pub mod inference;
pub mod matrix;
pub mod order;
pub mod precision;
pub mod sensitivity;
pub mod stats;
pub mod target;
