//! `rofrsim report`: the charts an analyst pastes into a deck, and a
//! one-page HTML report, drawn from the CSVs a run already wrote.
//!
//! - [`RunData`] is a run folder as the output folder's readers give it
//!   (`manifest.json`, `timeseries.csv`, `summary.csv`, `sensitivity.csv`,
//!   `trials.csv`); a comparison's `compare.csv` is read the same way. The
//!   report never calls the engine.
//! - [`charts`] draws each chart as a standalone SVG (plotters' SVG
//!   backend, text as SVG `<text>`, so no system fonts are needed) and
//!   keeps the numbers it drew for tests.
//! - [`html`] puts them in one self-contained HTML file: inline SVG, inline
//!   CSS, no scripts, and a Content-Security-Policy that forbids fetching
//!   anything.
//!
//! Every chart is also written to `OUTDIR/charts/` (comparison charts to
//! `charts/` beside the report).

pub mod charts;
pub mod draw;
pub mod html;
pub mod labels;

use std::path::{Path, PathBuf};

use crate::analysis::sensitivity::Row;
use crate::error::Error;
use crate::folder::compare::CompareTable;
use crate::folder::manifest::RunManifest;
use crate::folder::outcomes::{
    AZURE_SHARE_END, HEADLINE, IP_EXPIRY_YEAR, MICROSOFT_VALUE_NPV, OPENAI_REVENUE, REVENUE_SHARE,
    SPEND, UNMET_SHARE,
};
use crate::folder::summary::SummaryTable;
use crate::folder::timeseries::{self, Timeseries};
use crate::folder::trials::Trials;
use crate::folder::{self, Kind, Reader, outcomes, sensitivity};
use charts::Chart;

/// Everything the report draws from one run folder.
#[derive(Debug, Clone)]
pub struct RunData {
    /// The folder.
    pub dir: PathBuf,
    /// `manifest.json`.
    pub manifest: RunManifest,
    /// `timeseries.csv`.
    pub timeseries: Timeseries,
    /// `summary.csv`.
    pub summary: SummaryTable,
    /// `sensitivity.csv`.
    pub sensitivity: Vec<Row>,
    /// `trials.csv` outcomes.
    pub trials: Trials,
}

impl RunData {
    /// Reads every file the report needs from run folder `dir`.
    pub fn read(dir: &Path) -> Result<RunData, Error> {
        let manifest = RunManifest::read(dir, Reader::Report)?;
        Ok(RunData {
            dir: dir.to_path_buf(),
            timeseries: Timeseries::read(dir)?,
            summary: SummaryTable::read(dir)?,
            sensitivity: sensitivity::read(dir)?,
            trials: Trials::read(dir, manifest.trials)?,
            manifest,
        })
    }
}

/// Options of `rofrsim report`.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Output folders of `rofrsim run` or `rofrsim compare`.
    pub inputs: Vec<PathBuf>,
    /// The HTML file (default: `report.html` in the first folder, or
    /// `report-compare.html` there when several run folders are given).
    pub out: Option<PathBuf>,
}

/// A titled group of charts.
#[derive(Debug, Clone)]
pub struct Section {
    /// Heading.
    pub title: String,
    /// Anchor id.
    pub id: String,
    /// Charts in reading order.
    pub charts: Vec<Chart>,
}

/// One run in the report: its data, its label and its charts.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Label (the scenario name, made unique).
    pub label: String,
    /// What was read from the folder.
    pub data: RunData,
    /// The run's charts, by section.
    pub sections: Vec<Section>,
}

/// What a report holds before it is written.
#[derive(Debug, Clone)]
pub struct Report {
    /// Every run, baseline first.
    pub runs: Vec<RunReport>,
    /// The comparison charts (empty for a single run).
    pub comparison: Vec<Section>,
    /// `compare.csv`, when a compare folder was given.
    pub compare_table: Option<(PathBuf, CompareTable)>,
}

/// What `report` wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// The HTML file.
    pub html: PathBuf,
    /// Every SVG written.
    pub charts: Vec<PathBuf>,
}

/// The headline outcomes a tornado is drawn for (when they vary).
pub const TORNADO_METRICS: [&str; 4] = HEADLINE;

/// Outcomes compared as overlaid CDFs across runs.
pub fn compare_metrics() -> [String; 7] {
    [
        MICROSOFT_VALUE_NPV,
        REVENUE_SHARE,
        OPENAI_REVENUE,
        &outcomes::for_provider(SPEND, "azure"),
        AZURE_SHARE_END,
        UNMET_SHARE,
        IP_EXPIRY_YEAR,
    ]
    .map(String::from)
}

/// Every chart of one run, by section.
pub fn run_sections(run: &RunData) -> Result<Vec<Section>, Error> {
    let mut distributions = vec![
        charts::distribution(
            run,
            MICROSOFT_VALUE_NPV,
            &format!("dist_{MICROSOFT_VALUE_NPV}.svg"),
        )?,
        charts::distribution(run, OPENAI_REVENUE, &format!("dist_{OPENAI_REVENUE}.svg"))?,
        charts::spend_cdfs(run)?,
    ];
    for p in &run.timeseries.providers {
        let metric = outcomes::for_provider(SPEND, p);
        if !run.trials.get(&metric).is_empty() {
            distributions.push(charts::distribution(
                run,
                &metric,
                &format!("dist_{metric}.svg"),
            )?);
        }
    }
    let mut tornados = Vec::new();
    for m in TORNADO_METRICS {
        if let Some(c) = charts::tornado(run, m)? {
            tornados.push(c);
        }
    }
    Ok(vec![
        Section {
            title: "Demand, capacity and placement over time".into(),
            id: "time".into(),
            charts: vec![
                charts::demand_capacity(run)?,
                charts::placed(run)?,
                charts::azure_share(run)?,
                charts::unmet(run)?,
            ],
        },
        Section {
            title: "Microsoft's IP rights".into(),
            id: "ip".into(),
            charts: vec![charts::ip_expiry(run)?, charts::ip_active(run)?],
        },
        Section {
            title: "Outcome distributions".into(),
            id: "distributions".into(),
            charts: distributions,
        },
        Section {
            title: "What drives the outcomes".into(),
            id: "sensitivity".into(),
            charts: tornados,
        },
    ])
}

/// The comparison charts of several runs (baseline first).
pub fn comparison_sections(runs: &[(String, &RunData)]) -> Result<Vec<Section>, Error> {
    let mut cdfs = Vec::new();
    for m in compare_metrics() {
        if runs.iter().all(|(_, r)| !r.trials.get(&m).is_empty()) {
            cdfs.push(charts::compare_cdf(runs, &m)?);
        }
    }
    let fans = vec![
        charts::compare_fans(
            runs,
            timeseries::DEMAND_GW,
            "Demand for compute: scenarios side by side",
            "GW (log scale)",
            draw::Fmt::Log10,
        )?,
        charts::compare_fans(
            runs,
            &timeseries::placed("azure"),
            "Compute placed on Azure: scenarios side by side",
            "GW",
            draw::Fmt::Num,
        )?,
        charts::compare_fans(
            runs,
            timeseries::AZURE_SHARE,
            "Azure's share of placed compute: scenarios side by side",
            "Share of placed GW (%)",
            draw::Fmt::Percent,
        )?,
        charts::compare_fans(
            runs,
            timeseries::UNMET_GW,
            "Unmet demand: scenarios side by side",
            "Unmet GW (log scale)",
            draw::Fmt::Log10,
        )?,
        charts::compare_ip_active(runs)?,
    ];
    Ok(vec![
        Section {
            title: "Outcomes compared".into(),
            id: "compare-cdf".into(),
            charts: cdfs,
        },
        Section {
            title: "Over time, side by side".into(),
            id: "compare-time".into(),
            charts: fans,
        },
    ])
}

/// The run folders of a `rofrsim compare` folder, baseline first, from
/// `compare.csv` and `runs/<name>/` (empty when it compared folders).
fn compare_runs(dir: &Path, table: &CompareTable) -> Vec<PathBuf> {
    table
        .labels()
        .iter()
        .map(|n| dir.join("runs").join(n))
        .filter(|p| Kind::of(p).is_ok_and(|k| k == Kind::Run))
        .collect()
}

/// Reads the folders and draws every chart (nothing is written).
pub fn build(inputs: &[PathBuf]) -> Result<Report, Error> {
    if inputs.is_empty() {
        return Err(Error::Usage(
            "report needs at least one output folder".into(),
        ));
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut compare_table = None;
    for input in inputs {
        if Kind::expect(input, Reader::Report)? == Kind::Compare {
            let table = CompareTable::read(input)?;
            dirs.extend(compare_runs(input, &table));
            if compare_table.is_none() {
                compare_table = Some((input.join(folder::compare::FILE), table));
            }
        } else {
            dirs.push(input.clone());
        }
    }
    let mut runs = Vec::new();
    for dir in &dirs {
        let data = RunData::read(dir)?;
        let name = data.manifest.label(dir);
        let mut label = name.clone();
        let mut k = 2;
        while runs.iter().any(|r: &RunReport| r.label == label) {
            label = format!("{name} ({k})");
            k += 1;
        }
        let sections = run_sections(&data)?;
        runs.push(RunReport {
            label,
            data,
            sections,
        });
    }
    let comparison = if runs.len() >= 2 {
        let pairs: Vec<(String, &RunData)> =
            runs.iter().map(|r| (r.label.clone(), &r.data)).collect();
        comparison_sections(&pairs)?
    } else {
        Vec::new()
    };
    Ok(Report {
        runs,
        comparison,
        compare_table,
    })
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::Io(format!("cannot create {}", parent.display()), e))?;
    }
    std::fs::write(path, text).map_err(|e| Error::Io(format!("cannot write {}", path.display()), e))
}

/// Where the HTML goes when `--out` is not given.
pub fn default_html(inputs: &[PathBuf]) -> PathBuf {
    let first = inputs.first().cloned().unwrap_or_default();
    // Several run folders: the comparison page goes into the first; a run
    // or compare folder alone holds its own report.html.
    if inputs.len() > 1 && Kind::of(&first).is_ok_and(|k| k == Kind::Run) {
        first.join("report-compare.html")
    } else {
        first.join("report.html")
    }
}

/// Writes every chart and the HTML report; returns what it wrote.
pub fn report(opts: &ReportOptions) -> Result<Written, Error> {
    let report = build(&opts.inputs)?;
    let html_path = opts
        .out
        .clone()
        .unwrap_or_else(|| default_html(&opts.inputs));
    let html_dir = html_path
        .parent()
        .map_or_else(PathBuf::new, Path::to_path_buf);
    let mut written = Vec::new();
    let mut locations = html::Locations::default();
    for run in &report.runs {
        for section in &run.sections {
            for chart in &section.charts {
                let path = run.data.dir.join("charts").join(&chart.file);
                write(&path, &chart.svg)?;
                locations.insert(&run.label, &chart.file, html::relative(&path, &html_dir));
                written.push(path);
            }
        }
    }
    for section in &report.comparison {
        for chart in &section.charts {
            let path = html_dir.join("charts").join(&chart.file);
            write(&path, &chart.svg)?;
            locations.insert("", &chart.file, html::relative(&path, &html_dir));
            written.push(path);
        }
    }
    write(&html_path, &html::page(&report, &locations))?;
    Ok(Written {
        html: html_path,
        charts: written,
    })
}
