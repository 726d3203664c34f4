//! Drawing one trial's inputs (docs/model.md, "Sampling the inputs").
//!
//! Every input draws from its own stream keyed by (seed, trial, path), so a
//! trial's inputs depend on nothing but its seed and index, whatever the
//! method:
//!
//! * Monte Carlo, uncorrelated: the family's own sampler on the stream
//!   (the draws of every release before correlations existed).
//! * Latin hypercube: the trial's stratum of input v is a keyed
//!   permutation of its index within its hypercube, computed alone
//!   ([`permute`]), and the stream gives the point inside the stratum; the
//!   value is the inverse CDF there.
//! * Correlated inputs (Gaussian copula): each input's uniform (stratified
//!   under LHS) becomes a standard normal, the group's normals are mixed by
//!   the Cholesky factor, and each mixed normal goes back through Φ and
//!   the input's inverse CDF. Margins are exact; the rank correlation is
//!   the target in expectation.

use std::f64::consts::SQRT_2;

use rand::Rng;
use statrs::function::erf::{erfc, erfc_inv};

use super::rng::{self, StreamName};
use crate::analysis::matrix::Matrix;
use crate::scenario::sampling::Method;
use crate::scenario::{Scenario, Uncertain};

/// Uniforms stay inside (0, 1) by this margin, so an inverse CDF never
/// sees 0 or 1 (infinite for unbounded families).
const EDGE: f64 = f64::EPSILON / 2.0;

/// How a scenario's inputs are drawn, compiled for the trial loop.
#[derive(Debug, Clone)]
pub(super) struct Sampler {
    method: Method,
    /// Trials per Latin hypercube (the run's trial count, or a block of
    /// it).
    hypercube: u64,
    /// The run's trials: the last hypercube holds what is left of them.
    trials: u64,
    /// Monte Carlo with no correlations: every input from its family's
    /// sampler, the fast path.
    plain: bool,
    /// Each input's stream.
    streams: Vec<StreamName>,
    /// Each input's Latin hypercube permutation key name.
    strata: Vec<StreamName>,
    /// Group and position within it, for correlated inputs.
    member: Vec<Option<(usize, usize)>>,
    /// Each group's inputs (by index) and Cholesky factor.
    groups: Vec<(Vec<usize>, Matrix)>,
}

impl Sampler {
    pub(super) fn new(scenario: &Scenario) -> Sampler {
        let inputs = scenario.inputs.all();
        let sampling = &scenario.sampling;
        let mut member = vec![None; inputs.len()];
        let groups: Vec<(Vec<usize>, Matrix)> = sampling
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let ids: Vec<usize> = group.inputs.iter().map(|id| id.0).collect();
                for (k, &i) in ids.iter().enumerate() {
                    member[i] = Some((g, k));
                }
                (ids, group.cholesky.clone())
            })
            .collect();
        Sampler {
            method: sampling.method,
            hypercube: 1,
            trials: u64::MAX,
            plain: sampling.method == Method::MonteCarlo && groups.is_empty(),
            streams: inputs.iter().map(|i| StreamName::new(&i.path)).collect(),
            strata: inputs
                .iter()
                .map(|i| StreamName::new(&format!("{}.stratum", i.path)))
                .collect(),
            member,
            groups,
        }
    }

    /// Latin hypercubes of `block` trials each, over a run of `trials`:
    /// the last holds what is left when `block` does not divide `trials`.
    pub(super) fn set_hypercubes(&mut self, block: u64, trials: u64) {
        self.hypercube = block.max(1);
        self.trials = trials.max(1);
    }

    /// Hypercube number and size, and the trial's index within it.
    fn cube_of(&self, trial: u64) -> (u64, u64, u64) {
        let cube = trial / self.hypercube;
        let first = cube * self.hypercube;
        let size = self.hypercube.min(self.trials.saturating_sub(first)).max(1);
        (cube, size, trial - first)
    }

    /// Draws every input of trial `trial` into `values`, by input id.
    pub(super) fn sample(&self, scenario: &Scenario, seed: u64, trial: u64, values: &mut [f64]) {
        let inputs = scenario.inputs.all();
        if self.plain {
            for ((input, name), value) in inputs.iter().zip(&self.streams).zip(values) {
                *value = match &input.value {
                    Uncertain::Const(v) => *v,
                    Uncertain::Dist(d) => d.sample(&mut rng::stream(seed, trial, *name)),
                };
            }
            return;
        }
        // Normals of correlated inputs, by input index.
        let mut normals = vec![
            0.0;
            if self.groups.is_empty() {
                0
            } else {
                inputs.len()
            }
        ];
        for (v, input) in inputs.iter().enumerate() {
            let d = match &input.value {
                // A constant in a group (a `--set` fixed it) still draws its
                // normal, so its partners draw as they would without the
                // `--set` (common random numbers).
                Uncertain::Const(c) => {
                    values[v] = *c;
                    if self.member[v].is_none() {
                        continue;
                    }
                    None
                }
                Uncertain::Dist(d) => Some(d),
            };
            let mut stream = rng::stream(seed, trial, self.streams[v]);
            if let (Method::MonteCarlo, None, Some(d)) = (self.method, self.member[v], d) {
                values[v] = d.sample(&mut stream);
                continue;
            }
            let mut u = open_uniform(stream.next_u64());
            if self.method == Method::LatinHypercube {
                u = self.stratified(seed, trial, v, u);
            }
            match (self.member[v], d) {
                (Some(_), _) => normals[v] = normal_quantile(u),
                (None, Some(d)) => values[v] = d.quantile(u),
                (None, None) => {}
            }
        }
        for (ids, l) in &self.groups {
            for (k, &v) in ids.iter().enumerate() {
                let x: f64 = (0..=k).map(|m| l.at(k, m) * normals[ids[m]]).sum();
                if let Uncertain::Dist(d) = &inputs[v].value {
                    values[v] = d.quantile(normal_cdf(x).clamp(EDGE, 1.0 - EDGE));
                }
            }
        }
    }

    /// The point `u` ∈ (0, 1) moved into trial `trial`'s stratum of input
    /// `v`: (stratum + u) / N.
    fn stratified(&self, seed: u64, trial: u64, v: usize, u: f64) -> f64 {
        let (cube, n, index) = self.cube_of(trial);
        let stratum = permute(rng::key(seed, cube, self.strata[v]), index, n);
        ((stratum as f64 + u) / n as f64).clamp(EDGE, 1.0 - EDGE)
    }

    /// The stratum (0..N) of input `v` in trial `trial`, for tests.
    #[cfg(test)]
    fn stratum(&self, seed: u64, trial: u64, v: usize) -> u64 {
        let (cube, n, index) = self.cube_of(trial);
        permute(rng::key(seed, cube, self.strata[v]), index, n)
    }
}

/// A uniform in (0, 1) from 64 random bits: the top 52 bits, centred in
/// their interval so that neither end is reached (with 53 bits the top
/// value, 1 − 2⁻⁵⁴, would round to 1).
fn open_uniform(bits: u64) -> f64 {
    ((bits >> 12) as f64 + 0.5) * (1.0 / (1u64 << 52) as f64)
}

/// Φ⁻¹(p), the standard normal quantile.
fn normal_quantile(p: f64) -> f64 {
    -SQRT_2 * erfc_inv(2.0 * p)
}

/// Φ(x), the standard normal CDF.
fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / SQRT_2)
}

/// A keyed permutation of `0..n`, evaluated at `i` alone: a four-round
/// Feistel network on the smallest even number of bits that holds `n`,
/// walked along its cycle until it lands below `n` (cycle walking; the
/// domain is at most 4n, so a few steps on average). Any round function
/// gives a bijection, so each of the n strata is hit exactly once.
pub(super) fn permute(key: u64, i: u64, n: u64) -> u64 {
    if n <= 1 {
        return 0;
    }
    let bits = 64 - (n - 1).leading_zeros();
    let half = bits.div_ceil(2);
    let mask = (1u64 << half) - 1;
    let round_keys = [1u64, 2, 3, 4].map(|r| rng::mix(key ^ r.wrapping_mul(0x9e37_79b9)));
    let mut x = i;
    loop {
        let (mut left, mut right) = (x >> half, x & mask);
        for k in round_keys {
            let f = rng::mix(right ^ k) & mask;
            (left, right) = (right, left ^ f);
        }
        x = (left << half) | right;
        if x < n {
            return x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;
    use proptest::prelude::*;

    proptest! {
        /// The permutation is a bijection of 0..n for any key and size.
        #[test]
        fn permute_is_a_bijection(key in any::<u64>(), n in 1u64..5000) {
            let mut seen = vec![false; n as usize];
            for i in 0..n {
                let s = permute(key, i, n);
                prop_assert!(s < n);
                prop_assert!(!seen[s as usize], "{s} twice");
                seen[s as usize] = true;
            }
        }
    }

    #[test]
    fn normal_quantile_and_cdf_by_hand() {
        assert!(normal_quantile(0.5).abs() < 1e-15);
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-12);
        // statrs' erfc is good to about 1e-12 here: far below a stratum
        // of even 10^7 trials.
        assert!((normal_cdf(1.959_963_984_540_054) - 0.975).abs() < 2e-12);
        assert_eq!(open_uniform(0), 0.5 / (1u64 << 52) as f64);
        assert_eq!(open_uniform(u64::MAX), 1.0 - f64::EPSILON / 2.0);
    }

    const SCENARIO: &str = r#"
name = "lhs"
seed = 7
[time]
start = "2025-01"
end = "2025-02"
[demand]
initial_gw = { dist = "uniform", min = 1, max = 2 }
growth = { dist = "lognormal", p5 = 0.5, p95 = 2 }
volatility = 0.1
[[workloads]]
name = "all"
share = 1
[[providers]]
name = "azure"
initial_gw = { dist = "pert", min = 1, mode = 2, max = 4 }
price = 10
[revenue]
per_gw_year = 7
[microsoft]
provider = "azure"
azure_margin = { dist = "beta", alpha = 2, beta = 5 }
discount_rate = 0.08
[sampling]
method = "lhs"
"#;

    /// Under LHS each input's N strata each hold exactly one of N trials'
    /// draws: by the stratum index and by the value's CDF.
    #[test]
    fn latin_hypercube_puts_one_draw_in_each_stratum() {
        let s = load_str("lhs.toml", SCENARIO, &[]).unwrap();
        let mut sampler = Sampler::new(&s);
        for n in [1u64, 7, 1000] {
            sampler.set_hypercubes(n, 2 * n);
            let dists: Vec<(usize, &crate::scenario::dist::Dist)> = s
                .inputs
                .all()
                .iter()
                .enumerate()
                .filter_map(|(v, i)| match &i.value {
                    Uncertain::Dist(d) => Some((v, d.as_ref())),
                    Uncertain::Const(_) => None,
                })
                .collect();
            assert_eq!(dists.len(), 4);
            let mut by_index = vec![vec![0u32; n as usize]; s.inputs.len()];
            let mut by_value = vec![vec![0u32; n as usize]; s.inputs.len()];
            let mut values = vec![0.0; s.inputs.len()];
            // The second hypercube (trials n..2n) is stratified too.
            for trial in n..2 * n {
                sampler.sample(&s, 7, trial, &mut values);
                for &(v, d) in &dists {
                    by_index[v][sampler.stratum(7, trial, v) as usize] += 1;
                    let u = d.cdf(values[v]);
                    let k = ((u * n as f64).floor() as usize).min(n as usize - 1);
                    by_value[v][k] += 1;
                }
            }
            for &(v, _) in &dists {
                assert!(by_index[v].iter().all(|&c| c == 1), "input {v}, n {n}");
                assert!(
                    by_value[v].iter().all(|&c| c == 1),
                    "input {v}, n {n}: {:?}",
                    by_value[v]
                );
            }
        }
    }

    /// Blocks of 10 over 25 trials: the last block, trials 20–24, is a
    /// hypercube of its 5 trials.
    #[test]
    fn the_last_block_is_a_hypercube_of_what_is_left() {
        let s = load_str("lhs.toml", SCENARIO, &[]).unwrap();
        let mut sampler = Sampler::new(&s);
        sampler.set_hypercubes(10, 25);
        let v = 0; // demand.initial_gw
        let mut first: Vec<u64> = (0..10).map(|t| sampler.stratum(7, t, v)).collect();
        first.sort_unstable();
        assert_eq!(first, (0..10).collect::<Vec<_>>());
        let mut last: Vec<u64> = (20..25).map(|t| sampler.stratum(7, t, v)).collect();
        last.sort_unstable();
        assert_eq!(last, (0..5).collect::<Vec<_>>());
    }

    /// Pinned: the inputs of trials 0 and 1 of tests/fixtures/minimal.toml
    /// (seed 7, Monte Carlo, no correlations) as `trials.csv` of 00fc9b9,
    /// the last build before sampling plans, wrote them. Any change to the
    /// plain path's draws fails here.
    #[test]
    fn plain_monte_carlo_draws_are_those_of_before_sampling_plans() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal.toml");
        let s = crate::scenario::load_file(&path, &[]).unwrap();
        let sampler = Sampler::new(&s);
        assert!(sampler.plain);
        let want: [[f64; 4]; 2] = [
            [
                0.6842875515353852,
                10.97510232348045,
                0.2044355243922378,
                2029.4268063525274,
            ],
            [
                0.8498918620721073,
                12.042475705600985,
                0.23657778749160105,
                2030.487870308746,
            ],
        ];
        let paths = [
            "demand.growth",
            "providers.azure.price",
            "terms.rofr.0.exercise_probability",
            "agi.year",
        ];
        for (trial, row) in want.iter().enumerate() {
            let mut values = vec![0.0; s.inputs.len()];
            sampler.sample(&s, s.seed, trial as u64, &mut values);
            for (path, want) in paths.iter().zip(row) {
                let k = s.inputs.all().iter().position(|i| i.path == *path).unwrap();
                assert_eq!(values[k], *want, "trial {trial} {path}");
            }
        }
    }

    /// Monte Carlo without correlations keeps the family samplers' draws.
    #[test]
    fn plain_monte_carlo_draws_as_before() {
        let text = SCENARIO.replace("method = \"lhs\"", "method = \"mc\"");
        let s = load_str("mc.toml", &text, &[]).unwrap();
        let sampler = Sampler::new(&s);
        assert!(sampler.plain);
        let mut values = vec![0.0; s.inputs.len()];
        sampler.sample(&s, 7, 3, &mut values);
        for (v, input) in s.inputs.all().iter().enumerate() {
            let want = match &input.value {
                Uncertain::Const(c) => *c,
                Uncertain::Dist(d) => {
                    d.sample(&mut rng::stream(7, 3, StreamName::new(&input.path)))
                }
            };
            assert_eq!(values[v].to_bits(), want.to_bits());
        }
    }
}
