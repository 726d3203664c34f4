//! The charts of a report, each built from the CSVs of a run folder (or of
//! several, for comparisons). Every chart keeps the numbers it drew
//! ([`Chart::series`]) beside its SVG, so tests can check the picture
//! against the file it came from.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::RunData;
use super::draw::{
    Axes, DResult, Fmt, INK, MEDIAN_WIDTH, SLIDE, Swatch, WIDE, axes, bold, colour, fan,
    fan_legend, fitted, font, nice_step, num, padded, page, quantile, sorted, text_width,
};
use super::labels::{display_name, outcome_phrase, percent, points, sig3};
use crate::engine::ExpiryCause as Cause;
use crate::folder::outcomes::{self, Unit};
use crate::folder::timeseries::{self, Band};

/// One drawn chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File name under `charts/`, e.g. `fan_demand_capacity.svg`.
    pub file: String,
    /// Title (also drawn in the SVG).
    pub title: String,
    /// One sentence for the reader: what the picture shows.
    pub caption: String,
    /// The data file(s) and columns it was drawn from.
    pub source: String,
    /// The SVG document.
    pub svg: String,
    /// The numbers drawn, by name (`<metric> p50`, `histogram`, `cdf`…).
    pub series: Vec<Series>,
}

/// Numbers drawn in a chart, in data units (before any log transform).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// What they are.
    pub name: String,
    /// (x, y) points in drawing order.
    pub points: Vec<(f64, f64)>,
}

impl Chart {
    /// The series named `name`, if drawn.
    pub fn series(&self, name: &str) -> Option<&Series> {
        self.series.iter().find(|s| s.name == name)
    }
}

pub(crate) fn series(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
    Series {
        name: name.into(),
        points,
    }
}

pub(crate) fn failed(file: &str, e: &dyn std::error::Error) -> crate::error::Error {
    crate::error::Error::Other(format!("report: drawing {file}: {e}"))
}

/// A readable name, unit and label format for an outcome column, from
/// the table of outcomes (a provider by its name as a reader writes it).
pub fn describe(metric: &str) -> (String, &'static str, Fmt) {
    let Some((c, provider)) = outcomes::find(metric) else {
        return (metric.to_string(), "", Fmt::Num);
    };
    let label = c
        .label
        .replace("<provider>", &display_name(provider.unwrap_or("")));
    let (unit, fmt) = match c.unit {
        Unit::UsdBn => ("US$ bn", Fmt::Num),
        Unit::GwYears => ("GW-years", Fmt::Num),
        Unit::Gw => ("GW", Fmt::Num),
        Unit::ShareOfDemand => ("% of GW-years", Fmt::Percent),
        Unit::Share | Unit::Probability => ("%", Fmt::Percent),
        Unit::Year => ("year", Fmt::Year),
        Unit::Months => ("months", Fmt::Num),
        Unit::Count => ("count", Fmt::Num),
        Unit::Date | Unit::Label => ("", Fmt::Num),
    };
    (label, unit, fmt)
}

/// "label (unit)" for an axis.
pub(crate) fn axis_title(metric: &str) -> String {
    let (label, unit, _) = describe(metric);
    if unit.is_empty() {
        label
    } else {
        format!("{label} ({unit})")
    }
}

/// A value of `metric` as the report writes it: three significant
/// digits, with its unit ("US$ 157 bn", "28.2 %", "45.3 GW", "2033-01").
pub fn value_text(metric: &str, v: f64) -> String {
    let (_, unit, fmt) = describe(metric);
    match fmt {
        Fmt::Percent => percent(v),
        Fmt::Year => Fmt::Year.label(v),
        _ if unit == "US$ bn" => format!("US$ {} bn", sig3(v)),
        // A count needs no unit word ("13.4 ROFR offers" reads from the label).
        _ if unit.is_empty() || unit == "count" => sig3(v),
        _ => format!("{} {unit}", sig3(v)),
    }
}

/// A difference B − A of `metric`, signed, with its unit: a share's in
/// percentage points ("-4.71 pp"), a year's in years.
pub fn diff_text(metric: &str, d: f64) -> String {
    let (_, unit, fmt) = describe(metric);
    let sign = if d > 0.0 { "+" } else { "" };
    match fmt {
        Fmt::Percent => points(d),
        Fmt::Year => format!("{sign}{} years", sig3(d)),
        // The sign before the currency: "-US$ 188 bn".
        _ if unit == "US$ bn" => format!(
            "{}US$ {} bn",
            if d > 0.0 {
                "+"
            } else if d < 0.0 {
                "-"
            } else {
                ""
            },
            sig3(d.abs())
        ),
        _ if unit.is_empty() || unit == "count" => format!("{sign}{}", sig3(d)),
        _ => format!("{sign}{} {unit}", sig3(d)),
    }
}

/// A bound of an interval of differences, in the unit [`diff_text`]
/// writes the difference in, without the unit: "-4.01" (pp), "212".
pub fn diff_bound(metric: &str, v: f64) -> String {
    match describe(metric).2 {
        Fmt::Percent => sig3(v * 100.0),
        _ => sig3(v),
    }
}

/// The axis of a difference of `metric`: its title and label format.
pub fn diff_axis(metric: &str) -> (String, Fmt) {
    let (label, unit, fmt) = describe(metric);
    match fmt {
        Fmt::Percent => (format!("{label}, B − A (percentage points)"), Fmt::Points),
        Fmt::Year => (format!("{label}, B − A (years)"), Fmt::Num),
        _ if unit.is_empty() => (format!("{label}, B − A"), Fmt::Num),
        _ => (format!("{label}, B − A ({unit})"), Fmt::Num),
    }
}

/// The horizon as a decimal-year x range, from the first to the last month.
fn months_range(bands: &[Band]) -> std::ops::Range<f64> {
    let lo = bands.first().map_or(0.0, |b| b.x);
    let hi = bands.last().map_or(1.0, |b| b.x);
    if hi > lo { lo..hi } else { lo..lo + 1.0 }
}

/// A log10 y range covering `values`, at most about 3 decades below the
/// top, starting at a 1, 2 or 5 × 10^k tick: (range, floor, clamped).
/// Values below the floor (zeros) are drawn at it; `clamped` says some are.
fn log_range(values: impl Iterator<Item = f64>) -> (std::ops::Range<f64>, f64, bool) {
    let (mut lo, mut hi, mut low) = (f64::INFINITY, 0.0f64, f64::INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        low = low.min(v);
        if v > 0.0 {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if !hi.is_finite() || hi <= 0.0 {
        return (-1.0..1.0, 0.1, true);
    }
    let want = lo.log10().max(hi.log10() - 3.0);
    let k = want.floor();
    let bottom = [5f64, 2.0, 1.0]
        .iter()
        .map(|m| k + m.log10())
        .find(|b| *b <= want + 1e-12)
        .unwrap_or(k);
    let top = (hi * 1.3).log10().max(bottom + 1.0);
    let floor = 10f64.powf(bottom);
    (bottom..top, floor, low < floor * (1.0 - 1e-9))
}

// ---------------------------------------------------------------------------
// Fan charts over time (timeseries.csv)
// ---------------------------------------------------------------------------

/// Demand (fan) against total capacity (sum of the providers' means), log
/// scale: demand spans decades across trials.
pub fn demand_capacity(run: &RunData) -> Result<Chart, crate::error::Error> {
    let file = "fan_demand_capacity.svg";
    let ts = &run.timeseries;
    let demand = ts.get(timeseries::DEMAND_GW);
    let mut capacity: Vec<(f64, f64)> = demand.iter().map(|b| (b.x, 0.0)).collect();
    for p in &ts.providers {
        for (i, b) in ts.get(&timeseries::capacity(p)).iter().enumerate() {
            if let Some(c) = capacity.get_mut(i) {
                c.1 += b.mean;
            }
        }
    }
    let (y, floor, clamped) = log_range(
        demand
            .iter()
            .flat_map(|b| [b.p5, b.p95])
            .chain(capacity.iter().map(|c| c.1)),
    );
    let f = move |v: f64| v.max(floor).log10();
    let mut legend = fan_legend(colour(0), "Demand");
    legend.push((Swatch::Line(colour(1), 2), "Total capacity (mean)".into()));
    let svg = page(
        SLIDE,
        "OpenAI compute demand vs total capacity",
        "GW available to OpenAI per month, across trials (log scale)",
        &legend,
        |root, plot| {
            let mut ax = Axes::new(
                months_range(demand),
                y.clone(),
                "Month",
                "GW (log scale)",
                Fmt::Year,
                Fmt::Log10,
            );
            ax.floor_below = clamped;
            let mut chart = axes(root, plot, &ax)?;
            fan(&mut chart, demand, colour(0), &f)?;
            chart.draw_series(LineSeries::new(
                capacity.iter().map(|&(x, v)| (x, f(v))),
                colour(1).stroke_width(2),
            ))?;
            Ok(())
        },
    )
    .map_err(|e| failed(file, e.as_ref()))?;
    Ok(Chart {
        file: file.into(),
        title: "OpenAI compute demand vs total capacity".into(),
        caption: "Demand for compute (median, p25–p75 and p5–p95 over trials) against the mean capacity of all providers together; where the demand band rises above the capacity line, some demand goes unmet.".into(),
        source: "timeseries.csv: demand_gw (p5, p25, p50, p75, p95); capacity_<provider>_gw (mean, summed over providers)".into(),
        svg,
        series: vec![
            series("demand_gw p50", demand.iter().map(|b| (b.x, b.p50)).collect()),
            series("demand_gw p5", demand.iter().map(|b| (b.x, b.p5)).collect()),
            series("demand_gw p95", demand.iter().map(|b| (b.x, b.p95)).collect()),
            series("capacity total mean", capacity),
        ],
    })
}

/// A single-metric fan on a linear or log axis.
#[allow(clippy::too_many_arguments)]
fn one_fan(
    run: &RunData,
    metric: &str,
    file: &str,
    title: &str,
    subtitle: &str,
    y_desc: &str,
    y_fmt: Fmt,
    caption: &str,
) -> Result<Chart, crate::error::Error> {
    let bands = run.timeseries.get(metric);
    let c = colour(0);
    let mut clamped = false;
    let (y, f): (std::ops::Range<f64>, Box<dyn Fn(f64) -> f64>) = if y_fmt == Fmt::Log10 {
        let (y, floor, c) = log_range(bands.iter().flat_map(|b| [b.p5, b.p95, b.p50]));
        clamped = c;
        (y, Box::new(move |v: f64| v.max(floor).log10()))
    } else if y_fmt == Fmt::Percent {
        (0.0..1.0, Box::new(|v| v))
    } else {
        let hi = bands
            .iter()
            .map(|b| b.p95)
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        (padded(0.0, hi, 0.05), Box::new(|v| v))
    };
    let svg = page(SLIDE, title, subtitle, &fan_legend(c, ""), |root, plot| {
        let mut ax = Axes::new(
            months_range(bands),
            y.clone(),
            "Month",
            y_desc,
            Fmt::Year,
            y_fmt,
        );
        ax.floor_below = clamped;
        let mut chart = axes(root, plot, &ax)?;
        fan(&mut chart, bands, c, &f)
    })
    .map_err(|e| failed(file, e.as_ref()))?;
    Ok(Chart {
        file: file.into(),
        title: title.into(),
        caption: caption.into(),
        source: format!("timeseries.csv: {metric} (p5, p25, p50, p75, p95)"),
        svg,
        series: vec![
            series(
                format!("{metric} p50"),
                bands.iter().map(|b| (b.x, b.p50)).collect(),
            ),
            series(
                format!("{metric} p25"),
                bands.iter().map(|b| (b.x, b.p25)).collect(),
            ),
            series(
                format!("{metric} p75"),
                bands.iter().map(|b| (b.x, b.p75)).collect(),
            ),
        ],
    })
}

/// Azure's share of placed compute over time.
pub fn azure_share(run: &RunData) -> Result<Chart, crate::error::Error> {
    one_fan(
        run,
        timeseries::AZURE_SHARE,
        "fan_azure_share.svg",
        "Azure's share of OpenAI's placed compute",
        "Share of placed GW on Microsoft's cloud each month, across trials",
        "Share of placed GW (%)",
        Fmt::Percent,
        "The share of the compute OpenAI actually placed that runs on Azure, month by month.",
    )
}

/// Unmet demand over time (log scale; zero drawn at the bottom edge).
pub fn unmet(run: &RunData) -> Result<Chart, crate::error::Error> {
    one_fan(
        run,
        timeseries::UNMET_GW,
        "fan_unmet.svg",
        "Unmet demand: GW no provider could supply",
        "Log scale: months with no unmet demand are drawn at the bottom edge",
        "Unmet GW (log scale)",
        Fmt::Log10,
        "Demand that found no capacity on any provider, month by month; the bottom edge stands for zero.",
    )
}

/// Placed GW by provider: one small fan per provider, all on one scale,
/// so that the panels compare at a glance (a provider with little is
/// drawn small, not blown up to fill its panel).
pub fn placed(run: &RunData) -> Result<Chart, crate::error::Error> {
    let file = "fan_placed_by_provider.svg";
    let providers = &run.timeseries.providers;
    let n = providers.len().max(1);
    let rows = if n <= 3 { 1 } else { 2 };
    let cols = n.div_ceil(rows);
    let c = colour(0);
    let title = "Compute placed by provider";
    let hi = providers
        .iter()
        .flat_map(|p| run.timeseries.get(&timeseries::placed(p)).iter())
        .map(|b| b.p95)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let y = padded(0.0, hi, 0.08);
    let svg = page(
        WIDE,
        title,
        "GW of OpenAI demand placed on each provider per month, across trials (same scale in every panel)",
        &fan_legend(c, ""),
        |root, plot| {
            for (i, area) in plot.split_evenly((rows, cols)).iter().enumerate() {
                let Some(p) = providers.get(i) else { continue };
                let bands = run.timeseries.get(&timeseries::placed(p));
                let (head, body) = area.split_vertically(30);
                head.draw(&Text::new(
                    display_name(p),
                    (70, 8),
                    bold(17.0),
                ))?;
                let mut ax = Axes::new(months_range(bands), y.clone(), "", "GW", Fmt::Year, Fmt::Num);
                ax.x_labels = 6;
                ax.y_label_room = 66;
                let mut chart = axes(root, &body, &ax)?;
                fan(&mut chart, bands, c, &|v| v)?;
            }
            Ok(())
        },
    )
    .map_err(|e| failed(file, e.as_ref()))?;
    Ok(Chart {
        file: file.into(),
        title: title.into(),
        caption: "How much of OpenAI's demand each provider actually serves, month by month (median, p25–p75, p5–p95).".into(),
        source: "timeseries.csv: placed_<provider>_gw (p5, p25, p50, p75, p95)".into(),
        svg,
        series: providers
            .iter()
            .map(|p| {
                let m = timeseries::placed(p);
                series(format!("{m} p50"), run.timeseries.get(&m).iter().map(|b| (b.x, b.p50)).collect())
            })
            .collect(),
    })
}

// ---------------------------------------------------------------------------
// IP rights (trials.csv, timeseries.csv)
// ---------------------------------------------------------------------------

/// Histogram of the IP expiry date, stacked by cause.
pub fn ip_expiry(run: &RunData) -> Result<Chart, crate::error::Error> {
    let file = "ip_expiry_histogram.svg";
    let years = run.trials.get(outcomes::IP_EXPIRY_YEAR);
    let causes = &run.trials.causes;
    let n = causes.len().max(1) as f64;
    let ts = run.timeseries.get(timeseries::IP_ACTIVE);
    let range = months_range(ts);
    let (start, end) = (range.start.floor(), (range.end + 1.0 / 12.0).ceil());
    let width = if end - start >= 4.0 { 1.0 } else { 0.25 };
    let bins = ((end - start) / width).round().max(1.0) as usize;
    let mut agi = vec![0u64; bins];
    let mut sunset = vec![0u64; bins];
    let (mut n_agi, mut n_sunset, mut n_beyond) = (0u64, 0u64, 0u64);
    for (y, c) in years.iter().zip(causes) {
        let bin = if y.is_finite() {
            Some((((y - start) / width).floor().max(0.0) as usize).min(bins - 1))
        } else {
            None
        };
        match (c, bin) {
            (Cause::Agi, Some(b)) => {
                agi[b] += 1;
                n_agi += 1;
            }
            (Cause::Sunset, Some(b)) => {
                sunset[b] += 1;
                n_sunset += 1;
            }
            _ => n_beyond += 1,
        }
    }
    let share = |k: u64| k as f64 / n;
    let top = (0..bins)
        .map(|b| share(agi[b] + sunset[b]))
        .fold(0.0, f64::max);
    let subtitle = format!(
        "Share of trials by the year the IP rights end: AGI {}, sunset {}, beyond the horizon {} (not drawn)",
        percent(share(n_agi)),
        percent(share(n_sunset)),
        percent(share(n_beyond)),
    );
    let (ca, cs) = (colour(3), colour(0));
    let legend = vec![
        (Swatch::Fill(ca, 0.85), "Verified AGI".to_string()),
        (Swatch::Fill(cs, 0.85), "Sunset date".to_string()),
    ];
    let svg = page(
        SLIDE,
        "When Microsoft's IP rights end, and why",
        &subtitle,
        &legend,
        |root, plot| {
            let ax = Axes::new(
                start..end,
                padded(0.0, top, 0.08),
                if width == 1.0 {
                    "Year the IP rights end"
                } else {
                    "Quarter the IP rights end"
                },
                "Share of trials (%)",
                Fmt::Year,
                Fmt::Percent,
            );
            let mut chart = axes(root, plot, &ax)?;
            for b in 0..bins {
                let x0 = start + b as f64 * width;
                let (x0, x1) = (x0 + width * 0.06, x0 + width * 0.94);
                let (ha, hs) = (share(agi[b]), share(sunset[b]));
                if ha > 0.0 {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x0, 0.0), (x1, ha)],
                        ca.mix(0.85).filled(),
                    )))?;
                }
                if hs > 0.0 {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x0, ha), (x1, ha + hs)],
                        cs.mix(0.85).filled(),
                    )))?;
                }
            }
            Ok(())
        },
    )
    .map_err(|e| failed(file, e.as_ref()))?;
    let centre = |b: usize| start + (b as f64 + 0.5) * width;
    Ok(Chart {
        file: file.into(),
        title: "When Microsoft's IP rights end, and why".into(),
        caption: "The date Microsoft's IP rights end in each trial, stacked by cause: verified AGI (bottom) or the sunset date (top).".into(),
        source: format!("{}: ip_expiry_year, ip_expiry_cause", run.trials_file()),
        svg,
        series: vec![
            series("agi", (0..bins).map(|b| (centre(b), share(agi[b]))).collect()),
            series("sunset", (0..bins).map(|b| (centre(b), share(sunset[b]))).collect()),
        ],
    })
}

/// Share of trials with the IP rights still active, and with AGI verified.
pub fn ip_active(run: &RunData) -> Result<Chart, crate::error::Error> {
    let file = "ip_active.svg";
    let ip = run.timeseries.get(timeseries::IP_ACTIVE);
    let agi = run.timeseries.get(timeseries::AGI_VERIFIED);
    let pts = |b: &[Band]| b.iter().map(|b| (b.x, b.mean)).collect::<Vec<_>>();
    let legend = vec![
        (
            Swatch::Line(colour(0), MEDIAN_WIDTH),
            "IP rights still active".to_string(),
        ),
        (Swatch::Line(colour(3), 2), "AGI verified".to_string()),
    ];
    let title = "Share of trials with Microsoft's IP rights still active";
    let svg = page(
        SLIDE,
        title,
        "Fraction of trials in each month",
        &legend,
        |root, plot| {
            let ax = Axes::new(
                months_range(ip),
                0.0..1.02,
                "Month",
                "Share of trials (%)",
                Fmt::Year,
                Fmt::Percent,
            );
            let mut chart = axes(root, plot, &ax)?;
            chart.draw_series(LineSeries::new(pts(agi), colour(3).stroke_width(2)))?;
            chart.draw_series(LineSeries::new(
                pts(ip),
                colour(0).stroke_width(MEDIAN_WIDTH),
            ))?;
            Ok(())
        },
    )
    .map_err(|e| failed(file, e.as_ref()))?;
    Ok(Chart {
        file: file.into(),
        title: title.into(),
        caption: "The fraction of trials in which Microsoft still holds IP rights each month, with the fraction in which AGI has been verified.".into(),
        source: "timeseries.csv: ip_active (mean), agi_verified (mean)".into(),
        svg,
        series: vec![series("ip_active mean", pts(ip)), series("agi_verified mean", pts(agi))],
    })
}

// ---------------------------------------------------------------------------
// Distributions of outcomes (trials.csv)
// ---------------------------------------------------------------------------

/// Histogram bins over the p0.5–p99.5 range of sorted values:
/// (edges start, width, share per bin, share outside the range).
pub(crate) fn histogram(
    sorted: &[f64],
    total: usize,
    lo: f64,
    hi: f64,
) -> (f64, f64, Vec<f64>, f64) {
    let n = total.max(1) as f64;
    let width = nice_step((hi - lo) / 30.0);
    let start = (lo / width).floor() * width;
    let bins = (((hi - start) / width).floor() as usize + 1).clamp(1, 200);
    let mut counts = vec![0u64; bins];
    let mut outside = 0u64;
    for &v in sorted {
        let b = ((v - start) / width).floor();
        if v < lo || v > hi || b < 0.0 || b as usize >= bins {
            outside += 1;
        } else {
            counts[b as usize] += 1;
        }
    }
    (
        start,
        width,
        counts.iter().map(|&c| c as f64 / n).collect(),
        outside as f64 / n,
    )
}

/// The p0.5–p99.5 range of sorted values (so a long tail does not squash
/// the picture); None when there are none.
pub(crate) fn raw_range(sorted: &[f64]) -> Option<(f64, f64)> {
    if sorted.is_empty() {
        None
    } else {
        Some((quantile(sorted, 0.005), quantile(sorted, 0.995)))
    }
}

/// `lo..hi` widened when the values barely vary (a constant outcome, such
/// as a fixed sunset date), by a step that suits the unit.
pub(crate) fn widen(lo: f64, hi: f64, fmt: Fmt) -> (f64, f64) {
    if hi - lo > 1e-9 * hi.abs().max(1.0) {
        return (lo, hi);
    }
    let pad = match fmt {
        Fmt::Year => 1.0,
        Fmt::Percent => 0.05,
        _ => (lo.abs() * 0.05).max(0.5),
    };
    (lo - pad, hi + pad)
}

/// The CDF as up to 401 points (value at each 0.25 % quantile), in range.
/// `total` counts every trial, so trials without a value (an IP expiry
/// beyond the horizon) keep the curve below 100 %.
fn cdf_points(sorted: &[f64], total: usize, lo: f64, hi: f64) -> Vec<(f64, f64)> {
    let frac = sorted.len() as f64 / total.max(1) as f64;
    (0..=400)
        .map(|k| {
            let q = f64::from(k) / 400.0;
            (quantile(sorted, q), q * frac)
        })
        .filter(|(v, _)| *v >= lo && *v <= hi)
        .collect()
}

/// Histogram and CDF of one outcome of `trials.csv`.
pub fn distribution(run: &RunData, metric: &str, file: &str) -> Result<Chart, crate::error::Error> {
    let raw = run.trials.get(metric);
    let values = sorted(raw);
    let (label, _, fmt) = describe(metric);
    let title = format!("{label}: distribution over trials");
    let stat = |c: &str| {
        run.summary.stat(metric, c).unwrap_or_else(|| {
            quantile(
                &values,
                match c {
                    "p5" => 0.05,
                    "p95" => 0.95,
                    _ => 0.5,
                },
            )
        })
    };
    let mean = run.summary.stat(metric, "mean").unwrap_or(f64::NAN);
    let (lo, hi) = raw_range(&values).unwrap_or((0.0, 1.0));
    let (lo, hi) = widen(lo, hi, fmt);
    let (start, width, shares, outside) = histogram(&values, raw.len(), lo, hi);
    let cdf = cdf_points(&values, raw.len(), lo, hi);
    let subtitle = format!(
        "Median {}; 90 % of trials between {} and {}; mean {}{}",
        value_text(metric, stat("p50")),
        value_text(metric, stat("p5")),
        value_text(metric, stat("p95")),
        value_text(metric, mean),
        if outside > 0.0 {
            format!("; {} of trials off the axis", percent(outside))
        } else {
            String::new()
        }
    );
    let c = colour(0);
    let legend = vec![
        (Swatch::Fill(c, 0.75), "Share of trials per bin".to_string()),
        (Swatch::Line(INK, 2), "Median".to_string()),
        (
            Swatch::Line(colour(1), MEDIAN_WIDTH),
            "Cumulative share (CDF)".to_string(),
        ),
    ];
    let top = shares.iter().copied().fold(0.0, f64::max);
    let x_desc = axis_title(metric);
    let svg = page(SLIDE, &title, &subtitle, &legend, |root, plot| {
        let (left, right) = plot.split_horizontally(plot.dim_in_pixel().0 / 2);
        let x = start.min(lo)..(start + width * shares.len() as f64).max(hi);
        let mut ax = Axes::new(
            x.clone(),
            padded(0.0, top, 0.08),
            &x_desc,
            "Share of trials (%)",
            fmt,
            Fmt::Percent,
        );
        ax.x_labels = 6;
        let mut chart = axes(root, &left, &ax)?;
        for (b, s) in shares.iter().enumerate() {
            if *s > 0.0 {
                let x0 = start + b as f64 * width;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x0, 0.0), (x0 + width, *s)],
                    c.mix(0.75).filled(),
                )))?;
            }
        }
        let m = stat("p50");
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(m, 0.0), (m, ax.y.end)],
            INK.stroke_width(2),
        )))?;
        let mut ax2 = Axes::new(
            x,
            0.0..1.0,
            &x_desc,
            "Share of trials at or below (%)",
            fmt,
            Fmt::Percent,
        );
        ax2.x_labels = 6;
        let mut chart = axes(root, &right, &ax2)?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(m, 0.0), (m, 1.0)],
            INK.stroke_width(2),
        )))?;
        chart.draw_series(LineSeries::new(
            cdf.iter().copied(),
            colour(1).stroke_width(MEDIAN_WIDTH),
        ))?;
        Ok(())
    })
    .map_err(|e| failed(file, e.as_ref()))?;
    Ok(Chart {
        file: file.into(),
        caption: format!(
            "{label} in each trial: a histogram (left; bins of {}) and the cumulative share of trials at or below each value (right). The axis spans p0.5–p99.5.",
            num(width)
        ),
        title,
        source: format!(
            "{}: {metric}; summary.csv: {metric} (mean, p5, p50, p95)",
            run.trials_file()
        ),
        svg,
        series: vec![
            series(
                "histogram",
                shares
                    .iter()
                    .enumerate()
                    .map(|(b, s)| (start + (b as f64 + 0.5) * width, *s))
                    .collect(),
            ),
            series("cdf", cdf),
        ],
    })
}

/// The first line (the baseline) is drawn wider, so where a later line
/// runs on top of it both stay visible.
fn line_width(i: usize) -> u32 {
    if i == 0 { 6 } else { MEDIAN_WIDTH }
}

/// Overlaid CDFs of several columns (one line each), e.g. spend per
/// provider, or one metric across runs.
fn overlaid_cdfs(
    file: &str,
    title: &str,
    subtitle: &str,
    x_desc: &str,
    fmt: Fmt,
    lines: &[(String, Vec<f64>)],
) -> DResult<(String, Vec<Series>)> {
    let sorted_lines: Vec<(String, Vec<f64>, usize)> = lines
        .iter()
        .map(|(n, v)| (n.clone(), sorted(v), v.len()))
        .collect();
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for (_, v, _) in &sorted_lines {
        if let Some((a, b)) = raw_range(v) {
            lo = lo.min(a);
            hi = hi.max(b);
        }
    }
    if !(lo.is_finite() && hi.is_finite()) {
        (lo, hi) = (0.0, 1.0);
    }
    let (lo, hi) = widen(lo, hi, fmt);
    let drawn: Vec<Series> = sorted_lines
        .iter()
        .map(|(n, v, total)| series(n.clone(), cdf_points(v, *total, lo, hi)))
        .collect();
    let legend: Vec<(Swatch, String)> = drawn
        .iter()
        .enumerate()
        .map(|(i, s)| (Swatch::Line(colour(i), line_width(i)), s.name.clone()))
        .collect();
    let _ = file;
    // A little room either side, so a jump at the first or last value (a
    // fixed sunset date) is not drawn on the frame.
    let pad = (hi - lo) * 0.03;
    let svg = page(SLIDE, title, subtitle, &legend, |root, plot| {
        let ax = Axes::new(
            lo - pad..hi + pad,
            0.0..1.0,
            x_desc,
            "Share of trials at or below (%)",
            fmt,
            Fmt::Percent,
        );
        let mut chart = axes(root, plot, &ax)?;
        for (i, s) in drawn.iter().enumerate() {
            chart.draw_series(LineSeries::new(
                s.points.iter().copied(),
                colour(i).stroke_width(line_width(i)),
            ))?;
        }
        Ok(())
    })?;
    Ok((svg, drawn))
}

/// Spend per provider: every provider's CDF on one axis.
pub fn spend_cdfs(run: &RunData) -> Result<Chart, crate::error::Error> {
    let file = "spend_by_provider_cdf.svg";
    let lines: Vec<(String, Vec<f64>)> = run
        .timeseries
        .providers
        .iter()
        .map(|p| {
            (
                display_name(p),
                run.trials
                    .get(&outcomes::for_provider(outcomes::SPEND, p))
                    .to_vec(),
            )
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let title = "OpenAI spend by provider over the horizon";
    let (svg, drawn) = overlaid_cdfs(
        file,
        title,
        "Cumulative share of trials at or below each spend (undiscounted); the axis spans p0.5–p99.5",
        "Spend (US$ bn)",
        Fmt::Num,
        &lines,
    )
    .map_err(|e| failed(file, e.as_ref()))?;
    Ok(Chart {
        file: file.into(),
        title: title.into(),
        caption: "OpenAI's spend on each provider over the horizon, as cumulative distributions on one axis: a curve further right means more spend.".into(),
        source: format!("{}: spend_<provider>_usd_bn", run.trials_file()),
        svg,
        series: drawn,
    })
}

// ---------------------------------------------------------------------------
// Sensitivity (sensitivity.csv)
// ---------------------------------------------------------------------------

/// How many inputs a tornado shows.
pub const TORNADO_INPUTS: usize = 10;

/// Tornado chart of `metric`: the outcome's mean when each input is in its
/// bottom / top decile, largest swing on top. None when the metric is not
/// in sensitivity.csv (it does not vary).
pub fn tornado(run: &RunData, metric: &str) -> Result<Option<Chart>, crate::error::Error> {
    let file = format!("tornado_{metric}.svg");
    let mut rows: Vec<_> = run
        .sensitivity
        .iter()
        .filter(|r| r.metric == metric)
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    rows.sort_by_key(|r| r.rank);
    rows.truncate(TORNADO_INPUTS);
    let centre = run
        .summary
        .stat(metric, "mean")
        .unwrap_or_else(|| (rows[0].mean_low_decile + rows[0].mean_high_decile) / 2.0);
    let (_, _, fmt) = describe(metric);
    let mut lo = centre;
    let mut hi = centre;
    for r in &rows {
        lo = lo.min(r.mean_low_decile).min(r.mean_high_decile);
        hi = hi.max(r.mean_low_decile).max(r.mean_high_decile);
    }
    let pad = ((hi - lo) * 0.06).max(1e-9);
    // Inputs by name (a tranche by its provider and online month).
    let names: Vec<String> = rows.iter().map(|r| run.labels.label(&r.input)).collect();
    let room = names
        .iter()
        .map(|n| text_width(n, 14.0))
        .max()
        .unwrap_or(60)
        + 18;
    let (c_low, c_high) = (colour(0), colour(1));
    let legend = vec![
        (
            Swatch::Fill(c_low, 0.85),
            "Input in its bottom 10 %".to_string(),
        ),
        (
            Swatch::Fill(c_high, 0.85),
            "Input in its top 10 %".to_string(),
        ),
        (
            Swatch::Line(INK, 2),
            format!("Mean {}", value_text(metric, centre)),
        ),
    ];
    let title = format!("What drives {}", outcome_phrase(metric));
    let n = rows.len();
    let svg = page(
        SLIDE,
        &title,
        &format!("Mean outcome when each input is in its bottom / top decile of draws; top {n} inputs by swing"),
        &legend,
        |root, plot| {
            let mut ax = Axes::new(lo - pad..hi + pad, 0.0..n as f64, &axis_title(metric), "", fmt, Fmt::Hidden);
            ax.y_label_room = u32::try_from(room.clamp(60, 480)).unwrap_or(480);
            ax.x_labels = 8;
            let mut chart = axes(root, plot, &ax)?;
            for (i, r) in rows.iter().enumerate() {
                let y = (n - 1 - i) as f64;
                let (y0, y1) = (y + 0.18, y + 0.82);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(centre, y0), (r.mean_low_decile, y1)],
                    c_low.mix(0.85).filled(),
                )))?;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(centre, y0), (r.mean_high_decile, y1)],
                    c_high.mix(0.85).filled(),
                )))?;
                let (px, py) = chart.backend_coord(&(lo - pad, y + 0.5));
                // A name longer than the room is set smaller.
                let size = fitted(&names[i], 14.0, px - 16, 0.88);
                root.draw(&Text::new(
                    names[i].clone(),
                    (px - 8, py),
                    font(size).pos(Pos::new(HPos::Right, VPos::Center)),
                ))?;
            }
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(centre, 0.0), (centre, n as f64)],
                INK.stroke_width(2),
            )))?;
            Ok(())
        },
    )
    .map_err(|e| failed(&file, e.as_ref()))?;
    Ok(Some(Chart {
        file,
        caption: format!(
            "For each uncertain input, the mean of {} over the trials where that input was in its bottom (blue) or top (orange) tenth; the longest bars are the inputs that matter most.",
            outcome_phrase(metric)
        ),
        title,
        source: format!(
            "sensitivity.csv: metric = {metric} (input, rank, mean_low_decile, mean_high_decile); summary.csv: mean"
        ),
        svg,
        series: rows
            .iter()
            .map(|r| {
                series(
                    r.input.clone(),
                    vec![(r.mean_low_decile, r.mean_high_decile)],
                )
            })
            .collect(),
    }))
}

// ---------------------------------------------------------------------------
// Comparisons of several runs
// ---------------------------------------------------------------------------

/// One outcome's CDF in every run, overlaid.
pub fn compare_cdf(
    runs: &[(String, &RunData)],
    metric: &str,
) -> Result<Chart, crate::error::Error> {
    let file = format!("compare_cdf_{metric}.svg");
    let (label, _, fmt) = describe(metric);
    let lines: Vec<(String, Vec<f64>)> = runs
        .iter()
        .map(|(name, r)| (name.clone(), r.trials.get(metric).to_vec()))
        .collect();
    let title = format!("{label}: scenarios compared");
    let (svg, drawn) = overlaid_cdfs(
        &file,
        &title,
        "Cumulative share of trials at or below each value; a curve further right means higher values",
        &axis_title(metric),
        fmt,
        &lines,
    )
    .map_err(|e| failed(&file, e.as_ref()))?;
    Ok(Chart {
        file,
        title,
        caption: format!("{label} in each scenario, as cumulative distributions on one axis."),
        source: format!(
            "{} of each run: {metric}",
            if runs
                .iter()
                .all(|(_, r)| r.trials_file() == runs[0].1.trials_file())
            {
                runs.first().map_or("trials.csv", |(_, r)| r.trials_file())
            } else {
                "trials.csv or trials.parquet"
            }
        ),
        svg,
        series: drawn,
    })
}

/// One timeseries metric's fan in every run, side by side on one scale.
pub fn compare_fans(
    runs: &[(String, &RunData)],
    metric: &str,
    title: &str,
    y_desc: &str,
    y_fmt: Fmt,
) -> Result<Chart, crate::error::Error> {
    let file = format!("compare_fan_{metric}.svg");
    let all = runs
        .iter()
        .flat_map(|(_, r)| r.timeseries.get(metric).iter());
    let mut clamped = false;
    let (y, f): (std::ops::Range<f64>, Box<dyn Fn(f64) -> f64>) = match y_fmt {
        Fmt::Log10 => {
            let (y, floor, c) = log_range(all.flat_map(|b| [b.p5, b.p50, b.p95]));
            clamped = c;
            (y, Box::new(move |v: f64| v.max(floor).log10()))
        }
        Fmt::Percent => (0.0..1.0, Box::new(|v| v)),
        _ => {
            let hi = all
                .map(|b| b.p95)
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max);
            (padded(0.0, hi, 0.05), Box::new(|v| v))
        }
    };
    let dims = if runs.len() <= 2 { SLIDE } else { WIDE };
    let subtitle = if y_fmt == Fmt::Log10 {
        "Median, p25–p75 and p5–p95 across trials; same log scale in every panel".to_string()
    } else {
        "Median, p25–p75 and p5–p95 across trials; same scale in every panel".to_string()
    };
    let svg = page(
        dims,
        title,
        &subtitle,
        // Each panel takes its scenario's colour (as in the CDFs); the
        // legend shows the encoding in grey.
        &fan_legend(RGBColor(0x70, 0x70, 0x70), ""),
        |root, plot| {
            for (i, area) in plot.split_evenly((1, runs.len().max(1))).iter().enumerate() {
                let Some((name, r)) = runs.get(i) else {
                    continue;
                };
                let bands = r.timeseries.get(metric);
                let (head, body) = area.split_vertically(30);
                head.draw(&Text::new(name.clone(), (80, 8), bold(17.0)))?;
                let mut ax = Axes::new(
                    months_range(bands),
                    y.clone(),
                    "Month",
                    y_desc,
                    Fmt::Year,
                    y_fmt,
                );
                ax.x_labels = 6;
                ax.floor_below = clamped;
                let mut chart = axes(root, &body, &ax)?;
                fan(&mut chart, bands, colour(i), &f)?;
            }
            Ok(())
        },
    )
    .map_err(|e| failed(&file, e.as_ref()))?;
    Ok(Chart {
        file,
        title: title.into(),
        caption: format!("{title}: each scenario's fan side by side, on the same scale."),
        source: format!("timeseries.csv of each run: {metric} (p5, p25, p50, p75, p95)"),
        svg,
        series: runs
            .iter()
            .map(|(name, r)| {
                series(
                    format!("{name} p50"),
                    r.timeseries
                        .get(metric)
                        .iter()
                        .map(|b| (b.x, b.p50))
                        .collect(),
                )
            })
            .collect(),
    })
}

/// Share of trials with IP rights active, one line per run.
pub fn compare_ip_active(runs: &[(String, &RunData)]) -> Result<Chart, crate::error::Error> {
    let file = "compare_ip_active.svg";
    let lines: Vec<Series> = runs
        .iter()
        .map(|(name, r)| {
            series(
                name.clone(),
                r.timeseries
                    .get(timeseries::IP_ACTIVE)
                    .iter()
                    .map(|b| (b.x, b.mean))
                    .collect(),
            )
        })
        .collect();
    let legend: Vec<(Swatch, String)> = lines
        .iter()
        .enumerate()
        .map(|(i, s)| (Swatch::Line(colour(i), line_width(i)), s.name.clone()))
        .collect();
    let title = "IP rights still active: scenarios compared";
    let x = runs.first().map_or(0.0..1.0, |(_, r)| {
        months_range(r.timeseries.get(timeseries::IP_ACTIVE))
    });
    let svg = page(
        SLIDE,
        title,
        "Fraction of trials with Microsoft's IP rights active in each month",
        &legend,
        |root, plot| {
            let ax = Axes::new(
                x.clone(),
                0.0..1.02,
                "Month",
                "Share of trials (%)",
                Fmt::Year,
                Fmt::Percent,
            );
            let mut chart = axes(root, plot, &ax)?;
            for (i, s) in lines.iter().enumerate() {
                chart.draw_series(LineSeries::new(
                    s.points.iter().copied(),
                    colour(i).stroke_width(line_width(i)),
                ))?;
            }
            Ok(())
        },
    )
    .map_err(|e| failed(file, e.as_ref()))?;
    Ok(Chart {
        file: file.into(),
        title: title.into(),
        caption: "The fraction of trials in which Microsoft still holds IP rights, month by month, in each scenario.".into(),
        source: "timeseries.csv of each run: ip_active (mean)".into(),
        svg,
        series: lines,
    })
}

// ---------------------------------------------------------------------------
// Targets (summary.csv)
// ---------------------------------------------------------------------------

/// Each `--target`'s probability as a bar with its 95 % Wilson interval.
pub fn targets(rows: &[super::TargetRow]) -> Result<Chart, crate::error::Error> {
    let file = "targets.svg";
    let names: Vec<String> = rows.iter().map(super::TargetRow::describe).collect();
    let room = names
        .iter()
        .map(|n| text_width(n, 14.0))
        .max()
        .unwrap_or(60)
        .clamp(60, 420)
        + 18;
    let n = rows.len().max(1);
    let title = "Probability of meeting each target";
    let legend = vec![
        (
            Swatch::Fill(colour(0), 0.75),
            "Share of trials that meet it".to_string(),
        ),
        (Swatch::Line(INK, 2), "95 % interval (Wilson)".to_string()),
    ];
    let svg = page(
        SLIDE,
        title,
        "Share of trials that meet each --target, with its 95 % interval",
        &legend,
        |root, plot| {
            let mut ax = Axes::new(
                0.0..1.0,
                0.0..n as f64,
                "Probability (%)",
                "",
                Fmt::Percent,
                Fmt::Hidden,
            );
            ax.y_label_room = u32::try_from(room).unwrap_or(420);
            ax.x_labels = 11;
            let mut chart = axes(root, plot, &ax)?;
            for (i, r) in rows.iter().enumerate() {
                let y = (n - 1 - i) as f64;
                let (px, py) = chart.backend_coord(&(0.0, y + 0.5));
                let size = fitted(&names[i], 14.0, px - 16, 0.88);
                root.draw(&Text::new(
                    names[i].clone(),
                    (px - 8, py),
                    font(size).pos(Pos::new(HPos::Right, VPos::Center)),
                ))?;
                let Some(p) = r.p else {
                    root.draw(&Text::new(
                        "no trial has a value".to_string(),
                        (px + 8, py),
                        font(14.0).pos(Pos::new(HPos::Left, VPos::Center)),
                    ))?;
                    continue;
                };
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y + 0.25), (p, y + 0.75)],
                    colour(0).mix(0.75).filled(),
                )))?;
                if let Some((lo, hi)) = r.ci {
                    for seg in [
                        vec![(lo, y + 0.5), (hi, y + 0.5)],
                        vec![(lo, y + 0.35), (lo, y + 0.65)],
                        vec![(hi, y + 0.35), (hi, y + 0.65)],
                    ] {
                        chart.draw_series(std::iter::once(PathElement::new(
                            seg,
                            INK.stroke_width(2),
                        )))?;
                    }
                }
                let text = match r.ci {
                    Some((lo, hi)) => format!("{}  [{}, {}]", percent(p), percent(lo), percent(hi)),
                    None => percent(p),
                };
                let x_end = r.ci.map_or(p, |c| c.1);
                let (tx, ty) = chart.backend_coord(&(x_end, y + 0.5));
                let (right, _) = chart.backend_coord(&(1.0, y + 0.5));
                // Beyond the interval, or inside the bar when there is no room.
                if right - tx > text_width(&text, 14.0) + 12 {
                    root.draw(&Text::new(
                        text,
                        (tx + 8, ty),
                        bold(14.0).pos(Pos::new(HPos::Left, VPos::Center)),
                    ))?;
                } else {
                    let (lx, _) = chart.backend_coord(&(0.0, y + 0.5));
                    root.draw(&Text::new(
                        text,
                        (lx + 8, ty),
                        bold(14.0)
                            .color(&WHITE)
                            .pos(Pos::new(HPos::Left, VPos::Center)),
                    ))?;
                }
            }
            Ok(())
        },
    )
    .map_err(|e| failed(file, e.as_ref()))?;
    Ok(Chart {
        file: file.into(),
        title: title.into(),
        caption: "For each target given with --target, the share of trials that meet it, and the 95 % Wilson interval of that share (counting the trials where the outcome has a value).".into(),
        source: "summary.csv: target:<target> (mean, n); manifest.json: targets".into(),
        svg,
        series: rows
            .iter()
            .map(|r| {
                let (lo, hi) = r.ci.unwrap_or((f64::NAN, f64::NAN));
                series(r.text.clone(), vec![(r.p.unwrap_or(f64::NAN), r.n as f64), (lo, hi)])
            })
            .collect(),
    })
}
