//! Text for the terminal: numbers to four significant digits, plain
//! tables with columns padded to their widest cell, two spaces apart, under
//! a header and a rule of dashes, and the line that says where the outputs
//! are and what they take.

use std::path::Path;

use crate::folder::size;

/// `outputs: DIR (SIZE)` and a newline: the folder a command wrote and the
/// bytes of its files, so that what a run costs on disk is seen as it ends.
pub fn outputs(dir: &Path) -> String {
    match size::bytes_under(dir) {
        Ok(bytes) => format!("outputs: {} ({})\n", dir.display(), size::human(bytes)),
        // The outputs are written; not knowing their size is no failure.
        Err(e) => format!("outputs: {} (size unknown: {e})\n", dir.display()),
    }
}

/// Formats a number for the terminal: three significant digits
/// (`157`, `75.6`, `0.0195`), every digit of the whole part from 1,000 up
/// (`2624`, a year stays a year) with thousands separators from 10,000 up
/// (`12,345`), and an exponent outside 0.001–10¹⁵ (`1.23e-5`).
pub fn short(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let a = x.abs();
    if a == 0.0 {
        return "0".into();
    }
    if !(1e-3..1e15).contains(&a) {
        return format!("{x:.2e}");
    }
    // From 999.5 up the whole part has at least the three digits.
    if a >= 999.5 {
        return grouped(x.round());
    }
    let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A whole number with a `,` between groups of three digits from 10,000 up.
fn grouped(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    if digits.len() <= 4 {
        out.push_str(&digits);
        return out;
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text: left.
    Left,
    /// Numbers: right.
    Right,
}

/// Renders `rows` under `header`, each line starting with `indent`.
/// Widths count characters, not bytes, so `−` and `→` line up.
pub fn render<const N: usize>(
    indent: &str,
    header: [&str; N],
    align: [Align; N],
    rows: &[[String; N]],
) -> String {
    let rows: Vec<&[String]> = rows.iter().map(|r| r.as_slice()).collect();
    render_table(indent, &header, &align, &rows)
}

/// [`render`] for a number of columns known only when running: every
/// row has as many cells as `header`.
pub fn render_table(indent: &str, header: &[&str], align: &[Align], rows: &[&[String]]) -> String {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in width.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        let mut s = String::from(indent);
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            let pad = " ".repeat(width[i].saturating_sub(cell.chars().count()));
            match align.get(i).copied().unwrap_or(Align::Left) {
                Align::Left => {
                    s.push_str(cell);
                    s.push_str(&pad);
                }
                Align::Right => {
                    s.push_str(&pad);
                    s.push_str(cell);
                }
            }
        }
        s.truncate(s.trim_end().len());
        s.push('\n');
        s
    };
    let mut out = line(header);
    let rule: Vec<String> = width.iter().map(|&w| "-".repeat(w)).collect();
    out.push_str(&line(&rule.iter().map(String::as_str).collect::<Vec<_>>()));
    for row in rows {
        let cells: Vec<&str> = row.iter().take(width.len()).map(String::as_str).collect();
        out.push_str(&line(&cells));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers() {
        for (x, text) in [
            (0.0, "0"),
            (1.5, "1.5"),
            (157.2, "157"),
            (75.59, "75.6"),
            (-0.019_47, "-0.0195"),
            (0.123456, "0.123"),
            (9.996, "10"),
            (99.96, "100"),
            (999.6, "1000"),
            (2031.25, "2031"),
            (2624.4, "2624"),
            (12_345.4, "12,345"),
            (-1_234_567.0, "-1,234,567"),
            (1e-5, "1.00e-5"),
            (2.5e15, "2.50e15"),
            (f64::NAN, "NaN"),
        ] {
            assert_eq!(short(x), text, "{x}");
        }
    }

    #[test]
    fn pads_and_aligns() {
        let rows = [
            ["a→b".to_string(), "1".to_string()],
            ["long name".to_string(), "12.5".to_string()],
        ];
        let t = render("  ", ["input", "x"], [Align::Left, Align::Right], &rows);
        assert_eq!(
            t,
            "  input         x\n  ---------  ----\n  a→b           1\n  long name  12.5\n"
        );
    }
}
