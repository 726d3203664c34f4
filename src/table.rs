//! Plain-text tables for the terminal: columns padded to their widest cell,
//! two spaces apart, under a header and a rule of dashes.

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
