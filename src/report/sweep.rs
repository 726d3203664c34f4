//! The report of a sweep folder: each headline outcome (and each target)
//! against the first varied key, from `sweep.csv` — the median with its
//! p5–p95 band (a target: its probability with the 95 % Wilson interval),
//! one line per value of the second varied key; further keys are held at
//! their first value.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::TargetRow;
use super::charts::{Chart, Series, axis_title, describe, failed, series};
use super::draw::{
    Axes, DResult, Fmt, MEDIAN_WIDTH, SLIDE, Swatch, axes, colour, padded, page, x_ticks,
};
use super::labels::{InputLabels, in_sentence};
use crate::error::Error;
use crate::folder::bad_file;
use crate::folder::manifest::{SweepManifest, Varied};
use crate::folder::outcomes::{AZURE_SHARE_END, MICROSOFT_VALUE_NPV, UNMET_SHARE};
use crate::folder::sweep::{FILE, SweepTable};

/// The outcomes drawn against the varied key (targets follow).
pub const SWEEP_METRICS: [&str; 3] = [MICROSOFT_VALUE_NPV, UNMET_SHARE, AZURE_SHARE_END];

/// A sweep folder, read, and its charts.
#[derive(Debug, Clone)]
pub struct SweepReport {
    /// The folder.
    pub dir: PathBuf,
    /// `manifest.json`.
    pub manifest: SweepManifest,
    /// `sweep.csv`.
    pub table: SweepTable,
    /// The names of the varied keys.
    pub labels: InputLabels,
    /// One chart per outcome and target.
    pub charts: Vec<Chart>,
}

/// A value of a varied key as a reader writes it: a TOML string without
/// its quotes.
pub fn value_label(v: &str) -> String {
    let t = v.trim();
    match t.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.to_string(),
        None => t.to_string(),
    }
}

/// The x positions of a key's values: the numbers themselves when every
/// value is one, else categories 0, 1, 2…
pub fn positions(values: &[String]) -> (Vec<f64>, bool) {
    let numbers: Option<Vec<f64>> = values
        .iter()
        .map(|v| v.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect();
    match numbers {
        Some(n) if !n.is_empty() => (n, true),
        _ => ((0..values.len()).map(|i| i as f64).collect(), false),
    }
}

impl SweepReport {
    /// Reads sweep folder `dir` and draws its charts.
    pub fn build(dir: &Path) -> Result<SweepReport, Error> {
        let manifest = SweepManifest::read(dir)?;
        let table = SweepTable::read(dir)?;
        let keys: Vec<&str> = manifest.vary.iter().map(|v| v.path.as_str()).collect();
        if table.keys != keys {
            return Err(bad_file(
                &dir.join(FILE),
                format!(
                    "its leading columns are {:?}, but manifest.json varies {keys:?}",
                    table.keys
                ),
            ));
        }
        if manifest.vary.is_empty() {
            return Err(bad_file(
                &dir.join("manifest.json"),
                "`vary` is empty: the sweep varies nothing",
            ));
        }
        let labels = InputLabels::from_file(
            dir,
            &manifest.scenario.path,
            &manifest.scenario.sha256,
            &manifest.scenario.overrides,
        );
        let mut report = SweepReport {
            dir: dir.to_path_buf(),
            manifest,
            table,
            labels,
            charts: Vec::new(),
        };
        let mut charts = Vec::new();
        let metrics = report.table.metrics();
        for m in SWEEP_METRICS {
            if metrics.contains(&m) {
                charts.push(report.chart(m, &format!("sweep_{m}.svg"))?);
            }
        }
        let targets: Vec<&str> = metrics
            .iter()
            .copied()
            .filter(|m| m.starts_with("target:"))
            .collect();
        for (i, t) in targets.iter().enumerate() {
            charts.push(report.chart(t, &format!("sweep_target_{}.svg", i + 1))?);
        }
        report.charts = charts;
        Ok(report)
    }

    /// What the report calls varied key `path`.
    pub fn key_label(&self, path: &str) -> String {
        self.labels.label(path)
    }

    /// The sentence about the keys beyond the second, held at their first
    /// value (None with two keys or fewer).
    pub fn fixed_note(&self) -> Option<String> {
        let fixed: Vec<String> = self
            .manifest
            .vary
            .iter()
            .skip(2)
            .map(|v| {
                format!(
                    "{} = {}",
                    self.key_label(&v.path),
                    v.values
                        .first()
                        .map_or_else(String::new, |x| value_label(x))
                )
            })
            .collect();
        (!fixed.is_empty()).then(|| {
            format!(
                "The other varied keys are held at their first value: {}.",
                fixed.join("; ")
            )
        })
    }

    /// The statistic `column` of `metric` where the first key is
    /// `x`, the second `line` (if any) and the others their first value.
    fn at(&self, x: &str, line: Option<&str>, metric: &str, column: &str) -> Option<f64> {
        let mut values: Vec<&str> = vec![x];
        values.extend(line);
        for v in self.manifest.vary.iter().skip(values.len()) {
            values.push(v.values.first().map_or("", String::as_str));
        }
        self.table.stat(&values, metric, column)
    }

    /// The chart of `metric` (or `target:…`) against the first key.
    fn chart(&self, metric: &str, file: &str) -> Result<Chart, Error> {
        let vary = &self.manifest.vary;
        let (first, second) = (&vary[0], vary.get(1));
        let (xs, numeric) = positions(&first.values);
        let target = metric.strip_prefix("target:");
        let lines: Vec<Option<&str>> = match second {
            Some(v) => v.values.iter().map(|s| Some(s.as_str())).collect(),
            None => vec![None],
        };
        let mut drawn: Vec<(String, Vec<Point>)> = Vec::new();
        for line in &lines {
            let mut pts = Vec::new();
            for (x, value) in xs.iter().zip(&first.values) {
                let point = match target {
                    Some(t) => {
                        let row = TargetRow::new(
                            t,
                            self.at(value, *line, metric, "mean"),
                            self.at(value, *line, metric, "n"),
                        );
                        match (row.p, row.ci) {
                            (Some(p), Some((lo, hi))) => Some((lo, p, hi)),
                            _ => None,
                        }
                    }
                    None => match (
                        self.at(value, *line, metric, "p5"),
                        self.at(value, *line, metric, "p50"),
                        self.at(value, *line, metric, "p95"),
                    ) {
                        (Some(a), Some(b), Some(c)) => Some((a, b, c)),
                        _ => None,
                    },
                };
                if let Some((lo, mid, hi)) = point {
                    pts.push((*x, lo, mid, hi));
                }
            }
            let name = match (line, second) {
                (Some(v), Some(k)) => format!("{} = {}", self.key_label(&k.path), value_label(v)),
                _ => String::new(),
            };
            drawn.push((name, pts));
        }

        let (y_desc, fmt, title, what) = match target {
            Some(t) => {
                let row = TargetRow::new(t, None, None);
                (
                    "Probability of meeting it (%)".to_string(),
                    Fmt::Percent,
                    format!("P({})", row.describe()),
                    "the share of trials that meet the target, with its 95 % Wilson interval"
                        .to_string(),
                )
            }
            None => {
                let (label, _, fmt) = describe(metric);
                (
                    axis_title(metric),
                    fmt,
                    label,
                    "the median of each combination's trials, with the p5–p95 band".to_string(),
                )
            }
        };
        let x_label = self.key_label(&first.path);
        let title = format!("{title} against {}", in_sentence(&x_label));
        let hi = drawn
            .iter()
            .flat_map(|(_, p)| p.iter().map(|q| q.3))
            .fold(0.0, f64::max);
        let lo = drawn
            .iter()
            .flat_map(|(_, p)| p.iter().map(|q| q.1))
            .fold(0.0, f64::min);
        let y = if target.is_some() {
            0.0..1.02
        } else {
            padded(lo, hi, 0.06)
        };
        let x = x_range(&xs, numeric);
        let ticks: Vec<(f64, String)> = xs
            .iter()
            .zip(&first.values)
            .map(|(x, v)| (*x, value_label(v)))
            .collect();
        let mut legend: Vec<(Swatch, String)> = Vec::new();
        // With more than two lines, the key is named once: "Key = a", "b"…
        let values: Vec<String> = second.map_or_else(Vec::new, |k| {
            k.values.iter().map(|v| value_label(v)).collect()
        });
        for (i, (name, _)) in drawn.iter().enumerate() {
            let label = if name.is_empty() {
                if target.is_some() {
                    "Probability"
                } else {
                    "Median"
                }
                .to_string()
            } else if i > 0 && drawn.len() > 2 {
                values.get(i).cloned().unwrap_or_else(|| name.clone())
            } else {
                name.clone()
            };
            legend.push((Swatch::Line(dark(colour(i)), line_width(i)), label));
        }
        legend.push((
            Swatch::Fill(colour(0), band_alpha(drawn.len())),
            if target.is_some() {
                "95 % interval".to_string()
            } else {
                "p5–p95".to_string()
            },
        ));
        let mut subtitle = format!(
            "{} trials per combination, seed {}; {}",
            super::labels::sig3(self.manifest.trials as f64),
            self.manifest.seed,
            what
        );
        if self.manifest.vary.len() > 2 {
            subtitle.push_str("; other keys at their first value");
        }
        let svg = page(SLIDE, &title, &subtitle, &legend, |root, plot| {
            let ax = Axes::new(x.clone(), y.clone(), &x_label, &y_desc, Fmt::Hidden, fmt);
            let mut chart = axes(root, plot, &ax)?;
            for (i, (_, pts)) in drawn.iter().enumerate() {
                band_line(
                    &mut chart,
                    pts,
                    colour(i),
                    line_width(i),
                    band_alpha(drawn.len()),
                )?;
            }
            x_ticks(root, &chart, y.start, &ticks)
        })
        .map_err(|e| failed(file, e.as_ref()))?;

        let mut caption = format!(
            "{title}: {what}{}.",
            match second {
                Some(k) => format!(
                    ", one line per value of {}",
                    in_sentence(&self.key_label(&k.path))
                ),
                None => String::new(),
            }
        );
        if !numeric {
            caption.push_str(" The values are categories, evenly spaced.");
        }
        if let Some(note) = self.fixed_note() {
            caption.push(' ');
            caption.push_str(&note);
        }
        let columns = if target.is_some() {
            "mean, n"
        } else {
            "p5, p50, p95"
        };
        let mut out: Vec<Series> = Vec::new();
        for (name, pts) in &drawn {
            let prefix = if name.is_empty() {
                String::new()
            } else {
                format!("{name} ")
            };
            let (mid, low, high) = if target.is_some() {
                ("p", "ci low", "ci high")
            } else {
                ("p50", "p5", "p95")
            };
            out.push(series(
                format!("{prefix}{mid}"),
                pts.iter().map(|q| (q.0, q.2)).collect(),
            ));
            out.push(series(
                format!("{prefix}{low}"),
                pts.iter().map(|q| (q.0, q.1)).collect(),
            ));
            out.push(series(
                format!("{prefix}{high}"),
                pts.iter().map(|q| (q.0, q.3)).collect(),
            ));
        }
        Ok(Chart {
            file: file.into(),
            title,
            caption,
            source: format!("sweep.csv: metric = {metric} ({columns}); manifest.json: vary"),
            svg,
            series: out,
        })
    }
}

/// A point of a line with its band: (x, low, middle, high).
type Point = (f64, f64, f64, f64);

/// The x range around positions `xs`: half a step beyond categories, a
/// little beyond numbers.
fn x_range(xs: &[f64], numeric: bool) -> std::ops::Range<f64> {
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !(lo.is_finite() && hi.is_finite()) {
        return 0.0..1.0;
    }
    if !numeric || hi <= lo {
        return lo - 0.5..hi + 0.5;
    }
    let pad = (hi - lo) * 0.06;
    lo - pad..hi + pad
}

/// How opaque each band is: fainter the more lines there are, so that
/// bands lying on each other (a key that changes little) stay see-through.
fn band_alpha(lines: usize) -> f64 {
    match lines {
        0 | 1 => 0.18,
        2 => 0.12,
        n => 0.3 / n as f64,
    }
}

/// The first line is drawn wider, so that a later line on top of it
/// (a second key that changes nothing) leaves it visible.
fn line_width(i: usize) -> u32 {
    if i == 0 { 7 } else { MEDIAN_WIDTH }
}

fn dark(c: RGBColor) -> RGBColor {
    RGBColor(
        (f64::from(c.0) * 0.7) as u8,
        (f64::from(c.1) * 0.7) as u8,
        (f64::from(c.2) * 0.7) as u8,
    )
}

/// A band (low–high) and its middle line with a dot at each point.
fn band_line(
    chart: &mut super::draw::Ctx<'_, '_>,
    pts: &[Point],
    c: RGBColor,
    width: u32,
    alpha: f64,
) -> DResult<()> {
    if pts.len() > 1 {
        let mut poly: Vec<(f64, f64)> = pts.iter().map(|q| (q.0, q.3)).collect();
        poly.extend(pts.iter().rev().map(|q| (q.0, q.1)));
        chart.draw_series(std::iter::once(Polygon::new(poly, c.mix(alpha).filled())))?;
    } else {
        // One value: the band is a whisker.
        for q in pts {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(q.0, q.1), (q.0, q.3)],
                c.mix(0.5).stroke_width(8),
            )))?;
        }
    }
    chart.draw_series(LineSeries::new(
        pts.iter().map(|q| (q.0, q.2)),
        dark(c).stroke_width(width),
    ))?;
    chart.draw_series(
        pts.iter()
            .map(|q| Circle::new((q.0, q.2), width + 2, dark(c).filled())),
    )?;
    Ok(())
}

/// The varied keys and their values, as the page lists them.
pub fn keys_text(vary: &[Varied]) -> Vec<(String, String)> {
    vary.iter()
        .map(|v| {
            (
                v.path.clone(),
                v.values
                    .iter()
                    .map(|x| value_label(x))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_on_a_numeric_axis_and_words_as_categories() {
        let n = ["0.2".to_string(), "0.5".into(), "0.8".into()];
        assert_eq!(positions(&n), (vec![0.2, 0.5, 0.8], true));
        let w = ["\"2025-10\"".to_string(), "\"never\"".into()];
        assert_eq!(positions(&w), (vec![0.0, 1.0], false));
        assert_eq!(value_label(&w[0]), "2025-10");
        assert_eq!(value_label("cheapest_first"), "cheapest_first");
        let x = x_range(&[0.2, 0.5, 0.8], true);
        assert!((x.start - 0.164).abs() < 1e-12 && (x.end - 0.836).abs() < 1e-12);
        assert_eq!(x_range(&[0.0, 1.0], false), -0.5..1.5);
    }
}
