//! How a trial's inputs are drawn (docs/scenario.md, "Sampling and
//! correlations"): plain Monte Carlo or Latin hypercube, and rank
//! correlations between inputs, induced by a Gaussian copula.
//!
//! The scenario holds the correlations resolved into groups — inputs linked
//! by a coefficient, directly or through others — each with the matrix of
//! its copula's normals and that matrix's Cholesky factor, so the engine
//! only multiplies.

use std::f64::consts::PI;

use super::InputId;
use crate::analysis::matrix::{Matrix, PSD_TOLERANCE};

/// How the per-trial inputs are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// Independent draws (Monte Carlo).
    #[default]
    MonteCarlo,
    /// Latin hypercube: each input's range cut into N equally likely
    /// strata, one draw in each over the N trials.
    LatinHypercube,
}

impl Method {
    /// The name in scenario files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Method::MonteCarlo => "mc",
            Method::LatinHypercube => "lhs",
        }
    }

    /// The method named `name`.
    pub fn parse(name: &str) -> Option<Method> {
        match name {
            "mc" => Some(Method::MonteCarlo),
            "lhs" => Some(Method::LatinHypercube),
            _ => None,
        }
    }
}

/// The sampling plan of a scenario.
#[derive(Debug, Clone, Default)]
pub struct Sampling {
    /// Monte Carlo or Latin hypercube.
    pub method: Method,
    /// Correlated inputs, group by group.
    pub groups: Vec<CorrelationGroup>,
    /// What an analyst should know about the correlations: coefficients
    /// adjusted, inputs whose few values weaken them. Printed by `validate`
    /// and `run`.
    pub notes: Vec<String>,
}

/// Inputs correlated with one another, directly or through others.
#[derive(Debug, Clone)]
pub struct CorrelationGroup {
    /// The inputs, in file order.
    pub inputs: Vec<InputId>,
    /// Their Spearman rank correlations as used (after any adjustment);
    /// pairs not given are 0.
    pub spearman: Matrix,
    /// Lower Cholesky factor of the copula's normal correlation matrix
    /// `2·sin(π·ρ_s/6)`.
    pub cholesky: Matrix,
    /// The Spearman matrix as written, when it had to be adjusted.
    pub adjusted_from: Option<Matrix>,
}

/// Pearson correlation of two normals whose Spearman correlation is
/// `spearman` (Pearson 1907): the copula's coefficient for a rank target.
pub fn normal_from_spearman(spearman: f64) -> f64 {
    2.0 * (PI * spearman / 6.0).sin()
}

/// The inverse of [`normal_from_spearman`].
pub fn spearman_from_normal(r: f64) -> f64 {
    6.0 / PI * (r / 2.0).clamp(-0.5, 0.5).asin()
}

/// A Spearman matrix that cannot be induced: its copula matrix is not
/// positive semi-definite.
#[derive(Debug, Clone)]
pub struct Inconsistent {
    /// The smallest eigenvalue of the copula's matrix (< 0).
    pub smallest_eigenvalue: f64,
    /// The nearest consistent Spearman matrix.
    pub nearest: Matrix,
}

/// Builds a group from its Spearman matrix: the copula's normal matrix and
/// its Cholesky factor. An inconsistent matrix is an error unless `adjust`,
/// which replaces the copula matrix by the nearest correlation matrix in
/// the Frobenius norm (Higham) and reports the Spearman coefficients it
/// means.
pub fn group(
    inputs: Vec<InputId>,
    spearman: Matrix,
    adjust: bool,
) -> Result<CorrelationGroup, Inconsistent> {
    let normal = Matrix {
        n: spearman.n,
        a: spearman
            .a
            .iter()
            .map(|&s| normal_from_spearman(s))
            .collect(),
    };
    let smallest = normal.smallest_eigenvalue();
    if smallest >= -PSD_TOLERANCE
        && let Some(cholesky) = normal.cholesky()
    {
        return Ok(CorrelationGroup {
            inputs,
            spearman,
            cholesky,
            adjusted_from: None,
        });
    }
    let nearest_normal = normal.nearest_correlation();
    let nearest = Matrix {
        n: spearman.n,
        a: nearest_normal
            .a
            .iter()
            .map(|&r| spearman_from_normal(r))
            .collect(),
    };
    match (adjust, nearest_normal.cholesky()) {
        (true, Some(cholesky)) => Ok(CorrelationGroup {
            inputs,
            spearman: nearest,
            cholesky,
            adjusted_from: Some(spearman),
        }),
        _ => Err(Inconsistent {
            smallest_eigenvalue: smallest.min(-PSD_TOLERANCE),
            nearest,
        }),
    }
}

/// Groups the inputs linked by `pairs` (union–find), each group in input
/// order, groups in order of their first input.
pub fn linked(pairs: &[(InputId, InputId)]) -> Vec<Vec<InputId>> {
    let mut ids: Vec<InputId> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    ids.sort_by_key(|i| i.0);
    ids.dedup();
    let index = |id: InputId| ids.iter().position(|&i| i == id).unwrap_or(0);
    let mut parent: Vec<usize> = (0..ids.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for &(a, b) in pairs {
        let (ra, rb) = (root(&mut parent, index(a)), root(&mut parent, index(b)));
        // The smaller index is the root, so a group's root is its first input.
        parent[ra.max(rb)] = ra.min(rb);
    }
    let mut groups: Vec<Vec<InputId>> = Vec::new();
    let mut group_of_root: Vec<Option<usize>> = vec![None; ids.len()];
    for (i, &id) in ids.iter().enumerate() {
        let r = root(&mut parent, i);
        match group_of_root[r] {
            Some(g) => groups[g].push(id),
            None => {
                group_of_root[r] = Some(groups.len());
                groups.push(vec![id]);
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_and_normal_coefficients_by_hand() {
        // ρ_s = 1 ↔ r = 2·sin(π/6) = 1; 0 ↔ 0; 0.5 ↔ 2·sin(π/12) = 0.5176.
        assert!((normal_from_spearman(1.0) - 1.0).abs() < 1e-15);
        assert_eq!(normal_from_spearman(0.0), 0.0);
        assert!((normal_from_spearman(0.5) - 0.517_638_090_205_041_5).abs() < 1e-15);
        for s in [-1.0, -0.3, 0.0, 0.25, 0.9, 1.0] {
            assert!((spearman_from_normal(normal_from_spearman(s)) - s).abs() < 1e-12);
        }
    }

    #[test]
    fn linked_inputs_form_groups_in_input_order() {
        let id = InputId;
        let groups = linked(&[
            (id(7), id(2)),
            (id(4), id(9)),
            (id(9), id(2)),
            (id(1), id(3)),
        ]);
        assert_eq!(
            groups,
            vec![vec![id(1), id(3)], vec![id(2), id(4), id(7), id(9)]]
        );
    }

    #[test]
    fn an_inconsistent_matrix_is_refused_unless_adjusted() {
        // a ~ b 0.9, b ~ c 0.9, a ~ c −0.9: no joint distribution has these.
        let s = Matrix {
            n: 3,
            a: vec![1.0, 0.9, -0.9, 0.9, 1.0, 0.9, -0.9, 0.9, 1.0],
        };
        let ids = vec![InputId(0), InputId(1), InputId(2)];
        let err = group(ids.clone(), s.clone(), false).unwrap_err();
        assert!(err.smallest_eigenvalue < 0.0);
        let g = group(ids, s.clone(), true).unwrap();
        assert_eq!(g.adjusted_from, Some(s));
        assert_eq!(g.spearman.a, err.nearest.a);
        // The adjusted coefficients are weaker but keep their signs.
        assert!(g.spearman.at(0, 1) > 0.0 && g.spearman.at(0, 1) < 0.9);
        assert!(g.spearman.at(0, 2) < 0.0 && g.spearman.at(0, 2) > -0.9);
    }
}
