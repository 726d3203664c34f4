//! `--target METRIC<=VALUE`: the probability of meeting a target, as
//! spreadsheet risk tools report it, added to `summary.csv`.

use std::str::FromStr;

use crate::error::Error;

/// A comparison against a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<=`
    Le,
    /// `<`
    Lt,
    /// `>=`
    Ge,
    /// `>`
    Gt,
}

/// One target, e.g. `unmet_share<=0.1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// An outcome metric of `summary.csv`.
    pub metric: String,
    /// The comparison.
    pub op: Op,
    /// The threshold, in the metric's unit.
    pub value: f64,
}

impl FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Two-character operators first, so `<=` is not read as `<`.
        for (text, op) in [("<=", Op::Le), (">=", Op::Ge), ("<", Op::Lt), (">", Op::Gt)] {
            if let Some((metric, value)) = s.split_once(text) {
                let metric = metric.trim();
                let value: f64 = value.trim().parse().map_err(|_| {
                    format!("expected a number after {text} (given {:?})", value.trim())
                })?;
                if metric.is_empty() || !value.is_finite() {
                    break;
                }
                return Ok(Target {
                    metric: metric.to_string(),
                    op,
                    value,
                });
            }
        }
        Err(format!(
            "expected METRIC<=VALUE, METRIC<VALUE, METRIC>=VALUE or METRIC>VALUE (given {s:?})"
        ))
    }
}

impl Target {
    /// The target as written, e.g. `unmet_share<=0.1` (the form `--target`
    /// takes and a manifest records).
    pub fn text(&self) -> String {
        let op = match self.op {
            Op::Le => "<=",
            Op::Lt => "<",
            Op::Ge => ">=",
            Op::Gt => ">",
        };
        format!("{}{op}{}", self.metric, self.value)
    }

    /// The row name in `summary.csv`, e.g. `target:unmet_share<=0.1`.
    pub fn label(&self) -> String {
        format!("target:{}", self.text())
    }

    /// Whether `x` meets the target.
    pub fn met(&self, x: f64) -> bool {
        match self.op {
            Op::Le => x <= self.value,
            Op::Lt => x < self.value,
            Op::Ge => x >= self.value,
            Op::Gt => x > self.value,
        }
    }

    /// Checks the metric exists among `metrics`.
    pub fn check(&self, metrics: &[String]) -> Result<(), Error> {
        check_metric("--target", &self.metric, metrics)
    }

    /// The 0/1 column "met or not" for the trials with a value (missing
    /// values, such as `ip_expiry_year` beyond the horizon, are left out).
    pub fn indicator(&self, column: &[f64]) -> Vec<f64> {
        column
            .iter()
            .filter(|x| !x.is_nan())
            .map(|&x| if self.met(x) { 1.0 } else { 0.0 })
            .collect()
    }
}

/// Checks that option `flag`'s `metric` is one of `metrics`; the error
/// names the nearest (or lists them all).
pub fn check_metric(flag: &str, metric: &str, metrics: &[String]) -> Result<(), Error> {
    if metrics.iter().any(|m| m == metric) {
        return Ok(());
    }
    let near = crate::scenario::nearest_names(metric, metrics.iter().map(String::as_str), 3);
    let hint = if near.is_empty() {
        metrics.join(", ")
    } else {
        format!("did you mean {}?", near.join(" or "))
    };
    Err(Error::Usage(format!(
        "{flag}: unknown metric `{metric}` ({hint})"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets() {
        let t: Target = "unmet_share<=0.1".parse().unwrap();
        assert_eq!(
            (t.metric.as_str(), t.op, t.value),
            ("unmet_share", Op::Le, 0.1)
        );
        assert_eq!(t.label(), "target:unmet_share<=0.1");
        assert_eq!("x > 5".parse::<Target>().unwrap().op, Op::Gt);
        assert!("x<=".parse::<Target>().is_err());
        assert!("x=3".parse::<Target>().is_err());
        assert!("<=3".parse::<Target>().is_err());
        assert_eq!(
            t.indicator(&[0.05, 0.1, 0.2, f64::NAN]),
            vec![1.0, 1.0, 0.0]
        );
    }
}
