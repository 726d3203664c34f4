//! The one-page HTML report: self-contained (inline SVG and CSS, no
//! scripts, nothing fetched — its Content-Security-Policy forbids it), so
//! it opens from a mail attachment or a shared drive as it is.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::RunData;
use super::charts::{Chart, describe, diff_bound, diff_text, value_text};
use super::labels::{in_sentence, percent, points, sig3};
use super::sweep::{SweepReport, keys_text, value_label};
use super::{Report, Section};
use crate::engine::ExpiryCause;
use crate::folder::compare::CompareTable;
use crate::folder::outcomes::{
    self, AZURE_SHARE_END, DEMAND_GW_END, IP_EXPIRY_YEAR, MICROSOFT_VALUE_NPV, OPENAI_REVENUE,
    REVENUE_SHARE, UNMET_SHARE,
};

/// Where each chart's SVG was written, as shown under it.
#[derive(Debug, Clone, Default)]
pub struct Locations(BTreeMap<(String, String), String>);

impl Locations {
    /// Records that `file` of run `label` ("" for comparisons) is at `shown`.
    pub fn insert(&mut self, label: &str, file: &str, shown: String) {
        self.0.insert((label.to_string(), file.to_string()), shown);
    }

    fn get(&self, label: &str, file: &str) -> String {
        self.0
            .get(&(label.to_string(), file.to_string()))
            .cloned()
            .unwrap_or_else(|| format!("charts/{file}"))
    }
}

/// Escapes text for HTML.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: sans-serif; color: #222; background: #f4f4f2; margin: 0; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 28px 60px; background: #fff; }
h1 { font-size: 28px; margin: 8px 0 4px; }
h2 { font-size: 22px; margin: 40px 0 8px; border-bottom: 2px solid #4e79a7; padding-bottom: 4px; }
h3 { font-size: 18px; margin: 28px 0 8px; }
p.desc { font-size: 16px; line-height: 1.45; margin: 6px 0 14px; }
table { border-collapse: collapse; font-size: 14px; margin: 8px 0 16px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: right; vertical-align: top; }
th { background: #f0f0ee; }
td.l, th.l { text-align: left; }
table.facts td, table.facts th { text-align: left; }
tr.sig td { font-weight: bold; }
td.nw { white-space: nowrap; }
code { font-family: monospace; font-size: 13px; background: #f3f3f0; padding: 1px 4px; border-radius: 3px; word-break: break-all; }
nav { font-size: 14px; margin: 12px 0; }
nav a { margin-right: 14px; color: #2a5d8f; }
figure { margin: 18px 0 30px; }
figure svg { width: 100%; height: auto; display: block; border: 1px solid #e4e4e0; }
figcaption { font-size: 14px; line-height: 1.45; margin-top: 6px; color: #333; }
figcaption .src { color: #555; font-size: 13px; }
.note { font-size: 13px; color: #555; }
"#;

/// The document's head and the page's title.
fn head(h: &mut String, title: &str) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<link rel=\"icon\" href=\"data:,\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
        esc(title),
        esc(title)
    );
}

/// The end of the page.
fn foot(h: &mut String, version: &str) {
    let _ = write!(
        h,
        "<p class=\"note\">Drawn by rofrsim {} from the CSV files named under each chart; every chart is also a standalone SVG at the path shown.</p>\n</main>\n</body>\n</html>\n",
        esc(version)
    );
}

/// The whole HTML document.
pub fn page(report: &Report, locations: &Locations) -> String {
    let mut h = String::new();
    let mut names: Vec<&str> = report.runs.iter().map(|r| r.label.as_str()).collect();
    if let Some((_, t)) = &report.compare_table
        && names.len() < 2
    {
        // The runs compared, as compare.csv names them, when their
        // folders are not at hand.
        names = t.labels();
    }
    let title = if names.is_empty() {
        "rofrsim comparison".to_string()
    } else if names.len() == 1 {
        format!("rofrsim report: {}", names[0])
    } else {
        format!("rofrsim comparison: {}", names.join(" vs "))
    };
    head(&mut h, &title);
    let mut figure = 0usize;
    // Contents
    h.push_str("<nav>");
    if !report.comparison.is_empty() || report.compare_table.is_some() {
        h.push_str("<a href=\"#compare\">Comparison</a>");
    }
    for (i, r) in report.runs.iter().enumerate() {
        if report.runs.len() > 1 {
            let _ = write!(h, "<a href=\"#run{i}\">{}</a>", esc(&r.label));
        } else {
            let _ = write!(h, "<a href=\"#run{i}\">Scenario</a>");
            for s in r.sections.iter().filter(|s| shown(s)) {
                let _ = write!(
                    h,
                    "<a href=\"#run{i}-{}\">{}</a>",
                    esc(&s.id),
                    esc(&s.title)
                );
            }
        }
    }
    h.push_str("</nav>\n");

    if report.runs.len() > 1 || report.compare_table.is_some() {
        h.push_str("<section id=\"compare\">\n<h2>Comparison</h2>\n");
        let _ = writeln!(
            h,
            "<p class=\"desc\">Baseline <b>{}</b>; every other scenario is compared with it.</p>",
            esc(names.first().copied().unwrap_or("A"))
        );
        for note in &report.notes {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(note));
        }
        match &report.compare_table {
            Some((path, table)) => compare_table(&mut h, path, table),
            None => summary_table(&mut h, report),
        }
        for s in &report.comparison {
            section(&mut h, s, "", locations, &mut figure, "compare-");
        }
        h.push_str("</section>\n");
    }

    for (i, r) in report.runs.iter().enumerate() {
        let _ = writeln!(h, "<section id=\"run{i}\">");
        run_header(&mut h, &r.label, &r.data, report.runs.len() > 1);
        for s in &r.sections {
            section(
                &mut h,
                s,
                &r.label,
                locations,
                &mut figure,
                &format!("run{i}-"),
            );
        }
        h.push_str("</section>\n");
    }
    let version = report
        .runs
        .first()
        .map(|r| r.data.manifest.rofrsim_version.clone())
        .unwrap_or_default();
    foot(&mut h, &version);
    h
}

fn run_header(h: &mut String, label: &str, run: &RunData, several: bool) {
    let m = &run.manifest;
    if several {
        let _ = writeln!(h, "<h2>Scenario {}</h2>", esc(label));
    } else {
        let _ = writeln!(h, "<h2>Scenario</h2>");
    }
    if !m.scenario.description.is_empty() {
        let _ = writeln!(h, "<p class=\"desc\">{}</p>", esc(&m.scenario.description));
    }
    h.push_str("<table class=\"facts\">\n");
    let mut fact = |k: &str, v: String| {
        let _ = writeln!(h, "<tr><th>{}</th><td>{v}</td></tr>", esc(k));
    };
    fact("Scenario", esc(&m.scenario.name));
    fact("Seed", m.seed.to_string());
    fact("Trials", thousands(m.trials));
    if let (Some(start), Some(end)) = (m.start, m.end) {
        fact("Horizon", format!("{start} to {end}"));
    }
    if !m.scenario.overrides.is_empty() {
        fact(
            "Overrides",
            m.scenario
                .overrides
                .iter()
                .map(|o| format!("<code>{}</code>", esc(o)))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    fact("Reproduce", format!("<code>{}</code>", esc(&m.reproduce)));
    fact(
        "Folder",
        format!("<code>{}</code>", esc(&run.dir.display().to_string())),
    );
    h.push_str("</table>\n");

    // Headline numbers from summary.csv.
    h.push_str("<h3>Headline outcomes</h3>\n<table>\n<tr><th class=\"l\">Outcome</th><th>Mean</th><th>p5</th><th>Median</th><th>p95</th></tr>\n");
    for metric in [
        MICROSOFT_VALUE_NPV,
        REVENUE_SHARE,
        OPENAI_REVENUE,
        AZURE_SHARE_END,
        UNMET_SHARE,
        DEMAND_GW_END,
        IP_EXPIRY_YEAR,
    ] {
        let stat = |c: &str| {
            run.summary
                .stat(metric, c)
                .map_or("–".to_string(), |v| value_text(metric, v))
        };
        if run.summary.stat(metric, "n").is_none() {
            continue;
        }
        let (label, _, _) = describe(metric);
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&label),
            stat("mean"),
            stat("p5"),
            stat("p50"),
            stat("p95")
        );
    }
    for metric in outcomes::probability_names() {
        if let Some(v) = run.summary.stat(metric, "mean") {
            let (label, _, _) = describe(metric);
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td>{}</td><td></td><td></td><td></td></tr>",
                esc(&label),
                percent(v)
            );
        }
    }
    h.push_str(
        "</table>\n<p class=\"note\">Data: <code>summary.csv</code> (mean, p5, p50, p95).</p>\n",
    );
    targets_table(h, run);
}

/// Each `--target` with its probability and 95 % Wilson interval.
fn targets_table(h: &mut String, run: &RunData) {
    let rows = run.targets();
    if rows.is_empty() {
        return;
    }
    h.push_str("<h3>Targets</h3>\n<table>\n<tr><th class=\"l\">Target</th><th class=\"l\">As given</th><th>Probability</th><th>95 % interval</th><th>Trials</th></tr>\n");
    for r in &rows {
        let (p, ci) = match (r.p, r.ci) {
            (Some(p), Some((lo, hi))) => {
                (percent(p), format!("[{}, {}]", percent(lo), percent(hi)))
            }
            (Some(p), None) => (percent(p), String::new()),
            _ => ("no trial has a value".to_string(), String::new()),
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\"><code>{}</code></td><td>{}</td><td class=\"nw\">{}</td><td>{}</td></tr>",
            esc(&r.describe()),
            esc(&r.text),
            esc(&p),
            esc(&ci),
            thousands(r.n as u64)
        );
    }
    h.push_str("</table>\n<p class=\"note\">Data: <code>summary.csv</code> (the <code>target:</code> rows: mean, n). The interval is the 95 % Wilson score interval of a share of n trials.</p>\n");
}

/// A whole number with thousands separators: 100000 → "100,000".
fn thousands(n: u64) -> String {
    super::draw::group_thousands(&n.to_string())
}

/// Whether a section has anything to show: charts, or why some are not
/// drawn.
fn shown(s: &Section) -> bool {
    !s.charts.is_empty() || s.note.is_some()
}

fn section(
    h: &mut String,
    s: &Section,
    label: &str,
    locations: &Locations,
    figure: &mut usize,
    prefix: &str,
) {
    if !shown(s) {
        return;
    }
    let _ = writeln!(
        h,
        "<h3 id=\"{prefix}{}\">{}</h3>",
        esc(&s.id),
        esc(&s.title)
    );
    if let Some(note) = &s.note {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(note));
    }
    for c in &s.charts {
        *figure += 1;
        chart(h, c, &locations.get(label, &c.file), *figure);
    }
}

fn chart(h: &mut String, c: &Chart, path: &str, n: usize) {
    // Plotters' SVG starts with the <svg> element itself (no XML prolog), so
    // it can be inlined as it is; role/aria-label let a screen reader name it.
    let svg = c.svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{}\" ", esc(&c.title)),
        1,
    );
    let _ = write!(
        h,
        "<figure>\n{svg}<figcaption><b>Figure {n}.</b> {}<br><span class=\"src\">Data: <code>{}</code> · Chart: <code>{}</code></span></figcaption>\n</figure>\n",
        esc(&c.caption),
        esc(&c.source),
        esc(path)
    );
}

/// `compare.csv` as a table, significant differences first, largest
/// effect first (the order `rofrsim compare` prints), every value with its
/// unit to three significant digits.
fn compare_table(h: &mut String, path: &Path, t: &CompareTable) {
    let mut rows: Vec<&Vec<String>> = t.rows.iter().collect();
    let effect = |r: &Vec<String>| t.cell(r, "effect_size").parse::<f64>().unwrap_or(0.0);
    let sig = |r: &Vec<String>| t.cell(r, "significant") == "true";
    rows.sort_by(|a, b| sig(b).cmp(&sig(a)).then(effect(b).total_cmp(&effect(a))));
    h.push_str("<table>\n<tr><th class=\"l\">A</th><th class=\"l\">B</th><th class=\"l\">Outcome</th><th>Mean A</th><th>Mean B</th><th>B − A [95 % CI]</th><th>P(B&gt;A)</th><th>Effect size</th><th>Paired</th></tr>\n");
    let number =
        |r: &Vec<String>, c: &str| t.cell(r, c).parse::<f64>().ok().filter(|v| v.is_finite());
    for r in rows {
        let metric = t.cell(r, "metric");
        let cause = metric.split_once('=').map(|(_, c)| c);
        let label = match cause.map(|c| (c, ExpiryCause::parse(c))) {
            Some((_, Some(ExpiryCause::BeyondHorizon))) => {
                "Share of trials with IP rights beyond the horizon".to_string()
            }
            Some((_, Some(ExpiryCause::Agi))) => {
                "Share of trials with IP rights ended by AGI".to_string()
            }
            Some((cause, _)) => format!("Share of trials with IP rights ended by {cause}"),
            None => describe(metric).0,
        };
        // A cause's share is a share whatever the metric's table says.
        let value = |v: Option<f64>| match v {
            None => "–".to_string(),
            Some(v) if cause.is_some() => percent(v),
            Some(v) => value_text(metric, v),
        };
        let diff = |v: Option<f64>| match v {
            None => "–".to_string(),
            Some(v) if cause.is_some() => points(v),
            Some(v) => diff_text(metric, v),
        };
        // The interval's bounds in the difference's unit, written once.
        let bound = |v: Option<f64>| match v {
            None => "–".to_string(),
            Some(v) if cause.is_some() => sig3(v * 100.0),
            Some(v) => diff_bound(metric, v),
        };
        let _ = writeln!(
            h,
            "<tr{}><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"nw\">{}</td><td class=\"nw\">{}</td><td class=\"nw\">{} [{}, {}]</td><td class=\"nw\">{}</td><td>{}</td><td>{}</td></tr>",
            if sig(r) { " class=\"sig\"" } else { "" },
            esc(t.cell(r, "scenario_a")),
            esc(t.cell(r, "scenario_b")),
            esc(&label),
            esc(&value(number(r, "mean_a"))),
            esc(&value(number(r, "mean_b"))),
            esc(&diff(number(r, "diff"))),
            esc(&bound(number(r, "diff_ci_low"))),
            esc(&bound(number(r, "diff_ci_high"))),
            esc(&number(r, "p_b_greater").map_or_else(|| "–".to_string(), percent)),
            esc(&number(r, "effect_size").map_or_else(|| "–".to_string(), sig3)),
            esc(t.cell(r, "paired")),
        );
    }
    let _ = writeln!(
        h,
        "</table>\n<p class=\"note\">Data: <code>{}</code>. Bold: the 95 % interval of B − A excludes 0. Differences of shares are in percentage points (pp).</p>",
        esc(&path.display().to_string())
    );
}

/// Without a compare.csv: each run's means and 90 % ranges side by side
/// from its summary.csv (unpaired; `rofrsim compare` gives intervals).
fn summary_table(h: &mut String, report: &Report) {
    h.push_str("<table>\n<tr><th class=\"l\">Outcome</th>");
    for r in &report.runs {
        let _ = write!(h, "<th>{} mean [p5, p95]</th>", esc(&r.label));
    }
    h.push_str("</tr>\n");
    for metric in super::compare_metrics() {
        let metric = metric.as_str();
        let _ = write!(h, "<tr><td class=\"l\">{}</td>", esc(&describe(metric).0));
        for r in &report.runs {
            let s = |c: &str| {
                r.data
                    .summary
                    .stat(metric, c)
                    .map_or("–".to_string(), |v| value_text(metric, v))
            };
            let _ = write!(h, "<td>{} [{}, {}]</td>", s("mean"), s("p5"), s("p95"));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n<p class=\"note\">Data: each run's <code>summary.csv</code>. These are unpaired summaries; <code>rofrsim compare</code> gives the differences with confidence intervals.</p>\n");
}

/// The page of a sweep folder: what was varied, the headline outcomes by
/// combination, and one chart per outcome and target against the first
/// varied key.
pub fn sweep_page(s: &SweepReport, locations: &Locations) -> String {
    let m = &s.manifest;
    let name = Path::new(&m.scenario.path)
        .file_stem()
        .map_or_else(|| "sweep".to_string(), |n| n.to_string_lossy().into_owned());
    let title = format!("rofrsim sweep: {name}");
    let mut h = String::new();
    head(&mut h, &title);
    h.push_str("<nav><a href=\"#sweep\">Sweep</a><a href=\"#sweep-table\">By combination</a><a href=\"#sweep-charts\">Charts</a></nav>\n");
    h.push_str("<section id=\"sweep\">\n<h2>Sweep</h2>\n<table class=\"facts\">\n");
    let mut fact = |k: &str, v: String| {
        let _ = writeln!(h, "<tr><th>{}</th><td>{v}</td></tr>", esc(k));
    };
    fact(
        "Scenario",
        format!("<code>{}</code>", esc(&m.scenario.path)),
    );
    if !m.scenario.overrides.is_empty() {
        fact(
            "Overrides (every combination)",
            m.scenario
                .overrides
                .iter()
                .map(|o| format!("<code>{}</code>", esc(o)))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    fact("Seed", m.seed.to_string());
    fact("Trials per combination", thousands(m.trials));
    fact("Combinations", thousands(m.combinations as u64));
    for (path, values) in keys_text(&m.vary) {
        fact(
            &format!("Varied: {}", s.key_label(&path)),
            format!("<code>{}</code> = {}", esc(&path), esc(&values)),
        );
    }
    fact(
        "Folder",
        format!("<code>{}</code>", esc(&s.dir.display().to_string())),
    );
    h.push_str("</table>\n");
    if let Some(note) = s.fixed_note() {
        let _ = writeln!(h, "<p class=\"note\">Charts: {}</p>", esc(&note));
    }
    h.push_str("</section>\n");

    // The headline outcomes by combination, as the terminal prints them.
    const SHOWN: usize = 100;
    h.push_str(
        "<section id=\"sweep-table\">\n<h3>Headline outcomes by combination</h3>\n<table>\n<tr>",
    );
    for v in &m.vary {
        let _ = write!(h, "<th class=\"l\">{}</th>", esc(&s.key_label(&v.path)));
    }
    let targets: Vec<&str> = s
        .table
        .metrics()
        .into_iter()
        .filter(|t| t.starts_with("target:"))
        .collect();
    let _ = write!(
        h,
        "<th>{}: mean (p5–p95)</th><th>{}: mean</th><th>{}: mean</th>",
        esc(&describe(MICROSOFT_VALUE_NPV).0),
        esc(&describe(UNMET_SHARE).0),
        esc(&describe(AZURE_SHARE_END).0)
    );
    for t in &targets {
        let row = super::TargetRow::new(t.trim_start_matches("target:"), None, None);
        let _ = write!(h, "<th>P({})</th>", esc(&row.describe()));
    }
    h.push_str("</tr>\n");
    let mut combos: Vec<Vec<&str>> = Vec::new();
    for r in &s.table.rows {
        let v: Vec<&str> = r.values.iter().map(String::as_str).collect();
        if !combos.contains(&v) {
            combos.push(v);
        }
    }
    for combo in combos.iter().take(SHOWN) {
        h.push_str("<tr>");
        for v in combo {
            let _ = write!(h, "<td class=\"l\">{}</td>", esc(&value_label(v)));
        }
        let stat = |metric: &str, c: &str| s.table.stat(combo, metric, c);
        let text = |metric: &str, c: &str| {
            stat(metric, c).map_or_else(|| "–".to_string(), |v| value_text(metric, v))
        };
        let _ = write!(
            h,
            "<td class=\"nw\">{} ({} – {})</td><td>{}</td><td>{}</td>",
            esc(&text(MICROSOFT_VALUE_NPV, "mean")),
            esc(&text(MICROSOFT_VALUE_NPV, "p5")),
            esc(&text(MICROSOFT_VALUE_NPV, "p95")),
            esc(&text(UNMET_SHARE, "mean")),
            esc(&text(AZURE_SHARE_END, "mean")),
        );
        for t in &targets {
            let _ = write!(
                h,
                "<td>{}</td>",
                esc(&stat(t, "mean").map_or_else(|| "–".to_string(), percent))
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    if combos.len() > SHOWN {
        let _ = writeln!(
            h,
            "<p class=\"note\">The first {SHOWN} of {} combinations; <code>sweep.csv</code> has every one.</p>",
            combos.len()
        );
    }
    h.push_str("<p class=\"note\">Data: <code>sweep.csv</code> (mean, p5, p95).</p>\n</section>\n");

    let charts = Section {
        title: format!(
            "Outcomes against {}",
            m.vary
                .first()
                .map_or_else(String::new, |v| in_sentence(&s.key_label(&v.path)))
        ),
        id: "sweep-charts".into(),
        charts: s.charts.clone(),
        note: None,
    };
    let mut figure = 0;
    section(&mut h, &charts, "", locations, &mut figure, "");
    foot(&mut h, &m.rofrsim_version);
    h
}
