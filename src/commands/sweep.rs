//! `rofrsim sweep SCENARIO --vary KEY=VALUES… [options]`: one run per
//! combination of varied values, summarised in `sweep.csv`.

// The options' doc comments are clap's help text, written for a terminal
// (`output/<scenario name>`), not rustdoc's HTML.
#![allow(rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use super::text::{Align, render_table, short};
use super::{Control, Ended, SamplingArgs, print, trials};
use crate::analysis::target::Target;
use crate::folder::trials::TrialsCsv;
use crate::jobs::shard::ShardArg;
use crate::jobs::sweep::{MAX_COMBINATIONS, SHOWN, SweepOptions, Swept, Vary, sweep};
use crate::scenario::{Override, split_outside_values};

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
    /// How the inputs are drawn: --sampling, --adjust-correlations.
    #[command(flatten)]
    sampling: SamplingArgs,
    /// Add the probability of meeting a target, e.g. 'unmet_share<=0.1'.
    #[arg(long, value_name = "METRIC<=VALUE")]
    target: Vec<Target>,
    /// Also keep each combination's run folder, as `run` writes it, in
    /// OUT/runs/<k>/ (k its number in sweep.csv's order, from 1).
    #[arg(long)]
    keep_runs: bool,
    /// What trials.csv of each kept run holds (default: full).
    #[arg(long, value_name = "WHAT", requires = "keep_runs")]
    trials_csv: Option<TrialsCsv>,
    /// Also write the workbook summary.xlsx (tables and native charts) into the output folder.
    #[arg(long)]
    xlsx: bool,
    /// Run only shard I of N of the combinations (from 0), into a shard
    /// folder for `rofrsim merge`; `auto`: from a job array's environment.
    #[arg(long, value_name = "I/N|auto", conflicts_with = "xlsx")]
    shard: Option<ShardArg>,
    /// The number of shards, for --shard auto where the scheduler does not tell it.
    #[arg(long, value_name = "N", requires = "shard", value_parser = clap::value_parser!(u64).range(1..))]
    shards: Option<u64>,
}

/// Runs `rofrsim sweep`.
pub(super) fn run(args: Args) -> Result<(), Ended> {
    let opts = SweepOptions {
        scenario: args.scenario,
        set: args
            .set
            .into_iter()
            .chain(args.sampling.overrides())
            .collect(),
        vary: args.vary,
        trials: args.trials,
        seed: args.seed,
        out: args.out,
        threads: args.control.threads(),
        force: args.control.force,
        quiet: args.control.quiet,
        targets: args.target,
        keep_runs: args.keep_runs.then(|| args.trials_csv.unwrap_or_default()),
        shard: match args.shard {
            Some(arg) => Some(arg.resolve(args.shards, |v| std::env::var(v).ok())?),
            None => None,
        },
    };
    let targets = opts.targets.clone();
    let swept = sweep(&opts)?;
    if let Some(shard) = opts.shard {
        return print(&format!(
            "shard {shard} of the sweep: {} combination{}\n{}merge the shards with: rofrsim merge SHARD_FOLDER... --out DIR\n",
            swept.rows.len(),
            if swept.rows.len() == 1 { "" } else { "s" },
            super::text::outputs(&swept.out)
        ));
    }
    let mut text = table(&swept, &targets);
    text.push_str(&format!(
        "\nsweep written to {}\n",
        swept.out.join(crate::folder::sweep::FILE).display()
    ));
    if args.xlsx {
        let written = crate::report::xlsx::write(&swept.out)?;
        text.push_str(&format!("workbook: {}\n", written.display()));
    }
    text.push_str(&super::text::outputs(&swept.out));
    print(&text)
}

/// Rows of the table a sweep prints; `sweep.csv` has every combination.
const MAX_SHOWN_ROWS: usize = 100;

/// The headline outcomes by combination: the varied values, Microsoft's
/// NPV (mean, p5–p95), the unmet share and Azure's final share (means), and
/// each target's probability.
fn table(swept: &Swept, targets: &[Target]) -> String {
    let pct = |x: f64| format!("{:.1} %", x * 100.0);
    let mut header: Vec<String> = swept.keys.clone();
    header.extend([
        "Microsoft NPV usd_bn: mean (p5–p95)".to_string(),
        "unmet share".into(),
        "Azure share end".into(),
    ]);
    header.extend(targets.iter().map(|t| format!("P({})", t.text())));
    let rows: Vec<Vec<String>> = swept
        .rows
        .iter()
        .take(MAX_SHOWN_ROWS)
        .map(|(values, summaries)| {
            let find = |name: &str| summaries.iter().find(|(n, _)| n == name).map(|(_, s)| s);
            let mut row = values.clone();
            row.push(find(SHOWN[0]).map_or_else(String::new, |s| {
                format!(
                    "{}  ({}–{})",
                    short(s.mean),
                    short(s.percentiles[1]),
                    short(s.percentiles[7])
                )
            }));
            for name in &SHOWN[1..] {
                row.push(find(name).map_or_else(String::new, |s| pct(s.mean)));
            }
            for t in targets {
                row.push(find(&t.label()).map_or_else(String::new, |s| pct(s.mean)));
            }
            row
        })
        .collect();
    let mut align = vec![Align::Left; swept.keys.len()];
    align.resize(header.len(), Align::Right);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows: Vec<&[String]> = rows.iter().map(Vec::as_slice).collect();
    let mut out = render_table("  ", &header, &align, &rows);
    if swept.rows.len() > MAX_SHOWN_ROWS {
        out.push_str(&format!(
            "  … {} more combinations in sweep.csv\n",
            swept.rows.len() - MAX_SHOWN_ROWS
        ));
    }
    out
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
    if path.ends_with(['*', '+']) {
        return Err(format!(
            "--vary replaces values (key.path=v1,v2,…); it does not scale or shift them (given {s:?}). Vary the value itself, or compare what-ifs: rofrsim compare SCENARIO --what-if 'x2: {}=2' …",
            path.trim_end_matches(['*', '+']).trim_end().to_string() + &path[path.len() - 1..]
        ));
    }
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(format!(
            "expected a dotted key path before '=' (given {path:?})"
        ));
    }
    let values = values.trim();
    let parts: Vec<&str> = values.split(':').collect();
    let numbers: Option<Vec<f64>> = parts.iter().map(|p| p.trim().parse().ok()).collect();
    let values: Vec<String> = match (parts.len(), numbers) {
        (3, Some(n)) => range(values, n[0], n[1], n[2])?
            .iter()
            .map(|x| x.to_string())
            .collect(),
        // Commas inside inline tables and quoted strings belong to a value.
        _ => split_outside_values(values, |c| c == ',')
            .iter()
            .map(|v| v.trim().to_string())
            .collect(),
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
            "a.b*=1,2",
            "a.b+=1,2",
        ] {
            assert!(parse_vary(bad).is_err(), "{bad}");
        }
    }
}
