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
    // Each run also gets its own charts, in its own folder.
    for run in ["seed_terms", "baseline"] {
        assert!(
            cmp.join("runs")
                .join(run)
                .join("charts/fan_demand_capacity.svg")
                .is_file()
        );
    }
    for entry in fs::read_dir(cmp.join("charts")).expect("charts/") {
        let p = entry.expect("entry").path();
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
    let html_path = tmp.path().join("both.html");
    ok(&[
        "report",
        a.to_str().expect("utf-8"),
        b.to_str().expect("utf-8"),
        "--out",
        html_path.to_str().expect("utf-8"),
    ]);
    let html = fs::read_to_string(&html_path).expect("html");
    assert!(html.contains("unpaired summaries"));
    assert!(html.contains("charts/compare_cdf_unmet_share.svg"));
    assert!(
        tmp.path()
            .join("charts/compare_cdf_unmet_share.svg")
            .is_file()
    );
    assert!(b.join("charts/ip_expiry_histogram.svg").is_file());
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
    assert_eq!(num(1234.0), "1234");
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
