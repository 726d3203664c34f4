//! Reading a scenario: TOML text → checked, typed [`Scenario`].
//!
//! serde's derive stops at the first error, but an analyst wants every
//! problem at once. So the TOML is parsed into a spanned tree, walked table
//! by table against [`schema`](super::schema) — each key checked, every
//! problem recorded with its line, column and dotted path — and serde is
//! used where it does the job well: the distribution tables, whose families
//! are a tagged enum ([`Family`]).

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::diag::{Diagnostics, Sources};
use super::dist::{Dist, Family};
use super::overrides::{self, Op, Override};
use super::schema::{self, Shape};
use super::*;
use crate::error::{Diagnostic, Error};

use super::schema::Value;

mod sampling;

/// Reads and checks a scenario file, with `--set` overrides applied.
pub fn load_file(path: &Path, overrides: &[Override]) -> Result<Scenario, Error> {
    // A scenario path that does not exist, or names a folder, is a usage
    // mistake (exit 2), not a failure to read.
    if path.is_dir() {
        return Err(Error::Usage(format!(
            "cannot read scenario {}: it is a folder, not a scenario file",
            path.display()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Usage(format!(
            "cannot read scenario {}: no such file",
            path.display()
        )),
        _ => Error::Io(format!("cannot read scenario {}", path.display()), e),
    })?;
    let origin = path.display().to_string();
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            // Locate the first bad byte so the message is actionable.
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let mut sources = Sources::default();
            sources.add(&origin, prefix);
            let mut diags = Diagnostics::new(sources);
            diags.error(
                &(valid..valid),
                "",
                format!(
                    "the file is not UTF-8 text (byte 0x{:02X} here); a scenario must be a TOML text file",
                    bytes.get(valid).copied().unwrap_or(0)
                ),
            );
            return Err(Error::Scenario(diags.into_sorted()));
        }
    };
    load_str(&origin, &text, overrides).map_err(Error::Scenario)
}

/// Reads and checks scenario text; `origin` names it in messages.
pub fn load_str(
    origin: &str,
    text: &str,
    overrides: &[Override],
) -> Result<Scenario, Vec<Diagnostic>> {
    let mut sources = Sources::default();
    sources.add(origin, text);
    let override_offsets: Vec<usize> = overrides
        .iter()
        .map(|o| sources.add(format!("--set {}", o.path), o.value.clone()))
        .collect();
    let mut diags = Diagnostics::new(sources);

    let (root, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        for err in syntax_errors {
            let span = err.span().unwrap_or(0..0);
            diags.error(&span, "", format!("TOML syntax: {}", err.message().trim()));
        }
        return Err(diags.into_sorted());
    }
    let root_span = root.span();
    let mut root = Spanned::new(root_span, DeValue::Table(root.into_inner()));
    // `=` edits the file's tree; `*=` and `+=` act on the inputs as they
    // are registered, in the order given, after every `=`.
    let mut transforms = Vec::new();
    for (o, offset) in overrides.iter().zip(override_offsets) {
        match o.op {
            Op::Set => overrides::apply(&mut root, o, offset, &mut diags),
            Op::Scale | Op::Shift => match o.factor() {
                Ok(factor) => transforms.push(Transform {
                    written: o.to_string(),
                    path: o.path.clone(),
                    op: o.op,
                    factor,
                    span: offset..offset + o.value.len(),
                    used: false,
                }),
                Err(e) => diags.error(&(offset..offset + o.value.len()), &o.path, e),
            },
        }
    }
    if !diags.is_empty() {
        return Err(diags.into_sorted());
    }

    let mut reader = Reader {
        diags,
        inputs: Inputs::default(),
        file_end: text.len(),
        set_by_override: Vec::new(),
        transforms,
    };
    let scenario = reader.scenario(&root);
    if reader.transforms.iter().any(|t| !t.used) {
        let inputs = scenario.as_ref().map_or(&reader.inputs, |s| &s.inputs);
        let paths: Vec<String> = inputs.all().iter().map(|i| i.path.clone()).collect();
        reader.unused_transforms(&paths);
    }
    match scenario {
        Some(s) if reader.diags.is_empty() => Ok(s),
        _ => {
            if reader.diags.is_empty() {
                // Every `None` above records a diagnostic; this guards the invariant.
                reader
                    .diags
                    .error(&(0..0), "", "the scenario could not be read");
            }
            Err(reader.diags.into_sorted())
        }
    }
}

/// What an uncertain input may be: its allowed interval and what it is.
#[derive(Debug, Clone, Copy)]
struct Domain {
    lo: f64,
    hi: f64,
    /// `lo` itself is not allowed.
    lo_open: bool,
    what: &'static str,
}

const PROBABILITY: Domain = Domain {
    lo: 0.0,
    hi: 1.0,
    lo_open: false,
    what: "a probability",
};
const SHARE: Domain = Domain {
    lo: 0.0,
    hi: 1.0,
    lo_open: false,
    what: "a share",
};
/// The largest GW figure or amount a scenario may give: a million times the
/// world's power capacity is already absurd, and products of such values
/// with prices, years and growth would overflow f64 (1.8e308).
const MAGNITUDE: f64 = 1e15;

const GW: Domain = Domain {
    lo: 0.0,
    hi: MAGNITUDE,
    lo_open: false,
    what: "a GW figure",
};
// A threshold is only compared, never multiplied: no ceiling needed.
const GW_YEARS: Domain = Domain {
    lo: 0.0,
    hi: f64::INFINITY,
    lo_open: false,
    what: "GW-years",
};
const PRICE: Domain = Domain {
    lo: 0.0,
    hi: MAGNITUDE,
    lo_open: false,
    what: "an amount in usd_bn",
};
const RATE: Domain = Domain {
    lo: -1.0,
    hi: f64::INFINITY,
    lo_open: true,
    what: "an annual rate (> -1)",
};
const NON_NEGATIVE: Domain = Domain {
    lo: 0.0,
    hi: f64::INFINITY,
    lo_open: false,
    what: "non-negative",
};
const POSITIVE: Domain = Domain {
    lo: 0.0,
    hi: f64::INFINITY,
    lo_open: true,
    what: "positive",
};
const MONTHS: Domain = Domain {
    lo: 0.0,
    hi: f64::INFINITY,
    lo_open: false,
    what: "a number of months",
};
/// A demand ceiling: demand is divided by it.
const POSITIVE_GW: Domain = Domain {
    lo: 0.0,
    hi: MAGNITUDE,
    lo_open: true,
    what: "a positive GW figure",
};
/// Capacity signed in a month serves from the next month at the earliest.
const LEAD_TIME: Domain = Domain {
    lo: 0.5,
    hi: f64::INFINITY,
    lo_open: false,
    what: "a lead time of at least one month",
};
const RETRY_MONTHS: Domain = Domain {
    lo: 0.5,
    hi: f64::INFINITY,
    lo_open: false,
    what: "a wait of at least one month",
};
const YEAR: Domain = Domain {
    lo: f64::NEG_INFINITY,
    hi: f64::INFINITY,
    lo_open: false,
    what: "a decimal year",
};

fn fmt_num(x: f64) -> String {
    if x == f64::INFINITY {
        "inf".into()
    } else if x == f64::NEG_INFINITY {
        "-inf".into()
    } else if x != 0.0 && !(1e-4..1e7).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

impl Domain {
    fn describe(&self) -> String {
        let open = if self.lo_open { "(" } else { "[" };
        let close = if self.hi.is_finite() { "]" } else { ")" };
        format!("{open}{}, {}{close}", fmt_num(self.lo), fmt_num(self.hi))
    }

    fn contains(&self, lo: f64, hi: f64) -> bool {
        let lo_ok = if self.lo_open {
            lo > self.lo
        } else {
            lo >= self.lo
        };
        lo_ok && hi <= self.hi
    }
}

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// What a value is, for messages: a string quoted, anything else its type.
fn given(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("{s:?}"),
        other => type_name(other).to_string(),
    }
}

/// A number from a TOML integer or float, if it is one.
pub(super) fn number(v: &DeValue<'_>) -> Option<f64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str().trim_start_matches('+'), i.radix())
            .ok()
            .map(|i| i as f64),
        DeValue::Float(f) => {
            let s = f.as_str().replace('_', "");
            match s.as_str() {
                "inf" | "+inf" => Some(f64::INFINITY),
                "-inf" => Some(f64::NEG_INFINITY),
                "nan" | "+nan" | "-nan" => Some(f64::NAN),
                _ => s.parse().ok(),
            }
        }
        _ => None,
    }
}

/// The distribution families (docs/model.md, "Distributions").
const FAMILIES: [&str; 8] = [
    "uniform",
    "normal",
    "lognormal",
    "triangular",
    "pert",
    "beta",
    "discrete",
    "quantiles",
];

/// Every key a distribution table may hold, across families.
const DIST_KEYS: [&str; 14] = [
    "dist", "truncate", "min", "max", "mode", "mean", "sd", "p5", "p95", "alpha", "beta", "values",
    "weights", "points",
];

fn get<'t, 'a>(table: &'t DeTable<'a>, key: &str) -> Option<&'t Value<'a>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

/// Names become column names and `--set` path segments: letters, digits,
/// `_` and `-`, and not all digits (that would read as an index).
fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !s.chars().all(|c| c.is_ascii_digit())
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Walks the spanned tree, collecting diagnostics and registering inputs.
struct Reader {
    diags: Diagnostics,
    inputs: Inputs,
    /// The `*=` / `+=` overrides, applied to inputs as they are registered.
    transforms: Vec<Transform>,
    /// Where the file's text ends in the sources: a value spanning beyond
    /// it was written by a `--set`.
    file_end: usize,
    /// Inputs whose value a `--set KEY=VALUE` wrote, by id.
    set_by_override: Vec<InputId>,
}

/// A `--set key*=k` or `key+=d` override waiting for its input.
struct Transform {
    /// As written, for messages.
    written: String,
    path: String,
    op: Op,
    factor: f64,
    /// Where the factor is in the sources, for messages.
    span: Range<usize>,
    /// It found its input.
    used: bool,
}

impl Reader {
    /// Applies the `*=` / `+=` overrides of input `path` to its value, in
    /// order; the first one that cannot apply is reported.
    fn transform(
        &mut self,
        path: &str,
        mut value: Uncertain,
    ) -> Option<(Uncertain, Option<usize>)> {
        let mut last = None;
        for (i, t) in self.transforms.iter_mut().enumerate() {
            if t.path != path {
                continue;
            }
            t.used = true;
            last = Some(i);
            let (scale, shift) = match t.op {
                Op::Scale => (t.factor, 0.0),
                _ => (1.0, t.factor),
            };
            value = match value {
                // A constant is scaled exactly as a user writing the product would get.
                Uncertain::Const(x) => Uncertain::Const(match t.op {
                    Op::Scale => x * t.factor,
                    _ => x + t.factor,
                }),
                Uncertain::Dist(d) => match d.transformed(scale, shift) {
                    Ok(d) => Uncertain::Dist(Box::new(d)),
                    Err(e) => {
                        self.diags.error(&t.span, path, e);
                        return None;
                    }
                },
            };
        }
        Some((value, last))
    }

    /// Reports every `*=` / `+=` override that named none of the inputs
    /// at `paths`.
    fn unused_transforms(&mut self, paths: &[String]) {
        for t in self.transforms.iter().filter(|t| !t.used) {
            let near = schema::nearest(&t.path, paths.iter().map(String::as_str), 3);
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!("; nearest inputs: {}", near.join(", "))
            };
            self.diags.error(
                &t.span,
                &t.path,
                format!(
                    "`{}` scales or shifts an uncertain input, and `{}` is none in this scenario (`rofrsim validate` lists them{hint})",
                    t.written, t.path
                ),
            );
        }
    }

    /// Registers input `path` after its `*=` / `+=` overrides, checking
    /// it lies in `domain`; `at` is where the value was written.
    fn register(
        &mut self,
        path: &str,
        value: Uncertain,
        domain: Domain,
        at: &Range<usize>,
    ) -> Option<InputId> {
        let (value, transformed) = self.transform(path, value)?;
        let (lo, mut hi) = value.support();
        // A magnitude ceiling guards against overflow, not against tails: an
        // unbounded family is held to it at its 1 − 1e-9 quantile (a rarer
        // draw that overflows is caught when the run computes it).
        if hi == f64::INFINITY && domain.hi.is_finite() {
            hi = value.quantile(1.0 - 1e-9);
        }
        if !domain.contains(lo, hi) {
            let message = match &value {
                Uncertain::Const(x) => {
                    format!(
                        "must lie in {} ({}); given {}",
                        domain.describe(),
                        domain.what,
                        fmt_num(*x)
                    )
                }
                Uncertain::Dist(_) => format!(
                    "must lie in {} ({}), but the distribution can draw values in [{}, {}]; choose a family or parameters inside the range, or add truncate = [lo, hi]",
                    domain.describe(),
                    domain.what,
                    fmt_num(lo),
                    fmt_num(hi)
                ),
            };
            match transformed {
                Some(i) => {
                    let t = &self.transforms[i];
                    let (span, written) = (t.span.clone(), t.written.clone());
                    self.diags
                        .error(&span, path, format!("after `{written}`: {message}"));
                }
                None => self.diags.error(at, path, message),
            }
            return None;
        }
        let id = self.inputs.push(path.to_string(), value);
        if at.start >= self.file_end {
            self.set_by_override.push(id);
        }
        Some(id)
    }

    /// Checks that `value` is a table whose keys are all in `fields`.
    fn table<'t, 'a>(
        &mut self,
        value: &'t Value<'a>,
        path: &str,
        fields: &[(&'static str, Shape)],
    ) -> Option<&'t DeTable<'a>> {
        let DeValue::Table(table) = value.get_ref() else {
            self.diags.error(
                &value.span(),
                path,
                format!("expected a table (given {})", type_name(value.get_ref())),
            );
            return None;
        };
        for (key, _) in table.iter() {
            let name = key.get_ref().as_ref();
            if schema::shape_of(fields, name).is_none() {
                let near = schema::nearest(name, schema::keys(fields), 2);
                let hint = if near.is_empty() {
                    format!(
                        "allowed keys: {}",
                        schema::keys(fields).collect::<Vec<_>>().join(", ")
                    )
                } else {
                    format!("did you mean {}?", near.join(" or "))
                };
                self.diags.error(
                    &key.span(),
                    &join(path, name),
                    format!("unknown key `{name}` ({hint})"),
                );
            }
        }
        Some(table)
    }

    /// A required key: records "missing" when absent.
    fn required<'t, 'a>(
        &mut self,
        table: &'t DeTable<'a>,
        span: &Range<usize>,
        path: &str,
        key: &str,
        expected: &str,
    ) -> Option<&'t Value<'a>> {
        let found = get(table, key);
        if found.is_none() {
            let at = if path.is_empty() {
                "the file".to_string()
            } else {
                format!("[{path}]")
            };
            self.diags.error(
                span,
                &join(path, key),
                format!("missing required key `{key}` in {at} (expected {expected})"),
            );
        }
        found
    }

    /// An optional sub-table: `Some(None)` when absent.
    fn sub_table<'t, 'a>(
        &mut self,
        table: &'t DeTable<'a>,
        path: &str,
        key: &str,
        fields: &[(&'static str, Shape)],
    ) -> Option<Option<(&'t DeTable<'a>, Range<usize>)>> {
        match get(table, key) {
            None => Some(None),
            Some(v) => self
                .table(v, &join(path, key), fields)
                .map(|t| Some((t, v.span()))),
        }
    }

    /// An optional array of tables: empty when absent.
    fn array<'t, 'a>(
        &mut self,
        table: &'t DeTable<'a>,
        path: &str,
        key: &str,
    ) -> Option<&'t [Value<'a>]> {
        match get(table, key) {
            None => Some(&[]),
            Some(v) => match v.get_ref() {
                DeValue::Array(items) => Some(items),
                other => {
                    self.diags.error(
                        &v.span(),
                        &join(path, key),
                        format!(
                            "expected an array of tables, e.g. [[{}]] (given {})",
                            join(path, key),
                            type_name(other)
                        ),
                    );
                    None
                }
            },
        }
    }

    fn string(&mut self, v: &Value<'_>, path: &str, expected: &str) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                self.diags.error(
                    &v.span(),
                    path,
                    format!("expected {expected} (given {})", type_name(other)),
                );
                None
            }
        }
    }

    fn name(&mut self, v: &Value<'_>, path: &str) -> Option<String> {
        let s = self.string(v, path, "a name in quotes")?;
        if !valid_name(&s) {
            self.diags.error(
                &v.span(),
                path,
                format!(
                    "invalid name {s:?} (allowed: letters, digits, `_` and `-`, not all digits, so it can name a column and a --set path)"
                ),
            );
            return None;
        }
        Some(s)
    }

    fn month(&mut self, v: &Value<'_>, path: &str) -> Option<Month> {
        if let DeValue::String(s) = v.get_ref()
            && let Some(m) = Month::parse(s)
        {
            return Some(m);
        }
        let given = given(v.get_ref());
        self.diags.error(
            &v.span(),
            path,
            format!("expected a month \"YYYY-MM\" in quotes, e.g. \"2025-10\" (given {given})"),
        );
        None
    }

    fn until(&mut self, v: Option<&Value<'_>>, path: &str, default: Until) -> Option<Until> {
        let Some(v) = v else { return Some(default) };
        if let DeValue::String(s) = v.get_ref() {
            match s.as_ref() {
                "never" => return Some(Until::Never),
                "agi_verified" => return Some(Until::AgiVerified),
                "ip_expiry" => return Some(Until::IpExpiry),
                text => {
                    if let Some(m) = Month::parse(text) {
                        return Some(Until::Month(m));
                    }
                }
            }
        }
        let given = given(v.get_ref());
        self.diags.error(
            &v.span(),
            path,
            format!("expected a month \"YYYY-MM\", \"never\", \"agi_verified\" or \"ip_expiry\" (given {given})"),
        );
        None
    }

    fn boolean(&mut self, v: Option<&Value<'_>>, path: &str, default: bool) -> Option<bool> {
        let Some(v) = v else { return Some(default) };
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.diags.error(
                    &v.span(),
                    path,
                    format!("expected true or false (given {})", type_name(other)),
                );
                None
            }
        }
    }

    /// Reads a `~` value (number or distribution table), checks it against
    /// its domain on the distribution's support, and registers it.
    fn uncertain(&mut self, v: &Value<'_>, path: &str, domain: Domain) -> Option<InputId> {
        let value = match v.get_ref() {
            DeValue::Integer(_) | DeValue::Float(_) => {
                let x = number(v.get_ref()).unwrap_or(f64::NAN);
                if !x.is_finite() {
                    self.diags.error(
                        &v.span(),
                        path,
                        format!("expected a finite number (given {})", fmt_num(x)),
                    );
                    return None;
                }
                Uncertain::Const(x)
            }
            DeValue::Table(table) => {
                Uncertain::Dist(Box::new(self.distribution(table, v.span(), path)?))
            }
            other => {
                self.diags.error(
                    &v.span(),
                    path,
                    format!(
                        "expected a number or a distribution table such as {{ dist = \"normal\", mean = 1.0, sd = 0.1 }} (given {})",
                        type_name(other)
                    ),
                );
                return None;
            }
        };
        self.register(path, value, domain, &v.span())
    }

    fn distribution(
        &mut self,
        table: &DeTable<'_>,
        span: Range<usize>,
        path: &str,
    ) -> Option<Dist> {
        let unknown: Vec<_> = table
            .iter()
            .filter(|(k, _)| !DIST_KEYS.contains(&k.get_ref().as_ref()))
            .map(|(k, _)| k.clone())
            .collect();
        for key in &unknown {
            let name = key.get_ref().as_ref();
            let near = schema::nearest(name, DIST_KEYS.iter().copied(), 2);
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", near.join(" or "))
            };
            self.diags.error(
                &key.span(),
                &join(path, name),
                format!("unknown key `{name}` in a distribution table{hint}"),
            );
        }
        if get(table, "dist").is_none() {
            if unknown.is_empty() {
                self.diags.error(
                    &span,
                    path,
                    "a distribution table needs `dist` (one of uniform, normal, lognormal, triangular, pert, beta, discrete, quantiles)",
                );
            }
            return None;
        }
        if !unknown.is_empty() {
            // Still say whether the family itself exists.
            if let Some(d) = get(table, "dist")
                && let DeValue::String(name) = d.get_ref()
                && !FAMILIES.contains(&name.as_ref())
            {
                self.diags.error(
                    &d.span(),
                    &join(path, "dist"),
                    format!(
                        "unknown distribution {name:?} (allowed: {})",
                        FAMILIES.join(", ")
                    ),
                );
            }
            return None;
        }
        let mut truncate = None;
        let mut ok = true;
        if let Some(t) = get(table, "truncate") {
            let bounds = match t.get_ref() {
                DeValue::Array(items) if items.len() == 2 => {
                    match (number(items[0].get_ref()), number(items[1].get_ref())) {
                        (Some(lo), Some(hi)) if !lo.is_nan() && !hi.is_nan() => Some((lo, hi)),
                        _ => None,
                    }
                }
                _ => None,
            };
            match bounds {
                Some(b) => truncate = Some(b),
                None => {
                    self.diags.error(
                        &t.span(),
                        &join(path, "truncate"),
                        "expected two numbers [lo, hi]",
                    );
                    ok = false;
                }
            }
        }
        // The family is a serde-tagged enum; `truncate` is ours, not its.
        let family_table: DeTable<'_> = table
            .iter()
            .filter(|(k, _)| k.get_ref().as_ref() != "truncate")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let family = match Family::deserialize(ValueDeserializer::from(Spanned::new(
            span.clone(),
            DeValue::Table(family_table),
        ))) {
            Ok(f) => f,
            Err(e) => {
                let raw = e.message().trim();
                let message = raw
                    .replace("variant", "distribution")
                    .replace("field", "parameter");
                // serde names the offending key in backticks: point at it.
                let key = raw.split('`').nth(1).unwrap_or("");
                let (at, key_path) = if raw.starts_with("unknown variant") {
                    (
                        get(table, "dist").map_or(span.clone(), |v| v.span()),
                        join(path, "dist"),
                    )
                } else if raw.starts_with("unknown field") || raw.starts_with("missing field") {
                    (
                        get(table, key).map_or(span.clone(), |v| v.span()),
                        join(path, key),
                    )
                } else {
                    (e.span().unwrap_or(span), path.to_string())
                };
                self.diags
                    .error(&at, &key_path, format!("bad distribution: {message}"));
                return None;
            }
        };
        if !ok {
            return None;
        }
        match Dist::new(family, truncate) {
            Ok(d) => Some(d),
            Err(problems) => {
                for p in problems {
                    let at = get(table, p.param).map_or(span.clone(), |v| v.span());
                    self.diags.error(&at, &join(path, p.param), p.message);
                }
                None
            }
        }
    }

    /// An optional `~` value; `default` is registered as a constant when absent.
    fn uncertain_or(
        &mut self,
        table: &DeTable<'_>,
        path: &str,
        key: &str,
        domain: Domain,
        default: f64,
    ) -> Option<InputId> {
        match get(table, key) {
            Some(v) => self.uncertain(v, &join(path, key), domain),
            None => self.register(&join(path, key), Uncertain::Const(default), domain, &(0..0)),
        }
    }

    fn uncertain_req(
        &mut self,
        table: &DeTable<'_>,
        span: &Range<usize>,
        path: &str,
        key: &str,
        domain: Domain,
    ) -> Option<InputId> {
        let v = self.required(
            table,
            span,
            path,
            key,
            &format!("a number or distribution, {}", domain.what),
        )?;
        self.uncertain(v, &join(path, key), domain)
    }

    fn uncertain_opt(
        &mut self,
        table: &DeTable<'_>,
        path: &str,
        key: &str,
        domain: Domain,
    ) -> Option<Option<InputId>> {
        match get(table, key) {
            None => Some(None),
            Some(v) => self.uncertain(v, &join(path, key), domain).map(Some),
        }
    }

    fn scenario(&mut self, root: &Value<'_>) -> Option<Scenario> {
        let top = self.table(root, "", schema::SCENARIO)?;
        let span = root.span();
        let name = self
            .required(top, &span, "", "name", "a name in quotes")
            .and_then(|v| self.name(v, "name"));
        let description = match get(top, "description") {
            Some(v) => self.string(v, "description", "text in quotes"),
            None => Some(String::new()),
        };
        let seed = match get(top, "seed") {
            None => Some(0),
            Some(v) => match v.get_ref() {
                // Parsed as an integer, not through f64: seeds above 2^53 stay exact.
                DeValue::Integer(i) => match u64::from_str_radix(
                    i.as_str().trim_start_matches('+').replace('_', "").as_str(),
                    i.radix(),
                ) {
                    Ok(x) => Some(x),
                    Err(_) => {
                        self.diags
                            .error(&v.span(), "seed", "expected a non-negative integer");
                        None
                    }
                },
                other => {
                    self.diags.error(
                        &v.span(),
                        "seed",
                        format!(
                            "expected a non-negative integer (given {})",
                            type_name(other)
                        ),
                    );
                    None
                }
            },
        };
        let (start, end) = self.time(top, &span).unwrap_or((None, None));
        let demand = self.demand(top, &span);
        let (workload_names, workloads) = self.workloads(top, &span);
        let (provider_names, providers) = self.providers(top, &span);
        let new_capacity = self.new_capacity(top);
        let policy = self.policy(top);
        // Terms are checked whenever the names they refer to are known, even
        // if some number elsewhere in a provider or workload is wrong.
        let terms = match (&workload_names, &provider_names) {
            (Some(w), Some(p)) => self.terms(top, w, p),
            _ => None,
        };
        let revenue = self.revenue(top, &span);
        let microsoft = self.microsoft(top, &span, provider_names.as_deref());
        let agi = self.agi(top);
        // Last: correlations name inputs registered by every section above.
        let sampling = self.sampling(top);

        Some(Scenario {
            name: name?,
            description: description?,
            seed: seed?,
            start: start?,
            end: end?,
            demand: demand?,
            workloads: workloads?,
            providers: providers?,
            new_capacity: new_capacity?,
            policy: policy?,
            terms: terms?,
            revenue: revenue?,
            microsoft: microsoft?,
            agi: agi?,
            inputs: std::mem::take(&mut self.inputs),
            sampling: sampling?,
        })
    }

    fn time(
        &mut self,
        top: &DeTable<'_>,
        span: &Range<usize>,
    ) -> Option<(Option<Month>, Option<Month>)> {
        let v = self.required(top, span, "", "time", "a [time] table with start and end")?;
        let t = self.table(v, "time", schema::TIME)?;
        let start = self
            .required(t, &v.span(), "time", "start", "a month \"YYYY-MM\"")
            .and_then(|m| self.month(m, "time.start"));
        let end_v = self.required(t, &v.span(), "time", "end", "a month \"YYYY-MM\"");
        let end = end_v.and_then(|m| self.month(m, "time.end"));
        if let (Some(s), Some(e), Some(ev)) = (start, end, end_v) {
            if e < s {
                self.diags.error(
                    &ev.span(),
                    "time.end",
                    format!("the end {e} is before the start {s} (end must be ≥ start)"),
                );
                return Some((Some(s), None));
            }
            // Bounds the work and memory of one trial; 200 years is far
            // beyond any question the model is meant to answer.
            if e.since(s) >= 12 * 200 {
                self.diags.error(
                    &ev.span(),
                    "time.end",
                    format!("the horizon {s}..{e} is longer than 200 years"),
                );
                return Some((Some(s), None));
            }
        }
        Some((start, end))
    }

    fn demand(&mut self, top: &DeTable<'_>, span: &Range<usize>) -> Option<Demand> {
        let v = self.required(top, span, "", "demand", "a [demand] table")?;
        let t = self.table(v, "demand", schema::DEMAND)?;
        let s = v.span();
        let initial_gw = self.uncertain_req(t, &s, "demand", "initial_gw", GW);
        let growth = self.uncertain_req(t, &s, "demand", "growth", RATE);
        let halflife = self.uncertain_opt(t, "demand", "growth_halflife_years", POSITIVE);
        let volatility = self.uncertain_or(t, "demand", "volatility", NON_NEGATIVE, 0.0);
        let ceiling = self.uncertain_opt(t, "demand", "ceiling_gw", POSITIVE_GW);
        Some(Demand {
            initial_gw: initial_gw?,
            growth: growth?,
            growth_halflife_years: halflife?,
            volatility: volatility?,
            ceiling_gw: ceiling?,
        })
    }

    fn new_capacity(&mut self, top: &DeTable<'_>) -> Option<Option<NewCapacity>> {
        let Some((t, span)) = self.sub_table(top, "", "new_capacity", schema::NEW_CAPACITY)? else {
            return Some(None);
        };
        let lead = self.uncertain_req(t, &span, "new_capacity", "lead_time_months", LEAD_TIME);
        let coverage = self.uncertain_or(t, "new_capacity", "coverage", SHARE, 1.0);
        Some(Some(NewCapacity {
            lead_time_months: lead?,
            coverage: coverage?,
        }))
    }

    /// Reads `[[key]]` elements, naming each by its `name`; checks names are unique.
    fn named_elements<'t, 'a>(
        &mut self,
        top: &'t DeTable<'a>,
        span: &Range<usize>,
        key: &str,
        fields: &[(&'static str, Shape)],
    ) -> Option<Vec<(String, &'t DeTable<'a>, Range<usize>)>> {
        let items = self.array(top, "", key)?;
        if items.is_empty() {
            let at = get(top, key).map_or(span.clone(), |v| v.span());
            self.diags
                .error(&at, key, format!("at least one [[{key}]] is required"));
            return None;
        }
        let mut out = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            // Name the element by its `name` in every message when it has a
            // usable one, as `--set` and the output columns do.
            let label = match item.get_ref() {
                DeValue::Table(t) => match get(t, "name").map(|v| v.get_ref()) {
                    Some(DeValue::String(n)) if valid_name(n) => n.to_string(),
                    _ => i.to_string(),
                },
                _ => i.to_string(),
            };
            let path = format!("{key}.{label}");
            let Some(t) = self.table(item, &path, fields) else {
                ok = false;
                continue;
            };
            let name = self
                .required(t, &item.span(), &path, "name", "a name in quotes")
                .and_then(|v| self.name(v, &join(&path, "name")));
            match name {
                Some(n) => {
                    if !seen.insert(n.clone()) {
                        let at = get(t, "name").map_or(item.span(), |v| v.span());
                        self.diags.error(
                            &at,
                            &format!("{key}.{n}"),
                            format!("duplicate name {n:?} (names in [[{key}]] must be unique)"),
                        );
                        ok = false;
                    }
                    out.push((n, t, item.span()));
                }
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn workloads(
        &mut self,
        top: &DeTable<'_>,
        span: &Range<usize>,
    ) -> (Option<Vec<String>>, Option<Vec<Workload>>) {
        let Some(items) = self.named_elements(top, span, "workloads", schema::WORKLOAD) else {
            return (None, None);
        };
        let names = Some(items.iter().map(|(n, _, _)| n.clone()).collect());
        let mut out = Vec::new();
        let mut ok = true;
        for (name, t, s) in items {
            let path = format!("workloads.{name}");
            match self.uncertain_req(t, &s, &path, "share", SHARE) {
                Some(share) => out.push(Workload { name, share }),
                None => ok = false,
            }
        }
        (names, ok.then_some(out))
    }

    fn providers(
        &mut self,
        top: &DeTable<'_>,
        span: &Range<usize>,
    ) -> (Option<Vec<String>>, Option<Vec<Provider>>) {
        let Some(items) = self.named_elements(top, span, "providers", schema::PROVIDER) else {
            return (None, None);
        };
        let names = Some(items.iter().map(|(n, _, _)| n.clone()).collect());
        let mut out = Vec::new();
        let mut ok = true;
        for (name, t, s) in items {
            let path = format!("providers.{name}");
            let initial_gw = self.uncertain_req(t, &s, &path, "initial_gw", GW);
            let growth = self.uncertain_or(t, &path, "growth", RATE, 0.0);
            let max_gw = self.uncertain_opt(t, &path, "max_gw", GW);
            let price = self.uncertain_req(t, &s, &path, "price", PRICE);
            let max_new = self.uncertain_opt(t, &path, "max_new_gw_per_year", GW);
            let tranches = self.tranches(t, &path);
            match (initial_gw, growth, max_gw, price, max_new, tranches) {
                (
                    Some(initial_gw),
                    Some(growth),
                    Some(max_gw),
                    Some(price),
                    Some(max_new_gw_per_year),
                    Some(tranches),
                ) => out.push(Provider {
                    name,
                    initial_gw,
                    growth,
                    max_gw,
                    price,
                    max_new_gw_per_year,
                    tranches,
                }),
                _ => ok = false,
            }
        }
        (names, ok.then_some(out))
    }

    fn tranches(&mut self, provider: &DeTable<'_>, path: &str) -> Option<Vec<Tranche>> {
        let items = self.array(provider, path, "tranches")?;
        let mut out = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let path = format!("{path}.tranches.{i}");
            let Some(t) = self.table(item, &path, schema::TRANCHE) else {
                ok = false;
                continue;
            };
            let s = item.span();
            let gw = self.uncertain_req(t, &s, &path, "gw", GW);
            let online = self
                .required(t, &s, &path, "online", "a month \"YYYY-MM\"")
                .and_then(|v| self.month(v, &join(&path, "online")));
            let delay_months = self.uncertain_or(t, &path, "delay_months", MONTHS, 0.0);
            let probability = self.uncertain_or(t, &path, "probability", PROBABILITY, 1.0);
            match (gw, online, delay_months, probability) {
                (Some(gw), Some(online), Some(delay_months), Some(probability)) => {
                    out.push(Tranche {
                        gw,
                        online,
                        delay_months,
                        probability,
                        path,
                    })
                }
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn policy(&mut self, top: &DeTable<'_>) -> Option<Policy> {
        let Some((t, _)) = self.sub_table(top, "", "allocation", schema::ALLOCATION)? else {
            return Some(Policy::CheapestFirst);
        };
        let Some(v) = get(t, "policy") else {
            return Some(Policy::CheapestFirst);
        };
        let s = self.string(
            v,
            "allocation.policy",
            "\"cheapest_first\", \"pro_rata\" or \"in_order\"",
        )?;
        match s.as_str() {
            "cheapest_first" => Some(Policy::CheapestFirst),
            "pro_rata" => Some(Policy::ProRata),
            "in_order" => Some(Policy::InOrder),
            other => {
                self.diags.error(
                    &v.span(),
                    "allocation.policy",
                    format!("unknown policy {other:?} (allowed: \"cheapest_first\", \"pro_rata\", \"in_order\")"),
                );
                None
            }
        }
    }

    /// Resolves a provider name to its index.
    fn provider_ref(&mut self, v: &Value<'_>, path: &str, providers: &[String]) -> Option<usize> {
        let name = self.string(v, path, "a provider name in quotes")?;
        let found = providers.iter().position(|p| *p == name);
        if found.is_none() {
            self.diags.error(
                &v.span(),
                path,
                format!(
                    "unknown provider {name:?} (providers: {})",
                    providers.join(", ")
                ),
            );
        }
        found
    }

    /// Resolves a list of workload names; absent = every workload.
    fn workload_refs(
        &mut self,
        v: Option<&Value<'_>>,
        path: &str,
        names: &[String],
    ) -> Option<Vec<usize>> {
        let Some(v) = v else {
            return Some((0..names.len()).collect());
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.diags.error(
                &v.span(),
                path,
                format!(
                    "expected a list of workload names such as [\"training\"] (given {})",
                    type_name(v.get_ref())
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in items.iter() {
            let Some(name) = self.string(item, path, "a workload name in quotes") else {
                ok = false;
                continue;
            };
            match names.iter().position(|w| *w == name) {
                Some(i) if out.contains(&i) => {
                    self.diags.error(
                        &item.span(),
                        path,
                        format!("workload {name:?} is listed twice"),
                    );
                    ok = false;
                }
                Some(i) => out.push(i),
                None => {
                    self.diags.error(
                        &item.span(),
                        path,
                        format!(
                            "unknown workload {name:?} (workloads: {})",
                            names.join(", ")
                        ),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn window(&mut self, t: &DeTable<'_>, path: &str) -> (Option<Option<Month>>, Option<Until>) {
        let from = match get(t, "from") {
            None => Some(None),
            Some(v) => self.month(v, &join(path, "from")).map(Some),
        };
        let until = self.until(get(t, "until"), &join(path, "until"), Until::Never);
        if let (Some(Some(f)), Some(Until::Month(u)), Some(v)) = (from, until, get(t, "until"))
            && u <= f
        {
            self.diags.error(
                &v.span(),
                &join(path, "until"),
                format!("until {u} is not after from {f} (a window needs from < until)"),
            );
            return (from, None);
        }
        (from, until)
    }

    fn terms(
        &mut self,
        top: &DeTable<'_>,
        workloads: &[String],
        providers: &[String],
    ) -> Option<Terms> {
        let Some((t, _)) = self.sub_table(top, "", "terms", schema::TERMS)? else {
            return Some(Terms::default());
        };
        let mut ok = true;
        let mut terms = Terms::default();
        // `from` defaults to the first month, filled in by `finish_windows`.
        let far_past = Month::new(1000, 1);
        if let Some(items) = self.array(t, "terms", "exclusivity") {
            for (i, item) in items.iter().enumerate() {
                let path = format!("terms.exclusivity.{i}");
                let Some(w) = self.table(item, &path, schema::EXCLUSIVITY) else {
                    ok = false;
                    continue;
                };
                let provider = self
                    .required(w, &item.span(), &path, "provider", "a provider name")
                    .and_then(|v| self.provider_ref(v, &join(&path, "provider"), providers));
                let wl =
                    self.workload_refs(get(w, "workloads"), &join(&path, "workloads"), workloads);
                let (from, until) = self.window(w, &path);
                match (provider, wl, from, until, far_past) {
                    (Some(provider), Some(workloads), Some(from), Some(until), Some(far)) => {
                        terms.exclusivity.push(Exclusivity {
                            provider,
                            workloads,
                            from: from.unwrap_or(far),
                            until,
                        })
                    }
                    _ => ok = false,
                }
            }
        } else {
            ok = false;
        }
        if let Some(items) = self.array(t, "terms", "rofr") {
            for (i, item) in items.iter().enumerate() {
                let path = format!("terms.rofr.{i}");
                let Some(w) = self.table(item, &path, schema::ROFR) else {
                    ok = false;
                    continue;
                };
                let holder = self
                    .required(w, &item.span(), &path, "holder", "a provider name")
                    .and_then(|v| self.provider_ref(v, &join(&path, "holder"), providers));
                let wl =
                    self.workload_refs(get(w, "workloads"), &join(&path, "workloads"), workloads);
                let (from, until) = self.window(w, &path);
                let p =
                    self.uncertain_req(w, &item.span(), &path, "exercise_probability", PROBABILITY);
                match (holder, wl, from, until, p, far_past) {
                    (
                        Some(holder),
                        Some(workloads),
                        Some(from),
                        Some(until),
                        Some(exercise_probability),
                        Some(far),
                    ) => terms.rofr.push(Rofr {
                        holder,
                        workloads,
                        from: from.unwrap_or(far),
                        until,
                        exercise_probability,
                        path,
                    }),
                    _ => ok = false,
                }
            }
        } else {
            ok = false;
        }
        match self.sub_table(t, "terms", "ip", schema::IP) {
            Some(Some((ip, span))) => {
                let sunset = self
                    .required(ip, &span, "terms.ip", "sunset", "a month \"YYYY-MM\"")
                    .and_then(|v| self.month(v, "terms.ip.sunset"));
                let ends = self.boolean(get(ip, "ends_at_agi"), "terms.ip.ends_at_agi", true);
                match (sunset, ends) {
                    (Some(sunset), Some(ends_at_agi)) => {
                        terms.ip = Some(IpRights {
                            sunset,
                            ends_at_agi,
                        })
                    }
                    _ => ok = false,
                }
            }
            Some(None) => {}
            None => ok = false,
        }
        match self.sub_table(t, "terms", "revenue_share", schema::REVENUE_SHARE) {
            Some(Some((rs, span))) => {
                let rate = self.uncertain_req(rs, &span, "terms.revenue_share", "rate", SHARE);
                let until = self.until(get(rs, "until"), "terms.revenue_share.until", Until::Never);
                let cap = self.uncertain_opt(rs, "terms.revenue_share", "cap_usd_bn", PRICE);
                match (rate, until, cap) {
                    (Some(rate), Some(until), Some(cap_usd_bn)) => {
                        terms.revenue_share = Some(RevenueShare {
                            rate,
                            until,
                            cap_usd_bn,
                        })
                    }
                    _ => ok = false,
                }
            }
            Some(None) => {}
            None => ok = false,
        }
        ok.then_some(terms)
    }

    fn revenue(&mut self, top: &DeTable<'_>, span: &Range<usize>) -> Option<Revenue> {
        let v = self.required(
            top,
            span,
            "",
            "revenue",
            "a [revenue] table with per_gw_year",
        )?;
        let t = self.table(v, "revenue", schema::REVENUE)?;
        let per_gw_year = self.uncertain_req(t, &v.span(), "revenue", "per_gw_year", PRICE);
        let growth = self.uncertain_or(t, "revenue", "growth", RATE, 0.0);
        Some(Revenue {
            per_gw_year: per_gw_year?,
            growth: growth?,
        })
    }

    fn microsoft(
        &mut self,
        top: &DeTable<'_>,
        span: &Range<usize>,
        providers: Option<&[String]>,
    ) -> Option<Microsoft> {
        let v = self.required(
            top,
            span,
            "",
            "microsoft",
            "a [microsoft] table with azure_margin and discount_rate",
        )?;
        let t = self.table(v, "microsoft", schema::MICROSOFT)?;
        let provider = match (get(t, "provider"), providers) {
            (_, None) => None,
            (Some(p), Some(providers)) => self.provider_ref(p, "microsoft.provider", providers),
            (None, Some(providers)) => {
                let found = providers.iter().position(|p| p == "azure");
                if found.is_none() {
                    self.diags.error(
                        &v.span(),
                        "microsoft.provider",
                        "missing: no provider is named \"azure\", so say which one is Microsoft's (provider = \"…\")",
                    );
                }
                found
            }
        };
        let margin = self.uncertain_req(t, &v.span(), "microsoft", "azure_margin", SHARE);
        let discount = self.uncertain_req(t, &v.span(), "microsoft", "discount_rate", RATE);
        Some(Microsoft {
            provider: provider?,
            azure_margin: margin?,
            discount_rate: discount?,
        })
    }

    fn agi(&mut self, top: &DeTable<'_>) -> Option<Option<Agi>> {
        let Some((t, span)) = self.sub_table(top, "", "agi", schema::AGI)? else {
            return Some(None);
        };
        let mode_v = self.required(
            t,
            &span,
            "agi",
            "mode",
            "\"date\", \"hazard\" or \"compute\"",
        )?;
        let mode_name = self.string(mode_v, "agi.mode", "\"date\", \"hazard\" or \"compute\"")?;
        let (keys, other): (&[&str], &[&str]) = match mode_name.as_str() {
            "date" => (
                &["year"],
                &["annual_hazard", "hazard_growth", "threshold_gw_years"],
            ),
            "hazard" => (
                &["annual_hazard", "hazard_growth"],
                &["year", "threshold_gw_years"],
            ),
            "compute" => (
                &["threshold_gw_years"],
                &["year", "annual_hazard", "hazard_growth"],
            ),
            m => {
                self.diags.error(
                    &mode_v.span(),
                    "agi.mode",
                    format!("unknown mode {m:?} (allowed: \"date\", \"hazard\", \"compute\")"),
                );
                return None;
            }
        };
        let mut ok = true;
        for key in other {
            if let Some(v) = get(t, key) {
                self.diags.error(
                    &v.span(),
                    &join("agi", key),
                    format!(
                        "`{key}` does not apply to mode {mode_name:?} (that mode uses {})",
                        keys.join(", ")
                    ),
                );
                ok = false;
            }
        }
        let mode = match mode_name.as_str() {
            "date" => self
                .uncertain_req(t, &span, "agi", "year", YEAR)
                .map(|year| AgiMode::Date { year }),
            "hazard" => {
                let h = self.uncertain_req(t, &span, "agi", "annual_hazard", NON_NEGATIVE);
                let g = self.uncertain_or(t, "agi", "hazard_growth", RATE, 0.0);
                match (h, g) {
                    (Some(annual_hazard), Some(hazard_growth)) => Some(AgiMode::Hazard {
                        annual_hazard,
                        hazard_growth,
                    }),
                    _ => None,
                }
            }
            _ => self
                .uncertain_req(t, &span, "agi", "threshold_gw_years", GW_YEARS)
                .map(|threshold_gw_years| AgiMode::Compute { threshold_gw_years }),
        };
        // Without a panel table a declaration is verified at once: the
        // defaults below (no wait, confirmed for sure), read from an empty
        // table so that they are inputs like written ones.
        let no_panel = DeTable::new();
        let panel = match self.sub_table(t, "agi", "panel", schema::PANEL) {
            Some(found) => {
                let p = found.map_or(&no_panel, |(p, _)| p);
                let months = self.uncertain_or(p, "agi.panel", "months", MONTHS, 0.0);
                let confirm =
                    self.uncertain_or(p, "agi.panel", "confirm_probability", PROBABILITY, 1.0);
                let retry = self.uncertain_or(p, "agi.panel", "retry_months", RETRY_MONTHS, 12.0);
                match (months, confirm, retry) {
                    (Some(months), Some(confirm_probability), Some(retry_months)) => Some(Panel {
                        months,
                        confirm_probability,
                        retry_months,
                    }),
                    _ => None,
                }
            }
            None => None,
        };
        if !ok {
            return None;
        }
        Some(Some(Agi {
            mode: mode?,
            panel: panel?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = include_str!("../../tests/fixtures/minimal.toml");

    fn load(sets: &[&str]) -> Result<Scenario, Vec<Diagnostic>> {
        let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
        load_str("minimal.toml", MINIMAL, &overrides)
    }

    fn input<'s>(s: &'s Scenario, path: &str) -> &'s Uncertain {
        let found = s.inputs.all().iter().find(|i| i.path == path);
        &found.unwrap_or_else(|| panic!("no input {path}")).value
    }

    fn constant(s: &Scenario, path: &str) -> f64 {
        match input(s, path) {
            Uncertain::Const(x) => *x,
            other => panic!("{path} is {other:?}"),
        }
    }

    fn problems(sets: &[&str]) -> Vec<Diagnostic> {
        match load(sets) {
            Ok(_) => panic!("{sets:?} loaded"),
            Err(d) => d,
        }
    }

    #[test]
    fn scaling_and_shifting_apply_in_order_after_every_replacement() {
        // Constants: 0.5 × 2 = 1, then + 0.25; the other order gives 1.5.
        let s = load(&["providers.azure.growth*=2", "providers.azure.growth+=0.25"]).unwrap();
        assert_eq!(constant(&s, "providers.azure.growth"), 1.25);
        let s = load(&["providers.azure.growth+=0.25", "providers.azure.growth*=2"]).unwrap();
        assert_eq!(constant(&s, "providers.azure.growth"), 1.5);
        // `=` applies first wherever it is given: 0.3 × 2.
        let s = load(&["providers.azure.growth*=2", "providers.azure.growth=0.3"]).unwrap();
        assert_eq!(constant(&s, "providers.azure.growth"), 0.6);
        // A default (agi.panel.retry_months is 12 when not written) scales too.
        let s = load(&["agi.panel.retry_months*=0.5"]).unwrap();
        assert_eq!(constant(&s, "agi.panel.retry_months"), 6.0);
        // A distribution keeps its family and scales every quantile.
        let plain = load(&[]).unwrap();
        let s = load(&["providers.azure.price*=1.5", "providers.azure.price+=-1"]).unwrap();
        for p in [0.0, 0.1, 0.5, 0.9, 1.0] {
            let base = input(&plain, "providers.azure.price").quantile(p);
            assert_eq!(
                input(&s, "providers.azure.price").quantile(p),
                base * 1.5 - 1.0
            );
        }
        // Inputs keep their order (each names a random stream).
        let order = |s: &Scenario| -> Vec<String> {
            s.inputs.all().iter().map(|i| i.path.clone()).collect()
        };
        assert_eq!(order(&s), order(&plain));
    }

    #[test]
    fn a_scaled_input_outside_its_domain_names_the_override() {
        // A share of 0.6 × 2 is no share; the message names the override.
        let d = problems(&["workloads.training.share*=2"]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].origin, "--set workloads.training.share");
        assert_eq!(d[0].path, "workloads.training.share");
        assert!(
            d[0].message
                .starts_with("after `workloads.training.share*=2`: must lie in [0, 1]"),
            "{}",
            d[0].message
        );
        let d = problems(&["providers.azure.price*=-1"]);
        assert!(d[0].message.contains("finite factor > 0"), "{d:?}");
    }

    #[test]
    fn scaling_what_is_not_an_uncertain_input_is_refused_with_the_nearest_inputs() {
        for (set, near) in [
            ("providers.azure.grwth*=2", "providers.azure.growth"),
            ("seed*=2", ""),
            ("time.start+=1", ""),
        ] {
            let d = problems(&[set]);
            assert_eq!(d.len(), 1, "{set}: {d:?}");
            assert!(
                d[0].message.contains("scales or shifts an uncertain input")
                    && d[0].message.contains(near),
                "{set}: {}",
                d[0].message
            );
        }
    }
}
