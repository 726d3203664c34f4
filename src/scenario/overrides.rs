//! `--set key.path=VALUE`: change one value of a scenario from the command
//! line. VALUE is TOML (`0.5`, `"2027-01"`, `{ dist = "normal", mean = 0.5,
//! sd = 0.1 }`); a bare word such as `pro_rata` or `2027-01`, which is not
//! TOML, is taken as a string for convenience.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::diag::Diagnostics;
use super::schema::{self, Shape, Value};

/// One `--set` override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Dotted path, e.g. `providers.azure.price` or `terms.rofr.0.until`.
    pub path: String,
    /// What to do with the value: replace it, scale it or shift it.
    pub op: Op,
    /// The value as written after `=` (`*=`, `+=`).
    pub value: String,
}

/// How an override changes its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `key=VALUE`: replace the value (TOML).
    Set,
    /// `key*=k`: multiply every draw of an uncertain input by the number k.
    Scale,
    /// `key+=d`: add the number d to every draw of an uncertain input.
    Shift,
}

impl Op {
    /// The operator as written: `=`, `*=` or `+=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Set => "=",
            Op::Scale => "*=",
            Op::Shift => "+=",
        }
    }
}

impl Override {
    /// `path=value`.
    pub fn set(path: &str, value: &str) -> Override {
        Override {
            path: path.to_string(),
            op: Op::Set,
            value: value.to_string(),
        }
    }

    /// The number a `*=` or `+=` override applies, or why it is not one.
    pub fn factor(&self) -> Result<f64, String> {
        let x = self.value.replace('_', "").parse::<f64>().ok();
        match x {
            Some(x) if x.is_finite() => Ok(x),
            _ => Err(format!(
                "`{}` needs a finite number after it, such as 2 or 0.5 (given {:?})",
                self.op.symbol(),
                self.value
            )),
        }
    }
}

/// As written on the command line and recorded in manifests:
/// `key.path=VALUE`, `key.path*=k`, `key.path+=d`.
impl std::fmt::Display for Override {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{}", self.path, self.op.symbol(), self.value)
    }
}

impl Override {
    /// A short form for labels: the last segments of the path that name
    /// the value (`azure.growth`, `rofr.0.until`), the operator (`×` for a
    /// scale) and the value, unquoted and cut to a few characters.
    pub fn short(&self) -> String {
        let segments: Vec<&str> = self.path.split('.').collect();
        // Keep the element (name or index) the key belongs to, and the
        // list's name too when the element is only an index.
        let mut keep = 2.min(segments.len());
        if segments.len() > keep
            && segments[segments.len() - keep]
                .bytes()
                .all(|b| b.is_ascii_digit())
        {
            keep += 1;
        }
        let key = segments[segments.len() - keep..].join(".");
        let value: String = self.value.chars().filter(|&c| c != '"').collect();
        let value = if value.chars().count() > 20 {
            format!("{}…", value.chars().take(19).collect::<String>())
        } else {
            value
        };
        let op = match self.op {
            Op::Set => "=",
            Op::Scale => "×",
            Op::Shift if value.starts_with('-') => "",
            Op::Shift => "+",
        };
        format!("{key}{op}{value}")
    }
}

/// A run's default label: the scenario's name, then the short form of
/// each override, e.g. `baseline (azure.growth×2, cap_usd_bn=76)`.
pub fn default_label(name: &str, overrides: &[Override]) -> String {
    if overrides.is_empty() {
        return name.to_string();
    }
    let shorts: Vec<String> = overrides.iter().map(Override::short).collect();
    format!("{name} ({})", shorts.join(", "))
}

/// Splits `text` at each character `is_separator` accepts outside quotes,
/// `{}` and `[]`, so that an inline table or a quoted string is one part
/// (`--vary` values split at commas, `--what-if` overrides at spaces).
/// Parts are as written: untrimmed, empty ones kept.
pub fn split_outside_values(text: &str, is_separator: impl Fn(char) -> bool) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut current, mut depth, mut quote) = (String::new(), 0i32, None);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => depth -= 1,
            (None, c) if depth <= 0 && is_separator(c) => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
}

/// A label as a folder name: letters, digits, `.`, `_` and `-`, every
/// other run of characters one `-` (`growth×2` becomes `growth-x2`).
pub fn folder_name(label: &str) -> String {
    let mut out = String::new();
    for c in label.replace('×', "-x").chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    match out.trim_matches(['-', '.']) {
        "" => "run".to_string(),
        name => name.to_string(),
    }
}

impl std::str::FromStr for Override {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some((path, value)) = s.split_once('=') else {
            return Err(format!(
                "expected key.path=VALUE, key.path*=FACTOR or key.path+=AMOUNT (given {s:?})"
            ));
        };
        let path = path.trim();
        let (path, op) = if let Some(p) = path.strip_suffix('*') {
            (p.trim_end(), Op::Scale)
        } else if let Some(p) = path.strip_suffix('+') {
            (p.trim_end(), Op::Shift)
        } else {
            (path, Op::Set)
        };
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(format!(
                "expected a dotted key path before '{}' (given {path:?})",
                op.symbol()
            ));
        }
        let o = Override {
            path: path.to_string(),
            op,
            value: value.trim().to_string(),
        };
        if op != Op::Set {
            o.factor()?;
        }
        Ok(o)
    }
}

fn is_bare_word(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(s, "true" | "false" | "inf" | "nan")
        && s.parse::<f64>().is_err()
}

/// Re-bases every span of a value parsed on its own onto the global offsets
/// of [`Sources`](super::diag::Sources).
fn shift<'a>(v: Value<'a>, offset: usize) -> Value<'a> {
    let span = v.span();
    let moved = |r: Range<usize>| r.start + offset..r.end + offset;
    let inner = match v.into_inner() {
        DeValue::Table(t) => {
            let mut out = DeTable::new();
            for (k, val) in t {
                let key_span = moved(k.span());
                out.insert(Spanned::new(key_span, k.into_inner()), shift(val, offset));
            }
            DeValue::Table(out)
        }
        DeValue::Array(a) => DeValue::Array(
            a.into_iter()
                .map(|x| shift(x, offset))
                .collect::<DeArray<'a>>(),
        ),
        other => other,
    };
    Spanned::new(moved(span), inner)
}

/// Parses the override's value, trying TOML first.
fn parse_value<'a>(o: &'a Override, offset: usize, diags: &mut Diagnostics) -> Option<Value<'a>> {
    match DeValue::parse(&o.value) {
        Ok(v) => Some(shift(v, offset)),
        Err(_) if is_bare_word(&o.value) => {
            let span = offset..offset + o.value.len();
            Some(Spanned::new(span, DeValue::String(o.value.as_str().into())))
        }
        Err(e) => {
            let span = e
                .span()
                .map_or(offset..offset, |r| r.start + offset..r.end + offset);
            diags.error(
                &span,
                &o.path,
                format!(
                    "the value is not TOML: {} (strings need quotes, e.g. \"2027-01\")",
                    e.message().trim()
                ),
            );
            None
        }
    }
}

/// Every settable path below `prefix` in a table of the given shape, for
/// "nearest valid path" hints.
fn paths_below(
    fields: &[(&'static str, Shape)],
    table: Option<&DeTable<'_>>,
    prefix: &str,
    out: &mut Vec<String>,
) {
    for (key, shape) in fields {
        let path = if prefix.is_empty() {
            (*key).to_string()
        } else {
            format!("{prefix}.{key}")
        };
        let child = table
            .and_then(|t| t.iter().find(|(k, _)| k.get_ref().as_ref() == *key))
            .map(|(_, v)| v);
        match shape {
            Shape::Leaf => out.push(path),
            Shape::Table(sub) => {
                let sub_table = child.and_then(|v| match v.get_ref() {
                    DeValue::Table(t) => Some(t),
                    _ => None,
                });
                paths_below(sub, sub_table, &path, out);
            }
            Shape::Array(sub) => {
                out.push(path.clone());
                if let Some(DeValue::Array(items)) = child.map(|v| v.get_ref()) {
                    for (i, item) in items.iter().enumerate() {
                        if let DeValue::Table(t) = item.get_ref() {
                            let label = element_name(t).unwrap_or_else(|| i.to_string());
                            paths_below(sub, Some(t), &format!("{path}.{label}"), out);
                        }
                    }
                }
            }
        }
    }
}

fn element_name(t: &DeTable<'_>) -> Option<String> {
    t.iter()
        .find(|(k, _)| k.get_ref().as_ref() == "name")
        .and_then(|(_, v)| match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => None,
        })
}

/// Applies one override to the parsed tree, or records why it cannot.
pub(super) fn apply<'a>(
    root: &mut Value<'a>,
    o: &'a Override,
    offset: usize,
    diags: &mut Diagnostics,
) {
    let here = offset..offset;
    let segments: Vec<&str> = o.path.split('.').collect();
    let not_found = |diags: &mut Diagnostics, root: &Value<'_>| {
        let mut all = Vec::new();
        if let DeValue::Table(t) = root.get_ref() {
            paths_below(schema::SCENARIO, Some(t), "", &mut all);
        }
        let near = schema::nearest(&o.path, all.iter().map(String::as_str), 3);
        let hint = if near.is_empty() {
            "see `rofrsim validate` for the paths of uncertain inputs".to_string()
        } else {
            format!("nearest valid paths: {}", near.join(", "))
        };
        diags.error(
            &here,
            &o.path,
            format!("no such key path `{}` in this scenario ({hint})", o.path),
        );
    };

    // Walk down, creating optional tables on the way (so that, e.g.,
    // `--set terms.ip.sunset="2030-01"` works on a file without [terms.ip]).
    let mut fields = schema::SCENARIO;
    let mut node: &mut Value<'a> = root;
    let mut i = 0;
    while i < segments.len() {
        let key = segments[i];
        let Some(shape) = schema::shape_of(fields, key) else {
            break;
        };
        let DeValue::Table(table) = node.get_mut() else {
            break;
        };
        let last = i + 1 == segments.len();
        if last {
            let Some(value) = parse_value(o, offset, diags) else {
                return;
            };
            let existing = table.iter().position(|(k, _)| k.get_ref().as_ref() == key);
            if let Some(pos) = existing {
                if let Some((_, slot)) = table.iter_mut().nth(pos) {
                    *slot = value;
                }
            } else {
                table.insert(Spanned::new(here.clone(), key.into()), value);
            }
            return;
        }
        match shape {
            Shape::Leaf => break,
            Shape::Table(sub) => {
                if !table.iter().any(|(k, _)| k.get_ref().as_ref() == key) {
                    table.insert(
                        Spanned::new(here.clone(), key.into()),
                        Spanned::new(here.clone(), DeValue::Table(DeTable::new())),
                    );
                }
                let Some((_, child)) = table.iter_mut().find(|(k, _)| k.get_ref().as_ref() == key)
                else {
                    break;
                };
                node = child;
                fields = sub;
                i += 1;
            }
            Shape::Array(sub) => {
                let Some(label) = segments.get(i + 1) else {
                    break;
                };
                let Some((_, child)) = table.iter_mut().find(|(k, _)| k.get_ref().as_ref() == key)
                else {
                    break;
                };
                let DeValue::Array(items) = child.get_mut() else {
                    break;
                };
                let found = items.iter().position(|item| match item.get_ref() {
                    DeValue::Table(t) => element_name(t).as_deref() == Some(label),
                    _ => false,
                });
                let index =
                    found.or_else(|| label.parse::<usize>().ok().filter(|&n| n < items.len()));
                let Some(index) = index else { break };
                let Some(element) = items.get_mut(index) else {
                    break;
                };
                if segments.len() == i + 2 {
                    // Replacing a whole element is not supported: name a key in it.
                    break;
                }
                node = element;
                fields = sub;
                i += 2;
            }
        }
    }
    not_found(diags, root);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(s: &str) -> Override {
        s.parse().unwrap()
    }

    #[test]
    fn an_override_parses_its_operator_and_writes_back_as_given() {
        for (text, path, op, value) in [
            ("demand.growth=0.5", "demand.growth", Op::Set, "0.5"),
            (
                "providers.azure.growth*=2",
                "providers.azure.growth",
                Op::Scale,
                "2",
            ),
            (
                "demand.initial_gw+=-0.25",
                "demand.initial_gw",
                Op::Shift,
                "-0.25",
            ),
            ("a.b = {x = 1}", "a.b", Op::Set, "{x = 1}"),
        ] {
            let parsed = o(text);
            assert_eq!((parsed.path.as_str(), parsed.op), (path, op), "{text}");
            assert_eq!(parsed.value, value);
            assert_eq!(o(&parsed.to_string()), parsed, "{text} round-trips");
        }
        for bad in ["a.b*=x", "a.b+=", "*=2", "a..b*=2", "a.b*=inf", "nothing"] {
            assert!(bad.parse::<Override>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_default_label_is_the_name_and_the_short_overrides() {
        assert_eq!(default_label("baseline", &[]), "baseline");
        let set = [
            o("providers.azure.growth*=2"),
            o("terms.rofr.0.until=\"2026-01\""),
            o("demand.initial_gw+=-0.5"),
            o("seed=3"),
            o(r#"demand.growth={dist="normal",mean=0.5,sd=0.1}"#),
        ];
        let label = default_label("baseline", &set);
        assert_eq!(
            label,
            "baseline (azure.growth×2, rofr.0.until=2026-01, demand.initial_gw-0.5, seed=3, demand.growth={dist=normal,mean=0…)"
        );
        assert_eq!(
            folder_name(&label),
            "baseline-azure.growth-x2-rofr.0.until-2026-01-demand.initial_gw-0.5-seed-3-demand.growth-dist-normal-mean-0"
        );
        assert_eq!(folder_name("cheaper azure"), "cheaper-azure");
        assert_eq!(folder_name("../.."), "run");
        assert_eq!(folder_name("été"), "t");
    }

    #[test]
    fn values_split_only_outside_quotes_and_tables() {
        let by_comma = split_outside_values(r#"{a=1,b=[2,3]},"x,y",,4"#, |c| c == ',');
        assert_eq!(by_comma, [r#"{a=1,b=[2,3]}"#, r#""x,y""#, "", "4"]);
        let by_space = split_outside_values("a.b=1  c.d={ x = 1 } e='f g'", char::is_whitespace);
        assert_eq!(by_space, ["a.b=1", "", "c.d={ x = 1 }", "e='f g'"]);
    }
}
