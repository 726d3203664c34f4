//! Which uncertain input drives which outcome: Spearman rank correlations,
//! their share of variance, and tornado swings (`sensitivity.csv`, and
//! `rofrsim sensitivity OUTDIR`).

use std::fmt::Write as _;
use std::path::Path;

use rayon::prelude::*;

use crate::error::Error;
use crate::inference::ranks;
use crate::simulate::Simulation;
use crate::table::{Align, render};
use crate::validate::short;

/// Trials used for sensitivity: the first this many. A rank correlation's
/// sampling error is about 1/√n, 0.003 here, far below any effect worth
/// reporting; keeping more would cost memory that grows with the trial count.
pub const SENSITIVITY_TRIALS: u64 = 100_000;

/// The columns of `sensitivity.csv`.
pub const COLUMNS: &str =
    "metric,input,rank,spearman,variance_share,mean_low_decile,mean_high_decile,swing,n";

/// One (outcome, input) pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Outcome metric.
    pub metric: String,
    /// Input path.
    pub input: String,
    /// Spearman rank correlation.
    pub spearman: f64,
    /// ρ² ÷ Σρ² over this metric's inputs.
    pub variance_share: f64,
    /// Outcome mean when the input is in its bottom decile.
    pub low: f64,
    /// Outcome mean when the input is in its top decile.
    pub high: f64,
    /// Trials used.
    pub n: usize,
}

impl Row {
    /// high − low.
    pub fn swing(&self) -> f64 {
        self.high - self.low
    }
}

/// Pearson correlation of two rank vectors of the same length n, whose
/// mean is exactly (n + 1) / 2; `None` when either is constant.
fn rank_correlation(rx: &[f64], ry: &[f64]) -> Option<f64> {
    let m = (rx.len() as f64 + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(ry) {
        sxy += (a - m) * (b - m);
        sxx += (a - m) * (a - m);
        syy += (b - m) * (b - m);
    }
    (sxx > 0.0 && syy > 0.0).then(|| (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// Trial indices of the bottom and top deciles of `x` (ties by index).
fn deciles(x: &[f64]) -> (Vec<usize>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
    let k = x.len() / 10;
    (idx[..k].to_vec(), idx[x.len() - k..].to_vec())
}

fn mean_at(y: &[f64], ids: &[usize]) -> f64 {
    ids.iter().map(|&i| y[i]).sum::<f64>() / ids.len() as f64
}

/// An input with its ranks and decile members, computed once.
struct RankedInput<'a> {
    name: &'a str,
    values: &'a [f64],
    ranks: Vec<f64>,
    deciles: (Vec<usize>, Vec<usize>),
}

/// Sensitivity rows for every outcome and every non-constant input, each
/// metric's inputs ranked by |swing|, largest first. Uses the trials whose
/// inputs the simulation kept; a metric with missing values (e.g.
/// `ip_expiry_year` beyond the horizon) uses the trials where it has one.
pub fn analyse(sim: &Simulation) -> Vec<Row> {
    let n = sim.inputs.first().map_or(0, |(_, v)| v.len());
    if n < 10 {
        return Vec::new();
    }
    // Rank and split each input once: it is reused for every metric.
    // Inputs and metrics are independent, so both run on the worker threads
    // (collected in order: the rows do not depend on the thread count).
    let inputs: Vec<RankedInput<'_>> = sim
        .inputs
        .par_iter()
        .filter(|(_, v)| v.iter().any(|&x| x != v[0]))
        .map(|(name, v)| RankedInput {
            name,
            values: v,
            ranks: ranks(v),
            deciles: deciles(v),
        })
        .collect();
    let per_metric: Vec<Vec<Row>> = sim
        .metric_names
        .par_iter()
        .enumerate()
        .map(|(k, metric)| metric_rows(metric, sim.columns.head(k), n, &inputs))
        .collect();
    per_metric.concat()
}

/// One metric's rows, ranked by |swing|.
fn metric_rows(metric: &str, column: &[f64], n: usize, inputs: &[RankedInput<'_>]) -> Vec<Row> {
    let y = &column[..n.min(column.len())];
    let complete = y.iter().all(|x| !x.is_nan());
    let mut metric_rows: Vec<Row> = Vec::new();
    if complete {
        let ry = ranks(y);
        for RankedInput {
            name,
            ranks: rx,
            deciles: (low, high),
            ..
        } in inputs
        {
            if let Some(rho) = rank_correlation(rx, &ry) {
                metric_rows.push(Row {
                    metric: metric.to_string(),
                    input: name.to_string(),
                    spearman: rho,
                    variance_share: 0.0,
                    low: mean_at(y, low),
                    high: mean_at(y, high),
                    n,
                });
            }
        }
    } else {
        let keep: Vec<usize> = (0..y.len()).filter(|&i| !y[i].is_nan()).collect();
        if keep.len() < 10 {
            return Vec::new();
        }
        let ys: Vec<f64> = keep.iter().map(|&i| y[i]).collect();
        let ry = ranks(&ys);
        for RankedInput {
            name, values: x, ..
        } in inputs
        {
            let xs: Vec<f64> = keep.iter().map(|&i| x[i]).collect();
            let (low, high) = deciles(&xs);
            if let Some(rho) = rank_correlation(&ranks(&xs), &ry) {
                metric_rows.push(Row {
                    metric: metric.to_string(),
                    input: name.to_string(),
                    spearman: rho,
                    variance_share: 0.0,
                    low: mean_at(&ys, &low),
                    high: mean_at(&ys, &high),
                    n: keep.len(),
                });
            }
        }
    }
    let total: f64 = metric_rows.iter().map(|r| r.spearman * r.spearman).sum();
    for r in &mut metric_rows {
        r.variance_share = if total > 0.0 {
            r.spearman * r.spearman / total
        } else {
            0.0
        };
    }
    metric_rows.sort_by(|a, b| {
        b.swing()
            .abs()
            .total_cmp(&a.swing().abs())
            .then_with(|| a.input.cmp(&b.input))
    });
    metric_rows
}

/// `sensitivity.csv` text.
pub fn csv(rows: &[Row]) -> String {
    let mut out = format!("{COLUMNS}\n");
    let mut rank = 0;
    let mut last_metric = "";
    for r in rows {
        rank = if r.metric == last_metric { rank + 1 } else { 1 };
        last_metric = &r.metric;
        let _ = write!(out, "{},{},{rank}", r.metric, r.input);
        for x in [r.spearman, r.variance_share, r.low, r.high, r.swing()] {
            out.push(',');
            crate::output::push_number(&mut out, x);
        }
        let _ = writeln!(out, ",{}", r.n);
    }
    out
}

/// Metrics shown by `rofrsim sensitivity` when none is named.
pub const HEADLINE_METRICS: [&str; 4] = [
    "microsoft_value_npv_usd_bn",
    "azure_share_end",
    "unmet_share",
    "ip_expiry_year",
];

/// Reads `sensitivity.csv` of an output folder and formats the table for
/// `metric` (or the headline metrics), inputs ranked by swing.
pub fn show(folder: &Path, metric: Option<&str>, top: usize) -> Result<String, Error> {
    let path = folder.join("sensitivity.csv");
    let file = std::fs::File::open(&path).map_err(|e| {
        Error::Usage(format!(
            "{}: cannot read sensitivity.csv: {e}",
            folder.display()
        ))
    })?;
    let rows = parse(&path, std::io::BufReader::new(file))?;
    format_rows(&path, &rows, metric, top)
}

/// Reads `sensitivity.csv` text; `path` names it in messages. Never panics,
/// whatever the bytes.
pub fn parse(path: &Path, text: impl std::io::Read) -> Result<Vec<Row>, Error> {
    let mut reader = csv::Reader::from_reader(text);
    let header = reader
        .headers()
        .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?
        .iter()
        .collect::<Vec<_>>()
        .join(",");
    if header != COLUMNS {
        return Err(Error::Usage(format!(
            "{}: unexpected header (expected {COLUMNS})",
            path.display()
        )));
    }
    let mut rows: Vec<Row> = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec =
            rec.map_err(|e| Error::Usage(format!("{}: line {}: {e}", path.display(), i + 2)))?;
        let num = |k: usize| -> Result<f64, Error> {
            rec.get(k)
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "{}: line {}: column {} is not a number",
                        path.display(),
                        i + 2,
                        k + 1
                    ))
                })
        };
        rows.push(Row {
            metric: rec.get(0).unwrap_or("").to_string(),
            input: rec.get(1).unwrap_or("").to_string(),
            spearman: num(3)?,
            variance_share: num(4)?,
            low: num(5)?,
            high: num(6)?,
            n: num(8)? as usize,
        });
    }
    Ok(rows)
}

/// The tables `rofrsim sensitivity` prints for `metric` (or the headline
/// metrics).
pub fn format_rows(
    path: &Path,
    rows: &[Row],
    metric: Option<&str>,
    top: usize,
) -> Result<String, Error> {
    let available: Vec<&str> = {
        let mut m: Vec<&str> = rows.iter().map(|r| r.metric.as_str()).collect();
        m.dedup();
        m
    };
    let wanted: Vec<&str> = match metric {
        Some(m) if available.contains(&m) => vec![m],
        Some(m) => {
            let near = crate::scenario::nearest_names(m, available.iter().copied(), 3);
            let hint = if near.is_empty() {
                available.join(", ")
            } else {
                format!("did you mean {}?", near.join(" or "))
            };
            return Err(Error::Usage(format!(
                "no sensitivity for metric `{m}` in {} ({hint}; constant metrics have none)",
                path.display()
            )));
        }
        None => HEADLINE_METRICS
            .iter()
            .copied()
            .filter(|m| available.contains(m))
            .collect(),
    };
    if rows.is_empty() {
        return Ok(format!(
            "{}: no outcome varies with an uncertain input in this run (too few trials, or no input given as a distribution)\n",
            path.display()
        ));
    }
    let mut out = String::new();
    for m in wanted {
        let list: Vec<&Row> = rows.iter().filter(|r| r.metric == m).take(top).collect();
        let n = list.first().map_or(0, |r| r.n);
        let _ = writeln!(out, "{m} ({n} trials): inputs ranked by tornado swing");
        let cells: Vec<[String; 5]> = list
            .iter()
            .map(|r| {
                [
                    r.input.clone(),
                    format!("{:+.3}", r.spearman),
                    format!("{:.1} %", r.variance_share * 100.0),
                    format!("{} → {}", short(r.low), short(r.high)),
                    short(r.swing()),
                ]
            })
            .collect();
        out.push_str(&render(
            "  ",
            [
                "input",
                "rank corr",
                "var share",
                "mean: low → high decile",
                "swing",
            ],
            [
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
            ],
            &cells,
        ));
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_correlation_matches_definition() {
        // x = [1,2,2,3] → ranks [1, 2.5, 2.5, 4]; y = [1,3,2,4] → [1,3,2,4].
        // Mean 2.5: dx = [−1.5, 0, 0, 1.5], dy = [−1.5, .5, −.5, 1.5];
        // sxy = 4.5, sxx = 4.5, syy = 5 → ρ = 4.5/√22.5 = 0.948683.
        let rho =
            rank_correlation(&ranks(&[1.0, 2.0, 2.0, 3.0]), &ranks(&[1.0, 3.0, 2.0, 4.0])).unwrap();
        assert!((rho - 4.5 / 22.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(
            rank_correlation(&ranks(&[1.0, 1.0]), &ranks(&[1.0, 2.0])),
            None
        );
    }
}
