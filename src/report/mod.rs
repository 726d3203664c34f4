//! `rofrsim report`: the charts an analyst pastes into a deck, and a
//! one-page HTML report, drawn from the CSVs a command already wrote.
//!
//! - [`RunData`] is a run folder as the output folder's readers give it
//!   (`manifest.json`, `timeseries.csv`, `summary.csv`, `sensitivity.csv`,
//!   `trials.csv` when the run has one); a comparison's `compare.csv` and a
//!   sweep's `sweep.csv` are read the same way. The report never calls the
//!   engine.
//! - [`charts`], [`paired`] and [`sweep`] draw each chart as a standalone
//!   SVG (plotters' SVG backend, text as SVG `<text>`, so no system fonts
//!   are needed) and keep the numbers they drew for tests.
//! - [`html`] puts them in one self-contained HTML file: inline SVG, inline
//!   CSS, no scripts, and a Content-Security-Policy that forbids fetching
//!   anything.
//!
//! Where it writes ([`place`]): a run, compare or sweep folder alone holds
//! its own `report.html` and `charts/`; a report of several folders goes
//! to a new folder of its own (`--out`). It never writes into a run folder
//! it was given or found in a compare folder's `runs/`.

pub mod charts;
pub mod draw;
pub mod html;
pub mod labels;
pub mod paired;
pub mod sweep;
pub mod xlsx;

use std::path::{Path, PathBuf};

use crate::analysis::inference::wilson_interval;
use crate::analysis::sensitivity::Row;
use crate::analysis::target::Target;
use crate::error::Error;
use crate::folder::compare::CompareTable;
use crate::folder::manifest::RunManifest;
use crate::folder::outcomes::{
    AZURE_SHARE_END, HEADLINE, IP_EXPIRY_YEAR, MICROSOFT_VALUE_NPV, OPENAI_REVENUE, REVENUE_SHARE,
    SPEND, UNMET_SHARE,
};
use crate::folder::staging::OutputDir;
use crate::folder::summary::SummaryTable;
use crate::folder::timeseries::{self, Timeseries};
use crate::folder::trials::Trials;
use crate::folder::{self, Kind, Reader, outcomes, sensitivity};
use charts::Chart;
use labels::InputLabels;

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
    /// `trials.csv` outcomes (none when the folder has no `trials.csv`).
    pub trials: Trials,
    /// Whether the folder has a `trials.csv`.
    trials_read: bool,
    /// The names of the uncertain inputs.
    pub labels: InputLabels,
}

impl RunData {
    /// Reads every file the report needs from run folder `dir`. A missing
    /// `trials.csv` is not an error (a run may keep none): the charts drawn
    /// from it are left out, and the report says so.
    pub fn read(dir: &Path) -> Result<RunData, Error> {
        let manifest = RunManifest::read(dir, Reader::Report)?;
        // Read when the run wrote it (a manifest that says so and a file
        // that is gone is a damaged folder: Trials::read names the file),
        // or when it is there anyway.
        let file = manifest.trials_format.file();
        let trials_read = manifest.trials_csv.written() || dir.join(file).is_file();
        let labels = InputLabels::from_file(
            dir,
            &manifest.scenario.path,
            &manifest.scenario.sha256,
            &manifest.scenario.overrides,
        );
        Ok(RunData {
            dir: dir.to_path_buf(),
            timeseries: Timeseries::read(dir)?,
            summary: SummaryTable::read(dir)?,
            sensitivity: sensitivity::read(dir)?,
            trials: if trials_read {
                Trials::read(dir, manifest.trials, manifest.trials_format)?
            } else {
                Trials::default()
            },
            trials_read,
            labels,
            manifest,
        })
    }

    /// Whether the run's `trials.csv` was there, which the distributions,
    /// the IP expiry histogram and the per-trial differences are drawn from.
    pub fn has_trials(&self) -> bool {
        self.trials_read
    }

    /// The run's trials file, as the charts' sources name it:
    /// `trials.csv` or `trials.parquet`.
    pub fn trials_file(&self) -> &'static str {
        self.manifest.trials_format.file()
    }

    /// Each `--target` of the run: the `target:` rows of `summary.csv`, in
    /// file order.
    pub fn targets(&self) -> Vec<TargetRow> {
        self.summary
            .rows
            .iter()
            .filter_map(|(name, stats)| {
                let text = name.strip_prefix("target:")?;
                let get = |c: &str| stats.get(c).copied().filter(|v| v.is_finite());
                Some(TargetRow::new(text, get("mean"), get("n")))
            })
            .collect()
    }
}

/// One `--target` with its probability and 95 % Wilson interval.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRow {
    /// As written, e.g. `unmet_share<=0.1`.
    pub text: String,
    /// The share of trials that meet it (None when no trial has a value).
    pub p: Option<f64>,
    /// The trials it counts (those where the metric has a value).
    pub n: usize,
    /// The 95 % Wilson interval of `p`.
    pub ci: Option<(f64, f64)>,
}

impl TargetRow {
    /// From a `summary.csv` (or `sweep.csv`) row's mean and n.
    pub fn new(text: &str, mean: Option<f64>, n: Option<f64>) -> TargetRow {
        let n = n.filter(|n| *n >= 0.0).map_or(0, |n| n.round() as usize);
        let p = mean.filter(|_| n > 0);
        TargetRow {
            text: text.to_string(),
            p,
            n,
            ci: p.and_then(|p| wilson_interval(p, n)),
        }
    }

    /// "Unmet share of demand ≤ 10 %": the metric's label, the operator
    /// and the threshold in the metric's unit.
    pub fn describe(&self) -> String {
        let Ok(t) = self.text.parse::<Target>() else {
            return self.text.clone();
        };
        let op = match t.op {
            crate::analysis::target::Op::Le => "≤",
            crate::analysis::target::Op::Lt => "<",
            crate::analysis::target::Op::Ge => "≥",
            crate::analysis::target::Op::Gt => ">",
        };
        // The threshold as given (not rounded): 0.1 → "10 %".
        let (label, unit, fmt) = charts::describe(&t.metric);
        let threshold = match fmt {
            draw::Fmt::Percent => format!("{} %", draw::num(t.value * 100.0)),
            draw::Fmt::Year => draw::year_label(t.value),
            _ if unit == "US$ bn" => format!("US$ {} bn", draw::num(t.value)),
            _ if unit.is_empty() => draw::num(t.value),
            _ => format!("{} {unit}", draw::num(t.value)),
        };
        format!("{label} {op} {threshold}")
    }
}

/// Options of `rofrsim report`.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Output folders of `rofrsim run`, `compare` or `sweep`.
    pub inputs: Vec<PathBuf>,
    /// The report's folder (default: see [`place`]).
    pub out: Option<PathBuf>,
    /// Replace an existing `--out` folder.
    pub force: bool,
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
    /// What the reader should know first: charts not drawn and why.
    pub note: Option<String>,
}

impl Section {
    fn new(title: &str, id: &str, charts: Vec<Chart>) -> Section {
        Section {
            title: title.into(),
            id: id.into(),
            charts,
            note: None,
        }
    }
}

/// One run in the report: its data, its label and its charts.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Label (the run's label, made unique).
    pub label: String,
    /// The folder under `charts/` its charts go to when the report holds
    /// several runs (its label as a folder name, made unique).
    pub folder: String,
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
    /// What the reader should know about the comparison (runs named in
    /// `compare.csv` but not found).
    pub notes: Vec<String>,
    /// A sweep folder's report (then there are no runs).
    pub sweep: Option<sweep::SweepReport>,
}

impl Report {
    /// Whether each run's charts go to `charts/<run>/` (several runs, or a
    /// comparison) rather than `charts/`.
    pub fn runs_in_subfolders(&self) -> bool {
        self.runs.len() > 1 || self.compare_table.is_some()
    }

    /// Every chart with the path under the report's folder it is written
    /// to, and the run it belongs to ("" for the others).
    pub fn charts(&self) -> Vec<(String, PathBuf, &Chart)> {
        let mut out = Vec::new();
        let charts = PathBuf::from("charts");
        if let Some(s) = &self.sweep {
            for c in &s.charts {
                out.push((String::new(), charts.join(&c.file), c));
            }
        }
        for section in &self.comparison {
            for c in &section.charts {
                out.push((String::new(), charts.join(&c.file), c));
            }
        }
        for run in &self.runs {
            let dir = if self.runs_in_subfolders() {
                charts.join(&run.folder)
            } else {
                charts.clone()
            };
            for section in &run.sections {
                for c in &section.charts {
                    out.push((run.label.clone(), dir.join(&c.file), c));
                }
            }
        }
        out
    }
}

/// What `report` wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// The HTML file.
    pub html: PathBuf,
    /// Every SVG written.
    pub charts: Vec<PathBuf>,
    /// The run folders without `trials.csv`, whose charts from it are not
    /// drawn.
    pub without_trials: Vec<PathBuf>,
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

/// What a section says in place of `what`, drawn from `trials.csv`, when
/// the run has none.
fn no_trials_note(what: &str) -> String {
    format!(
        "Not drawn: {what}, from trials.csv, which this run folder does not have (a run with --trials-csv none, or a run of compare without --keep-runs). Run the scenario again with its trials.csv to have them."
    )
}

/// Every chart of one run, by section (without those of `trials.csv`
/// when the folder has none).
pub fn run_sections(run: &RunData) -> Result<Vec<Section>, Error> {
    let with_trials = run.has_trials();
    let mut distributions = Vec::new();
    if with_trials {
        distributions = vec![
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
    }
    let mut tornados = Vec::new();
    for m in TORNADO_METRICS {
        if let Some(c) = charts::tornado(run, m)? {
            tornados.push(c);
        }
    }
    let mut ip = vec![charts::ip_active(run)?];
    if with_trials {
        ip.insert(0, charts::ip_expiry(run)?);
    }
    let note = |what: &str| (!with_trials).then(|| no_trials_note(what));
    let mut sections = Vec::new();
    let targets = run.targets();
    if !targets.is_empty() {
        sections.push(Section::new(
            "Probability of meeting each target",
            "targets",
            vec![charts::targets(&targets)?],
        ));
    }
    sections.extend([
        Section::new(
            "Demand, capacity and placement over time",
            "time",
            vec![
                charts::demand_capacity(run)?,
                charts::placed(run)?,
                charts::azure_share(run)?,
                charts::unmet(run)?,
            ],
        ),
        Section {
            note: note("the histogram of the year the IP rights end"),
            ..Section::new("Microsoft's IP rights", "ip", ip)
        },
        Section {
            note: note("the distributions of the outcomes"),
            ..Section::new("Outcome distributions", "distributions", distributions)
        },
        Section::new("What drives the outcomes", "sensitivity", tornados),
    ]);
    Ok(sections)
}

/// Whether runs `a` and `b` pair trial by trial: as `compare.csv` says
/// when it compared them, else as `compare` decides (same seed and trial
/// count).
fn paired_runs(a: &RunReport, b: &RunReport, table: Option<&CompareTable>) -> bool {
    if let Some(t) = table
        && let Some(row) = t
            .rows
            .iter()
            .find(|r| t.cell(r, "scenario_a") == a.label && t.cell(r, "scenario_b") == b.label)
    {
        return t.cell(row, "paired") == "true";
    }
    a.data.manifest.seed == b.data.manifest.seed && a.data.manifest.trials == b.data.manifest.trials
}

/// The comparison charts of several runs (baseline first).
pub fn comparison_sections(
    runs: &[RunReport],
    table: Option<&CompareTable>,
) -> Result<Vec<Section>, Error> {
    let pairs: Vec<(String, &RunData)> = runs.iter().map(|r| (r.label.clone(), &r.data)).collect();
    let without: Vec<&str> = runs
        .iter()
        .filter(|r| !r.data.has_trials())
        .map(|r| r.label.as_str())
        .collect();
    let mut cdfs = Vec::new();
    if without.is_empty() {
        for m in compare_metrics() {
            if pairs.iter().all(|(_, r)| !r.trials.get(&m).is_empty()) {
                cdfs.push(charts::compare_cdf(&pairs, &m)?);
            }
        }
    }
    let cdf_note = (!without.is_empty()).then(|| {
        format!(
            "Not drawn: the outcomes' distributions overlaid, from each run's trials.csv, which {} does not have (compare keeps its runs' trials.csv with --keep-runs).",
            without.join(", ")
        )
    });

    // B − A trial by trial, for each run paired with the baseline.
    let mut differences = Vec::new();
    if let Some(t) = table
        && let Some(c) = paired::interval_chart(t)?
    {
        differences.push(c);
    }
    let mut diff_notes = Vec::new();
    if let Some((base, others)) = runs.split_first() {
        let mut with: Vec<(String, &RunData)> = Vec::new();
        for b in others {
            if !paired_runs(base, b, table) {
                diff_notes.push(format!(
                    "{} is not paired with {} (another seed or trial count), so it has no per-trial differences.",
                    b.label, base.label
                ));
            } else if !base.data.has_trials() || !b.data.has_trials() {
                let lacking: Vec<&str> = [base, b]
                    .iter()
                    .filter(|r| !r.data.has_trials())
                    .map(|r| r.label.as_str())
                    .collect();
                diff_notes.push(format!(
                    "Not drawn: the per-trial differences of {} − {}, from each run's trials.csv, which {} does not have.",
                    b.label,
                    base.label,
                    lacking.join(" and ")
                ));
            } else {
                with.push((b.label.clone(), &b.data));
            }
        }
        if !with.is_empty() {
            let (charts, notes) = paired::difference_charts((&base.label, &base.data), &with)?;
            differences.extend(charts);
            diff_notes.extend(notes);
        }
    }

    let fans = vec![
        charts::compare_fans(
            &pairs,
            timeseries::DEMAND_GW,
            "Demand for compute: scenarios side by side",
            "GW (log scale)",
            draw::Fmt::Log10,
        )?,
        charts::compare_fans(
            &pairs,
            &timeseries::placed("azure"),
            "Compute placed on Azure: scenarios side by side",
            "GW",
            draw::Fmt::Num,
        )?,
        charts::compare_fans(
            &pairs,
            timeseries::AZURE_SHARE,
            "Azure's share of placed compute: scenarios side by side",
            "Share of placed GW (%)",
            draw::Fmt::Percent,
        )?,
        charts::compare_fans(
            &pairs,
            timeseries::UNMET_GW,
            "Unmet demand: scenarios side by side",
            "Unmet GW (log scale)",
            draw::Fmt::Log10,
        )?,
        charts::compare_ip_active(&pairs)?,
    ];
    Ok(vec![
        Section {
            note: (!diff_notes.is_empty()).then(|| diff_notes.join(" ")),
            ..Section::new("What changes, B − A", "compare-diff", differences)
        },
        Section {
            note: cdf_note,
            ..Section::new("Outcomes compared", "compare-cdf", cdfs)
        },
        Section::new("Over time, side by side", "compare-time", fans),
    ])
}

/// The run folders of a `rofrsim compare` folder, baseline first, as
/// `compare.csv` names them: the folder under `runs/` whose manifest has
/// that label (or, for a manifest without one, whose name is the label as
/// a folder name). Also the labels not found there (a comparison of run
/// folders keeps none of them).
fn compare_runs(dir: &Path, table: &CompareTable) -> (Vec<PathBuf>, Vec<String>) {
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir.join("runs")) {
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if Kind::of(&p).is_ok_and(|k| k == Kind::Run)
                && let Ok(m) = RunManifest::read(&p, Reader::Report)
            {
                found.push((m.label.clone(), p));
            }
        }
    }
    let mut dirs = Vec::new();
    let mut missing = Vec::new();
    for label in table.labels() {
        let by_label = found.iter().find(|(l, _)| l == label);
        let by_name = found.iter().find(|(l, p)| {
            l.is_empty()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy() == crate::scenario::folder_name(label))
        });
        match by_label.or(by_name) {
            Some((_, p)) => dirs.push(p.clone()),
            None => missing.push(label.to_string()),
        }
    }
    (dirs, missing)
}

/// Reads the folders and draws every chart (nothing is written).
pub fn build(inputs: &[PathBuf]) -> Result<Report, Error> {
    if inputs.is_empty() {
        return Err(Error::Usage(
            "report needs at least one output folder".into(),
        ));
    }
    let mut kinds = Vec::new();
    for input in inputs {
        kinds.push(Kind::expect(input, Reader::Report)?);
    }
    if let Some(i) = kinds.iter().position(|k| *k == Kind::Sweep) {
        if inputs.len() > 1 {
            return Err(Error::Usage(format!(
                "{} is a sweep folder: report draws a sweep on its own (give it alone)",
                inputs[i].display()
            )));
        }
        return Ok(Report {
            runs: Vec::new(),
            comparison: Vec::new(),
            compare_table: None,
            notes: Vec::new(),
            sweep: Some(sweep::SweepReport::build(&inputs[i])?),
        });
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut compare_table = None;
    let mut notes = Vec::new();
    for (input, kind) in inputs.iter().zip(&kinds) {
        if *kind == Kind::Compare {
            let table = CompareTable::read(input)?;
            let (found, missing) = compare_runs(input, &table);
            if !missing.is_empty() {
                notes.push(format!(
                    "compare.csv compares {}, whose run folders are not in {} (a comparison of run folders does not copy them): their charts are not drawn. To draw them, give those folders after the compare folder: rofrsim report {} FOLDER…",
                    missing.join(", "),
                    input.join("runs").display(),
                    input.display()
                ));
            }
            dirs.extend(found);
            if compare_table.is_none() {
                compare_table = Some((input.join(folder::compare::FILE), table));
            }
        } else {
            dirs.push(input.clone());
        }
    }
    let mut runs: Vec<RunReport> = Vec::new();
    for dir in &dirs {
        let data = RunData::read(dir)?;
        let name = data.manifest.label(dir);
        let mut label = name.clone();
        let mut k = 2;
        while runs.iter().any(|r| r.label == label) {
            label = format!("{name} ({k})");
            k += 1;
        }
        let base = crate::scenario::folder_name(&label);
        let mut folder = base.clone();
        let mut k = 2;
        while runs.iter().any(|r| r.folder == folder) {
            folder = format!("{base}-{k}");
            k += 1;
        }
        let sections = run_sections(&data)?;
        runs.push(RunReport {
            label,
            folder,
            data,
            sections,
        });
    }
    let table = compare_table.as_ref().map(|(_, t)| t);
    let comparison = if runs.len() >= 2 {
        comparison_sections(&runs, table)?
    } else if let Some(t) = table {
        // Without two runs to draw, compare.csv still gives the differences.
        let charts = paired::interval_chart(t)?.into_iter().collect();
        vec![Section::new("What changes, B − A", "compare-diff", charts)]
    } else {
        Vec::new()
    };
    Ok(Report {
        runs,
        comparison,
        compare_table,
        notes,
        sweep: None,
    })
}

/// Where a report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// Into the folder it reports on: a run, compare or sweep folder given
    /// alone holds its own `report.html` and `charts/`.
    Own(PathBuf),
    /// A new folder, made whole or not at all; an existing one is replaced
    /// only with `--force`.
    New(PathBuf),
}

impl Place {
    /// The folder.
    pub fn dir(&self) -> &Path {
        match self {
            Place::Own(d) | Place::New(d) => d,
        }
    }
}

/// The default folder of a report of several `inputs`:
/// `output/report-A-vs-B…`, from the folders' names.
pub fn default_folder(inputs: &[PathBuf]) -> PathBuf {
    let names: Vec<String> = inputs
        .iter()
        .map(|p| {
            crate::folder::resolved(p).file_name().map_or_else(
                || "folder".to_string(),
                |n| crate::scenario::folder_name(&n.to_string_lossy()),
            )
        })
        .collect();
    PathBuf::from("output").join(format!("report-{}", names.join("-vs-")))
}

/// Where the report of `inputs` goes: a folder given alone holds its own
/// report (also when `--out` names that folder); anything else goes to
/// `out`, by default [`default_folder`]. A new folder may neither lie
/// inside a folder the report reads (a run's outputs never change) nor
/// hold one (`--force` would replace it).
pub fn place(inputs: &[PathBuf], out: Option<&Path>) -> Result<Place, Error> {
    if let Some(o) = out
        && o.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("html"))
    {
        return Err(Error::Usage(format!(
            "--out {} names a file: give the report's folder (report.html and charts/ go in it)",
            o.display()
        )));
    }
    if let [only] = inputs {
        match out {
            None => return Ok(Place::Own(only.clone())),
            Some(o) if crate::folder::resolved(o) == crate::folder::resolved(only) => {
                return Ok(Place::Own(only.clone()));
            }
            Some(_) => {}
        }
    }
    let dir = out.map_or_else(|| default_folder(inputs), Path::to_path_buf);
    let target = crate::folder::resolved(&dir);
    for input in inputs {
        let input_at = crate::folder::resolved(input);
        if target.starts_with(&input_at) {
            return Err(Error::Usage(format!(
                "the report folder {} would be inside {}, which the report reads: a report never writes into the folders it is given (choose another --out)",
                dir.display(),
                input.display()
            )));
        }
        if input_at.starts_with(&target) {
            return Err(Error::Usage(format!(
                "the report folder {} holds {}, which the report reads (choose another --out)",
                dir.display(),
                input.display()
            )));
        }
    }
    Ok(Place::New(dir))
}

/// Writes `text` to `rel` under `root`; messages name it under `shown`.
fn write(root: &Path, shown: &Path, rel: &Path, text: &str) -> Result<(), Error> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| {
            Error::Io(
                format!(
                    "cannot create {}",
                    shown.join(rel).parent().unwrap_or(shown).display()
                ),
                e,
            )
        })?;
    }
    std::fs::write(&path, text)
        .map_err(|e| Error::Io(format!("cannot write {}", shown.join(rel).display()), e))
}

/// Writes every chart and the HTML report; returns what it wrote.
pub fn report(opts: &ReportOptions) -> Result<Written, Error> {
    let place = place(&opts.inputs, opts.out.as_deref())?;
    // A new folder is staged before the work, so that one that exists
    // without --force is refused at once, and a failure leaves nothing.
    let staging = match &place {
        Place::New(dir) => Some(OutputDir::begin(dir, opts.force)?),
        Place::Own(_) => None,
    };
    let report = build(&opts.inputs)?;
    let without_trials: Vec<PathBuf> = report
        .runs
        .iter()
        .filter(|r| !r.data.has_trials())
        .map(|r| r.data.dir.clone())
        .collect();
    let shown = place.dir().to_path_buf();
    let root = staging
        .as_ref()
        .map_or_else(|| shown.clone(), |s| s.dir.clone());
    let mut written = Vec::new();
    let mut locations = html::Locations::default();
    for (label, rel, chart) in report.charts() {
        write(&root, &shown, &rel, &chart.svg)?;
        locations.insert(&label, &chart.file, rel.display().to_string());
        written.push(shown.join(&rel));
    }
    let page = match &report.sweep {
        Some(s) => html::sweep_page(s, &locations),
        None => html::page(&report, &locations),
    };
    write(&root, &shown, Path::new("report.html"), &page)?;
    if let Some(s) = staging {
        s.commit()?;
    }
    Ok(Written {
        html: shown.join("report.html"),
        charts: written,
        without_trials,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_of_several_folders_never_goes_into_one_of_them() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        std::fs::create_dir_all(a.join("charts")).expect("mkdir");
        std::fs::create_dir_all(&b).expect("mkdir");
        let one = std::slice::from_ref(&a);
        assert_eq!(place(one, None).unwrap(), Place::Own(a.clone()));
        // --out naming the folder itself, spelled another way.
        let again = a.join("charts").join("..");
        assert_eq!(place(one, Some(&again)).unwrap(), Place::Own(a.clone()));
        let both = [a.clone(), b.clone()];
        assert_eq!(
            place(&both, None).unwrap(),
            Place::New(PathBuf::from("output/report-a-vs-b"))
        );
        let elsewhere = tmp.path().join("r");
        assert_eq!(
            place(&both, Some(&elsewhere)).unwrap(),
            Place::New(elsewhere)
        );
        for bad in [a.join("rep"), b.clone(), tmp.path().to_path_buf()] {
            let e = place(&both, Some(&bad)).unwrap_err().to_string();
            assert!(e.contains("reads"), "{e}");
        }
        let e = place(one, Some(Path::new("x.html")))
            .unwrap_err()
            .to_string();
        assert!(e.contains("names a file"), "{e}");
    }

    #[test]
    fn a_target_reads_with_its_wilson_interval() {
        let t = TargetRow::new("unmet_share<=0.1", Some(0.394), Some(5000.0));
        let (lo, hi) = t.ci.expect("an interval");
        // As the terminal prints it: [95 % CI 38.1 %, 40.8 %].
        assert_eq!(
            (labels::percent(lo), labels::percent(hi)),
            ("38.1 %".to_string(), "40.8 %".to_string())
        );
        assert_eq!(t.describe(), "Unmet share of demand ≤ 10 %");
        let none = TargetRow::new("ip_expiry_year<=2030", None, Some(0.0));
        assert_eq!((none.p, none.ci, none.n), (None, None, 0));
    }
}
