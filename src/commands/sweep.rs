//! `rofrsim sweep SCENARIO --vary KEY=VALUES… [options]`: one run per
//! combination of varied values, summarised in `sweep.csv`.

// The options' doc comments are clap's help text, written for a terminal
// (`output/<scenario name>`), not rustdoc's HTML.
#![allow(rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use super::{Control, Ended, print, trials};
use crate::analysis::target::Target;
use crate::jobs::sweep::{MAX_COMBINATIONS, SweepOptions, Vary, sweep};
use crate::scenario::Override;

/// Trials per combination when `--trials` is not given.
pub const DEFAULT_TRIALS: u64 = 10_000;

/// Options of `rofrsim sweep`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// A key to vary: key.path=v1,v2,… (TOML values) or key.path=lo:hi:step (repeatable).
    #[arg(long, value_name = "KEY=VALUES", required = true, value_parser = parse_vary)]
    vary: Vec<Vary>,
    /// Trials per combination.
    #[arg(long, default_value_t = DEFAULT_TRIALS, value_parser = trials)]
    trials: u64,
    /// Seed of every random stream (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Output folder (default: output/<scenario name>-sweep).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Override a value in every combination: key.path=VALUE.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<Override>,
    /// How to run: threads, --force, --quiet.
    #[command(flatten)]
    control: Control,
    /// Add the probability of meeting a target, e.g. 'unmet_share<=0.1'.
    #[arg(long, value_name = "METRIC<=VALUE")]
    target: Vec<Target>,
    /// Also write the workbook summary.xlsx (tables and native charts) into the output folder.
    #[arg(long)]
    xlsx: bool,
}

/// Runs `rofrsim sweep`.
pub(super) fn run(args: Args) -> Result<(), Ended> {
    let opts = SweepOptions {
        scenario: args.scenario,
        set: args.set,
        vary: args.vary,
        trials: args.trials,
        seed: args.seed,
        out: args.out,
        threads: args.control.threads(),
        force: args.control.force,
        quiet: args.control.quiet,
        targets: args.target,
    };
    let out = sweep(&opts)?;
    let mut text = format!(
        "sweep written to {}\n",
        out.join(crate::folder::sweep::FILE).display()
    );
    if args.xlsx {
        let written = crate::report::xlsx::write(&out)?;
        text.push_str(&format!("workbook: {}\n", written.display()));
    }
    print(&text)
}

/// Splits at commas outside quotes, brackets and braces, so inline
/// distribution tables can be values.
fn split_top_level(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(std::mem::take(&mut current).trim().to_string());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current.trim().to_string());
    parts
}

/// Expands `lo:hi:step` into its values, `hi` included when the steps land
/// on it (within rounding).
/// `text` is the range as given, for messages.
fn range(text: &str, lo: f64, hi: f64, step: f64) -> Result<Vec<f64>, String> {
    if !(lo.is_finite() && hi.is_finite() && step.is_finite()) || step <= 0.0 || hi < lo {
        return Err(format!(
            "a range lo:hi:step needs lo ≤ hi and step > 0 (given {text})"
        ));
    }
    // Counted in f64 before any conversion: a range of 1e300 steps must be
    // refused, not wrap around.
    let count = ((hi - lo) / step + 1e-9).floor() + 1.0;
    if count > MAX_COMBINATIONS as f64 {
        return Err(format!(
            "the range {text} has more than {MAX_COMBINATIONS} values"
        ));
    }
    let count = count as usize;
    // Computed from the index, not accumulated, and rounded to 12
    // significant digits so 0.1:0.9:0.2 gives 0.3, not 0.30000000000000004.
    Ok((0..count)
        .map(|i| {
            format!("{:.12e}", lo + step * i as f64)
                .parse::<f64>()
                .unwrap_or(f64::NAN)
        })
        .collect())
}

/// Parses `--vary key.path=v1,v2,…` or `key.path=lo:hi:step`.
fn parse_vary(s: &str) -> Result<Vary, String> {
    let Some((path, values)) = s.split_once('=') else {
        return Err(format!(
            "expected key.path=v1,v2,… or key.path=lo:hi:step (given {s:?})"
        ));
    };
    let path = path.trim().to_string();
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(format!(
            "expected a dotted key path before '=' (given {path:?})"
        ));
    }
    let values = values.trim();
    let parts: Vec<&str> = values.split(':').collect();
    let numbers: Option<Vec<f64>> = parts.iter().map(|p| p.trim().parse().ok()).collect();
    let values = match (parts.len(), numbers) {
        (3, Some(n)) => range(values, n[0], n[1], n[2])?
            .iter()
            .map(|x| x.to_string())
            .collect(),
        _ => split_top_level(values),
    };
    if values.iter().any(String::is_empty) {
        return Err(format!("empty value in --vary {s:?}"));
    }
    Ok(Vary { path, values })
}

#[cfg(test)]
mod tests {
    use super::parse_vary;

    #[test]
    fn parses_lists_ranges_and_tables() {
        let values = |s: &str| parse_vary(s).unwrap().values;
        assert_eq!(values("demand.growth=0.1,0.5, 0.9"), ["0.1", "0.5", "0.9"]);
        assert_eq!(
            values("terms.rofr.0.exercise_probability=0.1:0.9:0.2"),
            ["0.1", "0.3", "0.5", "0.7", "0.9"]
        );
        assert_eq!(
            values(r#"demand.growth={dist="normal",mean=0.5,sd=0.1},0.4"#),
            [r#"{dist="normal",mean=0.5,sd=0.1}"#, "0.4"]
        );
        assert_eq!(
            values(r#"terms.rofr.0.until="2025-10","never""#),
            [r#""2025-10""#, r#""never""#]
        );
        for bad in [
            "x=1:0:1",
            "x=0:1:0",
            "x=1,,2",
            "=1",
            "x=0:1e300:1e-300",
            "x=0:1e4:1",
        ] {
            assert!(parse_vary(bad).is_err(), "{bad}");
        }
    }
}
