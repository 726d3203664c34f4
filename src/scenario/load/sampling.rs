//! Reading `[sampling]` and `[[correlations]]` (docs/scenario.md, "Sampling
//! and correlations"). Read last: correlations name inputs that every other
//! section registers.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::{Reader, fmt_num, get, number, type_name};
use crate::analysis::matrix::Matrix;
use crate::scenario::dist::Family;
use crate::scenario::sampling::{self, CorrelationGroup, Method, Sampling};
use crate::scenario::schema::{self, Value};
use crate::scenario::{InputId, Uncertain};

/// Rank correlations reach their target only for inputs with enough
/// distinct values; Crystal Ball warns below about five.
const FEW_VALUES: usize = 5;

/// An input a correlation lists.
enum Listed {
    /// An input given as a distribution.
    Input(InputId),
    /// An input a `--set` made a constant: it stays in the copula as a
    /// latent draw (its value is the constant), by id and path.
    SetConstant(InputId, String),
}

impl Listed {
    fn id(&self) -> InputId {
        match self {
            Listed::Input(id) | Listed::SetConstant(id, _) => *id,
        }
    }
}

/// One coefficient as written: the pair, its value, and where.
struct Written {
    a: InputId,
    b: InputId,
    spearman: f64,
    /// The `[[correlations]]` table it is in.
    table: usize,
    span: Range<usize>,
}

impl Reader {
    /// `[sampling]` and every `[[correlations]]` table, resolved into
    /// groups.
    pub(super) fn sampling(&mut self, top: &DeTable<'_>) -> Option<Sampling> {
        let (method, adjust) = match self.sub_table(top, "", "sampling", schema::SAMPLING)? {
            None => (Some(Method::MonteCarlo), Some(false)),
            Some((t, _)) => (
                self.method(get(t, "method")),
                self.boolean(
                    get(t, "adjust_correlations"),
                    "sampling.adjust_correlations",
                    false,
                ),
            ),
        };
        let items = self.array(top, "", "correlations")?;
        let mut written: Vec<Written> = Vec::new();
        let mut tables_ok = true;
        let mut notes = Vec::new();
        for (k, item) in items.iter().enumerate() {
            let path = format!("correlations.{k}");
            match self.correlation(item, &path, k) {
                Some((pairs, dropped)) => {
                    for name in dropped {
                        notes.push(format!(
                            "note: `{name}` is a constant here (set by --set); in {path} it stays a hidden draw, so the inputs correlated with it draw as they do without the --set"
                        ));
                    }
                    for w in pairs {
                        if let Some(earlier) = written
                            .iter()
                            .find(|e| (e.a, e.b) == (w.a, w.b) || (e.a, e.b) == (w.b, w.a))
                        {
                            let (pa, pb) = (self.path_of(w.a), self.path_of(w.b));
                            self.diags.error(
                                &w.span,
                                &path,
                                format!(
                                    "`{pa}` and `{pb}` are correlated twice (also in correlations.{}); give each pair once",
                                    earlier.table
                                ),
                            );
                            tables_ok = false;
                        } else {
                            written.push(w);
                        }
                    }
                }
                None => tables_ok = false,
            }
        }
        let (method, adjust) = (method?, adjust?);
        if !tables_ok {
            return None;
        }
        // A 0 written in a matrix counts as given (a pair table may not
        // give it again) but links nothing.
        written.retain(|w| w.spearman != 0.0);
        let pairs: Vec<(InputId, InputId)> = written.iter().map(|w| (w.a, w.b)).collect();
        let mut out = Sampling {
            method,
            groups: Vec::new(),
            notes,
        };
        let mut ok = true;
        for ids in sampling::linked(&pairs) {
            let n = ids.len();
            let mut spearman = Matrix::identity(n);
            let at = |id: InputId| ids.iter().position(|&i| i == id).unwrap_or(0);
            let mut first: Option<&Written> = None;
            for w in written.iter().filter(|w| ids.contains(&w.a)) {
                let (i, j) = (at(w.a), at(w.b));
                spearman.a[i * n + j] = w.spearman;
                spearman.a[j * n + i] = w.spearman;
                if first.is_none_or(|f| w.table < f.table) {
                    first = Some(w);
                }
            }
            let span = first.map_or(0..0, |w| w.span.clone());
            let names: Vec<String> = ids.iter().map(|&i| self.path_of(i)).collect();
            match sampling::group(ids.clone(), spearman, adjust) {
                Ok(g) => {
                    if let Some(given) = &g.adjusted_from {
                        out.notes.push(adjusted_note(&names, given, &g.spearman));
                    }
                    self.few_values_notes(&g, &names, &mut out.notes);
                    out.groups.push(g);
                }
                Err(e) => {
                    let nearest = coefficients_list(&names, &e.nearest);
                    let key = format!("correlations.{}", first.map_or(0, |w| w.table));
                    let eigenvalue = if e.smallest_eigenvalue.abs() < 1e-4 {
                        format!("{:.1e}", e.smallest_eigenvalue)
                    } else {
                        fmt_num(round4(e.smallest_eigenvalue))
                    };
                    let remedy = if adjust {
                        format!(
                            "and even the nearest consistent ones ({nearest}) could not be used; change them"
                        )
                    } else {
                        format!(
                            "change them, or set `adjust_correlations = true` under [sampling] (or pass --adjust-correlations) to use the nearest consistent ones: {nearest}"
                        )
                    };
                    self.diags.error(
                        &span,
                        &key,
                        format!(
                            "the correlations among {} cannot all hold at once: no joint distribution has them (the copula's matrix is not positive semi-definite, smallest eigenvalue {eigenvalue}); {remedy}",
                            names.join(", "),
                        ),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn method(&mut self, v: Option<&Value<'_>>) -> Option<Method> {
        let Some(v) = v else {
            return Some(Method::MonteCarlo);
        };
        let s = self.string(v, "sampling.method", "\"mc\" or \"lhs\"")?;
        let method = Method::parse(&s);
        if method.is_none() {
            self.diags.error(
                &v.span(),
                "sampling.method",
                format!(
                    "unknown sampling method {s:?} (allowed: \"mc\" for Monte Carlo, \"lhs\" for Latin hypercube)"
                ),
            );
        }
        method
    }

    /// One `[[correlations]]` table: its pairs with their coefficients, and
    /// the inputs left out because a `--set` made them constants.
    fn correlation(
        &mut self,
        item: &Value<'_>,
        path: &str,
        table: usize,
    ) -> Option<(Vec<Written>, Vec<String>)> {
        let t = self.table(item, path, schema::CORRELATION)?;
        let span = item.span();
        let inputs_path = format!("{path}.inputs");
        let names = self.required(
            t,
            &span,
            path,
            "inputs",
            "a list of two or more input paths, e.g. [\"demand.growth\", \"revenue.growth\"]",
        );
        let coefficients = self.required(
            t,
            &span,
            path,
            "spearman",
            "a rank correlation in [-1, 1], or a matrix of them",
        );
        let ids = names.and_then(|v| self.correlated_inputs(v, &inputs_path));
        let coefficients = coefficients?;
        let ids = ids?;
        let n = ids.len();
        let dropped: Vec<String> = ids
            .iter()
            .filter_map(|e| match e {
                Listed::SetConstant(_, name) => Some(name.clone()),
                Listed::Input(_) => None,
            })
            .collect();
        let spearman_path = format!("{path}.spearman");
        let at = coefficients.span();
        let mut pairs = Vec::new();
        match coefficients.get_ref() {
            DeValue::Integer(_) | DeValue::Float(_) => {
                let rho = self.coefficient(coefficients, &spearman_path)?;
                if n != 2 {
                    self.diags.error(
                        &at,
                        &spearman_path,
                        format!(
                            "one coefficient correlates two inputs, and {n} are listed; give a {n}×{n} matrix, e.g. [[1, 0.5, …], [0.5, 1, …], …], or one table per pair"
                        ),
                    );
                    return None;
                }
                pairs.push(Written {
                    a: ids[0].id(),
                    b: ids[1].id(),
                    spearman: rho,
                    table,
                    span: at,
                });
            }
            DeValue::Array(rows) => {
                let matrix = self.matrix(rows, n, &spearman_path, &at)?;
                for i in 0..n {
                    for j in 0..i {
                        pairs.push(Written {
                            a: ids[j].id(),
                            b: ids[i].id(),
                            spearman: matrix[i * n + j],
                            table,
                            span: at.clone(),
                        });
                    }
                }
            }
            other => {
                self.diags.error(
                    &at,
                    &spearman_path,
                    format!(
                        "expected a constant rank correlation in [-1, 1] or a matrix of them (given {}); a coefficient cannot be uncertain",
                        type_name(other)
                    ),
                );
                return None;
            }
        }
        Some((pairs, dropped))
    }

    /// The inputs a correlation names: distinct, each an input given as a
    /// distribution, or one that a `--set` made a constant (a sweep or a
    /// what-if that fixes it), which drops out with a note rather than
    /// refusing the file.
    fn correlated_inputs(&mut self, v: &Value<'_>, path: &str) -> Option<Vec<Listed>> {
        let DeValue::Array(items) = v.get_ref() else {
            self.diags.error(
                &v.span(),
                path,
                format!(
                    "expected a list of input paths in quotes, e.g. [\"demand.growth\", \"revenue.growth\"] (given {})",
                    type_name(v.get_ref())
                ),
            );
            return None;
        };
        let mut ids: Vec<Listed> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        let mut ok = true;
        for item in items {
            let Some(name) = self.string(item, path, "an input path in quotes") else {
                ok = false;
                continue;
            };
            let found = self.inputs.all().iter().position(|i| i.path == name);
            let Some(k) = found else {
                let uncertain: Vec<&str> = self
                    .inputs
                    .all()
                    .iter()
                    .filter(|i| matches!(i.value, Uncertain::Dist(_)))
                    .map(|i| i.path.as_str())
                    .collect();
                let near = schema::nearest(&name, uncertain.iter().copied(), 3);
                let hint = if near.is_empty() {
                    "`rofrsim validate` lists them".to_string()
                } else {
                    format!("nearest: {}", near.join(", "))
                };
                self.diags.error(
                    &item.span(),
                    path,
                    format!("`{name}` is not an uncertain input of this scenario ({hint})"),
                );
                ok = false;
                continue;
            };
            if seen.contains(&name) {
                self.diags.error(
                    &item.span(),
                    path,
                    format!("`{name}` is listed twice; list each input once"),
                );
                ok = false;
                continue;
            }
            seen.push(name.clone());
            if let Uncertain::Const(x) = self.inputs.all()[k].value {
                if self.set_by_override.contains(&InputId(k)) {
                    ids.push(Listed::SetConstant(InputId(k), name));
                    continue;
                }
                self.diags.error(
                    &item.span(),
                    path,
                    format!(
                        "`{name}` is the constant {} in this scenario; only inputs given as distributions can be correlated",
                        fmt_num(x)
                    ),
                );
                ok = false;
                continue;
            }
            ids.push(Listed::Input(InputId(k)));
        }
        if ok && ids.len() < 2 {
            self.diags.error(
                &v.span(),
                path,
                format!(
                    "a correlation needs two or more inputs (given {})",
                    ids.len()
                ),
            );
            ok = false;
        }
        ok.then_some(ids)
    }

    /// A constant coefficient in [-1, 1].
    fn coefficient(&mut self, v: &Value<'_>, path: &str) -> Option<f64> {
        match number(v.get_ref()) {
            Some(x) if (-1.0..=1.0).contains(&x) => Some(x),
            Some(x) => {
                self.diags.error(
                    &v.span(),
                    path,
                    format!(
                        "a rank correlation must lie in [-1, 1]; given {}",
                        fmt_num(x)
                    ),
                );
                None
            }
            None => {
                self.diags.error(
                    &v.span(),
                    path,
                    format!(
                        "expected a constant rank correlation in [-1, 1] (given {}); a coefficient cannot be uncertain",
                        type_name(v.get_ref())
                    ),
                );
                None
            }
        }
    }

    /// An n × n symmetric matrix of coefficients with a unit diagonal.
    fn matrix(
        &mut self,
        rows: &[Value<'_>],
        n: usize,
        path: &str,
        at: &Range<usize>,
    ) -> Option<Vec<f64>> {
        if rows.len() != n {
            self.diags.error(
                at,
                path,
                format!(
                    "expected a {n}×{n} matrix, one row per input listed (given {} rows)",
                    rows.len()
                ),
            );
            return None;
        }
        let mut m = vec![0.0; n * n];
        let mut ok = true;
        for (i, row) in rows.iter().enumerate() {
            let row_path = format!("{path}.{i}");
            let cells = match row.get_ref() {
                DeValue::Array(cells) if cells.len() == n => cells,
                DeValue::Array(cells) => {
                    self.diags.error(
                        &row.span(),
                        &row_path,
                        format!(
                            "row {} has {} coefficients; expected {n}, one per input listed",
                            i + 1,
                            cells.len()
                        ),
                    );
                    ok = false;
                    continue;
                }
                other => {
                    self.diags.error(
                        &row.span(),
                        &row_path,
                        format!(
                            "expected a row of {n} coefficients in brackets (given {})",
                            type_name(other)
                        ),
                    );
                    ok = false;
                    continue;
                }
            };
            for (j, cell) in cells.iter().enumerate() {
                match self.coefficient(cell, &format!("{row_path}.{j}")) {
                    Some(x) if i == j && x != 1.0 => {
                        self.diags.error(
                            &cell.span(),
                            &format!("{row_path}.{j}"),
                            format!(
                                "the diagonal of a correlation matrix is 1 (an input with itself); given {}",
                                fmt_num(x)
                            ),
                        );
                        ok = false;
                    }
                    Some(x) => m[i * n + j] = x,
                    None => ok = false,
                }
            }
        }
        if !ok {
            return None;
        }
        for i in 0..n {
            for j in 0..i {
                if m[i * n + j] != m[j * n + i] {
                    self.diags.error(
                        at,
                        path,
                        format!(
                            "the matrix is not symmetric: row {} column {} is {} but row {} column {} is {}",
                            i + 1,
                            j + 1,
                            fmt_num(m[i * n + j]),
                            j + 1,
                            i + 1,
                            fmt_num(m[j * n + i])
                        ),
                    );
                    return None;
                }
            }
        }
        Some(m)
    }

    fn path_of(&self, id: InputId) -> String {
        self.inputs.get(id).path.clone()
    }

    /// A note for each correlated input drawn from fewer than
    /// [`FEW_VALUES`] values: ties cap the rank correlation it can reach.
    fn few_values_notes(&self, g: &CorrelationGroup, names: &[String], notes: &mut Vec<String>) {
        for (k, &id) in g.inputs.iter().enumerate() {
            let Uncertain::Dist(d) = &self.inputs.get(id).value else {
                continue;
            };
            let Family::Discrete { values, weights } = d.family() else {
                continue;
            };
            let (lo, hi) = d.truncate().unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
            let count = values
                .iter()
                .zip(weights)
                .filter(|&(v, w)| *w > 0.0 && (lo..=hi).contains(v))
                .count();
            if count < FEW_VALUES {
                notes.push(format!(
                    "warning: {} takes only {count} values, so its rank correlations with {} come out weaker than asked (ties among its draws; five or more values avoid most of it)",
                    names[k],
                    names
                        .iter()
                        .enumerate()
                        .filter(|&(j, _)| j != k && g.spearman.at(k, j) != 0.0)
                        .map(|(_, n)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// `a ~ b 0.84, a ~ c -0.52, …`: every pair's coefficient, to 4 places.
fn coefficients_list(names: &[String], m: &Matrix) -> String {
    let list: Vec<String> = (0..m.n)
        .flat_map(|i| (0..i).map(move |j| (i, j)))
        .map(|(i, j)| {
            format!(
                "{} ~ {} {}",
                names[j],
                names[i],
                fmt_num(round4(m.at(i, j)))
            )
        })
        .collect();
    list.join(", ")
}

/// The note printed when a group's coefficients were adjusted.
fn adjusted_note(names: &[String], given: &Matrix, used: &Matrix) -> String {
    let n = used.n;
    let list: Vec<String> = (0..n)
        .flat_map(|i| (0..i).map(move |j| (i, j)))
        .filter(|&(i, j)| (given.at(i, j) - used.at(i, j)).abs() >= 5e-5)
        .map(|(i, j)| {
            format!(
                "{} ~ {} {} → {}",
                names[j],
                names[i],
                fmt_num(given.at(i, j)),
                fmt_num(round4(used.at(i, j)))
            )
        })
        .collect();
    format!(
        "note: the correlations among {} could not all hold at once and were adjusted to the nearest consistent ones: {}",
        names.join(", "),
        list.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use crate::error::Diagnostic;
    use crate::scenario::load_str;
    use crate::scenario::sampling::Method;

    const BASE: &str = r#"name = "c"
[time]
start = "2025-01"
end = "2025-02"
[demand]
initial_gw = { dist = "uniform", min = 1, max = 2 }
growth = { dist = "uniform", min = 0.1, max = 0.5 }
volatility = 0.1
[[workloads]]
name = "all"
share = 1
[[providers]]
name = "azure"
initial_gw = { dist = "uniform", min = 1, max = 2 }
price = 10
[revenue]
per_gw_year = { dist = "uniform", min = 5, max = 8 }
[microsoft]
provider = "azure"
azure_margin = 0.3
discount_rate = 0.08
"#;

    /// Line of BASE's end: appended tables start on the next line.
    fn first_line() -> usize {
        BASE.lines().count() + 1
    }

    fn problems(extra: &str) -> Vec<Diagnostic> {
        match load_str("c.toml", &format!("{BASE}{extra}"), &[]) {
            Ok(_) => Vec::new(),
            Err(d) => d,
        }
    }

    /// The single problem of `extra`: its line (relative to the first
    /// appended line, from 0), key path and message.
    fn problem(extra: &str) -> (usize, String, String) {
        let p = problems(extra);
        assert_eq!(p.len(), 1, "{p:?}");
        (
            p[0].line - first_line(),
            p[0].path.clone(),
            p[0].message.clone(),
        )
    }

    #[test]
    fn pair_and_matrix_forms_read_into_groups() {
        let s = load_str(
            "c.toml",
            &format!(
                "{BASE}[sampling]\nmethod = \"lhs\"\n[[correlations]]\ninputs = [\"demand.growth\", \"revenue.per_gw_year\"]\nspearman = 0.5\n[[correlations]]\ninputs = [\"demand.initial_gw\", \"providers.azure.initial_gw\"]\nspearman = [[1, -0.25], [-0.25, 1]]\n"
            ),
            &[],
        )
        .unwrap();
        assert_eq!(s.sampling.method, Method::LatinHypercube);
        assert_eq!(s.sampling.groups.len(), 2);
        // Groups in order of their first input: demand.initial_gw (input 0).
        let g = &s.sampling.groups[0];
        assert_eq!(s.inputs.get(g.inputs[0]).path, "demand.initial_gw");
        assert_eq!(g.spearman.at(0, 1), -0.25);
        // The copula's coefficient 2·sin(π·ρ/6) and its Cholesky factor.
        let r = 2.0 * (std::f64::consts::PI * -0.25 / 6.0).sin();
        assert!((g.cholesky.at(1, 0) - r).abs() < 1e-15);
        assert!((g.cholesky.at(1, 1) - (1.0 - r * r).sqrt()).abs() < 1e-15);
        assert!(s.sampling.notes.is_empty());
    }

    #[test]
    fn mistakes_are_reported_with_line_and_key() {
        let (line, path, message) = problem(
            "[[correlations]]\ninputs = [\"demand.growth\", \"demand.growht\"]\nspearman = 0.5\n",
        );
        assert_eq!((line, path.as_str()), (1, "correlations.0.inputs"));
        assert!(
            message.contains("`demand.growht` is not an uncertain input")
                && message.contains("nearest: demand.growth"),
            "{message}"
        );

        let (line, path, message) = problem(
            "[[correlations]]\ninputs = [\"demand.growth\", \"microsoft.azure_margin\"]\nspearman = 0.5\n",
        );
        assert_eq!((line, path.as_str()), (1, "correlations.0.inputs"));
        assert!(message.contains("is the constant 0.3"), "{message}");

        let (line, path, message) = problem(
            "[[correlations]]\ninputs = [\"demand.growth\", \"demand.growth\"]\nspearman = 0.5\n",
        );
        assert_eq!((line, path.as_str()), (1, "correlations.0.inputs"));
        assert!(message.contains("listed twice"), "{message}");

        let (line, path, message) = problem(
            "[[correlations]]\ninputs = [\"demand.growth\", \"revenue.per_gw_year\"]\nspearman = 1.5\n",
        );
        assert_eq!((line, path.as_str()), (2, "correlations.0.spearman"));
        assert!(
            message.contains("must lie in [-1, 1]; given 1.5"),
            "{message}"
        );

        let (line, path, message) = problem(
            "[[correlations]]\ninputs = [\"demand.growth\", \"revenue.per_gw_year\"]\nspearman = { dist = \"uniform\", min = 0, max = 1 }\n",
        );
        assert_eq!((line, path.as_str()), (2, "correlations.0.spearman"));
        assert!(message.contains("cannot be uncertain"), "{message}");

        let (line, path, message) = problem(
            "[[correlations]]\ninputs = [\"demand.growth\", \"revenue.per_gw_year\", \"demand.initial_gw\"]\nspearman = 0.5\n",
        );
        assert_eq!((line, path.as_str()), (2, "correlations.0.spearman"));
        assert!(message.contains("give a 3×3 matrix"), "{message}");

        let (_, path, message) = problem(
            "[[correlations]]\ninputs = [\"demand.growth\", \"revenue.per_gw_year\"]\nspearman = [[1, 0.5], [0.4, 1]]\n",
        );
        assert_eq!(path, "correlations.0.spearman");
        assert!(message.contains("not symmetric"), "{message}");

        let (_, path, message) = problem(
            "[[correlations]]\ninputs = [\"demand.growth\", \"revenue.per_gw_year\"]\nspearman = [[0.9, 0.5], [0.5, 1]]\n",
        );
        assert_eq!(path, "correlations.0.spearman.0.0");
        assert!(message.contains("diagonal"), "{message}");

        let (line, path, message) = problem(
            "[[correlations]]\ninputs = [\"demand.growth\", \"revenue.per_gw_year\"]\nspearman = 0.5\n[[correlations]]\ninputs = [\"revenue.per_gw_year\", \"demand.growth\"]\nspearman = 0.2\n",
        );
        assert_eq!((line, path.as_str()), (5, "correlations.1"));
        assert!(
            message.contains("correlated twice (also in correlations.0)"),
            "{message}"
        );

        // A 0 in a matrix is a coefficient given: not again in a pair.
        let (line, path, message) = problem(
            "[[correlations]]\ninputs = [\"demand.growth\", \"revenue.per_gw_year\", \"demand.initial_gw\"]\nspearman = [[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]]\n[[correlations]]\ninputs = [\"demand.initial_gw\", \"demand.growth\"]\nspearman = 0.4\n",
        );
        assert_eq!((line, path.as_str()), (5, "correlations.1"));
        assert!(
            message.contains("correlated twice (also in correlations.0)"),
            "{message}"
        );

        let (line, path, message) = problem("[sampling]\nmethod = \"sobol\"\n");
        assert_eq!((line, path.as_str()), (1, "sampling.method"));
        assert!(
            message.contains("unknown sampling method \"sobol\""),
            "{message}"
        );
    }

    /// A sweep or what-if that fixes a correlated input: it drops out of
    /// its correlations with a note; the rest of a matrix stays.
    #[test]
    fn an_input_a_set_makes_constant_leaves_its_correlations_with_a_note() {
        let table = "[[correlations]]\ninputs = [\"demand.growth\", \"revenue.per_gw_year\", \"demand.initial_gw\"]\nspearman = [[1, 0.5, 0.2], [0.5, 1, 0.3], [0.2, 0.3, 1]]\n";
        let set: crate::scenario::Override = "demand.growth=0.3".parse().unwrap();
        let s = load_str("c.toml", &format!("{BASE}{table}"), &[set]).unwrap();
        assert_eq!(s.sampling.notes.len(), 1, "{:?}", s.sampling.notes);
        assert_eq!(
            s.sampling.notes[0],
            "note: `demand.growth` is a constant here (set by --set); in correlations.0 it stays a hidden draw, so the inputs correlated with it draw as they do without the --set"
        );
        let g = &s.sampling.groups[0];
        assert_eq!(g.inputs.len(), 3);
        assert_eq!(g.spearman.at(1, 2), 0.5);
        // Written as a constant in the file, it is still a mistake.
        let file = BASE.replace(
            "growth = { dist = \"uniform\", min = 0.1, max = 0.5 }",
            "growth = 0.3",
        );
        let p = load_str("c.toml", &format!("{file}{table}"), &[]).unwrap_err();
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("is the constant 0.3"), "{p:?}");
    }

    #[test]
    fn an_inconsistent_matrix_is_an_error_naming_the_nearest_unless_adjusted() {
        let table = "[[correlations]]\ninputs = [\"demand.growth\", \"revenue.per_gw_year\", \"demand.initial_gw\"]\nspearman = [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]\n";
        let (line, path, message) = problem(table);
        assert_eq!((line, path.as_str()), (2, "correlations.0"));
        assert!(message.contains("cannot all hold at once"), "{message}");
        assert!(message.contains("--adjust-correlations"), "{message}");
        let s = load_str(
            "c.toml",
            &format!("{BASE}[sampling]\nadjust_correlations = true\n{table}"),
            &[],
        )
        .unwrap();
        assert_eq!(s.sampling.notes.len(), 1);
        assert!(s.sampling.notes[0].contains("were adjusted to the nearest consistent ones: demand.initial_gw ~ demand.growth 0.9 → "), "{}", s.sampling.notes[0]);
        assert!(s.sampling.groups[0].adjusted_from.is_some());
    }
}
