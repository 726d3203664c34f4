//! Text for the terminal: numbers to four significant digits, and plain
//! tables with columns padded to their widest cell, two spaces apart, under
//! a header and a rule of dashes.

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
