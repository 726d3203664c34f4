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

/// Formats a number for a table: four significant digits, no exponent for
/// everyday magnitudes.
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
    if a != 0.0 && !(1e-3..1e7).contains(&a) {
        return format!("{x:.3e}");
    }
    let digits = if a == 0.0 {
        0
    } else {
        (3 - a.log10().floor() as i32).clamp(0, 6) as usize
    };
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
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
    let mut width = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; N]| {
        let mut s = String::from(indent);
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            let pad = " ".repeat(width[i] - cell.chars().count());
            match align[i] {
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
    let rule = width.map(|w| "-".repeat(w));
    out.push_str(&line(std::array::from_fn(|i| rule[i].as_str())));
    for row in rows {
        out.push_str(&line(std::array::from_fn(|i| row[i].as_str())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers() {
        assert_eq!(short(0.0), "0");
        assert_eq!(short(1.5), "1.5");
        assert_eq!(short(2031.25), "2031");
        assert_eq!(short(0.123456), "0.1235");
        assert_eq!(short(1e-5), "1.000e-5");
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
