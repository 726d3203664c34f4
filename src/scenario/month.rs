//! Calendar months as the model counts them: a year–month index.

use std::fmt;

/// A calendar month, stored as `year * 12 + (month - 1)` so that month
/// arithmetic is integer arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(i32);

impl Month {
    /// The month `year`-`month` (month 1–12).
    pub fn new(year: i32, month: u32) -> Option<Month> {
        if !(1..=12).contains(&month) || !(1000..=9999).contains(&year) {
            return None;
        }
        Some(Month(year * 12 + month as i32 - 1))
    }

    /// Parses `"YYYY-MM"` strictly (four-digit year, two-digit month).
    pub fn parse(text: &str) -> Option<Month> {
        let bytes = text.as_bytes();
        if bytes.len() != 7 || bytes[4] != b'-' {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = &text[range];
            if part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        Month::new(digits(0..4)? as i32, digits(5..7)?)
    }

    /// Calendar year.
    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// Month of the year, 1–12.
    pub fn month_of_year(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// The month `n` months later (earlier when negative).
    pub fn plus(self, n: i32) -> Month {
        Month(self.0 + n)
    }

    /// Months from `earlier` to `self` (negative when `self` is earlier).
    pub fn since(self, earlier: Month) -> i32 {
        self.0 - earlier.0
    }

    /// The month as a decimal year: 2031-07 → 2031.5.
    pub fn decimal_year(self) -> f64 {
        f64::from(self.0) / 12.0
    }

    /// First day of the month as `YYYY-MM-DD`, the date format of the CSVs.
    pub fn first_day(self) -> String {
        format!("{:04}-{:02}-01", self.year(), self.month_of_year())
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month_of_year())
    }
}

/// As `"YYYY-MM"`, the form scenario files and manifests use.
impl serde::Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Month, D::Error> {
        let text = String::deserialize(d)?;
        Month::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("expected a month \"YYYY-MM\" (given {text:?})"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let m = Month::parse("2031-07").unwrap();
        assert_eq!(m.to_string(), "2031-07");
        assert_eq!(m.first_day(), "2031-07-01");
        assert_eq!(m.decimal_year(), 2031.5);
        assert_eq!(m.plus(6).to_string(), "2032-01");
        assert_eq!(Month::parse("2032-01").unwrap().since(m), 6);
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "2025-13",
            "2025-00",
            "2025-1",
            "25-01",
            "2025/01",
            "2025-01-01",
            "",
            "abcd-ef",
            "+025-01",
        ] {
            assert!(Month::parse(bad).is_none(), "{bad}");
        }
    }
}
