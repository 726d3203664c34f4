//! `rofrsim sweep`: one run per combination of varied values, all with the
//! same seed, summarised in one long table ready for a pivot table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::error::Error;
use crate::model::Model;
use crate::output;
use crate::run::{OutputDir, interruption_flag, summarise_columns, target_rows};
use crate::scenario::{self, Override};
use crate::simulate::{SimOptions, simulate};
use crate::target::Target;

/// Most combinations a sweep may have: far more would take hours.
pub const MAX_COMBINATIONS: usize = 10_000;

/// One `--vary key.path=v1,v2,…` (or `=lo:hi:step`).
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    /// Dotted key path, as for `--set`.
    pub path: String,
    /// The values, as TOML text, in order.
    pub values: Vec<String>,
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
fn range(lo: f64, hi: f64, step: f64) -> Result<Vec<f64>, String> {
    if !(lo.is_finite() && hi.is_finite() && step.is_finite()) || step <= 0.0 || hi < lo {
        return Err(format!(
            "a range lo:hi:step needs lo ≤ hi and step > 0 (given {lo}:{hi}:{step})"
        ));
    }
    let count = ((hi - lo) / step + 1e-9).floor() as usize + 1;
    if count > MAX_COMBINATIONS {
        return Err(format!(
            "the range {lo}:{hi}:{step} has {count} values (at most {MAX_COMBINATIONS})"
        ));
    }
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

impl FromStr for Vary {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
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
            (3, Some(n)) => range(n[0], n[1], n[2])?
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
}

/// What `sweep` was asked to do.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Overrides applied to every combination (before the varied ones).
    pub set: Vec<Override>,
    /// The varied keys.
    pub vary: Vec<Vary>,
    /// Trials per combination.
    pub trials: u64,
    /// Seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Output folder.
    pub out: Option<PathBuf>,
    /// Worker threads.
    pub threads: usize,
    /// Replace an existing output folder.
    pub force: bool,
    /// No progress output.
    pub quiet: bool,
    /// Target probabilities to add.
    pub targets: Vec<Target>,
}

/// Every combination, first `--vary` slowest, as lists of overrides.
fn combinations(vary: &[Vary]) -> Vec<Vec<Override>> {
    let mut combos: Vec<Vec<Override>> = vec![Vec::new()];
    for v in vary {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                v.values.iter().map(move |value| {
                    let mut next = c.clone();
                    next.push(Override {
                        path: v.path.clone(),
                        value: value.clone(),
                    });
                    next
                })
            })
            .collect();
    }
    combos
}

/// Runs the sweep and writes `sweep.csv` and `manifest.json`; returns the
/// output folder.
pub fn sweep(opts: &SweepOptions) -> Result<PathBuf, Error> {
    let started = Instant::now();
    if opts.vary.is_empty() {
        return Err(Error::Usage(
            "sweep needs at least one --vary key.path=v1,v2,…".into(),
        ));
    }
    let count: usize = opts
        .vary
        .iter()
        .map(|v| v.values.len())
        .try_fold(1usize, |acc, n| acc.checked_mul(n))
        .unwrap_or(usize::MAX);
    if count > MAX_COMBINATIONS {
        return Err(Error::Usage(format!(
            "the sweep has {count} combinations (at most {MAX_COMBINATIONS})"
        )));
    }
    // Load every combination first: a bad value fails before hours of work.
    let mut scenarios = Vec::with_capacity(count);
    for combo in combinations(&opts.vary) {
        let mut set = opts.set.clone();
        set.extend(combo.iter().cloned());
        let s = scenario::load_file(&opts.scenario, &set)?;
        scenarios.push((combo, s));
    }
    let Some((_, first)) = scenarios.first() else {
        return Err(Error::Usage("the sweep has no combinations".into()));
    };
    let seed = opts.seed.unwrap_or(first.seed);
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("{}-sweep", first.name)));
    let metrics = output::outcome_metric_names(&Model::new(first));
    for t in &opts.targets {
        t.check(&metrics)?;
    }
    let output_dir = OutputDir::begin(&out, opts.force)?;
    let stop = interruption_flag();

    let mut csv = String::new();
    for v in &opts.vary {
        csv.push_str(&crate::output::csv_field(&v.path));
        csv.push(',');
    }
    let _ = writeln!(csv, "metric,{}", output::summary_columns().join(","));
    for (i, (combo, scenario)) in scenarios.iter().enumerate() {
        if !opts.quiet {
            let label: Vec<String> = combo
                .iter()
                .map(|o| format!("{}={}", o.path, o.value))
                .collect();
            eprintln!("[{}/{}] {}", i + 1, scenarios.len(), label.join(" "));
        }
        let model = Model::new(scenario);
        let sim_opts = SimOptions {
            trials: opts.trials,
            seed,
            threads: opts.threads,
            paths: 0,
            keep_inputs: 0,
            progress: false,
            spill_dir: None,
        };
        let sim = simulate(&model, &sim_opts, None, None, &stop)?;
        let mut rows = summarise_columns(&sim)?;
        rows.extend(target_rows(&sim, &opts.targets)?);
        for (metric, summary) in rows {
            for o in combo {
                csv.push_str(&crate::output::csv_field(&o.value));
                csv.push(',');
            }
            csv.push_str(&metric);
            csv.push(',');
            output::push_summary_cells(&mut csv, summary.as_ref());
            csv.push('\n');
        }
    }
    if stop.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    output_dir.write("sweep.csv", &csv)?;
    output_dir.write(
        "manifest.json",
        &manifest(opts, seed, &out, count, started.elapsed().as_secs_f64()),
    )?;
    output_dir.commit()?;
    Ok(out)
}

fn manifest(opts: &SweepOptions, seed: u64, out: &Path, count: usize, seconds: f64) -> String {
    let bytes = std::fs::read(&opts.scenario).unwrap_or_default();
    let value = serde_json::json!({
        "rofrsim_version": env!("CARGO_PKG_VERSION"),
        "command": "sweep",
        "scenario": {
            "path": opts.scenario.display().to_string(),
            "sha256": crate::run::sha256_hex(&bytes),
            "overrides": opts.set.iter().map(|o| format!("{}={}", o.path, o.value)).collect::<Vec<_>>(),
        },
        "vary": opts.vary.iter().map(|v| serde_json::json!({ "path": v.path, "values": v.values })).collect::<Vec<_>>(),
        "combinations": count,
        "seed": seed,
        "trials": opts.trials,
        "out": out.display().to_string(),
        "wall_time_seconds": (seconds * 1000.0).round() / 1000.0,
    });
    serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into()) + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_ranges_and_tables() {
        let v: Vary = "demand.growth=0.1,0.5, 0.9".parse().unwrap();
        assert_eq!(v.values, ["0.1", "0.5", "0.9"]);
        let v: Vary = "terms.rofr.0.exercise_probability=0.1:0.9:0.2"
            .parse()
            .unwrap();
        assert_eq!(v.values, ["0.1", "0.3", "0.5", "0.7", "0.9"]);
        let v: Vary = r#"demand.growth={dist="normal",mean=0.5,sd=0.1},0.4"#
            .parse()
            .unwrap();
        assert_eq!(v.values, [r#"{dist="normal",mean=0.5,sd=0.1}"#, "0.4"]);
        let v: Vary = r#"terms.rofr.0.until="2025-10","never""#.parse().unwrap();
        assert_eq!(v.values, [r#""2025-10""#, r#""never""#]);
        assert!("x=1:0:1".parse::<Vary>().is_err());
        assert!("x=0:1:0".parse::<Vary>().is_err());
        assert!("x=1,,2".parse::<Vary>().is_err());
        assert!("=1".parse::<Vary>().is_err());
    }

    #[test]
    fn grid_is_the_cartesian_product_first_key_slowest() {
        let a: Vary = "a=1,2".parse().unwrap();
        let b: Vary = "b=x,y,z".parse().unwrap();
        let combos = combinations(&[a, b]);
        assert_eq!(combos.len(), 6);
        let labels: Vec<String> = combos
            .iter()
            .map(|c| format!("{}{}", c[0].value, c[1].value))
            .collect();
        assert_eq!(labels, ["1x", "1y", "1z", "2x", "2y", "2z"]);
    }
}
