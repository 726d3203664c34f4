//! The command line (docs/commands.md): every option is defined once, in
//! the file of its command, and each command is parse → call → print.
//! [`main`] parses once, dispatches on the command, and turns an error
//! into one `error: …` line and its exit code. Nothing outside this folder
//! parses arguments or prints results.

pub mod compare;
pub mod merge;
pub mod report;
pub mod run;
pub mod sensitivity;
pub mod sweep;
mod text;
pub mod validate;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::Error;
use crate::folder::trials::{TrialsCsv, TrialsFormat};
use crate::scenario::{Op, Override};

/// Monte Carlo simulation of OpenAI's compute demand under Microsoft's
/// contract rights.
#[derive(Debug, Parser)]
#[command(name = "rofrsim", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the trials of a scenario and write CSVs.
    Run(run::Args),
    /// Run every combination of varied values with the same seed; write sweep.csv.
    Sweep(sweep::Args),
    /// Compare scenarios (files, run with common random numbers) or earlier runs (folders).
    Compare(compare::Args),
    /// Join the shard folders of `run --shard` into the run folder one machine would have written.
    Merge(merge::Args),
    /// Show which inputs drive an outcome, from a run's sensitivity.csv.
    Sensitivity(sensitivity::Args),
    /// Draw charts (SVG, in OUTDIR/charts/) and a one-page HTML report from output folders
    /// (with --xlsx: the workbook summary.xlsx instead).
    Report(report::Args),
    /// Check a scenario and print its uncertain inputs with p5 / p50 / p95.
    Validate(validate::Args),
}

/// Options every command that runs trials shares.
#[derive(Debug, clap::Args)]
pub struct Control {
    /// Worker threads (default: all cores). Outputs do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Replace an existing output folder.
    #[arg(long)]
    pub force: bool,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

impl Control {
    /// Worker threads: as given, else all cores.
    pub fn threads(&self) -> usize {
        self.threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            usize::from,
        )
    }
}

/// How the inputs are drawn, on the command line: each flag is the
/// `--set` of its `[sampling]` key, so manifests record it as one and
/// `--from-manifest` repeats it.
#[derive(Debug, clap::Args)]
pub struct SamplingArgs {
    /// Draw the inputs by Monte Carlo or Latin hypercube (default: the
    /// scenario's `sampling.method`, else mc).
    #[arg(long, value_name = "METHOD", value_parser = ["mc", "lhs"])]
    pub sampling: Option<String>,
    /// Replace correlations that cannot all hold at once by the nearest
    /// consistent ones, and say which (as `sampling.adjust_correlations`).
    #[arg(long)]
    pub adjust_correlations: bool,
}

impl SamplingArgs {
    /// The `--set` overrides these flags stand for.
    pub fn overrides(&self) -> Vec<Override> {
        let method = self.sampling.iter().map(|m| Override {
            path: "sampling.method".into(),
            op: Op::Set,
            value: format!("{m:?}"),
        });
        let adjust = self.adjust_correlations.then(|| Override {
            path: "sampling.adjust_correlations".into(),
            op: Op::Set,
            value: "true".into(),
        });
        method.chain(adjust).collect()
    }
}

/// `--trials-csv full|outcomes|none`, with each word's help.
impl clap::ValueEnum for TrialsCsv {
    fn value_variants<'a>() -> &'a [Self] {
        &TrialsCsv::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let help = match self {
            TrialsCsv::Full => "the trial index, every input drawn and every outcome",
            TrialsCsv::Outcomes => {
                "the trial index and the outcomes (what compare and report read)"
            }
            TrialsCsv::None => "no trials.csv",
        };
        Some(clap::builder::PossibleValue::new(self.label()).help(help))
    }
}

impl clap::ValueEnum for TrialsFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &TrialsFormat::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let help = match self {
            TrialsFormat::Csv => "trials.csv, text",
            TrialsFormat::Parquet => {
                "trials.parquet, typed columns (dates as dates, the cause a dictionary), about half the size"
            }
        };
        Some(clap::builder::PossibleValue::new(self.label()).help(help))
    }
}

/// Trials when `--trials` is not given.
pub const DEFAULT_TRIALS: u64 = 100_000;

/// Most trials `--trials` accepts.
pub const MAX_TRIALS: u64 = 1_000_000_000;

/// `--trials` of `run` and `sweep`: a whole number from 1 to [`MAX_TRIALS`].
fn trials(s: &str) -> Result<u64, String> {
    trials_from(s, 1)
}

/// `--trials` of `compare`: at least 2, for the spread of a difference.
fn paired_trials(s: &str) -> Result<u64, String> {
    trials_from(s, 2)
}

/// A trial count as analysts write it: `100000`, `1_000_000`, `1e6` or
/// `2.5e5`, as long as it is a whole number from `min` to [`MAX_TRIALS`].
fn trials_from(s: &str, min: u64) -> Result<u64, String> {
    let n = whole_number(s.trim()).ok_or_else(|| {
        format!("expected a whole number of trials such as 100000, 1_000_000 or 1e6 (given {s:?})")
    })?;
    if n < u128::from(min) || n > u128::from(MAX_TRIALS) {
        return Err(format!(
            "expected {min} to {MAX_TRIALS} trials (given {s}{})",
            if s.trim().parse::<u128>().is_ok() {
                String::new()
            } else {
                format!(" = {n}")
            }
        ));
    }
    u64::try_from(n).map_err(|e| e.to_string())
}

/// Digits with `_` between them, optionally with a decimal fraction and an
/// exponent (`2.5e5`), read exactly; `None` unless the value is whole.
fn whole_number(s: &str) -> Option<u128> {
    let grouped = |part: &str| -> Option<String> {
        // Underscores group digits: never first, last or doubled.
        if part.starts_with('_') || part.ends_with('_') || part.contains("__") {
            return None;
        }
        let digits: String = part.chars().filter(|&c| c != '_').collect();
        digits.bytes().all(|b| b.is_ascii_digit()).then_some(digits)
    };
    let (mantissa, exponent) = match s.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.strip_prefix('+').unwrap_or(e).parse::<u32>().ok()?),
        None => (s, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let (int, frac) = (grouped(int)?, grouped(frac)?);
    if int.is_empty() || exponent > 30 {
        return None;
    }
    // The fraction's digits beyond the exponent must all be zero.
    let shift = exponent as usize;
    let (kept, dropped) = frac.split_at(frac.len().min(shift));
    if dropped.bytes().any(|b| b != b'0') {
        return None;
    }
    let digits = format!("{int}{kept}{}", "0".repeat(shift - kept.len()));
    digits.parse::<u128>().ok()
}

/// Writes a command's result to standard output.
fn print(text: &str) -> Result<(), Ended> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Ended::StdoutClosed
            } else {
                Ended::Failed(Error::Io("cannot write to standard output".into(), e))
            }
        })
}

/// How a command ended other than in success.
enum Ended {
    /// Standard output was closed by its reader (`rofrsim … | head`): not
    /// a failure, the reader has what it wanted (exit 0, as ripgrep does).
    StdoutClosed,
    /// A real failure.
    Failed(Error),
}

impl From<Error> for Ended {
    fn from(e: Error) -> Ended {
        Ended::Failed(e)
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match dispatch(cli) {
        Ok(()) | Err(Ended::StdoutClosed) => ExitCode::SUCCESS,
        Err(Ended::Failed(e)) => {
            // Written as well as stderr allows: a closed stderr must not turn
            // the error into a panic (the exit code still tells).
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                let _ = writeln!(stderr, "  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// Runs a parsed command line.
fn dispatch(cli: Cli) -> Result<(), Ended> {
    // A ROFRSIM_SIMD that names no path this CPU has is refused up front,
    // rather than silently running another path.
    crate::lanes::Path::detect().map_err(|e| Ended::Failed(Error::Usage(e.to_string())))?;
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Sensitivity(args) => sensitivity::run(args),
        Command::Report(args) => report::run(args),
        Command::Validate(args) => validate::run(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trial_counts_read_as_analysts_write_them() {
        for (given, n) in [
            ("100000", 100_000),
            ("1_000_000", 1_000_000),
            ("1e6", 1_000_000),
            ("1E6", 1_000_000),
            ("1e+6", 1_000_000),
            ("2.5e5", 250_000),
            ("1.000e3", 1_000),
            ("12_500", 12_500),
            ("1e9", MAX_TRIALS),
            ("1", 1),
        ] {
            assert_eq!(trials(given), Ok(n), "{given}");
        }
    }

    #[test]
    fn trial_counts_that_are_not_whole_or_out_of_range_are_refused() {
        for given in [
            "", "1.5", "2.5e0", "1e-3", "_1000", "1000_", "1__000", "1,000", "-5", "1e", "e6",
            "0x10", "1.e", "ten",
        ] {
            let e = trials(given).expect_err(given);
            assert!(e.contains("whole number"), "{given}: {e}");
        }
        assert!(trials("0").expect_err("0").contains("1 to 1000000000"));
        let e = trials("2e9").expect_err("2e9");
        assert!(e.contains("= 2000000000"), "{e}");
        assert!(paired_trials("1").is_err());
        assert_eq!(paired_trials("2"), Ok(2));
    }
}
