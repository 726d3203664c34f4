//! `rofrsim compare`: what changes between scenarios, with the statistics a
//! careful reviewer would accept.
//!
//! Arguments are scenario files — run here with one seed, so trial i of A
//! and trial i of B share every draw but the changed term (common random
//! numbers) and are compared pair by pair — or output folders of earlier
//! runs, paired when their manifests show the same seed and trial count.
//! Every comparison reads the runs' `trials.csv`, so both kinds take the
//! same path.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::inference;
use crate::model::ExpiryCause;
use crate::run::{self, OutputDir, Provenance, RunOptions};
use crate::scenario::{self, Override};
use crate::stats::percentile_inc;
use crate::table::{Align, render};

/// One run's per-trial outcomes, as read from its folder.
#[derive(Debug, Clone)]
pub struct RunData {
    /// Label: the scenario name (made unique among the arguments).
    pub label: String,
    /// The folder it was read from.
    pub folder: PathBuf,
    /// Seed from the manifest.
    pub seed: u64,
    /// Trials from the manifest.
    pub trials: u64,
    /// Numeric outcome columns of `trials.csv`: (name, values; NaN = empty).
    pub metrics: Vec<(String, Vec<f64>)>,
    /// `ip_expiry_cause` per trial.
    pub causes: Vec<String>,
}

fn bad_folder(folder: &Path, what: impl std::fmt::Display) -> Error {
    Error::Usage(format!(
        "{}: not a complete rofrsim output folder: {what}",
        folder.display()
    ))
}

/// Reads `manifest.json` and `trials.csv` of an output folder, refusing a
/// truncated or corrupted file with a message naming the file and line.
pub fn read_run(folder: &Path) -> Result<RunData, Error> {
    let manifest_path = folder.join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path)
        .map_err(|e| bad_folder(folder, format!("manifest.json: {e}")))?;
    let trials_path = folder.join("trials.csv");
    let file = std::fs::File::open(&trials_path)
        .map_err(|e| bad_folder(folder, format!("trials.csv: {e}")))?;
    parse_run(folder, &text, std::io::BufReader::new(file))
}

/// Parses a run from its manifest text and `trials.csv` contents; `folder`
/// names it in messages. Never panics, whatever the bytes.
pub fn parse_run(
    folder: &Path,
    manifest_text: &str,
    trials_csv: impl std::io::Read,
) -> Result<RunData, Error> {
    let text = manifest_text;
    let manifest: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| bad_folder(folder, format!("manifest.json: {e}")))?;
    let field = |name: &str| manifest.get(name).and_then(serde_json::Value::as_u64);
    let (Some(seed), Some(trials)) = (field("seed"), field("trials")) else {
        return Err(bad_folder(folder, "manifest.json lacks seed or trials"));
    };
    let label = manifest
        .pointer("/scenario/name")
        .and_then(serde_json::Value::as_str)
        .map_or_else(|| folder.display().to_string(), str::to_string);

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(trials_csv);
    let header = reader
        .headers()
        .map_err(|e| bad_folder(folder, format!("trials.csv: {e}")))?
        .clone();
    let Some(cause_col) = header.iter().position(|h| h == "ip_expiry_cause") else {
        return Err(bad_folder(
            folder,
            "trials.csv has no ip_expiry_cause column",
        ));
    };
    // Outcomes follow the cause column; inputs and dates come before it.
    let names: Vec<String> = header
        .iter()
        .skip(cause_col + 1)
        .map(str::to_string)
        .collect();
    let mut metrics: Vec<(String, Vec<f64>)> = names.into_iter().map(|n| (n, Vec::new())).collect();
    let mut causes = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record =
            record.map_err(|e| bad_folder(folder, format!("trials.csv line {line}: {e}")))?;
        if record.len() != header.len() {
            return Err(bad_folder(
                folder,
                format!(
                    "trials.csv line {line} has {} fields, the header {}",
                    record.len(),
                    header.len()
                ),
            ));
        }
        causes.push(record.get(cause_col).unwrap_or("").to_string());
        for ((name, column), cell) in metrics.iter_mut().zip(record.iter().skip(cause_col + 1)) {
            let x = if cell.is_empty() {
                f64::NAN
            } else {
                match cell.parse::<f64>() {
                    Ok(x) if x.is_finite() => x,
                    _ => {
                        return Err(bad_folder(
                            folder,
                            format!("trials.csv line {line}: {name} = {cell:?} is not a number"),
                        ));
                    }
                }
            };
            column.push(x);
        }
    }
    if causes.len() as u64 != trials {
        return Err(bad_folder(
            folder,
            format!(
                "trials.csv has {} trials but manifest.json says {trials}: the file is truncated or altered",
                causes.len()
            ),
        ));
    }
    Ok(RunData {
        label,
        folder: folder.to_path_buf(),
        seed,
        trials,
        metrics,
        causes,
    })
}

/// One metric compared between a baseline A and a scenario B.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Metric name (`ip_expiry_cause=agi` for cause shares).
    pub metric: String,
    /// Trials with a value in A and in B (in both, when paired).
    pub n: (usize, usize),
    /// Means of A and B.
    pub mean: (f64, f64),
    /// B − A with its 95 % confidence interval.
    pub diff: Option<inference::MeanDiff>,
    /// P(B > A): per trial pair when paired, Mann–Whitney otherwise.
    pub p_b_greater: f64,
    /// Differences at p5, p25, p50, p75, p95: of per-trial differences when
    /// paired, of quantiles (Q_B − Q_A) otherwise.
    pub diff_percentiles: [f64; 5],
    /// Two-sample Kolmogorov–Smirnov statistic and p-value.
    pub ks: Option<(f64, f64)>,
    /// |B − A| ÷ pooled standard deviation (None when both are constant).
    pub effect: Option<f64>,
}

impl Comparison {
    /// True when the 95 % interval of B − A excludes 0.
    pub fn significant(&self) -> bool {
        self.diff
            .as_ref()
            .is_some_and(|d| d.ci_low > 0.0 || d.ci_high < 0.0)
    }
}

const DIFF_PERCENTILES: [f64; 5] = [0.05, 0.25, 0.50, 0.75, 0.95];

fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        f64::NAN
    } else {
        x.iter().sum::<f64>() / x.len() as f64
    }
}

fn variance(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64
}

/// Compares one metric's values (NaN = missing).
pub fn compare_metric(metric: &str, a: &[f64], b: &[f64], paired: bool) -> Comparison {
    let (xa, xb): (Vec<f64>, Vec<f64>) = if paired {
        a.iter()
            .zip(b)
            .filter(|(x, y)| !x.is_nan() && !y.is_nan())
            .map(|(x, y)| (*x, *y))
            .unzip()
    } else {
        (
            a.iter().copied().filter(|x| !x.is_nan()).collect(),
            b.iter().copied().filter(|x| !x.is_nan()).collect(),
        )
    };
    let diff = if paired {
        inference::paired_mean_diff(&xa, &xb)
    } else {
        inference::welch_mean_diff(&xa, &xb)
    };
    let p_b_greater = if paired {
        inference::p_greater_paired(&xa, &xb)
    } else {
        inference::p_greater_unpaired(&xa, &xb)
    };
    let mut diff_percentiles = [f64::NAN; 5];
    if !xa.is_empty() && !xb.is_empty() {
        if paired {
            let mut d: Vec<f64> = xa.iter().zip(&xb).map(|(x, y)| y - x).collect();
            for (out, p) in diff_percentiles.iter_mut().zip(DIFF_PERCENTILES) {
                *out = percentile_inc(&mut d, p);
            }
        } else {
            let (mut sa, mut sb) = (xa.clone(), xb.clone());
            for (out, p) in diff_percentiles.iter_mut().zip(DIFF_PERCENTILES) {
                *out = percentile_inc(&mut sb, p) - percentile_inc(&mut sa, p);
            }
        }
    }
    let pooled = ((variance(&xa) + variance(&xb)) / 2.0).sqrt();
    let d = mean(&xb) - mean(&xa);
    let effect = (pooled > 0.0).then(|| d.abs() / pooled);
    Comparison {
        metric: metric.to_string(),
        n: (xa.len(), xb.len()),
        mean: (mean(&xa), mean(&xb)),
        diff,
        p_b_greater,
        diff_percentiles,
        ks: inference::ks_two_sample(&xa, &xb),
        effect,
    }
}

/// Whether two runs pair trial by trial.
pub fn paired(a: &RunData, b: &RunData) -> bool {
    a.seed == b.seed && a.trials == b.trials
}

/// Every comparison of B against A: the numeric outcomes both runs have,
/// then the share of each IP expiry cause.
pub fn compare_runs(a: &RunData, b: &RunData) -> Vec<Comparison> {
    let is_paired = paired(a, b);
    let mut out: Vec<Comparison> = a
        .metrics
        .iter()
        .filter_map(|(name, va)| {
            let (_, vb) = b.metrics.iter().find(|(n, _)| n == name)?;
            Some(compare_metric(name, va, vb, is_paired))
        })
        .collect();
    for cause in [
        ExpiryCause::Agi,
        ExpiryCause::Sunset,
        ExpiryCause::BeyondHorizon,
    ] {
        let label = cause.label();
        let share = |r: &RunData| -> Vec<f64> {
            r.causes
                .iter()
                .map(|c| f64::from(u8::from(c == label)))
                .collect()
        };
        out.push(compare_metric(
            &format!("ip_expiry_cause={label}"),
            &share(a),
            &share(b),
            is_paired,
        ));
    }
    out
}

/// What `compare` was asked to do.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Scenario files or output folders; the first is the baseline.
    pub inputs: Vec<PathBuf>,
    /// Trials for scenario files (default: the first folder's, else 100,000).
    pub trials: Option<u64>,
    /// Seed for scenario files (default: the first folder's, else the first scenario's).
    pub seed: Option<u64>,
    /// Overrides applied to every scenario file.
    pub set: Vec<Override>,
    /// Output folder.
    pub out: Option<PathBuf>,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Replace an existing output folder.
    pub force: bool,
    /// No progress bar.
    pub quiet: bool,
}

/// The columns of `compare.csv`.
pub const COMPARE_COLUMNS: &str = "scenario_a,scenario_b,metric,paired,n_a,n_b,mean_a,mean_b,diff,diff_ci_low,diff_ci_high,p_b_greater,diff_p5,diff_p25,diff_p50,diff_p75,diff_p95,ks_d,ks_p,effect_size,significant";

fn push_num(out: &mut String, x: f64) {
    out.push(',');
    crate::output::push_number(out, x);
}

/// Formats the comparisons of one pair as `compare.csv` rows.
pub fn csv_rows(out: &mut String, a: &RunData, b: &RunData, rows: &[Comparison]) {
    let is_paired = paired(a, b);
    for c in rows {
        let _ = write!(
            out,
            "{},{},{},{}",
            crate::output::csv_field(&a.label),
            crate::output::csv_field(&b.label),
            crate::output::csv_field(&c.metric),
            is_paired
        );
        let _ = write!(out, ",{},{}", c.n.0, c.n.1);
        push_num(out, c.mean.0);
        push_num(out, c.mean.1);
        let d = c.diff.as_ref();
        for x in [d.map(|d| d.diff), d.map(|d| d.ci_low), d.map(|d| d.ci_high)] {
            push_num(out, x.unwrap_or(f64::NAN));
        }
        push_num(out, c.p_b_greater);
        for x in c.diff_percentiles {
            push_num(out, x);
        }
        push_num(out, c.ks.map_or(f64::NAN, |k| k.0));
        push_num(out, c.ks.map_or(f64::NAN, |k| k.1));
        push_num(out, c.effect.unwrap_or(f64::NAN));
        let _ = writeln!(out, ",{}", c.significant());
    }
}

/// The readable table: metrics whose difference is significant, largest
/// standardised effect first.
pub fn table(a: &RunData, b: &RunData, rows: &[Comparison]) -> String {
    use crate::validate::short;
    let mut sig: Vec<&Comparison> = rows.iter().filter(|c| c.significant()).collect();
    // A difference with no spread at all (both constant) is the largest effect.
    sig.sort_by(|x, y| {
        y.effect
            .unwrap_or(f64::INFINITY)
            .total_cmp(&x.effect.unwrap_or(f64::INFINITY))
    });
    let how = if paired(a, b) {
        format!(
            "paired: same seed {} and {} trials, trial i of each shares its draws",
            a.seed, a.trials
        )
    } else {
        format!(
            "unpaired: seeds {} / {}, trials {} / {}",
            a.seed, b.seed, a.trials, b.trials
        )
    };
    let mut out = format!("{} vs {} ({how})\n", b.label, a.label);
    if sig.is_empty() {
        out.push_str(
            "  no metric differs significantly (every 95 % interval of B − A contains 0)\n",
        );
        return out;
    }
    let header = [
        "metric",
        "mean A",
        "mean B",
        "B − A  [95 % CI]",
        "P(B>A)",
        "KS D (p)",
        "effect",
    ];
    let cells: Vec<[String; 7]> = sig
        .iter()
        .map(|c| {
            let d = c.diff.as_ref();
            [
                c.metric.clone(),
                short(c.mean.0),
                short(c.mean.1),
                d.map_or(String::new(), |d| {
                    format!(
                        "{}  [{}, {}]",
                        short(d.diff),
                        short(d.ci_low),
                        short(d.ci_high)
                    )
                }),
                format!("{:.3}", c.p_b_greater),
                c.ks.map_or(String::new(), |(k, p)| {
                    format!(
                        "{k:.3} ({})",
                        if p < 1e-4 {
                            "<1e-4".into()
                        } else {
                            format!("{p:.4}")
                        }
                    )
                }),
                c.effect.map_or("∞".into(), |e| format!("{e:.2}")),
            ]
        })
        .collect();
    out.push_str(&render(
        "  ",
        header,
        [
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        &cells,
    ));
    let hidden = rows.len() - sig.len();
    let _ = writeln!(
        out,
        "  ({hidden} metrics not shown: their 95 % interval of B − A contains 0)"
    );
    out
}

/// Runs `compare`: returns the printed text; writes `compare.csv` (and the
/// runs of scenario files under `runs/`) into the output folder.
pub fn compare(opts: &CompareOptions) -> Result<String, Error> {
    if opts.inputs.len() < 2 {
        return Err(Error::Usage(
            "compare needs at least two scenario files or output folders".into(),
        ));
    }
    // Folders first: their seed and trial count are the defaults for
    // scenario files, so that a file compared with a folder pairs with it.
    let mut folders = Vec::new();
    for p in &opts.inputs {
        if p.is_dir() {
            folders.push((p.clone(), read_run(p)?));
        } else if !p.exists() {
            return Err(Error::Usage(format!(
                "{}: no such scenario file or output folder",
                p.display()
            )));
        }
    }
    let first_folder = folders.first().map(|(_, r)| r);
    let scenarios: Vec<(PathBuf, scenario::Scenario)> = opts
        .inputs
        .iter()
        .filter(|p| !p.is_dir())
        .map(|p| scenario::load_file(p, &opts.set).map(|s| (p.clone(), s)))
        .collect::<Result<_, _>>()?;
    let seed = opts
        .seed
        .or(first_folder.map(|r| r.seed))
        .or(scenarios.first().map(|(_, s)| s.seed))
        .unwrap_or(0);
    let trials = opts
        .trials
        .or(first_folder.map(|r| r.trials))
        .unwrap_or(crate::cli::DEFAULT_TRIALS);

    let default_out = {
        let names: Vec<String> = opts
            .inputs
            .iter()
            .map(|p| {
                p.file_stem()
                    .map_or_else(|| "run".into(), |s| s.to_string_lossy().into_owned())
            })
            .collect();
        PathBuf::from("output").join(format!("compare-{}", names.join("-vs-")))
    };
    let out = opts.out.clone().unwrap_or(default_out);
    let output_dir = OutputDir::begin(&out, opts.force)?;

    let mut used: HashSet<String> = HashSet::new();
    let mut unique = |name: &str| {
        let mut label = name.to_string();
        let mut k = 2;
        while !used.insert(label.clone()) {
            label = format!("{name}-{k}");
            k += 1;
        }
        label
    };
    let mut runs = Vec::new();
    let mut scenario_iter = scenarios.iter();
    for p in &opts.inputs {
        let mut data = if p.is_dir() {
            match folders.iter().find(|(f, _)| f == p) {
                Some((_, r)) => r.clone(),
                None => read_run(p)?,
            }
        } else {
            let Some((path, s)) = scenario_iter.next() else {
                return Err(Error::Other("internal: scenario list out of step".into()));
            };
            let label = unique(&s.name);
            let folder = output_dir.dir.join("runs").join(&label);
            let bytes = std::fs::read(path)
                .map_err(|e| Error::Io(format!("cannot read {}", path.display()), e))?;
            let provenance = Provenance {
                scenario_path: path.display().to_string(),
                scenario_sha256: run::sha256_hex(&bytes),
                overrides: opts
                    .set
                    .iter()
                    .map(|o| format!("{}={}", o.path, o.value))
                    .collect(),
                final_out: Some(out.join("runs").join(&label)),
            };
            let run_opts = RunOptions {
                trials,
                seed,
                out: folder.clone(),
                paths: 0,
                threads: opts.threads,
                force: false,
                quiet: opts.quiet,
                targets: Vec::new(),
            };
            if !opts.quiet {
                eprintln!(
                    "running {} ({} trials, seed {seed})",
                    path.display(),
                    trials
                );
            }
            run::run(s, &run_opts, &provenance)?;
            let mut data = read_run(&folder)?;
            data.label = label;
            data.folder = out.join("runs").join(&data.label);
            data
        };
        if p.is_dir() {
            data.label = unique(&data.label);
        }
        runs.push(data);
    }

    let mut csv = format!("{COMPARE_COLUMNS}\n");
    let mut text = String::new();
    let Some((base, others)) = runs.split_first() else {
        return Err(Error::Usage("compare needs at least two inputs".into()));
    };
    for b in others {
        let rows = compare_runs(base, b);
        csv_rows(&mut csv, base, b, &rows);
        text.push_str(&table(base, b, &rows));
        text.push('\n');
    }
    output_dir.write("compare.csv", &csv)?;
    output_dir.commit()?;
    let _ = writeln!(text, "compare.csv: {}", out.join("compare.csv").display());
    Ok(text)
}
