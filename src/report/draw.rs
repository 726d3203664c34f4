//! Drawing primitives shared by every chart: the page (title, subtitle and
//! a legend row above the plot, so a legend never covers data), axes with
//! units, fans, histograms and number formats. Everything is SVG from
//! plotters' SVG backend; text is SVG `<text>` in the `sans-serif` family,
//! laid out by whatever renders the SVG, so drawing needs no system fonts.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::folder::timeseries::Band;

/// Errors from plotters (only I/O on a String buffer: practically none).
pub type DResult<T> = Result<T, Box<dyn std::error::Error>>;

/// A slide: 16:9 at 960 × 540, the size of a deck's content area.
pub const SLIDE: (u32, u32) = (960, 540);
/// A wider slide for small multiples (same 16:9 shape).
pub const WIDE: (u32, u32) = (1200, 675);

/// The font family every text uses (resolved by the viewer, not here).
pub const FONT: &str = "sans-serif";
/// Stroke width of median lines: the test finds them by it.
pub const MEDIAN_WIDTH: u32 = 3;
/// Height of the title / subtitle / legend strip above the plot.
pub const HEADER: u32 = 112;

/// Tableau 10: distinct in colour and in lightness, readable on white.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0xba, 0xb0, 0xac),
];
/// Colour of the i-th series.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}
/// A dark grey for reference lines and text.
pub const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);

/// The drawing area type of a chart.
pub type Area<'b> = DrawingArea<SVGBackend<'b>, Shift>;
/// A chart's plotting context.
pub type Ctx<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Rough width in pixels of `text` at an SVG font size of `px`, for a
/// typical sans-serif (the browser lays text out; this only spaces items).
pub fn text_width(text: &str, px: f64) -> i32 {
    (text.chars().count() as f64 * px * 0.58).ceil() as i32
}

/// The size, at most `px` and at least 60 % of it, at which `text` fits in
/// `room` pixels by [`text_width`] (times `wider` for bold text).
pub fn fitted(text: &str, px: f64, room: i32, wider: f64) -> f64 {
    let w = f64::from(text_width(text, px)) * wider;
    if w <= f64::from(room) {
        px
    } else {
        (px * f64::from(room) / w).max(px * 0.6)
    }
}

/// Plotters writes `font-size = size / 1.24`; this gives `px` in the SVG.
fn size(px: f64) -> f64 {
    px * 1.24
}

/// A text style of `px` SVG pixels.
pub fn font(px: f64) -> TextStyle<'static> {
    TextStyle::from((FONT, size(px)).into_font()).color(&INK)
}

/// A bold text style of `px` SVG pixels.
pub fn bold(px: f64) -> TextStyle<'static> {
    TextStyle::from((FONT, size(px)).into_font().style(FontStyle::Bold)).color(&INK)
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Swatch {
    /// A filled block with this opacity (bands, bars).
    Fill(RGBColor, f64),
    /// A line of this width.
    Line(RGBColor, u32),
}

/// Draws a new SVG of `dims` and returns its text; `body` draws the plot
/// area(s) below the header.
pub fn page(
    dims: (u32, u32),
    title: &str,
    subtitle: &str,
    legend: &[(Swatch, String)],
    body: impl for<'x, 'b> FnOnce(&'x Area<'b>, &'x Area<'b>) -> DResult<()>,
) -> DResult<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, dims).into_drawing_area();
        root.fill(&WHITE)?;
        // A long title or subtitle (a sweep's key can have a long name)
        // is set smaller rather than run off the slide.
        let room = i32::try_from(dims.0).unwrap_or(960) - 48;
        root.draw(&Text::new(
            title.to_string(),
            (24, 14),
            bold(fitted(title, 24.0, room, 0.95)).color(&BLACK),
        ))?;
        if !subtitle.is_empty() {
            root.draw(&Text::new(
                subtitle.to_string(),
                (24, 50),
                font(fitted(subtitle, 16.0, room, 0.88)),
            ))?;
        }
        draw_legend(&root, legend, 24, 84)?;
        let (_, plot) = root.split_vertically(HEADER);
        body(&root, &plot)?;
        root.present()?;
    }
    Ok(svg)
}

/// A legend row at (x, y), items left to right.
pub fn draw_legend(root: &Area<'_>, items: &[(Swatch, String)], x: i32, y: i32) -> DResult<()> {
    // Many or long entries (a sweep's lines) are set smaller to stay on
    // the slide.
    let room = i32::try_from(root.dim_in_pixel().0).unwrap_or(960) - x - 8;
    let fixed = 54 * i32::try_from(items.len()).unwrap_or(0);
    let text: i32 = items.iter().map(|(_, l)| text_width(l, 15.0)).sum();
    let px = if fixed + text > room && text > 0 {
        (15.0 * f64::from(room - fixed) / f64::from(text)).clamp(10.0, 15.0)
    } else {
        15.0
    };
    let mut x = x;
    for (swatch, label) in items {
        match *swatch {
            Swatch::Fill(c, alpha) => {
                root.draw(&Rectangle::new(
                    [(x, y - 7), (x + 26, y + 7)],
                    c.mix(alpha).filled(),
                ))?;
            }
            Swatch::Line(c, w) => {
                root.draw(&PathElement::new(
                    vec![(x, y), (x + 26, y)],
                    c.stroke_width(w),
                ))?;
            }
        }
        root.draw(&Text::new(
            label.clone(),
            (x + 32, y),
            font(px).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        x += 32 + text_width(label, px) + 22;
    }
    Ok(())
}

/// How axis values are written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fmt {
    /// Decimal years: "2030" (or "2030-07" between years).
    Year,
    /// A number: "1,250", "12", "0.35".
    Num,
    /// A share 0..1 written as a percentage: "35%".
    Percent,
    /// A difference of shares written in percentage points: "-4 pp".
    Points,
    /// log10 of a number, written as the number (ticks drawn by [`axes`]).
    Log10,
    /// No labels (the caller writes its own, e.g. a tornado's inputs).
    Hidden,
}

impl Fmt {
    /// The label of axis value `v`.
    pub fn label(self, v: f64) -> String {
        match self {
            Fmt::Year => year_label(v),
            Fmt::Num => num(v),
            Fmt::Percent => format!("{}%", num(v * 100.0)),
            Fmt::Points => format!("{} pp", num(v * 100.0)),
            Fmt::Log10 => num(10f64.powf(v)),
            Fmt::Hidden => String::new(),
        }
    }
}

/// "2030", or "2030-07" for a point inside a year.
pub fn year_label(v: f64) -> String {
    let months = (v * 12.0).round();
    let year = (months / 12.0).floor();
    let month = months - year * 12.0;
    if month == 0.0 {
        format!("{year:.0}")
    } else {
        format!("{year:.0}-{:02.0}", month + 1.0)
    }
}

/// An axis label: thousands separated (years are never written with it:
/// see [`year_label`]), at most 3 significant decimals, no trailing zeros.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let a = v.abs();
    let decimals = if a >= 100.0 || a == 0.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        // three significant digits below 1
        (2 - a.log10().floor() as i32).clamp(2, 8) as usize
    };
    let mut s = format!("{:.*}", decimals, a);
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), format!(".{f}")),
        None => (s.clone(), String::new()),
    };
    let grouped = group_thousands(&int);
    let sign = if v < 0.0 && s != "0" { "-" } else { "" };
    format!("{sign}{grouped}{frac}")
}

/// The axes of one plot.
#[derive(Debug, Clone)]
pub struct Axes {
    /// x range, in data units.
    pub x: Range<f64>,
    /// y range, in data units (log10 of them for [`Fmt::Log10`]).
    pub y: Range<f64>,
    /// x axis title with unit.
    pub x_desc: String,
    /// y axis title with unit.
    pub y_desc: String,
    /// x labels.
    pub x_fmt: Fmt,
    /// y labels.
    pub y_fmt: Fmt,
    /// At most this many x labels.
    pub x_labels: usize,
    /// Room for the y labels, pixels.
    pub y_label_room: u32,
    /// On a log axis, values below the bottom are drawn at it: label the
    /// bottom tick "≤ v" (zero unmet demand sits there).
    pub floor_below: bool,
}

impl Axes {
    /// Axes with default label counts.
    pub fn new(
        x: Range<f64>,
        y: Range<f64>,
        x_desc: &str,
        y_desc: &str,
        x_fmt: Fmt,
        y_fmt: Fmt,
    ) -> Axes {
        Axes {
            x,
            y,
            x_desc: x_desc.to_string(),
            y_desc: y_desc.to_string(),
            x_fmt,
            y_fmt,
            x_labels: 12,
            y_label_room: 78,
            floor_below: false,
        }
    }
}

/// Builds the plot on `area` with gridlines and labelled axes. A log axis
/// gets its own ticks at 1, 2, 5 × 10^k.
pub fn axes<'a, 'b>(root: &Area<'b>, area: &'a Area<'b>, ax: &Axes) -> DResult<Ctx<'a, 'b>> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(8)
        .margin_right(28)
        .margin_left(8)
        .margin_bottom(4)
        .x_label_area_size(56)
        .y_label_area_size(ax.y_label_room)
        .build_cartesian_2d(ax.x.clone(), ax.y.clone())?;
    let xf = |v: &f64| ax.x_fmt.label(*v);
    let yf = |v: &f64| ax.y_fmt.label(*v);
    let log = ax.y_fmt == Fmt::Log10;
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(ax.x_desc.as_str())
        .y_desc(ax.y_desc.as_str())
        .x_label_formatter(&xf)
        .y_label_formatter(&yf)
        .x_labels(if ax.x_fmt == Fmt::Hidden {
            0
        } else {
            ax.x_labels
        })
        .y_labels(if log || ax.y_fmt == Fmt::Hidden { 0 } else { 7 })
        .max_light_lines(0)
        .bold_line_style(BLACK.mix(0.10))
        .axis_style(INK.mix(0.6))
        .label_style(font(15.0))
        .axis_desc_style(font(16.0))
        .disable_x_mesh();
    mesh.draw()?;
    if log {
        log_ticks(root, &mut chart, ax)?;
    }
    Ok(chart)
}

/// Gridlines and labels at 1, 2, 5 × 10^k on a log10 y axis.
fn log_ticks(root: &Area<'_>, chart: &mut Ctx<'_, '_>, ax: &Axes) -> DResult<()> {
    let (lo, hi) = (ax.y.start, ax.y.end);
    let decades = (hi - lo).max(1.0);
    let steps: &[f64] = if decades <= 3.5 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let mut ticks = Vec::new();
    let mut k = lo.floor() as i32;
    while f64::from(k) <= hi {
        for m in steps {
            let t = f64::from(k) + m.log10();
            if t >= lo - 1e-9 && t <= hi + 1e-9 {
                ticks.push(t);
            }
        }
        k += 1;
    }
    for (i, t) in ticks.into_iter().enumerate() {
        let label = if i == 0 && ax.floor_below && (t - lo).abs() < 1e-9 {
            format!("≤{}", Fmt::Log10.label(t))
        } else {
            Fmt::Log10.label(t)
        };
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(ax.x.start, t), (ax.x.end, t)],
            BLACK.mix(0.10),
        )))?;
        let (px, py) = chart.backend_coord(&(ax.x.start, t));
        root.draw(&Text::new(
            label,
            (px - 8, py),
            font(15.0).pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
        root.draw(&PathElement::new(
            vec![(px - 5, py), (px, py)],
            INK.mix(0.6),
        ))?;
    }
    Ok(())
}

/// A fan: p5–p95 and p25–p75 bands, then the median on top (drawn last so
/// no band hides it). `f` maps a value to the axis (identity, or log10).
pub fn fan(
    chart: &mut Ctx<'_, '_>,
    bands: &[Band],
    c: RGBColor,
    f: &dyn Fn(f64) -> f64,
) -> DResult<()> {
    let ok: Vec<&Band> = bands
        .iter()
        .filter(|b| {
            [b.p5, b.p25, b.p50, b.p75, b.p95]
                .iter()
                .all(|v| v.is_finite())
        })
        .collect();
    let polygon = |lo: &dyn Fn(&Band) -> f64, hi: &dyn Fn(&Band) -> f64| -> Vec<(f64, f64)> {
        let mut pts: Vec<(f64, f64)> = ok.iter().map(|b| (b.x, f(hi(b)))).collect();
        pts.extend(ok.iter().rev().map(|b| (b.x, f(lo(b)))));
        pts
    };
    chart.draw_series(std::iter::once(Polygon::new(
        polygon(&|b| b.p5, &|b| b.p95),
        c.mix(0.16).filled(),
    )))?;
    chart.draw_series(std::iter::once(Polygon::new(
        polygon(&|b| b.p25, &|b| b.p75),
        c.mix(0.34).filled(),
    )))?;
    median(
        chart,
        &ok.iter().map(|b| (b.x, b.p50)).collect::<Vec<_>>(),
        c,
        f,
    )
}

/// The median line of a fan (also used by tests to find it: width
/// [`MEDIAN_WIDTH`]).
pub fn median(
    chart: &mut Ctx<'_, '_>,
    pts: &[(f64, f64)],
    c: RGBColor,
    f: &dyn Fn(f64) -> f64,
) -> DResult<()> {
    let dark = RGBColor(
        (f64::from(c.0) * 0.7) as u8,
        (f64::from(c.1) * 0.7) as u8,
        (f64::from(c.2) * 0.7) as u8,
    );
    chart.draw_series(LineSeries::new(
        pts.iter().map(|&(x, y)| (x, f(y))),
        dark.stroke_width(MEDIAN_WIDTH),
    ))?;
    Ok(())
}

/// The legend entries of a fan of colour `c`.
pub fn fan_legend(c: RGBColor, what: &str) -> Vec<(Swatch, String)> {
    let dark = RGBColor(
        (f64::from(c.0) * 0.7) as u8,
        (f64::from(c.1) * 0.7) as u8,
        (f64::from(c.2) * 0.7) as u8,
    );
    vec![
        (Swatch::Line(dark, MEDIAN_WIDTH), format!("{what} median")),
        (Swatch::Fill(c, 0.34), "p25–p75".to_string()),
        (Swatch::Fill(c, 0.16), "p5–p95".to_string()),
    ]
}

/// A "nice" step (1, 2, 2.5, 5 × 10^k) of about `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let k = 10f64.powf(raw.log10().floor());
    let m = raw / k;
    let n = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 2.5 {
        2.5
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    n * k
}

/// A sorted copy of the finite values.
pub fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// PERCENTILE.INC of sorted values (linear interpolation).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let i = h.floor() as usize;
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + (h - i as f64) * (sorted[j] - sorted[i])
}

/// A range around `lo..hi` that is never empty, padded a little on top.
pub fn padded(lo: f64, hi: f64, top_pad: f64) -> Range<f64> {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else if lo == 0.0 {
        (0.0, 1.0)
    } else {
        (lo - lo.abs() * 0.1, lo + lo.abs() * 0.1)
    };
    lo..hi + (hi - lo) * top_pad
}

/// Labels `ticks` (x value, text) under the x axis of `chart`, whose y
/// range starts at `y0`: for axes whose values are categories or a few
/// given numbers (the axis itself is drawn with [`Fmt::Hidden`] labels).
/// Labels that would overlap are thinned to every k-th.
pub fn x_ticks(
    root: &Area<'_>,
    chart: &Ctx<'_, '_>,
    y0: f64,
    ticks: &[(f64, String)],
) -> DResult<()> {
    let px: Vec<i32> = ticks
        .iter()
        .map(|(x, _)| chart.backend_coord(&(*x, y0)).0)
        .collect();
    let widest = ticks
        .iter()
        .map(|(_, t)| text_width(t, 14.0))
        .max()
        .unwrap_or(0)
        + 10;
    let gap = px
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .min()
        .unwrap_or(i32::MAX)
        .max(1);
    let every = usize::try_from((widest + gap - 1) / gap)
        .unwrap_or(1)
        .max(1);
    for (i, ((x, text), p)) in ticks.iter().zip(&px).enumerate() {
        let (_, py) = chart.backend_coord(&(*x, y0));
        root.draw(&PathElement::new(
            vec![(*p, py), (*p, py + 5)],
            INK.mix(0.6),
        ))?;
        if i % every == 0 {
            root.draw(&Text::new(
                text.clone(),
                (*p, py + 8),
                font(14.0).pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
    }
    Ok(())
}

/// Whole-number digits with a `,` between groups of three: "1234567" →
/// "1,234,567" (the report's one way of grouping).
pub fn group_thousands(digits: &str) -> String {
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}
