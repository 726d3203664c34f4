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
    // zmij finds the shortest round-trip digits (the closest to x when
    // several are as short) in about half the instructions of ryu, and
    // writes them as ryu does (tested below against ryu and std). Its text
    // differs from `{x}` by a trailing ".0" on integers and by exponent
    // notation, which we keep out of the CSVs: those values take the slow
    // path. The exponent appears only when the digits' decimal exponent is
    // outside −5..=15, so only values outside [1e-5, 1e16) are looked at.
    let mut digits = zmij::Buffer::new();
    let text = digits.format_finite(x);
    if !(1e-5..1e16).contains(&x.abs()) && text.as_bytes().contains(&b'e') {
        let _ = write!(buf, "{x}");
    } else {
        buf.push_str(text.strip_suffix(".0").unwrap_or(text));
    }
}

/// Writes `n` in decimal with at least `width` (at most 20) digits, zeros
/// in front, as `{n:0width$}` does, without the formatting machinery: a row's trial
/// index and dates.
pub fn push_uint(buf: &mut String, n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let at = at.min(digits.len().saturating_sub(width));
    for &d in &digits[at..] {
        buf.push(char::from(d));
    }
}

#[cfg(test)]
mod tests {
    use super::{push_number, push_uint};
    use proptest::prelude::*;
    use std::fmt::Write as _;

    /// `push_number` as it was written with ryu: the text every CSV held
    /// before, which the zmij version must give byte for byte.
    fn push_number_ryu(buf: &mut String, x: f64) {
        if !x.is_finite() {
            return;
        }
        let x = if x == 0.0 { 0.0 } else { x };
        let mut fast = ryu::Buffer::new();
        let text = fast.format_finite(x);
        if text.bytes().any(|b| b == b'e') {
            let _ = write!(buf, "{x}");
        } else {
            buf.push_str(text.strip_suffix(".0").unwrap_or(text));
        }
    }

    fn check(x: f64) -> Result<(), TestCaseError> {
        let mut text = String::new();
        push_number(&mut text, x);
        let mut before = String::new();
        push_number_ryu(&mut before, x);
        prop_assert_eq!(&text, &before, "{:e} ({:#x})", x, x.to_bits());
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
        /// exactly itself, is no longer than `{x}` writes it, and is the
        /// text ryu gave; a non-finite one is left empty.
        #[test]
        fn push_number_round_trips(bits in any::<u64>()) {
            check(f64::from_bits(bits))?;
        }

        /// The same for the magnitudes outputs hold (GW, shares, usd_bn).
        #[test]
        fn push_number_round_trips_everyday_values(x in -1e7f64..1e7, k in 0u32..12) {
            check(x / 10f64.powi(k as i32))?;
        }

        /// `push_uint` is `{n:0width$}`.
        #[test]
        fn push_uint_is_the_formatter(n in prop_oneof![0u64..10_000, any::<u64>()], width in 0usize..=20) {
            let mut text = String::new();
            push_uint(&mut text, n, width);
            prop_assert_eq!(text, format!("{n:0width$}"));
        }
    }

    /// The values on either side of where exponent notation starts and
    /// stops (1e-5, 1e16 and the powers of ten around them), and integers
    /// near 2^53, all as ryu wrote them.
    #[test]
    fn push_number_at_the_notation_edges() {
        for e in -9..=18 {
            let p = 10f64.powi(e);
            for x in [p, p * 0.5, p * 2.0, 9.999_999_999_999_999 * p / 10.0] {
                for bits in x.to_bits() - 3..=x.to_bits() + 3 {
                    for y in [f64::from_bits(bits), -f64::from_bits(bits)] {
                        check(y).unwrap();
                    }
                }
            }
        }
        for x in [
            9_007_199_254_740_992.0,
            9_007_199_254_740_993.0,
            1e15 + 0.5,
            123.0,
        ] {
            check(x).unwrap();
        }
    }

    /// Many more values than the properties draw: random bits and random
    /// values of everyday magnitude, each written as ryu wrote it.
    #[test]
    fn push_number_equals_ryu_on_many_values() {
        let count = if cfg!(debug_assertions) {
            100_000
        } else {
            2_000_000
        };
        many_values_equal_ryu(count);
    }

    /// The same on 50 million values (about ten seconds in release).
    #[test]
    #[ignore = "slow: 50 million values; run with --include-ignored"]
    fn push_number_equals_ryu_on_50_million_values() {
        many_values_equal_ryu(50_000_000);
    }

    fn many_values_equal_ryu(count: u64) {
        // SplitMix64: a fixed stream, so a failure repeats.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let (mut new, mut old) = (String::new(), String::new());
        for i in 0..count {
            let bits = next();
            let x = if i % 2 == 0 {
                f64::from_bits(bits)
            } else {
                // Everyday magnitudes: 1e-7 .. 1e7, full 53-bit mantissas.
                let unit = (bits >> 11) as f64 / (1u64 << 53) as f64;
                (unit * 2.0 - 1.0) * 10f64.powi((bits % 15) as i32 - 7)
            };
            new.clear();
            old.clear();
            push_number(&mut new, x);
            push_number_ryu(&mut old, x);
            assert_eq!(new, old, "{:e} ({:#x})", x, x.to_bits());
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
