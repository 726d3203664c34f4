//! How a cell of any CSV the project writes is formatted: RFC 4180
//! quoting, and numbers in shortest round-trip form with a `.` decimal point
//! and never an exponent, so a spreadsheet opens every file without import
//! settings and reads back exactly the number written.

use std::fmt::Write as _;

/// Quotes a CSV field when it holds a comma, quote or newline (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes a number as spreadsheets read it; empty for a missing value.
pub fn push_number(buf: &mut String, x: f64) {
    if !x.is_finite() {
        return;
    }
    // `-0` would read as text in some spreadsheets.
    let x = if x == 0.0 { 0.0 } else { x };
    // ryu finds shortest round-trip digits several times faster than `{x}`
    // (on a rare tie it may pick the other 17th digit; both read back as x).
    // Its text differs by a trailing ".0" on integers and by exponent
    // notation far from 1, which we keep out of the CSVs: those values take
    // the slow path.
    let mut fast = ryu::Buffer::new();
    let text = fast.format_finite(x);
    if text.bytes().any(|b| b == b'e') {
        let _ = write!(buf, "{x}");
    } else {
        buf.push_str(text.strip_suffix(".0").unwrap_or(text));
    }
}

#[cfg(test)]
mod tests {
    use super::push_number;
    use proptest::prelude::*;

    fn check(x: f64) -> Result<(), TestCaseError> {
        let mut text = String::new();
        push_number(&mut text, x);
        if !x.is_finite() {
            prop_assert_eq!(text, "");
            return Ok(());
        }
        prop_assert!(!text.contains(['e', 'E']), "{text}");
        prop_assert_eq!(
            text.parse::<f64>().ok(),
            Some(if x == 0.0 { 0.0 } else { x })
        );
        prop_assert!(text.len() <= format!("{x}").len().max(1), "{text} vs {x}");
        Ok(())
    }

    proptest! {
        /// Any finite number is written in plain decimal, reads back as
        /// exactly itself, and is no longer than `{x}` writes it; a
        /// non-finite one is left empty.
        #[test]
        fn push_number_round_trips(bits in any::<u64>()) {
            check(f64::from_bits(bits))?;
        }

        /// The same for the magnitudes outputs hold (GW, shares, usd_bn).
        #[test]
        fn push_number_round_trips_everyday_values(x in -1e7f64..1e7, k in 0u32..12) {
            check(x / 10f64.powi(k as i32))?;
        }
    }

    #[test]
    fn push_number_examples() {
        for (x, text) in [
            (96.0, "96"),
            (0.1, "0.1"),
            (-0.0, "0"),
            (1e-7, "0.0000001"),
            (2033.0, "2033"),
            (1e21, "1000000000000000000000"),
        ] {
            let mut s = String::new();
            push_number(&mut s, x);
            assert_eq!(s, text);
        }
    }
}
