//! `exp`, `exp2`, `ln` and `sin`/`cos` of 2πu, in lanes.
//!
//! Written with the operations of [`Lanes`] only (no fused multiply-add,
//! no table lookups), so every path gives the same bits, and the scalar
//! path gives them too. Accuracy against the standard library (glibc's
//! correctly rounded-or-nearly `exp`, `exp2`, `log`), measured by the tests
//! below on 10⁷ arguments each plus the edges:
//!
//! - [`exp`]: at most 1 ulp apart, on [−745.2, 709.8] (beyond: 0 and +∞);
//! - [`exp2`]: at most 1 ulp apart, on [−1075, 1024) (beyond: 0 and +∞);
//! - [`ln`]: at most 1 ulp apart, on every positive double (ln 0 = −∞,
//!   ln of a negative = NaN, ln +∞ = +∞);
//!
//! subnormal results rounded once, as the standard library does; NaN in,
//! NaN out. [`sin_cos_turns`] is within 2⁻⁵² absolute of the true values
//! (it feeds the Box–Muller transform, whose only use is normal variates).

use super::Lanes;

/// 1.5 × 2⁵²: adding it to |x| < 2⁵¹ rounds x to the nearest integer
/// (ties to even) in the low bits of the sum.
const ROUNDER: f64 = 6_755_399_441_055_744.0;
/// ln 2 split so that k × LN2_HI is exact for |k| < 2¹¹ (fdlibm's split).
const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
const LOG2_E: f64 = std::f64::consts::LOG2_E;

/// 1/n! for n = 2..=13: the Taylor series of eʳ − 1 − r, whose truncation
/// error on |r| ≤ ln2/2 is below 5·10⁻¹⁸.
const EXP_TAYLOR: [f64; 12] = [
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
];

/// The nearest integer to `x` (|x| < 2⁵¹), ties to even, as a double.
#[inline(always)]
fn round<L: Lanes>(s: L, x: L::F) -> L::F {
    s.sub(s.add(x, s.splat(ROUNDER)), s.splat(ROUNDER))
}

/// eʳ for |r| ≤ ln2/2 (a little beyond is harmless).
#[inline(always)]
fn exp_reduced<L: Lanes>(s: L, r: L::F) -> L::F {
    let mut u = s.splat(EXP_TAYLOR[11]);
    for &c in EXP_TAYLOR[..11].iter().rev() {
        u = s.add(s.mul(u, r), s.splat(c));
    }
    // 1 + (r + r²·u): the small part summed first, then the one rounding
    // that matters.
    s.add(s.splat(1.0), s.add(r, s.mul(s.mul(r, r), u)))
}

/// `p × 2^k` for an integer-valued `k` (any size): the scale is built from
/// its bits, split in two where 2^k alone would overflow or be subnormal,
/// so the result is rounded once.
#[inline(always)]
fn scale<L: Lanes>(s: L, p: L::F, k: L::F) -> L::F {
    let high = s.lt(s.splat(1000.0), k);
    let low = s.lt(k, s.splat(-1000.0));
    let k = s.select(high, s.sub(k, s.splat(2.0)), k);
    let k = s.select(low, s.add(k, s.splat(60.0)), k);
    let k = s.min(s.max(k, s.splat(-1022.0)), s.splat(1023.0));
    let k_int = s.sub_u(
        s.to_bits(s.add(k, s.splat(ROUNDER))),
        s.splat_u(ROUNDER.to_bits()),
    );
    let two_k = s.with_bits(s.shl::<52>(s.add_u(k_int, s.splat_u(1023))));
    let after = s.select(high, s.splat(4.0), s.splat(1.0));
    let after = s.select(low, s.splat(f64::from_bits(0x3C30_0000_0000_0000)), after); // 2⁻⁶⁰
    s.mul(s.mul(p, two_k), after)
}

/// eˣ in every lane.
#[inline(always)]
pub fn exp<L: Lanes>(s: L, x: L::F) -> L::F {
    // Clamped so k stays small; beyond the clamp the answer is 0 or +∞.
    let xc = s.min(s.max(x, s.splat(-746.0)), s.splat(710.0));
    let k = round(s, s.mul(xc, s.splat(LOG2_E)));
    let r = s.sub(
        s.sub(xc, s.mul(k, s.splat(LN2_HI))),
        s.mul(k, s.splat(LN2_LO)),
    );
    let y = scale(s, exp_reduced(s, r), k);
    let y = s.select(
        s.lt(s.splat(709.782_712_893_384), x),
        s.splat(f64::INFINITY),
        y,
    );
    let y = s.select(s.lt(x, s.splat(-745.133_219_101_941_2)), s.splat(0.0), y);
    // NaN in, NaN out (comparisons with NaN are false).
    s.select(s.eq(x, x), y, x)
}

/// 2ˣ in every lane.
#[inline(always)]
pub fn exp2<L: Lanes>(s: L, x: L::F) -> L::F {
    let xc = s.min(s.max(x, s.splat(-1080.0)), s.splat(1030.0));
    let k = round(s, xc);
    // x − k is exact; r·ln 2 in two parts keeps its error below an ulp of r.
    let f = s.sub(xc, k);
    let r = s.add(s.mul(f, s.splat(LN2_HI)), s.mul(f, s.splat(LN2_LO)));
    let y = scale(s, exp_reduced(s, r), k);
    let y = s.select(s.le(s.splat(1024.0), x), s.splat(f64::INFINITY), y);
    let y = s.select(s.lt(x, s.splat(-1075.0)), s.splat(0.0), y);
    s.select(s.eq(x, x), y, x)
}

/// xʸ for x > 0, as e^(y·ln x): for the model's monthly steps
/// (1 + r)^(±1/12), where |y·ln x| < 0.4, within 2 ulps of std's `powf`
/// (the error grows with |y·ln x|, as the rounding of y·ln x is
/// magnified by the exponential).
#[inline(always)]
pub fn pow<L: Lanes>(s: L, x: L::F, y: L::F) -> L::F {
    exp(s, s.mul(y, ln(s, x)))
}

/// fdlibm's minimax coefficients for log(1+f) = f − f²/2 + s(f²/2 + R(s²)),
/// s = f/(2+f).
const LG: [f64; 7] = [
    f64::from_bits(0x3FE5_5555_5555_5593),
    f64::from_bits(0x3FD9_9999_9997_FA04),
    f64::from_bits(0x3FD2_4924_9422_9359),
    f64::from_bits(0x3FCC_71C5_1D8E_78AF),
    f64::from_bits(0x3FC7_4664_96CB_03DE),
    f64::from_bits(0x3FC3_9A09_D078_C69F),
    f64::from_bits(0x3FC2_F112_DF3E_5244),
];

/// ln x in every lane (fdlibm's `__ieee754_log`, without branches).
#[inline(always)]
pub fn ln<L: Lanes>(s: L, x: L::F) -> L::F {
    const MANTISSA: u64 = 0x000F_FFFF_FFFF_FFFF;
    // Subnormals are scaled into the normal range first.
    let subnormal = s.lt(x, s.splat(f64::MIN_POSITIVE));
    let xs = s.select(subnormal, s.mul(x, s.splat(18_014_398_509_481_984.0)), x); // 2⁵⁴
    let bits = s.to_bits(xs);
    let mantissa = s.and_u(bits, s.splat_u(MANTISSA));
    // x = 2^k·m with m in [√2/2, √2): a carry out of the mantissa when
    // m ≥ √2 moves m down an octave and k up one.
    let carry = s.and_u(
        s.add_u(mantissa, s.splat_u(0x0009_5F64_0000_0000)),
        s.splat_u(0x0010_0000_0000_0000),
    );
    let m = s.with_bits(s.or_u(mantissa, s.xor_u(carry, s.splat_u(0x3FF0_0000_0000_0000))));
    let biased = s.add_u(s.shr::<52>(bits), s.shr::<52>(carry));
    // The biased exponent (< 2¹²) as a double, exactly.
    let two52: f64 = 4_503_599_627_370_496.0;
    let k = s.sub(
        s.with_bits(s.or_u(biased, s.splat_u(two52.to_bits()))),
        s.splat(two52 + 1023.0),
    );
    let k = s.select(subnormal, s.sub(k, s.splat(54.0)), k);
    let f = s.sub(m, s.splat(1.0));
    let hfsq = s.mul(s.mul(s.splat(0.5), f), f);
    let r_s = s.div(f, s.add(s.splat(2.0), f));
    let z = s.mul(r_s, r_s);
    let w = s.mul(z, z);
    let c = |i: usize| s.splat(LG[i]);
    let t1 = s.mul(w, s.add(c(1), s.mul(w, s.add(c(3), s.mul(w, c(5))))));
    let t2 = s.mul(
        z,
        s.add(
            c(0),
            s.mul(w, s.add(c(2), s.mul(w, s.add(c(4), s.mul(w, c(6)))))),
        ),
    );
    let big_r = s.add(t2, t1);
    let inner = s.add(s.mul(r_s, s.add(hfsq, big_r)), s.mul(k, s.splat(LN2_LO)));
    let y = s.sub(s.mul(k, s.splat(LN2_HI)), s.sub(s.sub(hfsq, inner), f));
    let y = s.select(s.eq(x, s.splat(f64::INFINITY)), x, y);
    let y = s.select(s.lt(x, s.splat(0.0)), s.splat(f64::NAN), y);
    let y = s.select(s.eq(x, s.splat(0.0)), s.splat(f64::NEG_INFINITY), y);
    s.select(s.eq(x, x), y, x)
}

/// (sin 2πu, cos 2πu) for u in [0, 1): u is cut into quarter turns
/// exactly, and the rest, within an eighth of a turn, goes through Taylor
/// series whose truncation error is below 10⁻¹⁶.
#[inline(always)]
pub fn sin_cos_turns<L: Lanes>(s: L, u: L::F) -> (L::F, L::F) {
    let t = s.mul(u, s.splat(4.0));
    let q = round(s, t);
    let a = s.mul(s.sub(t, q), s.splat(std::f64::consts::FRAC_PI_2));
    let a2 = s.mul(a, a);
    // sin a = a(1 − a²/3! + a⁴/5! − …), to a¹⁷; cos a = 1 − a²/2! + …, to a¹⁶.
    let mut sin = s.splat(1.0 / 355_687_428_096_000.0); // 1/17!
    for d in [
        -1.0 / 1_307_674_368_000.0,
        1.0 / 6_227_020_800.0,
        -1.0 / 39_916_800.0,
        1.0 / 362_880.0,
        -1.0 / 5_040.0,
        1.0 / 120.0,
        -1.0 / 6.0,
        1.0,
    ] {
        sin = s.add(s.mul(sin, a2), s.splat(d));
    }
    let sin = s.mul(sin, a);
    let mut cos = s.splat(1.0 / 20_922_789_888_000.0); // 1/16!
    for d in [
        -1.0 / 87_178_291_200.0,
        1.0 / 479_001_600.0,
        -1.0 / 3_628_800.0,
        1.0 / 40_320.0,
        -1.0 / 720.0,
        1.0 / 24.0,
        -1.0 / 2.0,
        1.0,
    ] {
        cos = s.add(s.mul(cos, a2), s.splat(d));
    }
    // Quarter turn q (0..=4, 4 being 0 again) rotates (sin, cos).
    let neg = |v: L::F| s.sub(s.splat(0.0), v);
    let q1 = s.eq(q, s.splat(1.0));
    let q2 = s.eq(q, s.splat(2.0));
    let q3 = s.eq(q, s.splat(3.0));
    let sin_q = s.select(q1, cos, s.select(q2, neg(sin), s.select(q3, neg(cos), sin)));
    let cos_q = s.select(q1, neg(sin), s.select(q2, neg(cos), s.select(q3, sin, cos)));
    (sin_q, cos_q)
}

#[cfg(test)]
mod tests {
    use super::super::{PATHS, Path, Scalar, WithLanes};
    use super::*;

    /// Distance in ulps between two doubles of the same sign (0 when both
    /// are NaN, or equal).
    fn ulps(a: f64, b: f64) -> u64 {
        if a.is_nan() && b.is_nan() || a == b {
            return 0;
        }
        if a.is_nan() || b.is_nan() || a.is_sign_negative() != b.is_sign_negative() {
            return u64::MAX;
        }
        a.to_bits().abs_diff(b.to_bits())
    }

    /// A SplitMix64 sequence: arguments spread over a range without
    /// depending on the crate's generators.
    fn sequence(n: usize, seed: u64) -> impl Iterator<Item = f64> {
        let mut z = seed;
        (0..n).map(move |_| {
            z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((x ^ (x >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        })
    }

    struct Apply<'a> {
        which: &'a str,
        xs: &'a [f64],
    }

    impl WithLanes for Apply<'_> {
        type Output = Vec<f64>;
        #[inline(always)]
        fn run<L: Lanes>(self, s: L) -> Vec<f64> {
            let mut out = self.xs.to_vec();
            for chunk in out.chunks_exact_mut(L::N) {
                let x = s.load(chunk);
                let y = match self.which {
                    "exp" => exp(s, x),
                    "exp2" => exp2(s, x),
                    "ln" => ln(s, x),
                    "sin" => sin_cos_turns(s, x).0,
                    _ => sin_cos_turns(s, x).1,
                };
                s.store(y, chunk);
            }
            out
        }
    }

    /// 10⁷ arguments spread uniformly over the range, plus those near 0 and
    /// the edges given.
    fn arguments(lo: f64, hi: f64, edges: &[f64], seed: u64) -> Vec<f64> {
        let mut xs: Vec<f64> = sequence(10_000_000, seed)
            .map(|u| lo + (hi - lo) * u)
            .collect();
        xs.extend(sequence(100_000, seed + 1).map(|u| (u - 0.5) * 1e-6));
        xs.extend(edges);
        for &e in edges {
            if e.is_finite() {
                xs.extend([e.next_down(), e.next_up()]);
            }
        }
        xs.resize(xs.len().next_multiple_of(8), 0.5);
        xs
    }

    fn worst(which: &str, xs: &[f64], f: impl Fn(f64) -> f64) -> (u64, f64) {
        let ys = Path::Scalar.run(Apply { which, xs });
        xs.iter()
            .zip(&ys)
            .map(|(&x, &y)| (ulps(y, f(x)), x))
            .max_by_key(|&(u, _)| u)
            .unwrap_or((0, 0.0))
    }

    #[test]
    fn exp_is_within_one_ulp_of_std() {
        let edges = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            709.78,
            709.782_712_893_384,
            710.0,
            -708.39,
            -745.133_219_101_941_2,
            -746.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e-300,
        ];
        let xs = arguments(-745.2, 709.8, &edges, 1);
        let (u, x) = worst("exp", &xs, f64::exp);
        assert!(u <= 1, "exp({x:e}) is {u} ulps from std");
        // The model's own range, where every result is normal: small
        // arguments (monthly growth and shocks).
        let xs = arguments(-5.0, 5.0, &[], 2);
        let (u, x) = worst("exp", &xs, f64::exp);
        assert!(u <= 1, "exp({x:e}) is {u} ulps from std");
    }

    #[test]
    fn exp2_is_within_one_ulp_of_std() {
        let edges = [
            0.0,
            -0.5,
            0.5,
            1023.0,
            1_023.999_999,
            1024.0,
            -1022.0,
            -1074.0,
            -1075.0,
            -1076.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let xs = arguments(-1075.0, 1024.0, &edges, 3);
        let (u, x) = worst("exp2", &xs, f64::exp2);
        assert!(u <= 1, "exp2({x:e}) is {u} ulps from std");
    }

    #[test]
    fn ln_is_within_one_ulp_of_std() {
        let edges = [
            1.0,
            std::f64::consts::SQRT_2,
            std::f64::consts::FRAC_1_SQRT_2,
            f64::MIN_POSITIVE,
            f64::MIN_POSITIVE / 1024.0,
            f64::from_bits(1),
            f64::MAX,
            0.0,
            -0.0,
            -1.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            2.0f64.powi(-53),
        ];
        // Over the exponents (log-uniform) and over [0, 4] (uniform).
        let mut xs: Vec<f64> = sequence(5_000_000, 4)
            .map(|u| 2.0f64.powf(-1074.0 + 2098.0 * u))
            .collect();
        xs.extend(arguments(0.0, 4.0, &edges, 5).into_iter().take(5_000_000));
        xs.extend(edges);
        xs.resize(xs.len().next_multiple_of(8), 0.5);
        let (u, x) = worst("ln", &xs, f64::ln);
        assert!(u <= 1, "ln({x:e}) is {u} ulps from std");
    }

    #[test]
    fn sin_and_cos_of_turns_are_within_2_pow_52_of_std() {
        let mut xs: Vec<f64> = sequence(1_000_000, 6).collect();
        xs.extend([0.0, 0.125, 0.25, 0.375, 0.5, 0.75, 1.0 - f64::EPSILON / 2.0]);
        xs.resize(xs.len().next_multiple_of(8), 0.5);
        // The reference cuts whole quarter turns off exactly too: std's
        // sin(2π·u) would carry the rounding of 2π·u (up to 4.4·10⁻¹⁶).
        let reference = |u: f64| {
            let q = (4.0 * u).round();
            let a = (4.0 * u - q) * std::f64::consts::FRAC_PI_2;
            let (sin, cos) = (a.sin(), a.cos());
            match q as i64 % 4 {
                0 => (sin, cos),
                1 => (cos, -sin),
                2 => (-sin, -cos),
                _ => (-cos, sin),
            }
        };
        let sines = Path::Scalar.run(Apply {
            which: "sin",
            xs: &xs,
        });
        let cosines = Path::Scalar.run(Apply {
            which: "cos",
            xs: &xs,
        });
        for ((&u, &sin), &cos) in xs.iter().zip(&sines).zip(&cosines) {
            let (want_sin, want_cos) = reference(u);
            let err = (sin - want_sin).abs().max((cos - want_cos).abs());
            assert!(err <= f64::EPSILON, "sin/cos(2π·{u}) is {err:e} off");
        }
        // The quarter turns themselves are exact.
        let quarters = [0.0, 0.25, 0.5, 0.75];
        let mut qs = quarters.to_vec();
        qs.resize(8, 0.0);
        let sines = Path::Scalar.run(Apply {
            which: "sin",
            xs: &qs,
        });
        let cosines = Path::Scalar.run(Apply {
            which: "cos",
            xs: &qs,
        });
        assert_eq!(&sines[..4], &[0.0, 1.0, 0.0, -1.0]);
        assert_eq!(&cosines[..4], &[1.0, 0.0, -1.0, 0.0]);
    }

    /// pow over the model's uses: (1 + rate)^y for rates from −99 % to
    /// +200 % and |y| ≤ 1/12.
    #[test]
    fn pow_is_within_two_ulps_of_std() {
        let mut worst = (0, 0.0, 0.0);
        for (u, v) in sequence(1_000_000, 9).zip(sequence(1_000_000, 10)) {
            let (x, y) = (0.01 + 2.99 * u, (2.0 * v - 1.0) / 12.0);
            let d = ulps(pow(Scalar, x, y), x.powf(y));
            if d > worst.0 {
                worst = (d, x, y);
            }
        }
        for (x, y) in [
            (1.1, 1.0 / 12.0),
            (1.08, -1.0 / 12.0),
            (1.0, 0.5),
            (2.0, 1.0),
        ] {
            let d = ulps(pow(Scalar, x, y), x.powf(y));
            if d > worst.0 {
                worst = (d, x, y);
            }
        }
        let (d, x, y) = worst;
        assert!(d <= 2, "pow({x}, {y}) is {d} ulps from std");
    }

    /// Every path gives the scalar path's bits.
    #[test]
    fn every_path_gives_the_same_bits() {
        let mut xs: Vec<f64> = sequence(200_000, 7).map(|u| (u - 0.5) * 1500.0).collect();
        xs.extend(sequence(200_000, 8));
        xs.extend([
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            -1e-310,
            1e-310,
            709.8,
            -745.0,
        ]);
        xs.resize(xs.len().next_multiple_of(8), 0.5);
        for which in ["exp", "exp2", "ln", "sin", "cos"] {
            let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
            let scalar = bits(Scalar.run_apply(which, &xs));
            for path in PATHS.into_iter().filter(|p| p.available()) {
                let wide = bits(path.run(Apply { which, xs: &xs }));
                assert!(wide == scalar, "{which} on {path}");
            }
        }
    }

    impl Scalar {
        fn run_apply(self, which: &str, xs: &[f64]) -> Vec<f64> {
            Apply { which, xs }.run(self)
        }
    }
}
