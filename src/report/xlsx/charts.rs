//! The workbook's native charts and the helper numbers they are drawn
//! from: the histogram's bins and the tornado's inputs. The charts refer
//! to cells of the workbook, so they redraw when an analyst edits them.

use rust_xlsxwriter::{
    Chart, ChartAxisCrossing, ChartAxisLabelPosition, ChartFormat, ChartLegendPosition, ChartLine,
    ChartLineDashType, ChartMarker, ChartMarkerType, ChartSolidFill, ChartType,
};

use super::table::Cell;

/// Bins of the histogram: about this many.
pub const HISTOGRAM_BINS: usize = 30;
/// Inputs in a tornado.
pub const TORNADO_INPUTS: usize = 10;
/// A chart's size in pixels (16:9, the report's shape).
pub const WIDTH: u32 = 720;
/// See [`WIDTH`].
pub const HEIGHT: u32 = 405;

/// Colours, one per run (and per series of a single run).
pub const COLOURS: [&str; 8] = [
    "#1F77B4", "#D62728", "#2CA02C", "#FF7F0E", "#9467BD", "#8C564B", "#E377C2", "#17BECF",
];

/// Equal-width bins over one or more samples, with edges at round numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Bins {
    /// The first bin's lower edge.
    pub low: f64,
    /// Every bin's width.
    pub width: f64,
    /// For each sample, the count of each bin.
    pub counts: Vec<Vec<u64>>,
}

impl Bins {
    /// Number of bins.
    pub fn len(&self) -> usize {
        self.counts.first().map_or(0, Vec::len)
    }

    /// Whether there are no bins.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lower and upper edge of bin `i` (rounded to 12 significant digits,
    /// so 0.1 steps read 0.3, not 0.30000000000000004).
    pub fn edges(&self, i: usize) -> (f64, f64) {
        let edge = |k: usize| round12(self.low + self.width * k as f64);
        (edge(i), edge(i + 1))
    }
}

fn round12(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// The number of bins of width `width` from `low` that hold `max`.
fn bin_count(low: f64, max: f64, width: f64) -> usize {
    ((max - low) / width).floor() as usize + 1
}

/// Bins `[low + i·width, low + (i+1)·width)` over every finite value of
/// `samples`: the width is 1, 2, 2.5 or 5 times a power of ten, the one
/// whose bin count is nearest `target` (the narrower on a tie), and `low`
/// a multiple of it. None when no value is finite.
pub fn bins(samples: &[&[f64]], target: usize) -> Option<Bins> {
    let finite = || {
        samples
            .iter()
            .flat_map(|s| s.iter())
            .filter(|x| x.is_finite())
    };
    let min = finite().copied().reduce(f64::min)?;
    let max = finite().copied().reduce(f64::max)?;
    // A sample without spread gets bins around its value.
    let span = if max > min {
        max - min
    } else {
        min.abs().max(1.0)
    };
    let raw = span / target.max(1) as f64;
    let power = raw.log10().floor();
    let mut best: Option<(usize, f64)> = None;
    for p in [power - 1.0, power, power + 1.0] {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let width = m * 10f64.powf(p);
            let low = (min / width).floor() * width;
            let count = bin_count(low, max, width);
            let distance = count.abs_diff(target);
            if best.is_none_or(|(d, w)| distance < d || (distance == d && width < w)) {
                best = Some((distance, width));
            }
        }
    }
    let (_, width) = best?;
    let low = (min / width).floor() * width;
    let count = bin_count(low, max, width);
    let counts = samples
        .iter()
        .map(|s| {
            let mut counts = vec![0u64; count];
            for &x in s.iter().filter(|x| x.is_finite()) {
                // Clamped: rounding can put a value on the wrong side of
                // the first or last edge.
                let i = (((x - low) / width).floor().max(0.0) as usize).min(count - 1);
                counts[i] += 1;
            }
            counts
        })
        .collect();
    Some(Bins { low, width, counts })
}

/// A number as a short label: four significant digits (whole numbers
/// when larger), no trailing zeros.
pub fn short(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let text = format!("{x:.digits$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "-0" { "0".into() } else { text }
}

/// The histogram's table: `bin_low`, `bin_high`, `bin` (a label) and one
/// count column per sample.
pub fn histogram_rows(b: &Bins) -> Vec<Vec<Cell>> {
    (0..b.len())
        .map(|i| {
            let (lo, hi) = b.edges(i);
            let mut row = vec![
                Cell::Number(lo),
                Cell::Number(hi),
                Cell::text(format!("{}–{}", short(lo), short(hi))),
            ];
            row.extend(b.counts.iter().map(|c| Cell::Number(c[i] as f64)));
            row
        })
        .collect()
}

/// A range of cells on a sheet: rows `first..=last` of column `col`.
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    /// The sheet's name.
    pub sheet: &'a str,
    /// First row (0-based).
    pub first: u32,
    /// Last row.
    pub last: u32,
    /// Column.
    pub col: u16,
}

impl Column<'_> {
    fn range(&self) -> (&str, u32, u16, u32, u16) {
        (self.sheet, self.first, self.col, self.last, self.col)
    }
}

/// A line of a chart over time.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    /// Legend text.
    pub name: String,
    /// Dates (x).
    pub months: Column<'a>,
    /// Values (y).
    pub values: Column<'a>,
    /// Colour.
    pub colour: &'static str,
    /// Width in points.
    pub width: f64,
    /// Dashed (a band's edge) rather than solid.
    pub dashed: bool,
}

/// Axis text of every chart: titles and axes in units.
pub struct Titles<'a> {
    /// Chart title.
    pub title: &'a str,
    /// X axis title.
    pub x: &'a str,
    /// Y axis title.
    pub y: &'a str,
}

fn titled(chart: &mut Chart, t: &Titles<'_>) {
    chart.title().set_name(t.title);
    chart.x_axis().set_name(t.x);
    chart.y_axis().set_name(t.y);
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.set_width(WIDTH).set_height(HEIGHT);
}

/// The Excel serial number of the first day of `year` (1900 on: Excel's
/// day 1 is 1900-01-01, and it counts a 29 February 1900 that never was).
fn serial_of_year(year: i32) -> f64 {
    let days_before = |y: i32| {
        let y = y - 1;
        365 * y + y / 4 - y / 100 + y / 400
    };
    f64::from(days_before(year) - days_before(1900) + 2)
}

/// Lines over time, the x axis in years. A scatter chart with straight
/// lines rather than a line chart: each line has its own dates, so runs
/// with different horizons still line up on one axis.
pub fn over_time(
    lines: &[Line<'_>],
    titles: &Titles<'_>,
    years: (i32, i32),
    log_scale: bool,
    percent: bool,
) -> Chart {
    let mut chart = Chart::new(ChartType::ScatterStraight);
    for l in lines {
        let mut line = ChartLine::new();
        line.set_color(l.colour).set_width(l.width);
        if l.dashed {
            line.set_dash_type(ChartLineDashType::Dash);
        }
        chart
            .add_series()
            .set_name(l.name.as_str())
            .set_categories(l.months.range())
            .set_values(l.values.range())
            .set_marker(ChartMarker::new().set_none())
            .set_format(ChartFormat::new().set_line(&line));
    }
    titled(&mut chart, titles);
    // Ticks on the first of January, every year or every few years so
    // that at most about a dozen are labelled.
    let (first, last) = years;
    let step = ((last - first + 1) as f64 / 12.0).ceil().max(1.0);
    chart
        .x_axis()
        .set_num_format("yyyy")
        .set_min(serial_of_year(first))
        .set_max(serial_of_year(last + 1))
        .set_major_unit(365.25 * step)
        .set_major_gridlines(false);
    chart.y_axis().set_major_gridlines(true);
    if log_scale {
        chart.y_axis().set_log_base(10);
    }
    if percent {
        chart.y_axis().set_num_format("0%").set_min(0.0);
    }
    chart
}

/// A column histogram: one series of counts per sample, bins as
/// categories.
pub fn histogram(bins: Column<'_>, counts: &[(String, Column<'_>)], titles: &Titles<'_>) -> Chart {
    let mut chart = Chart::new(ChartType::Column);
    for (i, (name, values)) in counts.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        chart
            .add_series()
            .set_name(name.as_str())
            .set_categories(bins.range())
            .set_values(values.range())
            .set_gap(if counts.len() == 1 { 10 } else { 30 })
            .set_format(
                ChartFormat::new()
                    .set_solid_fill(ChartSolidFill::new().set_color(colour))
                    .set_no_line(),
            );
    }
    titled(&mut chart, titles);
    if counts.len() == 1 {
        chart.legend().set_hidden();
    }
    chart.y_axis().set_major_gridlines(true);
    chart
}

/// A tornado: for each input (rank 1 at the top), a bar from the
/// outcome's mean to its mean over the trials whose input is in its bottom
/// decile, and one to its mean over the top decile.
pub fn tornado(
    inputs: Column<'_>,
    low: Column<'_>,
    high: Column<'_>,
    mean: f64,
    titles: &Titles<'_>,
) -> Chart {
    let mut chart = Chart::new(ChartType::Bar);
    for (name, values, colour) in [
        ("input in its bottom decile", low, COLOURS[0]),
        ("input in its top decile", high, COLOURS[3]),
    ] {
        chart
            .add_series()
            .set_name(name)
            .set_categories(inputs.range())
            .set_values(values.range())
            .set_overlap(100)
            .set_gap(40)
            .set_format(
                ChartFormat::new()
                    .set_solid_fill(ChartSolidFill::new().set_color(colour))
                    .set_no_line(),
            );
    }
    titled(&mut chart, titles);
    // In a bar chart the x axis is the horizontal value axis: the inputs'
    // axis crosses it at the mean, so the bars grow from there.
    chart
        .x_axis()
        .set_crossing(ChartAxisCrossing::AxisValue(mean))
        .set_major_gridlines(true);
    // Rank 1 at the top, the names at the left edge clear of the bars,
    // and the value axis kept at the bottom (reversing the inputs' axis
    // would move it to the top).
    chart
        .y_axis()
        .set_reverse()
        .set_crossing(ChartAxisCrossing::Max)
        .set_label_position(ChartAxisLabelPosition::Low);
    chart
}

/// Lines over the combinations of a sweep (a category axis), with markers.
pub fn by_combination(
    combinations: Column<'_>,
    lines: &[(String, Column<'_>, &'static str, bool)],
    titles: &Titles<'_>,
    percent: bool,
) -> Chart {
    let mut chart = Chart::new(ChartType::Line);
    for (name, values, colour, dashed) in lines {
        let mut line = ChartLine::new();
        line.set_color(*colour)
            .set_width(if *dashed { 1.25 } else { 2.25 });
        if *dashed {
            line.set_dash_type(ChartLineDashType::Dash);
        }
        chart
            .add_series()
            .set_name(name.as_str())
            .set_categories(combinations.range())
            .set_values(values.range())
            .set_marker(
                ChartMarker::new()
                    .set_type(ChartMarkerType::Circle)
                    .set_size(5)
                    .set_format(
                        ChartFormat::new()
                            .set_solid_fill(ChartSolidFill::new().set_color(*colour))
                            .set_no_line(),
                    ),
            )
            .set_format(ChartFormat::new().set_line(&line));
    }
    titled(&mut chart, titles);
    chart.y_axis().set_major_gridlines(true);
    if percent {
        chart.y_axis().set_num_format("0%");
    }
    chart
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_by_hand() {
        // Span 3, target 3: widths 0.5, 1 and 2 give 7, 4 and 2 bins; 4 and
        // 2 are as near 3, and the narrower wins. [0,1) holds 0 and 0.5,
        // [1,2) 1, [2,3) 2.9, [3,4) the maximum 3. NaN is left out.
        let b = bins(&[&[0.0, 0.5, 1.0, 2.9, 3.0, f64::NAN]], 3).unwrap();
        assert_eq!(b.low, 0.0);
        assert_eq!(b.width, 1.0);
        assert_eq!(b.counts, [vec![2, 1, 1, 1]]);
        assert_eq!(b.edges(3), (3.0, 4.0));
    }

    #[test]
    fn bins_at_round_numbers_cover_every_value() {
        // 75.6 to 269.7 in about 30 bins: a width of 5 from 75 gives 39
        // bins (9 from 30), 10 from 70 gives 20 (10 from 30), 2.5 gives 78:
        // 5 wins.
        let xs = [75.6, 100.0, 147.9, 157.2, 269.7];
        let b = bins(&[&xs], 30).unwrap();
        assert_eq!((b.low, b.width, b.len()), (75.0, 5.0, 39));
        let counts = &b.counts[0];
        assert_eq!(counts.iter().sum::<u64>(), 5);
        // 75.6 in [75,80), 100 in [100,105), 147.9 in [145,150), 157.2 in
        // [155,160), 269.7 in [265,270).
        for (x, i) in [(75.6, 0), (100.0, 5), (147.9, 14), (157.2, 16), (269.7, 38)] {
            assert_eq!(counts[i], 1, "{x}");
        }
        // Two samples share the bins.
        let b = bins(&[&[0.1, 0.2], &[0.3]], 2).unwrap();
        assert_eq!(b.counts.len(), 2);
        assert_eq!(b.counts[0].iter().sum::<u64>(), 2);
        assert_eq!(b.counts[1].iter().sum::<u64>(), 1);
        assert_eq!(b.edges(1).0, round12(b.low + b.width));
    }

    #[test]
    fn bins_of_one_value_and_of_none() {
        let b = bins(&[&[42.0, 42.0]], 30).unwrap();
        assert_eq!(b.counts[0].iter().sum::<u64>(), 2);
        let (lo, hi) = b.edges(b.counts[0].iter().position(|&c| c == 2).unwrap());
        assert!(lo <= 42.0 && 42.0 < hi);
        assert_eq!(bins(&[&[f64::NAN]], 30), None);
        assert_eq!(bins(&[&[]], 30), None);
    }

    #[test]
    fn short_labels() {
        assert_eq!(short(150.0), "150");
        assert_eq!(short(0.30000000000000004), "0.3");
        assert_eq!(short(2.5), "2.5");
        assert_eq!(short(1234.6), "1235");
        assert_eq!(short(12345.6), "12346");
        assert_eq!(short(-0.0001), "-0.0001");
        assert_eq!(short(0.0), "0");
    }

    #[test]
    fn excel_serials_of_years() {
        // Excel: 1900-01-01 is 1, 2025-01-01 is 45658, 2036-01-01 49675.
        assert_eq!(serial_of_year(2025), 45658.0);
        assert_eq!(serial_of_year(2036), 49675.0);
        assert_eq!(serial_of_year(1901), 367.0);
    }
}
