//! `rofrsim report` and `run --report`: the real binary in temporary
//! folders, and the charts' numbers checked against the CSVs they are
//! drawn from (read here independently with the csv crate). The browser
//! check (headless Chromium) is `tests/report_browser.sh`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use rofrsim::report::charts::Chart;
use rofrsim::report::draw::{MEDIAN_WIDTH, num, year_label};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("rofrsim-report-")
        .tempdir()
        .expect("create a temporary folder")
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn rofrsim(args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_rofrsim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run rofrsim");
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(args: &[&str]) -> Out {
    let out = rofrsim(args);
    assert_eq!(
        out.code,
        Some(0),
        "rofrsim {}\nstdout: {}\nstderr: {}",
        args.join(" "),
        out.stdout,
        out.stderr
    );
    out
}

/// `run scenarios/baseline.toml --report` into `dir/base`.
fn baseline_run(dir: &Path, trials: u32) -> PathBuf {
    let out = dir.join("base");
    let res = ok(&[
        "run",
        "scenarios/baseline.toml",
        "--trials",
        &trials.to_string(),
        "--out",
        out.to_str().expect("utf-8 path"),
        "--quiet",
        "--report",
    ]);
    assert!(res.stdout.contains("report.html"), "{}", res.stdout);
    out
}

// ---------------------------------------------------------------------------
// A minimal XML well-formedness check (elements nest and close, attributes
// are quoted, entities are known): enough for "every SVG parses as XML"
// without an XML dependency. tests/report_browser.sh also parses every SVG
// with Python's xml.etree.
// ---------------------------------------------------------------------------

fn check_entities(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        let after = &rest[i + 1..];
        let end = after.find(';').ok_or("unterminated entity")?;
        let name = &after[..end];
        let known = matches!(name, "lt" | "gt" | "amp" | "quot" | "apos")
            || (name.starts_with('#') && name.len() > 1);
        if !known {
            return Err(format!("unknown entity &{name};"));
        }
        rest = &after[end + 1..];
    }
    if text.contains('<') {
        return Err("raw < in text".into());
    }
    Ok(())
}

fn well_formed_xml(doc: &str) -> Result<String, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut root = None;
    let mut rest = doc.trim_start();
    if rest.starts_with("<?xml") {
        let end = rest.find("?>").ok_or("unterminated XML declaration")?;
        rest = &rest[end + 2..];
    }
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..lt];
        if stack.is_empty() && !text.trim().is_empty() {
            return Err(format!("text outside the root: {:?}", text.trim()));
        }
        check_entities(text)?;
        rest = &rest[lt..];
        if rest.is_empty() {
            break;
        }
        if let Some(r) = rest.strip_prefix("<!--") {
            let end = r.find("-->").ok_or("unterminated comment")?;
            rest = &r[end + 3..];
            continue;
        }
        let gt = rest.find('>').ok_or("unterminated tag")?;
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or(format!("</{name}> closes nothing"))?;
            if open != name.trim() {
                return Err(format!("</{}> closes <{open}>", name.trim()));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
        let name = &tag[..name_end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || "-_:".contains(c))
        {
            return Err(format!("bad element name {name:?}"));
        }
        // Attributes: name="value" pairs.
        let mut attrs = tag[name_end..].trim();
        let mut seen = Vec::new();
        while !attrs.is_empty() {
            let eq = attrs
                .find('=')
                .ok_or(format!("attribute without value in <{name}>"))?;
            let key = attrs[..eq].trim();
            if seen.contains(&key) {
                return Err(format!("duplicate attribute {key} in <{name}>"));
            }
            seen.push(key);
            let after = attrs[eq + 1..].trim_start();
            let quote = after.chars().next().ok_or("missing attribute value")?;
            if quote != '"' && quote != '\'' {
                return Err(format!("unquoted attribute {key} in <{name}>"));
            }
            let close = after[1..]
                .find(quote)
                .ok_or("unterminated attribute value")?;
            check_entities(&after[1..1 + close])?;
            attrs = after[close + 2..].trim_start();
        }
        if stack.is_empty() {
            if root.is_some() {
                return Err("two root elements".into());
            }
            root = Some(name.to_string());
        }
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> never closed"));
    }
    root.ok_or_else(|| "no root element".to_string())
}

#[test]
fn xml_checker_catches_broken_documents() {
    assert_eq!(
        well_formed_xml("<svg a=\"1\"><g/><text>a &amp; b</text></svg>").as_deref(),
        Ok("svg")
    );
    for bad in [
        "<svg><g></svg>",
        "<svg a=1></svg>",
        "<svg><text>a & b</text></svg>",
        "<svg></svg><svg></svg>",
        "<svg>",
        "<svg a=\"1\" a=\"2\"></svg>",
    ] {
        assert!(well_formed_xml(bad).is_err(), "accepted {bad}");
    }
}

// ---------------------------------------------------------------------------
// Reading the CSVs independently
// ---------------------------------------------------------------------------

/// timeseries.csv: metric → [(month as decimal year, column → value)].
/// Months of one metric: (decimal year, column → value).
type Months = Vec<(f64, BTreeMap<String, f64>)>;

fn timeseries(dir: &Path) -> BTreeMap<String, Months> {
    let mut r = csv::Reader::from_path(dir.join("timeseries.csv")).expect("timeseries.csv");
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let mut out: BTreeMap<String, Months> = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.expect("row");
        let month = &rec[0];
        let year: f64 = month[..4].parse().expect("year");
        let m: f64 = month[5..7].parse().expect("month");
        let mut cols = BTreeMap::new();
        for (i, h) in header.iter().enumerate().skip(2) {
            cols.insert(h.clone(), rec[i].parse::<f64>().unwrap_or(f64::NAN));
        }
        out.entry(rec[1].to_string())
            .or_default()
            .push((year + (m - 1.0) / 12.0, cols));
    }
    out
}

/// One column of trials.csv as text cells.
fn trials_column(dir: &Path, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(dir.join("trials.csv")).expect("trials.csv");
    let i = r
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    r.records()
        .map(|rec| rec.expect("row")[i].to_string())
        .collect()
}

fn percentile_inc(sorted: &[f64], q: f64) -> f64 {
    let h = q * (sorted.len() - 1) as f64;
    let i = h.floor() as usize;
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + (h - i as f64) * (sorted[j] - sorted[i])
}

fn chart<'a>(charts: &'a [Chart], file: &str) -> &'a Chart {
    charts
        .iter()
        .find(|c| c.file == file)
        .unwrap_or_else(|| panic!("no chart {file}"))
}

/// The points of the median polyline(s) of an SVG (stroke width
/// MEDIAN_WIDTH, more than the two points of a legend swatch), in pixels.
fn median_polylines(svg: &str) -> Vec<Vec<(f64, f64)>> {
    let width = format!("stroke-width=\"{MEDIAN_WIDTH}\"");
    svg.split("<polyline")
        .skip(1)
        .filter(|el| el[..el.find("/>").unwrap_or(el.len())].contains(&width))
        .map(|el| {
            let start = el.find("points=\"").expect("points") + 8;
            let end = start + el[start..].find('"').expect("end of points");
            el[start..end]
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').expect("x,y");
                    (x.parse().expect("x"), y.parse().expect("y"))
                })
                .collect::<Vec<(f64, f64)>>()
        })
        .filter(|pts| pts.len() > 2)
        .collect()
}

/// Least-squares fit pixel = a + b·value; the largest residual in pixels.
fn fit_residual(values: &[f64], pixels: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mv = values.iter().sum::<f64>() / n;
    let mp = pixels.iter().sum::<f64>() / n;
    let sxy: f64 = values
        .iter()
        .zip(pixels)
        .map(|(v, p)| (v - mv) * (p - mp))
        .sum();
    let sxx: f64 = values.iter().map(|v| (v - mv).powi(2)).sum();
    let b = sxy / sxx;
    let a = mp - b * mv;
    let worst = values
        .iter()
        .zip(pixels)
        .map(|(v, p)| (a + b * v - p).abs())
        .fold(0.0, f64::max);
    (b, worst)
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn run_with_report_writes_html_and_every_chart_as_valid_svg() {
    let tmp = tempdir();
    let dir = baseline_run(tmp.path(), 600);
    let html = fs::read_to_string(dir.join("report.html")).expect("report.html");
    let mut svgs: Vec<PathBuf> = fs::read_dir(dir.join("charts"))
        .expect("charts/")
        .map(|e| e.expect("entry").path())
        .collect();
    svgs.sort();
    let names: Vec<String> = svgs
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    for want in [
        "fan_demand_capacity.svg",
        "fan_placed_by_provider.svg",
        "fan_azure_share.svg",
        "fan_unmet.svg",
        "ip_expiry_histogram.svg",
        "ip_active.svg",
        "dist_microsoft_value_npv_usd_bn.svg",
        "dist_openai_revenue_usd_bn.svg",
        "dist_spend_azure_usd_bn.svg",
        "spend_by_provider_cdf.svg",
        "tornado_microsoft_value_npv_usd_bn.svg",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "missing charts/{want}; have {names:?}"
        );
    }
    for p in &svgs {
        let text = fs::read_to_string(p).expect("svg");
        assert_eq!(
            well_formed_xml(&text).as_deref(),
            Ok("svg"),
            "{}",
            p.display()
        );
        // Titled, and every inline chart is in the HTML with its file named.
        assert!(
            text.contains("font-weight=\"bold\""),
            "{}: no title",
            p.display()
        );
        let name = p.file_name().expect("name").to_string_lossy();
        assert!(
            html.contains(&format!("charts/{name}")),
            "report.html does not name {name}"
        );
    }
    assert_eq!(html.matches("<svg ").count(), svgs.len());
    // Self-contained: no script, nothing fetched.
    assert!(!html.contains("<script"));
    let without_ns = html.replace("http://www.w3.org/2000/svg", "");
    assert!(!without_ns.contains("http://") && !without_ns.contains("https://"));
    assert!(!html.contains(" src="));
    assert!(html.contains("Content-Security-Policy"));
    // The manifest's facts.
    for fact in [
        "baseline",
        "20250101",
        "600",
        "rofrsim run scenarios/baseline.toml",
        "timeseries.csv",
    ] {
        assert!(html.contains(fact), "report.html lacks {fact}");
    }
}

#[test]
fn fan_charts_draw_the_timeseries_percentiles() {
    let tmp = tempdir();
    let dir = baseline_run(tmp.path(), 500);
    let ts = timeseries(&dir);
    let report = rofrsim::report::build(std::slice::from_ref(&dir)).expect("build");
    let charts: Vec<Chart> = report.runs[0]
        .sections
        .iter()
        .flat_map(|s| s.charts.clone())
        .collect();
    for (file, metric) in [
        ("fan_demand_capacity.svg", "demand_gw"),
        ("fan_azure_share.svg", "azure_share"),
        ("fan_unmet.svg", "unmet_gw"),
        ("fan_placed_by_provider.svg", "placed_azure_gw"),
    ] {
        let c = chart(&charts, file);
        let want: Vec<(f64, f64)> = ts[metric]
            .iter()
            .map(|(x, cols)| (*x, cols["p50"]))
            .collect();
        let got = &c
            .series(&format!("{metric} p50"))
            .unwrap_or_else(|| panic!("{file}: no {metric} p50"))
            .points;
        assert_eq!(got, &want, "{file}: the median line is not the p50 column");
        assert!(
            c.source.contains("timeseries.csv")
                && c.source
                    .contains(metric.split('_').next().unwrap_or(metric))
        );
    }
    // Total capacity = the providers' capacity means, summed.
    let c = chart(&charts, "fan_demand_capacity.svg");
    let cap = &c.series("capacity total mean").expect("capacity").points;
    for (i, (x, v)) in cap.iter().enumerate() {
        let sum: f64 = ts
            .iter()
            .filter(|(m, _)| m.starts_with("capacity_") && *m != "capacity_gw")
            .map(|(_, rows)| rows[i].1["mean"])
            .sum();
        assert_eq!(*x, ts["demand_gw"][i].0);
        assert!(
            (v - sum).abs() <= 1e-9 * sum.max(1.0),
            "month {i}: {v} vs {sum}"
        );
    }

    // In the SVG: the median polyline of the (linear) Azure-share chart has
    // one point per month, and its pixels are a linear map of (month, p50).
    let c = chart(&charts, "fan_azure_share.svg");
    let lines = median_polylines(&c.svg);
    assert_eq!(lines.len(), 1, "one median line");
    let pts = &lines[0];
    let rows = &ts["azure_share"];
    assert_eq!(pts.len(), rows.len());
    let p50: Vec<f64> = rows.iter().map(|(_, c)| c["p50"]).collect();
    let xs: Vec<f64> = rows.iter().map(|(x, _)| *x).collect();
    let py: Vec<f64> = pts.iter().map(|p| p.1).collect();
    let px: Vec<f64> = pts.iter().map(|p| p.0).collect();
    let (slope, worst) = fit_residual(&p50, &py);
    assert!(slope < 0.0, "higher shares are drawn higher");
    assert!(
        worst <= 1.0,
        "median pixels off the p50 column by {worst} px"
    );
    let (slope, worst) = fit_residual(&xs, &px);
    assert!(slope > 0.0 && worst <= 1.0, "months off by {worst} px");
    // The same file on disk.
    let on_disk = fs::read_to_string(dir.join("charts/fan_azure_share.svg")).expect("svg");
    assert_eq!(on_disk, c.svg);
}

#[test]
fn distributions_and_ip_expiry_match_trials_csv() {
    let tmp = tempdir();
    let dir = baseline_run(tmp.path(), 700);
    let report = rofrsim::report::build(std::slice::from_ref(&dir)).expect("build");
    let charts: Vec<Chart> = report.runs[0]
        .sections
        .iter()
        .flat_map(|s| s.charts.clone())
        .collect();

    // CDF points are PERCENTILE.INC of the trials.csv column.
    for metric in [
        "microsoft_value_npv_usd_bn",
        "openai_revenue_usd_bn",
        "spend_azure_usd_bn",
    ] {
        let c = chart(&charts, &format!("dist_{metric}.svg"));
        let mut v: Vec<f64> = trials_column(&dir, metric)
            .iter()
            .map(|s| s.parse::<f64>().expect("number"))
            .collect();
        v.sort_by(f64::total_cmp);
        let cdf = &c.series("cdf").expect("cdf").points;
        assert!(cdf.len() > 300, "{metric}: most of the CDF is drawn");
        for (x, q) in cdf {
            let want = percentile_inc(&v, *q);
            assert!(
                (x - want).abs() <= 1e-9 * want.abs().max(1.0),
                "{metric} q={q}: {x} vs {want}"
            );
        }
        // Histogram shares: at most 1 % of trials off the p0.5–p99.5 axis.
        let hist: f64 = c
            .series("histogram")
            .expect("histogram")
            .points
            .iter()
            .map(|p| p.1)
            .sum();
        assert!(
            hist > 0.98 && hist <= 1.0 + 1e-9,
            "{metric}: histogram holds {hist}"
        );
        assert!(c.source.contains("trials.csv"));
    }

    // IP expiry: the stacked bars hold every trial by cause.
    let causes = trials_column(&dir, "ip_expiry_cause");
    let n = causes.len() as f64;
    let c = chart(&charts, "ip_expiry_histogram.svg");
    for cause in ["agi", "sunset"] {
        let drawn: f64 = c
            .series(cause)
            .expect("cause")
            .points
            .iter()
            .map(|p| p.1)
            .sum();
        let want = causes.iter().filter(|c| *c == cause).count() as f64 / n;
        assert!((drawn - want).abs() < 1e-9, "{cause}: {drawn} vs {want}");
    }
    // Baseline: the sunset (2033-01) is the only expiry, in the 2033 bar.
    let sunset = &c.series("sunset").expect("sunset").points;
    let full: Vec<_> = sunset.iter().filter(|p| p.1 > 0.0).collect();
    assert_eq!(full.len(), 1);
    assert!((full[0].0 - 2033.5).abs() < 1e-9 && (full[0].1 - 1.0).abs() < 1e-12);

    // Tornado bars are the sensitivity.csv rows, largest swing first.
    let mut r = csv::Reader::from_path(dir.join("sensitivity.csv")).expect("sensitivity.csv");
    let rows: Vec<csv::StringRecord> = r
        .records()
        .map(|x| x.expect("row"))
        .filter(|x| &x[0] == "microsoft_value_npv_usd_bn")
        .collect();
    let c = chart(&charts, "tornado_microsoft_value_npv_usd_bn.svg");
    assert_eq!(c.series.len(), rows.len().min(10));
    for s in &c.series {
        let row = rows
            .iter()
            .find(|x| x[1] == s.name)
            .expect("input in sensitivity.csv");
        let rank: usize = row[2].parse().expect("rank");
        assert!(rank <= 10);
        assert_eq!(
            s.points,
            vec![(
                row[5].parse::<f64>().expect("low"),
                row[6].parse::<f64>().expect("high")
            )]
        );
    }
}

#[test]
fn compare_folder_report_overlays_runs_and_shows_compare_csv() {
    let tmp = tempdir();
    let cmp = tmp.path().join("cmp");
    let cmp_s = cmp.to_str().expect("utf-8");
    ok(&[
        "compare",
        "scenarios/seed_terms.toml",
        "scenarios/baseline.toml",
        "--trials",
        "300",
        "--out",
        cmp_s,
        "--quiet",
        "--keep-runs",
    ]);
    let out = ok(&["report", cmp_s]);
    assert!(out.stdout.contains("report.html"), "{}", out.stdout);
    let html = fs::read_to_string(cmp.join("report.html")).expect("report.html");
    for want in [
        "rofrsim comparison: seed_terms vs baseline",
        "compare.csv",
        "B − A [95 % CI]",
        "compare_cdf_microsoft_value_npv_usd_bn.svg",
        "compare_fan_demand_gw.svg",
        "compare_ip_active.svg",
    ] {
        assert!(html.contains(want), "report.html lacks {want}");
    }
    // Each run also gets its own charts, under the compare folder's
    // charts/, never in the run's folder.
    for run in ["seed_terms", "baseline"] {
        assert!(
            cmp.join("charts")
                .join(run)
                .join("fan_demand_capacity.svg")
                .is_file()
        );
        assert!(!cmp.join("runs").join(run).join("charts").exists());
        assert!(html.contains(&format!("charts/{run}/fan_demand_capacity.svg")));
    }
    for entry in fs::read_dir(cmp.join("charts")).expect("charts/") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            continue;
        }
        let text = fs::read_to_string(&p).expect("svg");
        assert_eq!(
            well_formed_xml(&text).as_deref(),
            Ok("svg"),
            "{}",
            p.display()
        );
    }
    // Overlaid CDFs: one line per run, named by the run, each the run's column.
    let report = rofrsim::report::build(std::slice::from_ref(&cmp)).expect("build");
    let labels: Vec<&str> = report.runs.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["seed_terms", "baseline"]);
    let all: Vec<Chart> = report
        .comparison
        .iter()
        .flat_map(|s| s.charts.clone())
        .collect();
    let c = chart(&all, "compare_cdf_microsoft_value_npv_usd_bn.svg");
    for run in ["seed_terms", "baseline"] {
        let mut v: Vec<f64> =
            trials_column(&cmp.join("runs").join(run), "microsoft_value_npv_usd_bn")
                .iter()
                .map(|s| s.parse::<f64>().expect("number"))
                .collect();
        v.sort_by(f64::total_cmp);
        for (x, q) in &c.series(run).expect("line per run").points {
            assert!((x - percentile_inc(&v, *q)).abs() <= 1e-9 * x.abs().max(1.0));
        }
    }
    // Side-by-side fans: each panel's median is its run's p50.
    let c = chart(&all, "compare_fan_demand_gw.svg");
    for run in ["seed_terms", "baseline"] {
        let ts = timeseries(&cmp.join("runs").join(run));
        let want: Vec<(f64, f64)> = ts["demand_gw"]
            .iter()
            .map(|(x, c)| (*x, c["p50"]))
            .collect();
        assert_eq!(c.series(&format!("{run} p50")).expect("panel").points, want);
    }
    assert_eq!(
        median_polylines(&c.svg).len(),
        2,
        "two panels, one median each"
    );
}

#[test]
fn several_run_folders_without_compare_csv() {
    let tmp = tempdir();
    let a = baseline_run(tmp.path(), 200);
    let b = tmp.path().join("early");
    ok(&[
        "run",
        "scenarios/early_agi.toml",
        "--trials",
        "200",
        "--out",
        b.to_str().expect("utf-8"),
        "--quiet",
    ]);
    let out = tmp.path().join("both");
    let res = ok(&[
        "report",
        a.to_str().expect("utf-8"),
        b.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(res.stdout.contains("both/report.html"), "{}", res.stdout);
    let html = fs::read_to_string(out.join("report.html")).expect("html");
    assert!(html.contains("unpaired summaries"));
    assert!(html.contains("charts/compare_cdf_unmet_share.svg"));
    assert!(out.join("charts/compare_cdf_unmet_share.svg").is_file());
    assert!(
        out.join("charts/early_agi/ip_expiry_histogram.svg")
            .is_file()
    );
    assert!(
        !b.join("charts").exists(),
        "nothing written into a run folder"
    );
    // The same seed and trial count: paired as compare pairs run folders,
    // so the per-trial differences are drawn.
    assert!(
        out.join("charts/compare_diff_microsoft_value_npv_usd_bn.svg")
            .is_file()
    );
}

#[test]
fn missing_or_malformed_csv_is_a_clear_error_with_exit_2() {
    let tmp = tempdir();
    let dir = baseline_run(tmp.path(), 100);
    let copy = |name: &str| -> PathBuf {
        let to = tmp.path().join(name);
        fs::create_dir_all(&to).expect("mkdir");
        for f in [
            "manifest.json",
            "trials.csv",
            "summary.csv",
            "timeseries.csv",
            "sensitivity.csv",
        ] {
            fs::copy(dir.join(f), to.join(f)).expect("copy");
        }
        to
    };

    let missing = copy("missing");
    fs::remove_file(missing.join("timeseries.csv")).expect("rm");
    let out = rofrsim(&["report", missing.to_str().expect("utf-8")]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("timeseries.csv") && out.stderr.contains("error:"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"));

    let garbled = copy("garbled");
    let text = fs::read_to_string(garbled.join("summary.csv")).expect("read");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut cells: Vec<&str> = lines[3].split(',').collect();
    cells[2] = "not-a-number";
    lines[3] = cells.join(",");
    fs::write(garbled.join("summary.csv"), lines.join("\n") + "\n").expect("write");
    let out = rofrsim(&["report", garbled.to_str().expect("utf-8")]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("summary.csv")
            && out.stderr.contains("line 4")
            && out.stderr.contains("not-a-number"),
        "{}",
        out.stderr
    );

    let truncated = copy("truncated");
    let text = fs::read_to_string(truncated.join("trials.csv")).expect("read");
    let cut = &text[..text.len() - text.len() / 3];
    let cut = &cut[..cut.rfind(',').expect("a comma")];
    fs::write(truncated.join("trials.csv"), cut).expect("write");
    let out = rofrsim(&["report", truncated.to_str().expect("utf-8")]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("trials.csv") && out.stderr.contains("line "),
        "{}",
        out.stderr
    );

    let bad_json = copy("bad_json");
    fs::write(bad_json.join("manifest.json"), "{ not json").expect("write");
    let out = rofrsim(&["report", bad_json.to_str().expect("utf-8")]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("manifest.json"), "{}", out.stderr);

    let out = rofrsim(&[
        "report",
        tmp.path().join("nowhere").to_str().expect("utf-8"),
    ]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("no such folder"), "{}", out.stderr);
}

#[test]
fn axis_labels_read_as_numbers_and_years() {
    assert_eq!(num(1234.0), "1,234");
    assert_eq!(num(12345.0), "12,345");
    assert_eq!(num(1_234_567.0), "1,234,567");
    assert_eq!(num(149.24), "149");
    assert_eq!(num(64.56), "64.6");
    assert_eq!(num(2.5), "2.5");
    assert_eq!(num(0.05), "0.05");
    assert_eq!(num(0.0), "0");
    assert_eq!(num(-3.0), "-3");
    assert_eq!(year_label(2030.0), "2030");
    assert_eq!(year_label(2030.5), "2030-07");
    assert_eq!(year_label(2030.0 + 11.0 / 12.0), "2030-12");
}

// ---------------------------------------------------------------------------
// Where reports go, chart counts per folder kind, sweeps, targets, what-ifs
// ---------------------------------------------------------------------------

/// rofrsim run from `dir` (so a default `output/` lands there).
fn ok_in(dir: &Path, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_rofrsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run rofrsim");
    let out = Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(
        out.code,
        Some(0),
        "rofrsim {}\nstdout: {}\nstderr: {}",
        args.join(" "),
        out.stdout,
        out.stderr
    );
    out
}

/// Every file under `dir` with the SHA-256 of its bytes.
fn hashes(dir: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for e in fs::read_dir(dir).expect("list").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                let bytes = fs::read(&p).expect("read");
                out.insert(p, rofrsim::folder::manifest::sha256_hex(&bytes));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, &mut out);
    out
}

/// The chart count `report` printed: "report written to … (N charts)".
fn printed_count(stdout: &str) -> usize {
    let first = stdout.lines().next().unwrap_or("");
    let open = first.rfind('(').expect("a count");
    first[open + 1..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {stdout}"))
}

/// The .svg files under `dir`.
fn svgs(dir: &Path) -> Vec<PathBuf> {
    hashes(dir)
        .into_keys()
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect()
}

/// A run of `scenario` with two targets into `dir/name`.
fn run_with_targets(dir: &Path, scenario: &str, name: &str, trials: u32) -> (PathBuf, Out) {
    let out = dir.join(name);
    let res = ok(&[
        "run",
        scenario,
        "--trials",
        &trials.to_string(),
        "--out",
        out.to_str().expect("utf-8"),
        "--target",
        "unmet_share<=0.1",
        "--target",
        "microsoft_value_npv_usd_bn>=100",
    ]);
    (out, res)
}

#[test]
fn a_report_of_several_folders_writes_nothing_into_them() {
    let tmp = tempdir();
    let (a, _) = run_with_targets(tmp.path(), "scenarios/baseline.toml", "base", 200);
    let (b, _) = run_with_targets(tmp.path(), "scenarios/seed_terms.toml", "seed", 200);
    let cmp = tmp.path().join("cmp");
    ok(&[
        "compare",
        "--keep-runs",
        "scenarios/baseline.toml",
        "--what-if",
        "cap2x: terms.revenue_share.cap_usd_bn*=2",
        "--trials",
        "200",
        "--out",
        cmp.to_str().expect("utf-8"),
        "--quiet",
    ]);
    let before: Vec<_> = [&a, &b, &cmp.join("runs")]
        .iter()
        .map(|d| hashes(d))
        .collect();
    let work = tmp.path().join("work");
    fs::create_dir_all(&work).expect("mkdir");
    let inputs = [
        a.to_str().expect("utf-8"),
        b.to_str().expect("utf-8"),
        cmp.to_str().expect("utf-8"),
    ];
    let mut args = vec!["report"];
    args.extend(inputs);
    let res = ok_in(&work, &args);
    // The default: a new folder named after the inputs.
    let dir = work.join("output/report-base-vs-seed-vs-cmp");
    assert!(
        res.stdout
            .contains("output/report-base-vs-seed-vs-cmp/report.html"),
        "{}",
        res.stdout
    );
    let written = svgs(&dir);
    assert_eq!(printed_count(&res.stdout), written.len());
    assert!(written.len() > 40, "{} charts", written.len());
    // Every input folder byte for byte as it was: nothing changed, nothing added.
    let after: Vec<_> = [&a, &b, &cmp.join("runs")]
        .iter()
        .map(|d| hashes(d))
        .collect();
    assert_eq!(before, after);
    // Again: refused without --force, replaced with it.
    let out = Command::new(env!("CARGO_BIN_EXE_rofrsim"))
        .args(&args)
        .current_dir(&work)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("already exists") && stderr.contains("--force"),
        "{stderr}"
    );
    args.push("--force");
    ok_in(&work, &args);
    // --out inside a folder it reads is refused, and writes nothing there.
    let inside = a.join("report");
    let out = rofrsim(&[
        "report",
        inputs[0],
        inputs[1],
        "--out",
        inside.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("never writes into the folders"),
        "{}",
        out.stderr
    );
    assert_eq!(hashes(&a), before[0]);
    // A run folder alone holds its own report.
    let res = ok(&["report", inputs[0]]);
    assert!(a.join("report.html").is_file() && a.join("charts/targets.svg").is_file());
    assert_eq!(printed_count(&res.stdout), svgs(&a.join("charts")).len());
}

#[test]
fn chart_counts_per_folder_kind() {
    let tmp = tempdir();
    // A run with two targets: 18 charts of the baseline (6 providers'
    // spend distributions among them, and 3 tornados: the IP expiry does
    // not vary), and the targets.
    let (run, _) = run_with_targets(tmp.path(), "scenarios/baseline.toml", "run", 300);
    let res = ok(&["report", run.to_str().expect("utf-8")]);
    assert_eq!(printed_count(&res.stdout), 19);
    assert_eq!(svgs(&run.join("charts")).len(), 19);

    // A compare folder of two scenario files: the comparison's 17 (the
    // intervals, 4 histograms of differences, 7 overlaid CDFs, 4 fans
    // side by side, IP rights active), and each run's own: 18 and 19
    // (seed_terms has AGI, so its IP expiry varies and has a tornado).
    let cmp = tmp.path().join("cmp");
    let cmp_s = cmp.to_str().expect("utf-8");
    ok(&[
        "compare",
        "--keep-runs",
        "scenarios/seed_terms.toml",
        "scenarios/baseline.toml",
        "--trials",
        "300",
        "--out",
        cmp_s,
        "--quiet",
    ]);
    let res = ok(&["report", cmp_s]);
    assert_eq!(printed_count(&res.stdout), 17 + 19 + 18, "{}", res.stdout);
    assert_eq!(svgs(&cmp.join("charts")).len(), 17 + 19 + 18);
    let top: Vec<String> = fs::read_dir(cmp.join("charts"))
        .expect("charts/")
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(top.len(), 17, "{top:?}");
    for want in [
        "compare_diff_intervals.svg",
        "compare_diff_microsoft_value_npv_usd_bn.svg",
        "compare_diff_unmet_share.svg",
        "compare_diff_azure_share_end.svg",
        "compare_diff_ip_expiry_year.svg",
    ] {
        assert!(top.iter().any(|t| t == want), "no {want} in {top:?}");
    }

    // A compare folder of run folders (compare keeps no copy of them):
    // the intervals from compare.csv, and the page says why the rest is
    // not drawn.
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for (scenario, dir) in [
        ("scenarios/baseline.toml", &a),
        ("scenarios/oct2025_terms.toml", &b),
    ] {
        ok(&[
            "run",
            scenario,
            "--trials",
            "200",
            "--out",
            dir.to_str().expect("utf-8"),
            "--quiet",
        ]);
    }
    let cf = tmp.path().join("cf");
    let cf_s = cf.to_str().expect("utf-8");
    ok(&[
        "compare",
        a.to_str().expect("utf-8"),
        b.to_str().expect("utf-8"),
        "--out",
        cf_s,
        "--quiet",
    ]);
    let res = ok(&["report", cf_s]);
    assert!(res.stdout.contains("(1 chart)"), "{}", res.stdout);
    let html = fs::read_to_string(cf.join("report.html")).expect("html");
    assert!(html.contains("rofrsim comparison: baseline vs oct2025_terms"));
    assert!(html.contains("whose run folders are not in"), "no note");
    // Given the run folders too, everything is drawn, in a folder of its own.
    let both = tmp.path().join("both");
    let res = ok(&[
        "report",
        cf_s,
        a.to_str().expect("utf-8"),
        b.to_str().expect("utf-8"),
        "--out",
        both.to_str().expect("utf-8"),
    ]);
    assert_eq!(printed_count(&res.stdout), svgs(&both).len());
    assert!(both.join("charts/compare_diff_intervals.svg").is_file());
    assert!(
        both.join("charts/compare_diff_microsoft_value_npv_usd_bn.svg")
            .is_file()
    );

    // A sweep: the three headline outcomes and one chart per target.
    let sweep = tmp.path().join("sweep");
    let sweep_s = sweep.to_str().expect("utf-8");
    ok(&[
        "sweep",
        "scenarios/baseline.toml",
        "--vary",
        "terms.revenue_share.rate=0.1,0.2",
        "--target",
        "unmet_share<=0.3",
        "--trials",
        "100",
        "--out",
        sweep_s,
        "--quiet",
    ]);
    let res = ok(&["report", sweep_s]);
    assert_eq!(printed_count(&res.stdout), 4, "{}", res.stdout);
    assert_eq!(svgs(&sweep.join("charts")).len(), 4);
}

#[test]
fn a_run_report_shows_each_target_with_its_wilson_interval() {
    let tmp = tempdir();
    let (run, res) = run_with_targets(tmp.path(), "scenarios/baseline.toml", "run", 400);
    ok(&["report", run.to_str().expect("utf-8")]);
    let html = fs::read_to_string(run.join("report.html")).expect("html");
    // The terminal's line: P(unmet_share<=0.1)  39.4 %  [95 % CI 38.1 %, 40.8 %]  of 400 trials
    for target in ["unmet_share<=0.1", "microsoft_value_npv_usd_bn>=100"] {
        let line = res
            .stdout
            .lines()
            .find(|l| l.contains(&format!("P({target})")))
            .unwrap_or_else(|| panic!("no {target} in {}", res.stdout));
        let numbers: Vec<&str> = line
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter(|t| t.contains('.') && t.len() > 1)
            .collect();
        let (p, lo, hi) = (
            numbers[numbers.len() - 3],
            numbers[numbers.len() - 2],
            numbers[numbers.len() - 1],
        );
        // The report writes them to three significant digits, as the
        // terminal does for shares between 10 % and 100 %.
        for v in [p, lo, hi] {
            assert!(
                html.contains(&format!("{v} %")),
                "report lacks {v} % of {line}"
            );
        }
        assert!(
            html.contains(&format!("[{lo} %, {hi} %]")),
            "report lacks [{lo} %, {hi} %]"
        );
        assert!(html.contains(&format!(
            "<code>{}</code>",
            target.replace('<', "&lt;").replace('>', "&gt;")
        )));
    }
    assert!(html.contains("Unmet share of demand ≤ 10 %"));
    assert!(html.contains("Microsoft NPV ≥ US$ 100 bn"));
    // The chart's numbers are the summary.csv rows'.
    let report = rofrsim::report::build(std::slice::from_ref(&run)).expect("build");
    let charts: Vec<Chart> = report.runs[0]
        .sections
        .iter()
        .flat_map(|s| s.charts.clone())
        .collect();
    let c = chart(&charts, "targets.svg");
    let mut r = csv::Reader::from_path(run.join("summary.csv")).expect("summary.csv");
    for rec in r.records() {
        let rec = rec.expect("row");
        if let Some(t) = rec[0].strip_prefix("target:") {
            let s = c.series(t).expect("a bar per target");
            let mean: f64 = rec[2].parse().expect("mean");
            let n: f64 = rec[1].parse().expect("n");
            assert_eq!(s.points[0], (mean, n));
            let (lo, hi) = s.points[1];
            assert!(lo < mean && mean < hi);
        }
    }
}

#[test]
fn a_sweep_report_draws_each_outcome_against_the_first_key() {
    let tmp = tempdir();
    let sweep = tmp.path().join("sweep");
    let sweep_s = sweep.to_str().expect("utf-8");
    ok(&[
        "sweep",
        "scenarios/baseline.toml",
        "--vary",
        "terms.revenue_share.rate=0.1,0.2,0.3",
        "--vary",
        "allocation.policy=cheapest_first,pro_rata",
        "--vary",
        "terms.rofr.0.until=\"2025-10\",\"never\"",
        "--target",
        "unmet_share<=0.3",
        "--trials",
        "60",
        "--out",
        sweep_s,
        "--quiet",
    ]);
    let res = ok(&["report", sweep_s]);
    assert!(res.stdout.contains("(4 charts)"), "{}", res.stdout);
    let html = fs::read_to_string(sweep.join("report.html")).expect("html");
    assert!(html.contains("rofrsim sweep: baseline"));
    assert!(
        html.contains("held at their first value"),
        "the third key is named"
    );
    for f in [
        "sweep_microsoft_value_npv_usd_bn.svg",
        "sweep_unmet_share.svg",
        "sweep_azure_share_end.svg",
        "sweep_target_1.svg",
    ] {
        let text = fs::read_to_string(sweep.join("charts").join(f)).expect("svg");
        assert_eq!(well_formed_xml(&text).as_deref(), Ok("svg"), "{f}");
        assert!(html.contains(&format!("charts/{f}")));
    }
    // The lines are sweep.csv's p50 at each rate, one per policy, with the
    // ROFR's end at its first value.
    let report = rofrsim::report::build(std::slice::from_ref(&sweep)).expect("build");
    let s = report.sweep.expect("a sweep report");
    let c = chart(&s.charts, "sweep_microsoft_value_npv_usd_bn.svg");
    let mut r = csv::Reader::from_path(sweep.join("sweep.csv")).expect("sweep.csv");
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    for policy in ["cheapest_first", "pro_rata"] {
        let want: Vec<(f64, f64)> = rows
            .iter()
            .filter(|x| {
                &x[1] == policy && &x[2] == "\"2025-10\"" && &x[3] == "microsoft_value_npv_usd_bn"
            })
            .map(|x| (x[0].parse().expect("rate"), x[12].parse().expect("p50")))
            .collect();
        assert_eq!(want.len(), 3);
        let name = format!("Allocation policy = {policy} p50");
        assert_eq!(
            c.series(&name)
                .unwrap_or_else(|| panic!("no {name}"))
                .points,
            want
        );
    }
    // The target: its probability and a Wilson interval around it.
    let c = chart(&s.charts, "sweep_target_1.svg");
    let p = &c
        .series("Allocation policy = pro_rata p")
        .expect("p")
        .points;
    let lo = &c
        .series("Allocation policy = pro_rata ci low")
        .expect("low")
        .points;
    let hi = &c
        .series("Allocation policy = pro_rata ci high")
        .expect("high")
        .points;
    for i in 0..3 {
        assert!(lo[i].1 <= p[i].1 && p[i].1 <= hi[i].1 && hi[i].1 - lo[i].1 > 0.05);
    }
    // A second report replaces the first in place.
    ok(&["report", sweep_s]);
}

#[test]
fn a_what_if_compare_report_draws_per_trial_differences() {
    let tmp = tempdir();
    let cmp = tmp.path().join("wi");
    let cmp_s = cmp.to_str().expect("utf-8");
    // A label with a space: its run folder is runs/cap-2x/.
    ok(&[
        "compare",
        "--keep-runs",
        "scenarios/baseline.toml",
        "--what-if",
        "cap 2x: terms.revenue_share.cap_usd_bn*=2",
        "--trials",
        "400",
        "--out",
        cmp_s,
        "--quiet",
    ]);
    let before = hashes(&cmp.join("runs"));
    let res = ok(&["report", cmp_s]);
    assert_eq!(hashes(&cmp.join("runs")), before, "runs/ unchanged");
    assert_eq!(printed_count(&res.stdout), svgs(&cmp.join("charts")).len());
    assert!(cmp.join("charts/cap-2x/fan_demand_capacity.svg").is_file());
    assert!(
        cmp.join("charts/baseline/fan_demand_capacity.svg")
            .is_file()
    );
    let html = fs::read_to_string(cmp.join("report.html")).expect("html");
    assert!(html.contains("rofrsim comparison: baseline vs cap 2x"));

    // The histogram of differences is of trials.csv's B − A, its mean and
    // interval those of compare.csv.
    let report = rofrsim::report::build(std::slice::from_ref(&cmp)).expect("build");
    let all: Vec<Chart> = report
        .comparison
        .iter()
        .flat_map(|s| s.charts.clone())
        .collect();
    let c = chart(&all, "compare_diff_microsoft_value_npv_usd_bn.svg");
    let col = |run: &str| -> Vec<f64> {
        trials_column(&cmp.join("runs").join(run), "microsoft_value_npv_usd_bn")
            .iter()
            .map(|s| s.parse().expect("number"))
            .collect()
    };
    let d: Vec<f64> = col("baseline")
        .iter()
        .zip(col("cap-2x"))
        .map(|(a, b)| b - a)
        .collect();
    let hist: f64 = c
        .series("histogram cap 2x")
        .expect("histogram")
        .points
        .iter()
        .map(|p| p.1)
        .sum();
    let inside = d.iter().filter(|x| **x >= 0.0).count() as f64 / d.len() as f64;
    assert!(hist > 0.98 && hist <= inside + 1e-9, "{hist}");
    let mut r = csv::Reader::from_path(cmp.join("compare.csv")).expect("compare.csv");
    let row = r
        .records()
        .map(|x| x.expect("row"))
        .find(|x| &x[2] == "microsoft_value_npv_usd_bn")
        .expect("row");
    let mean = c.series("mean cap 2x").expect("mean").points[0].0;
    let (lo, hi) = c.series("ci cap 2x").expect("ci").points[0];
    for (got, cell) in [(mean, &row[8]), (lo, &row[9]), (hi, &row[10])] {
        let want: f64 = cell.parse().expect("number");
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{got} vs {want}"
        );
    }
    assert!(mean > 0.0, "doubling the cap raises Microsoft's NPV");
    // Outcomes the cap leaves alone in every trial are said, not drawn.
    assert!(!cmp.join("charts/compare_diff_unmet_share.svg").exists());
    assert!(html.contains("equals baseline in every trial"));

    // Without a run's trials.csv (a run that wrote none, as its manifest
    // says) the page says so, and draws the rest.
    fs::remove_file(cmp.join("runs/cap-2x/trials.csv")).expect("rm");
    let manifest = cmp.join("runs/cap-2x/manifest.json");
    let text = fs::read_to_string(&manifest).expect("manifest");
    let text = text.replacen(
        "\"trials\": 400,",
        "\"trials\": 400,\n  \"trials_csv\": \"none\",",
        1,
    );
    fs::write(&manifest, text).expect("write manifest");
    let res = ok(&["report", cmp_s]);
    let html = fs::read_to_string(cmp.join("report.html")).expect("html");
    assert!(html.contains("which cap 2x does not have"), "no note");
    assert!(printed_count(&res.stdout) > 20);
}

#[test]
fn inputs_are_named_and_titles_read_as_english() {
    let tmp = tempdir();
    let dir = baseline_run(tmp.path(), 600);
    let html = fs::read_to_string(dir.join("report.html")).expect("html");
    let text = |svg: &str| -> String {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| {
                t.split_once('>')
                    .map(|(_, rest)| rest.split("</text>").next().unwrap_or("").to_string())
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut tranches = 0;
    for f in [
        "tornado_microsoft_value_npv_usd_bn.svg",
        "tornado_unmet_share.svg",
        "tornado_azure_share_end.svg",
    ] {
        let t = text(&fs::read_to_string(dir.join("charts").join(f)).expect("svg"));
        assert!(
            !t.contains("tranches."),
            "{f} names an input by index:\n{t}"
        );
        assert!(
            !t.contains("providers.") && !t.contains("terms.rofr."),
            "{f}:\n{t}"
        );
        tranches += t.matches(" tranche online ").count();
    }
    assert!(tranches > 0, "no tranche among the tornados' inputs");
    let t = text(
        &fs::read_to_string(dir.join("charts/tornado_microsoft_value_npv_usd_bn.svg"))
            .expect("svg"),
    );
    assert!(t.contains("What drives Microsoft&apos;s NPV"), "{t}");
    assert!(!html.contains("Microsoft npv"));
    // Per-provider panels share one scale.
    let t = text(&fs::read_to_string(dir.join("charts/fan_placed_by_provider.svg")).expect("svg"));
    assert!(t.contains("same scale in every panel"));
}
