//! What a comparison changes, trial by trial. Under common random numbers
//! trial i of A and of B share every draw but the changed term, so the
//! per-trial difference B − A shows an effect far smaller than the spread
//! of either run (US$ 1.8 bn on an NPV of 290 is invisible in overlaid
//! CDFs, and plain in a histogram of differences). Also the differences
//! of means with their 95 % intervals as `compare.csv` holds them.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::RunData;
use super::charts::{
    Chart, Series, describe, diff_axis, diff_bound, diff_text, failed, histogram, raw_range,
    series, widen,
};
use super::draw::{
    Axes, Fmt, INK, SLIDE, Swatch, WIDE, axes, bold, colour, font, padded, page, sorted, text_width,
};
use super::labels::{outcome_phrase, percent, sig3};
use crate::analysis::inference::{MeanDiff, paired_mean_diff};
use crate::error::Error;
use crate::folder::compare::CompareTable;
use crate::folder::outcomes::{AZURE_SHARE_END, IP_EXPIRY_YEAR, MICROSOFT_VALUE_NPV, UNMET_SHARE};

/// The outcomes whose per-trial differences are drawn.
pub const DIFF_METRICS: [&str; 4] = [
    MICROSOFT_VALUE_NPV,
    AZURE_SHARE_END,
    UNMET_SHARE,
    IP_EXPIRY_YEAR,
];

/// The outcomes of the chart of intervals from `compare.csv`.
pub const INTERVAL_METRICS: [&str; 3] = [MICROSOFT_VALUE_NPV, AZURE_SHARE_END, UNMET_SHARE];

/// The per-trial differences of one outcome between two paired runs.
#[derive(Debug, Clone)]
pub struct Differences {
    /// B − A of each trial where both have a value, in trial order.
    pub values: Vec<f64>,
    /// Their mean with its 95 % interval (None for fewer than 2).
    pub mean: Option<MeanDiff>,
    /// Shares of trials with B above, equal to and below A.
    pub above: f64,
    /// See `above`.
    pub equal: f64,
    /// See `above`.
    pub below: f64,
    /// Trials where only A has a value (B's is missing, e.g. its IP
    /// rights outlast the horizon), and where only B has one.
    pub only_a: usize,
    /// See `only_a`.
    pub only_b: usize,
}

impl Differences {
    /// The differences of `b` − `a`, trial by trial (a trial where either
    /// has no value, such as an IP expiry beyond the horizon, is left out).
    pub fn of(a: &[f64], b: &[f64]) -> Differences {
        let (xa, xb): (Vec<f64>, Vec<f64>) = a
            .iter()
            .zip(b)
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|(x, y)| (*x, *y))
            .unzip();
        let values: Vec<f64> = xa.iter().zip(&xb).map(|(x, y)| y - x).collect();
        let only =
            |p: &dyn Fn(f64, f64) -> bool| a.iter().zip(b).filter(|(x, y)| p(**x, **y)).count();
        let only_a = only(&|x, y| x.is_finite() && !y.is_finite());
        let only_b = only(&|x, y| !x.is_finite() && y.is_finite());
        let n = values.len().max(1) as f64;
        let count = |f: &dyn Fn(f64) -> bool| values.iter().filter(|d| f(**d)).count() as f64 / n;
        Differences {
            mean: paired_mean_diff(&xa, &xb),
            above: count(&|d| d > 0.0),
            equal: count(&|d| d == 0.0),
            below: count(&|d| d < 0.0),
            values,
            only_a,
            only_b,
        }
    }

    /// Whether B equals A in every trial: the same value, or none in both.
    pub fn none(&self) -> bool {
        self.values.iter().all(|d| *d == 0.0) && self.only_a == 0 && self.only_b == 0
    }

    /// What a trial with a value in only one run does to the figures:
    /// empty when there is none.
    fn one_sided(&self) -> String {
        match (self.only_a, self.only_b) {
            (0, 0) => String::new(),
            (a, b) => format!(
                "; left out: {} trials with a value in A only and {} in B only",
                count(a),
                count(b)
            ),
        }
    }
}

/// A count of trials, digits grouped by thousands.
fn count(n: usize) -> String {
    super::draw::group_thousands(&n.to_string())
}

/// The bins of a histogram of differences: (first edge, width, share of
/// the trials in each bin, share off the axis) over the p0.5–p99.5 range,
/// stretched to show zero when it lies within one range's width of it (so
/// the reader sees how far from "no change" the differences are).
pub fn difference_bins(values: &[f64], fmt: Fmt) -> (f64, f64, Vec<f64>, f64) {
    let s = sorted(values);
    let (lo, hi) = axis_range(&s, fmt);
    histogram(&s, values.len(), lo, hi)
}

/// The x range of a histogram of sorted differences (see
/// [`difference_bins`]).
fn axis_range(s: &[f64], fmt: Fmt) -> (f64, f64) {
    let (mut lo, mut hi) = raw_range(s).unwrap_or((0.0, 0.0));
    let span = hi - lo;
    if lo > 0.0 && lo <= span {
        lo = 0.0;
    }
    if hi < 0.0 && -hi <= span {
        hi = 0.0;
    }
    widen(lo, hi, fmt)
}

/// The sentence that sums up one pair's differences.
fn summary(metric: &str, d: &Differences) -> String {
    let mean = match &d.mean {
        Some(m) => format!(
            "mean {} [95 % CI {}, {}]",
            diff_text(metric, m.diff),
            diff_bound(metric, m.ci_low),
            diff_bound(metric, m.ci_high)
        ),
        None => "too few trials for a mean".to_string(),
    };
    format!(
        "{mean}; B > A in {}, B = A in {} of {} trials{}",
        percent(d.above),
        percent(d.equal),
        sig3(d.values.len() as f64),
        d.one_sided()
    )
}

/// One chart per outcome of [`DIFF_METRICS`]: the histogram of B − A for
/// each run B paired with the baseline A (one panel per B, on one scale),
/// with the mean difference and its 95 % interval marked. An outcome that
/// B leaves unchanged in every trial gets a sentence instead (returned
/// with the charts).
pub fn difference_charts(
    base: (&str, &RunData),
    others: &[(String, &RunData)],
) -> Result<(Vec<Chart>, Vec<String>), Error> {
    let (a_label, a) = base;
    let mut charts = Vec::new();
    let mut notes = Vec::new();
    for metric in DIFF_METRICS {
        let va = a.trials.get(metric);
        let pairs: Vec<(&str, Differences)> = others
            .iter()
            .filter(|(_, b)| !va.is_empty() && !b.trials.get(metric).is_empty())
            .map(|(label, b)| (label.as_str(), Differences::of(va, b.trials.get(metric))))
            .collect();
        let (same, differ): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|(_, d)| d.none());
        // No trial with a value in both: nothing to draw, but not equal.
        let (disjoint, differ): (Vec<_>, Vec<_>) =
            differ.into_iter().partition(|(_, d)| d.values.is_empty());
        for (label, d) in &disjoint {
            notes.push(format!(
                "{}: no trial has a value in both {a_label} and {label} ({} in {a_label} only, {} in {label} only).",
                describe(metric).0,
                count(d.only_a),
                count(d.only_b)
            ));
        }
        if !same.is_empty() {
            let names: Vec<&str> = same.iter().map(|(l, _)| *l).collect();
            notes.push(format!(
                "{}: {} equals {a_label} in every trial.",
                describe(metric).0,
                names.join(", ")
            ));
        }
        if !differ.is_empty() {
            charts.push(difference_chart(metric, a_label, &differ)?);
        }
    }
    Ok((charts, notes))
}

/// The histogram(s) of B − A of `metric`.
fn difference_chart(
    metric: &str,
    a_label: &str,
    pairs: &[(&str, Differences)],
) -> Result<Chart, Error> {
    let file = format!("compare_diff_{metric}.svg");
    let (x_desc, fmt) = diff_axis(metric);
    // One scale for every panel.
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for (_, d) in pairs {
        let (l, h) = axis_range(&sorted(&d.values), fmt);
        lo = lo.min(l);
        hi = hi.max(h);
    }
    let binned: Vec<(f64, f64, Vec<f64>, f64)> = pairs
        .iter()
        .map(|(_, d)| histogram(&sorted(&d.values), d.values.len(), lo, hi))
        .collect();
    let x = binned.iter().fold(lo..hi, |r, (start, width, shares, _)| {
        r.start.min(*start)..r.end.max(start + width * shares.len() as f64)
    });
    let top = binned
        .iter()
        .flat_map(|(_, _, s, _)| s.iter().copied())
        .fold(0.0, f64::max);
    let title = format!("How {} changes, trial by trial", outcome_phrase(metric));
    let subtitle = match pairs {
        [(b, d)] => format!("{b} − {a_label}: {}", summary(metric, d)),
        _ => format!("Each scenario − {a_label}, on one scale"),
    };
    let legend = vec![
        (
            Swatch::Fill(colour(1), 0.75),
            "Share of trials per bin".to_string(),
        ),
        (Swatch::Line(INK, 3), "Mean difference".to_string()),
        (
            Swatch::Fill(INK, 0.25),
            "95 % interval of the mean".to_string(),
        ),
        (
            Swatch::Line(RGBColor(0xe1, 0x57, 0x59), 2),
            "No change (0)".to_string(),
        ),
    ];
    let dims = if pairs.len() > 1 { WIDE } else { SLIDE };
    let svg = page(dims, &title, &subtitle, &legend, |root, plot| {
        let panels = plot.split_evenly((pairs.len().max(1), 1));
        for (i, ((b, d), area)) in pairs.iter().zip(panels.iter()).enumerate() {
            let body = if pairs.len() > 1 {
                let (head, body) = area.split_vertically(28);
                head.draw(&Text::new(
                    format!("{b} − {a_label}: {}", summary(metric, d)),
                    (90, 6),
                    bold(15.0),
                ))?;
                body
            } else {
                area.clone()
            };
            let (start, width, shares, _) = &binned[i];
            let mut ax = Axes::new(
                x.clone(),
                padded(0.0, top, 0.08),
                if i + 1 == pairs.len() { &x_desc } else { "" },
                "Share of trials (%)",
                fmt,
                Fmt::Percent,
            );
            ax.x_labels = 8;
            let mut chart = axes(root, &body, &ax)?;
            let c = colour(i + 1);
            for (k, s) in shares.iter().enumerate() {
                if *s > 0.0 {
                    let x0 = start + k as f64 * width;
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x0, 0.0), (x0 + width, *s)],
                        c.mix(0.75).filled(),
                    )))?;
                }
            }
            let y_top = ax.y.end;
            if let Some(m) = &d.mean {
                // The interval is often narrower than a bin: draw it at
                // least 3 px wide so it shows.
                let (l, _) = chart.backend_coord(&(m.ci_low, 0.0));
                let (h, _) = chart.backend_coord(&(m.ci_high, 0.0));
                let (mx, y0) = chart.backend_coord(&(m.diff, 0.0));
                let (_, y1) = chart.backend_coord(&(m.diff, y_top));
                let (l, h) = if h - l < 3 { (mx - 1, mx + 2) } else { (l, h) };
                root.draw(&Rectangle::new([(l, y1), (h, y0)], INK.mix(0.25).filled()))?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(m.diff, 0.0), (m.diff, y_top)],
                    INK.stroke_width(3),
                )))?;
            }
            if x.start <= 0.0 && x.end >= 0.0 {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(0.0, 0.0), (0.0, y_top)],
                    RGBColor(0xe1, 0x57, 0x59).stroke_width(2),
                )))?;
            }
        }
        Ok(())
    })
    .map_err(|e| failed(&file, e.as_ref()))?;
    let mut drawn: Vec<Series> = Vec::new();
    for ((b, d), (start, width, shares, _)) in pairs.iter().zip(&binned) {
        drawn.push(series(
            format!("histogram {b}"),
            shares
                .iter()
                .enumerate()
                .map(|(k, s)| (start + (k as f64 + 0.5) * width, *s))
                .collect(),
        ));
        if let Some(m) = &d.mean {
            drawn.push(series(format!("mean {b}"), vec![(m.diff, 0.0)]));
            drawn.push(series(format!("ci {b}"), vec![(m.ci_low, m.ci_high)]));
        }
    }
    Ok(Chart {
        file,
        title,
        caption: format!(
            "For each trial, {} in the scenario minus the same trial in {a_label} (they share every random draw but the changed terms), as a histogram over p0.5–p99.5 of the differences. The dark line is the mean difference and the grey band its 95 % interval; the red line is no change. A small effect next to a wide spread of outcomes shows here, where overlaid distributions hide it.",
            outcome_phrase(metric),
        ),
        source: format!("trials.csv of each run: {metric}, trial by trial"),
        svg,
        series: drawn,
    })
}

/// A scenario B's difference of means with its 95 % interval: (B, diff,
/// low, high).
type Interval = (String, f64, f64, f64);

/// One compare.csv row's difference and its 95 % interval.
fn interval(t: &CompareTable, row: &[String]) -> Option<(f64, f64, f64)> {
    let get = |c: &str| t.cell(row, c).parse::<f64>().ok().filter(|v| v.is_finite());
    Some((get("diff")?, get("diff_ci_low")?, get("diff_ci_high")?))
}

/// The differences of means B − A of the headline outcomes with their
/// 95 % intervals, one panel per outcome and one row per scenario B, as
/// `compare.csv` holds them (so it is drawn for every compare folder, its
/// runs kept or not). None when `compare.csv` has none of them.
pub fn interval_chart(t: &CompareTable) -> Result<Option<Chart>, Error> {
    let file = "compare_diff_intervals.svg";
    let a_label = t.rows.first().map_or("A", |r| t.cell(r, "scenario_a"));
    // (metric, [(B, diff, low, high)])
    let mut panels: Vec<(&str, Vec<Interval>)> = Vec::new();
    for metric in INTERVAL_METRICS {
        let rows: Vec<Interval> = t
            .rows
            .iter()
            .filter(|r| t.cell(r, "metric") == metric)
            .filter_map(|r| {
                let (d, l, h) = interval(t, r)?;
                Some((t.cell(r, "scenario_b").to_string(), d, l, h))
            })
            .collect();
        if !rows.is_empty() {
            panels.push((metric, rows));
        }
    }
    if panels.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = panels
        .iter()
        .flat_map(|(_, rows)| rows.iter().map(|r| r.0.clone()))
        .collect();
    let room = names
        .iter()
        .map(|n| text_width(n, 14.0))
        .max()
        .unwrap_or(60)
        .clamp(60, 300)
        + 18;
    let title = format!("What changes against {a_label}: differences of means");
    let legend = vec![
        (
            Swatch::Line(INK, 3),
            "Mean B − A (dot) with its 95 % interval (bar)".to_string(),
        ),
        (
            Swatch::Line(RGBColor(0xe1, 0x57, 0x59), 2),
            "No change (0)".to_string(),
        ),
    ];
    let svg = page(
        WIDE,
        &title,
        "B − A for each scenario B; an interval clear of the red line is a change beyond the noise of the trials",
        &legend,
        |root, plot| {
            for ((metric, rows), area) in panels.iter().zip(plot.split_evenly((panels.len(), 1)).iter()) {
                let (x_desc, fmt) = diff_axis(metric);
                let mut lo = 0.0f64;
                let mut hi = 0.0f64;
                for (_, d, l, h) in rows {
                    lo = lo.min(*l).min(*d);
                    hi = hi.max(*h).max(*d);
                }
                let pad = ((hi - lo) * 0.12).max(1e-9);
                let n = rows.len();
                let mut ax = Axes::new(lo - pad..hi + pad, 0.0..n as f64, &x_desc, "", fmt, Fmt::Hidden);
                ax.y_label_room = u32::try_from(room).unwrap_or(300);
                ax.x_labels = 8;
                let mut chart = axes(root, area, &ax)?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(0.0, 0.0), (0.0, n as f64)],
                    RGBColor(0xe1, 0x57, 0x59).stroke_width(2),
                )))?;
                for (k, (b, d, l, h)) in rows.iter().enumerate() {
                    let y = (n - 1 - k) as f64 + 0.5;
                    let c = colour(k + 1);
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(*l, y), (*h, y)],
                        c.stroke_width(3),
                    )))?;
                    chart.draw_series(std::iter::once(Circle::new((*d, y), 6, c.filled())))?;
                    let (px, py) = chart.backend_coord(&(lo - pad, y));
                    root.draw(&Text::new(
                        b.clone(),
                        (px - 8, py),
                        font(14.0).pos(Pos::new(HPos::Right, VPos::Center)),
                    ))?;
                    let (qx, qy) = chart.backend_coord(&(*d, y));
                    root.draw(&Text::new(
                        format!("{} [{}, {}]", diff_text(metric, *d), diff_bound(metric, *l), diff_bound(metric, *h)),
                        (qx, qy - 10),
                        font(13.0).pos(Pos::new(HPos::Center, VPos::Bottom)),
                    ))?;
                }
            }
            Ok(())
        },
    )
    .map_err(|e| failed(file, e.as_ref()))?;
    Ok(Some(Chart {
        file: file.into(),
        title,
        caption: format!(
            "For each headline outcome, each scenario's mean minus {a_label}'s, with the 95 % confidence interval of that difference (paired trial by trial when the runs share their draws), from compare.csv."
        ),
        source: "compare.csv: metric, scenario_b, diff, diff_ci_low, diff_ci_high".into(),
        svg,
        series: panels
            .iter()
            .flat_map(|(metric, rows)| {
                rows.iter().map(move |(b, d, l, h)| {
                    series(format!("{metric} {b}"), vec![(*d, 0.0), (*l, *h)])
                })
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_pair_trials_and_leave_out_missing_values() {
        let a = [1.0, 2.0, f64::NAN, 4.0, 5.0];
        let b = [1.5, 2.0, 3.0, 3.0, 6.0];
        let d = Differences::of(&a, &b);
        assert_eq!(d.values, [0.5, 0.0, -1.0, 1.0]);
        assert_eq!((d.above, d.equal, d.below), (0.5, 0.25, 0.25));
        let m = d.mean.expect("a mean");
        // mean 0.125; sd of (0.5, 0, -1, 1) = sqrt(0.72917) = 0.853913;
        // se 0.426956; t(0.975, 3) = 3.182446: half-width 1.358765.
        assert!((m.diff - 0.125).abs() < 1e-12);
        assert!(
            (m.ci_low - (0.125 - 1.358_765)).abs() < 1e-6,
            "{}",
            m.ci_low
        );
        assert!(
            (m.ci_high - (0.125 + 1.358_765)).abs() < 1e-6,
            "{}",
            m.ci_high
        );
        assert!(!d.none());
        assert_eq!((d.only_a, d.only_b), (0, 1));
        assert!(Differences::of(&[1.0, 2.0], &[1.0, 2.0]).none());
        // Missing in both is equal; missing in one is not.
        assert!(Differences::of(&[f64::NAN, 2.0], &[f64::NAN, 2.0]).none());
        let one_sided = Differences::of(&[f64::NAN, f64::NAN], &[2031.0, f64::NAN]);
        assert!(one_sided.values.is_empty() && !one_sided.none());
        assert_eq!((one_sided.only_a, one_sided.only_b), (0, 1));
        let text = summary("ip_expiry_year", &d);
        assert!(
            text.ends_with("; left out: 0 trials with a value in A only and 1 in B only"),
            "{text}"
        );
    }

    #[test]
    fn histogram_of_differences_by_hand() {
        // 100 differences: 1.0 … 100.0 / 10 → 0.1 … 10.0. p0.5 = 0.1495,
        // p99.5 = 9.9505; zero is within one range of p0.5, so the axis
        // starts at 0. Width nice_step(9.9505 / 30 = 0.3317) = 0.5, so 20
        // bins [0, 0.5), … [9.5, 10): each holds 5 values but the first
        // (0.1 … 0.4: 4) and the last, where 10.0 lies above p99.5 (off
        // the axis).
        let values: Vec<f64> = (1..=100).map(|i| f64::from(i) / 10.0).collect();
        let (start, width, shares, outside) = difference_bins(&values, Fmt::Num);
        assert_eq!((start, width), (0.0, 0.5));
        assert_eq!(shares.len(), 20);
        assert!((shares[0] - 0.04).abs() < 1e-12, "{shares:?}");
        for s in &shares[1..19] {
            assert!((s - 0.05).abs() < 1e-12, "{shares:?}");
        }
        // [9.5, 10): 9.5 … 9.9 (5 values); 10.0 is beyond p99.5.
        assert!((shares[19] - 0.05).abs() < 1e-12, "{shares:?}");
        assert!((outside - 0.01).abs() < 1e-12);
        // Far from zero, the axis keeps to the data: 100.1 … 110.
        let far: Vec<f64> = values.iter().map(|v| v + 100.0).collect();
        let (start, _, _, _) = difference_bins(&far, Fmt::Num);
        assert!(start >= 100.0, "{start}");
    }
}
