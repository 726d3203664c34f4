//! Small dense symmetric matrices for correlated inputs: eigenvalues
//! (cyclic Jacobi), a Cholesky factor that accepts semi-definite matrices,
//! and the nearest correlation matrix (Higham 2002).
//!
//! A scenario correlates a handful of inputs (at most its few dozen), so
//! these are O(n³) textbook algorithms on row-major `Vec<f64>`s, chosen for
//! accuracy and simplicity rather than speed. Jacobi's method finds the
//! eigenvalues of a symmetric matrix to high relative accuracy, which is
//! what deciding "semi-definite or not" needs.

/// An n × n matrix, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    /// Rows and columns.
    pub n: usize,
    /// `a[i * n + j]`.
    pub a: Vec<f64>,
}

/// Eigenvalues below `-PSD_TOLERANCE` make a matrix indefinite; above it
/// they are round-off of a semi-definite one.
pub const PSD_TOLERANCE: f64 = 1e-10;

impl Matrix {
    /// The n × n identity.
    pub fn identity(n: usize) -> Matrix {
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            a[i * n + i] = 1.0;
        }
        Matrix { n, a }
    }

    /// Element (i, j).
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.n + j]
    }

    fn set(&mut self, i: usize, j: usize, x: f64) {
        self.a[i * self.n + j] = x;
    }

    /// Eigenvalues (ascending) and eigenvectors (column k of the returned
    /// matrix belongs to value k) of a symmetric matrix, by cyclic Jacobi
    /// rotations until the off-diagonal mass is round-off.
    pub fn eigen(&self) -> (Vec<f64>, Matrix) {
        let n = self.n;
        let mut a = self.clone();
        let mut v = Matrix::identity(n);
        let norm: f64 = a.a.iter().map(|x| x * x).sum::<f64>().sqrt();
        for _sweep in 0..100 {
            let off: f64 = (0..n)
                .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
                .map(|(i, j)| a.at(i, j) * a.at(i, j))
                .sum::<f64>()
                .sqrt();
            if off <= 1e-15 * norm || off == 0.0 {
                break;
            }
            for p in 0..n {
                for q in p + 1..n {
                    let apq = a.at(p, q);
                    if apq == 0.0 {
                        continue;
                    }
                    // The rotation that zeroes (p, q) (Golub & Van Loan 8.5.2).
                    let theta = (a.at(q, q) - a.at(p, p)) / (2.0 * apq);
                    let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                    let t = if theta == 0.0 { 1.0 } else { t };
                    let c = 1.0 / (t * t + 1.0).sqrt();
                    let s = t * c;
                    for k in 0..n {
                        let (akp, akq) = (a.at(k, p), a.at(k, q));
                        a.set(k, p, c * akp - s * akq);
                        a.set(k, q, s * akp + c * akq);
                    }
                    for k in 0..n {
                        let (apk, aqk) = (a.at(p, k), a.at(q, k));
                        a.set(p, k, c * apk - s * aqk);
                        a.set(q, k, s * apk + c * aqk);
                    }
                    for k in 0..n {
                        let (vkp, vkq) = (v.at(k, p), v.at(k, q));
                        v.set(k, p, c * vkp - s * vkq);
                        v.set(k, q, s * vkp + c * vkq);
                    }
                }
            }
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&i, &j| a.at(i, i).total_cmp(&a.at(j, j)));
        let values = order.iter().map(|&k| a.at(k, k)).collect();
        let mut vectors = Matrix::identity(n);
        for (col, &k) in order.iter().enumerate() {
            for row in 0..n {
                vectors.set(row, col, v.at(row, k));
            }
        }
        (values, vectors)
    }

    /// The smallest eigenvalue (symmetric matrices).
    pub fn smallest_eigenvalue(&self) -> f64 {
        self.eigen().0.first().copied().unwrap_or(0.0)
    }

    /// Lower-triangular L with L·Lᵀ = self, for a symmetric positive
    /// semi-definite matrix. `None` when the matrix is indefinite (an
    /// eigenvalue below `-PSD_TOLERANCE`).
    ///
    /// The elimination below serves every definite matrix and exactly
    /// singular ones. On a matrix that is singular only up to round-off
    /// (an eigenvalue of ±1e-16, as the nearest correlation matrix has) a
    /// late pivot is that eigenvalue divided by the earlier small pivots,
    /// and can land anywhere near zero; such a matrix is factored from its
    /// eigen-decomposition instead, triangularised by a QR step.
    pub fn cholesky(&self) -> Option<Matrix> {
        if let Some(l) = self.eliminate() {
            return Some(l);
        }
        let (values, v) = self.eigen();
        if values
            .first()
            .is_some_and(|&smallest| smallest < -PSD_TOLERANCE)
        {
            return None;
        }
        // B = V·√max(Λ, 0) has B·Bᵀ = self; with Bᵀ = Q·R, self = Rᵀ·R.
        let n = self.n;
        let mut bt = Matrix {
            n,
            a: vec![0.0; n * n],
        };
        for (k, value) in values.iter().enumerate() {
            let root = value.max(0.0).sqrt();
            for i in 0..n {
                bt.set(k, i, v.at(i, k) * root);
            }
        }
        let r = bt.householder_r();
        let mut l = Matrix {
            n,
            a: vec![0.0; n * n],
        };
        for i in 0..n {
            // A row of R may be negated freely (Q absorbs it): keep L's
            // diagonal non-negative as Cholesky's is.
            let sign = if r.at(i, i) < 0.0 { -1.0 } else { 1.0 };
            for j in i..n {
                l.set(j, i, sign * r.at(i, j));
            }
        }
        Some(l)
    }

    /// R of the QR factorisation by Householder reflections (upper
    /// triangular; Golub & Van Loan 5.2.1).
    fn householder_r(&self) -> Matrix {
        let n = self.n;
        let mut r = self.clone();
        for k in 0..n {
            let norm = (k..n).map(|i| r.at(i, k) * r.at(i, k)).sum::<f64>().sqrt();
            if norm == 0.0 {
                continue;
            }
            let alpha = if r.at(k, k) > 0.0 { -norm } else { norm };
            let mut u: Vec<f64> = (k..n).map(|i| r.at(i, k)).collect();
            u[0] -= alpha;
            let uu: f64 = u.iter().map(|x| x * x).sum();
            if uu == 0.0 {
                continue;
            }
            for j in k..n {
                let dot: f64 = (k..n).map(|i| u[i - k] * r.at(i, j)).sum();
                let f = 2.0 * dot / uu;
                for i in k..n {
                    r.set(i, j, r.at(i, j) - f * u[i - k]);
                }
            }
            for i in k + 1..n {
                r.set(i, k, 0.0);
            }
        }
        r
    }

    /// Cholesky elimination; a pivot that is zero up to round-off leaves
    /// its column zero (the variable is a combination of earlier ones).
    fn eliminate(&self) -> Option<Matrix> {
        let n = self.n;
        let mut l = Matrix {
            n,
            a: vec![0.0; n * n],
        };
        for j in 0..n {
            let d = self.at(j, j) - (0..j).map(|k| l.at(j, k) * l.at(j, k)).sum::<f64>();
            if d < -PSD_TOLERANCE * self.at(j, j).abs().max(1.0) {
                return None;
            }
            if d <= PSD_TOLERANCE {
                // Semi-definite: row j must already be spanned; the column
                // stays zero, and a row that is not spanned is caught below.
                // A semi-definite matrix allows |r| up to √(d·a_ii), so the
                // bound scales with the pivot left.
                for i in j + 1..n {
                    let r = self.at(i, j) - (0..j).map(|k| l.at(i, k) * l.at(j, k)).sum::<f64>();
                    if r.abs() > 1e-7 + (d.max(0.0) * self.at(i, i).abs()).sqrt() {
                        return None;
                    }
                }
                continue;
            }
            let djj = d.sqrt();
            l.set(j, j, djj);
            for i in j + 1..n {
                let r = self.at(i, j) - (0..j).map(|k| l.at(i, k) * l.at(j, k)).sum::<f64>();
                l.set(i, j, r / djj);
            }
        }
        Some(l)
    }

    /// The correlation matrix nearest to this symmetric matrix in the
    /// Frobenius norm: Higham's (2002) alternating projections onto the
    /// semi-definite cone and the unit-diagonal matrices, with Dykstra's
    /// correction so that the limit is the nearest point and not merely a
    /// point of both sets. The result is made exactly unit-diagonal and
    /// semi-definite (negative round-off eigenvalues set to zero and the
    /// diagonal rescaled), so it always has a Cholesky factor.
    pub fn nearest_correlation(&self) -> Matrix {
        let n = self.n;
        let mut y = self.clone();
        let mut correction = Matrix {
            n,
            a: vec![0.0; n * n],
        };
        for _ in 0..10_000 {
            let r = Matrix {
                n,
                a: y.a.iter().zip(&correction.a).map(|(y, d)| y - d).collect(),
            };
            let x = r.psd_part();
            correction.a = x.a.iter().zip(&r.a).map(|(x, r)| x - r).collect();
            let mut next = x.clone();
            for i in 0..n {
                next.set(i, i, 1.0);
            }
            let change: f64 = next
                .a
                .iter()
                .zip(&y.a)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt();
            y = next;
            if change <= 1e-14 * (n as f64) {
                break;
            }
        }
        // Exactly semi-definite with a unit diagonal: clip, then rescale.
        let clipped = y.psd_part();
        let scale: Vec<f64> = (0..n)
            .map(|i| 1.0 / clipped.at(i, i).max(f64::MIN_POSITIVE).sqrt())
            .collect();
        let mut out = clipped;
        for i in 0..n {
            for j in 0..n {
                let v = if i == j {
                    1.0
                } else {
                    out.at(i, j) * scale[i] * scale[j]
                };
                out.set(i, j, v);
            }
        }
        // Symmetric to the last bit.
        for i in 0..n {
            for j in 0..i {
                let m = (out.at(i, j) + out.at(j, i)) / 2.0;
                out.set(i, j, m);
                out.set(j, i, m);
            }
        }
        out
    }

    /// The projection onto the semi-definite cone: V·max(Λ, 0)·Vᵀ.
    fn psd_part(&self) -> Matrix {
        let n = self.n;
        let (values, v) = self.eigen();
        let mut out = Matrix {
            n,
            a: vec![0.0; n * n],
        };
        for i in 0..n {
            for j in 0..n {
                let s: f64 = (0..n)
                    .map(|k| v.at(i, k) * values[k].max(0.0) * v.at(j, k))
                    .sum();
                out.set(i, j, s);
            }
        }
        out
    }

    /// Frobenius distance to another matrix of the same size.
    pub fn distance(&self, other: &Matrix) -> f64 {
        self.a
            .iter()
            .zip(&other.a)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(n: usize, a: &[f64]) -> Matrix {
        Matrix { n, a: a.to_vec() }
    }

    #[test]
    fn eigenvalues_by_hand() {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        let (values, v) = m(2, &[2.0, 1.0, 1.0, 2.0]).eigen();
        assert!((values[0] - 1.0).abs() < 1e-14 && (values[1] - 3.0).abs() < 1e-14);
        // Eigenvector of 3 is (1, 1)/√2.
        assert!((v.at(0, 1).abs() - 0.5f64.sqrt()).abs() < 1e-14);
        // [[1, 1, 0], [1, 1, 1], [0, 1, 1]]: 1 − √2, 1, 1 + √2.
        let values = m(3, &[1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0])
            .eigen()
            .0;
        let want = [1.0 - 2f64.sqrt(), 1.0, 1.0 + 2f64.sqrt()];
        for (a, b) in values.iter().zip(want) {
            assert!((a - b).abs() < 1e-14, "{values:?}");
        }
    }

    #[test]
    fn cholesky_by_hand_and_semi_definite() {
        // [[4, 2], [2, 5]] = L·Lᵀ with L = [[2, 0], [1, 2]].
        let l = m(2, &[4.0, 2.0, 2.0, 5.0]).cholesky().unwrap();
        assert_eq!(l.a, vec![2.0, 0.0, 1.0, 2.0]);
        // Perfect correlation: semi-definite, the second row copies the first.
        let l = m(2, &[1.0, 1.0, 1.0, 1.0]).cholesky().unwrap();
        assert_eq!(l.a, vec![1.0, 0.0, 1.0, 0.0]);
        // Indefinite.
        assert!(
            m(3, &[1.0, 0.9, -0.9, 0.9, 1.0, 0.9, -0.9, 0.9, 1.0])
                .cholesky()
                .is_none()
        );
    }

    /// A nearest correlation matrix whose zero eigenvalue came out as
    /// -1.7e-16: elimination meets a last pivot of -1.3e-10 and refuses it,
    /// the eigen route factors it (found by the property test below).
    #[test]
    fn cholesky_of_a_matrix_singular_up_to_round_off() {
        let off = [
            0.7592920549513947,
            -0.02963066496623636,
            -0.5643775347703828,
            -0.07959553624105291,
            0.0,
            0.7285759278821097,
            0.1558108855704461,
            0.5911958395585442,
            -0.8165192303065526,
            -0.4423954625031525,
        ];
        let n = 5;
        let x = unit_diagonal(n, &off).nearest_correlation();
        assert!(x.eliminate().is_none(), "no longer exercises the fallback");
        let l = x.cholesky().unwrap();
        for i in 0..n {
            assert!(l.at(i, i) >= 0.0);
            for j in i + 1..n {
                assert_eq!(l.at(i, j), 0.0);
            }
            for j in 0..n {
                let llt: f64 = (0..n).map(|k| l.at(i, k) * l.at(j, k)).sum();
                assert!(
                    (llt - x.at(i, j)).abs() < 1e-13,
                    "({i}, {j}): {llt} vs {}",
                    x.at(i, j)
                );
            }
        }
        // An indefinite matrix is still refused on both routes.
        let bad = m(3, &[1.0, 0.9, -0.9, 0.9, 1.0, 0.9, -0.9, 0.9, 1.0]);
        assert!(bad.cholesky().is_none());
    }

    /// Higham (2002), section 4: the nearest correlation matrix to
    /// [[1, 1, 0], [1, 1, 1], [0, 1, 1]] is, to four places,
    /// [[1, 0.7607, 0.1573], [0.7607, 1, 0.7607], [0.1573, 0.7607, 1]].
    #[test]
    fn nearest_correlation_matches_highams_example() {
        let a = m(3, &[1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
        let x = a.nearest_correlation();
        let want = [
            1.0, 0.7607, 0.1573, 0.7607, 1.0, 0.7607, 0.1573, 0.7607, 1.0,
        ];
        for (got, want) in x.a.iter().zip(want) {
            assert!((got - want).abs() < 5e-5, "{:?}", x.a);
        }
        assert!(x.cholesky().is_some());
        // A correlation matrix is its own nearest.
        let c = m(2, &[1.0, 0.3, 0.3, 1.0]);
        assert!(c.nearest_correlation().distance(&c) < 1e-12);
    }

    /// The symmetric n × n matrix with a unit diagonal and `off` below it,
    /// row by row.
    fn unit_diagonal(n: usize, off: &[f64]) -> Matrix {
        let mut a = Matrix::identity(n);
        let mut k = 0;
        for i in 0..n {
            for j in 0..i {
                a.set(i, j, off[k]);
                a.set(j, i, off[k]);
                k += 1;
            }
        }
        a
    }

    /// A random correlation matrix: normalised Gram matrix of random vectors.
    fn correlation(n: usize, seed: &[f64]) -> Matrix {
        let k = seed.len() / n;
        let mut g = Matrix {
            n,
            a: vec![0.0; n * n],
        };
        for i in 0..n {
            for j in 0..n {
                let s: f64 = (0..k).map(|t| seed[i * k + t] * seed[j * k + t]).sum();
                g.set(i, j, s);
            }
        }
        let d: Vec<f64> = (0..n).map(|i| g.at(i, i).sqrt()).collect();
        for i in 0..n {
            for j in 0..n {
                let v = g.at(i, j) / (d[i] * d[j]);
                g.set(i, j, v);
            }
        }
        g
    }

    proptest! {
        /// For any symmetric matrix with unit diagonal, the result is a
        /// correlation matrix and the nearest one: the projection X* onto
        /// the convex set of correlation matrices satisfies
        /// ⟨A − X*, Y − X*⟩ ≤ 0 for every correlation matrix Y, and no Y
        /// tried is closer to A.
        #[test]
        fn nearest_correlation_is_a_correlation_matrix_and_nearest(
            off in proptest::collection::vec(-1.0f64..1.0, 10),
            others in proptest::collection::vec(proptest::collection::vec(-1.0f64..1.0, 15), 8),
        ) {
            let n = 5;
            let a = unit_diagonal(n, &off);
            let x = a.nearest_correlation();
            prop_assert!(x.smallest_eigenvalue() >= -1e-12);
            prop_assert!(x.cholesky().is_some());
            for i in 0..n {
                prop_assert_eq!(x.at(i, i), 1.0);
            }
            let d = a.distance(&x);
            for seed in &others {
                let y = correlation(n, seed);
                let inner: f64 = (0..n * n)
                    .map(|t| (a.a[t] - x.a[t]) * (y.a[t] - x.a[t]))
                    .sum();
                prop_assert!(inner <= 1e-8, "first-order condition violated: {inner}");
                prop_assert!(a.distance(&y) >= d - 1e-9);
            }
        }
    }
}
