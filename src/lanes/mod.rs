//! Lanes: one trial per lane, several lanes per CPU instruction.
//!
//! The month step is written once, generic over [`Lanes`], and run with
//! the widest path the CPU has: [`Scalar`] (one lane, plain `f64`), and on
//! x86-64 SSE2 (2 lanes), AVX2 (4) and AVX-512 (8). Every path performs the
//! same IEEE operations in the same order on each lane — add, subtract,
//! multiply, divide and square root, correctly rounded; no fused
//! multiply-add anywhere; `min`/`max` with one defined answer for NaN and
//! ±0 — so every path gives the same bits, and outputs do not depend on
//! the CPU. [`Path::detect`] picks the path; the environment variable
//! `ROFRSIM_SIMD` (`scalar`, `sse2`, `avx2`, `avx512`) forces one, which is
//! how the tests compare them.
//!
//! Each path is a zero-sized token that only [`Path::run`] hands out, after
//! checking the CPU: holding one proves its instructions exist. Generic
//! code over [`Lanes`] must be `#[inline(always)]` so that it is compiled
//! inside the path's `#[target_feature]` entry point, where the
//! intrinsics inline.

/// exp, ln, exp2 (and sin, cos) in lanes.
pub mod math;
/// Random numbers in lanes: xoshiro256++ side by side.
pub mod random;
#[cfg(target_arch = "x86_64")]
mod x86;

use std::fmt;

/// Lanes of `f64`, `u64` and masks, and the operations the model needs.
/// `self` is the path's token. Every operation acts on each lane alone.
pub trait Lanes: Copy + Send + Sync + 'static {
    /// Lanes per vector.
    const N: usize;
    /// `N` doubles.
    type F: Copy;
    /// `N` unsigned 64-bit integers.
    type U: Copy;
    /// `N` booleans.
    type M: Copy;

    /// Every lane `x`.
    fn splat(self, x: f64) -> Self::F;
    /// Lanes `xs[0..N]` (panics when `xs` is shorter).
    fn load(self, xs: &[f64]) -> Self::F;
    /// Writes the lanes to `out[0..N]` (panics when `out` is shorter).
    fn store(self, x: Self::F, out: &mut [f64]);
    /// `a + b`.
    fn add(self, a: Self::F, b: Self::F) -> Self::F;
    /// `a − b`.
    fn sub(self, a: Self::F, b: Self::F) -> Self::F;
    /// `a × b`.
    fn mul(self, a: Self::F, b: Self::F) -> Self::F;
    /// `a ÷ b`.
    fn div(self, a: Self::F, b: Self::F) -> Self::F;
    /// √a, correctly rounded.
    fn sqrt(self, a: Self::F) -> Self::F;
    /// `if a < b { a } else { b }` (so `b` when either is NaN, or both 0).
    fn min(self, a: Self::F, b: Self::F) -> Self::F;
    /// `if a > b { a } else { b }` (so `b` when either is NaN, or both 0).
    fn max(self, a: Self::F, b: Self::F) -> Self::F;
    /// `a < b` (false when either is NaN).
    fn lt(self, a: Self::F, b: Self::F) -> Self::M;
    /// `a ≤ b` (false when either is NaN).
    fn le(self, a: Self::F, b: Self::F) -> Self::M;
    /// `a == b` (false when either is NaN).
    fn eq(self, a: Self::F, b: Self::F) -> Self::M;
    /// `if m { a } else { b }`.
    fn select(self, m: Self::M, a: Self::F, b: Self::F) -> Self::F;
    /// `a && b`.
    fn and(self, a: Self::M, b: Self::M) -> Self::M;
    /// `a || b`.
    fn or(self, a: Self::M, b: Self::M) -> Self::M;
    /// `!a`.
    fn not(self, a: Self::M) -> Self::M;
    /// Whether any lane is true.
    fn any(self, m: Self::M) -> bool;
    /// The lanes' bit patterns.
    fn to_bits(self, a: Self::F) -> Self::U;
    /// Doubles with these bit patterns.
    fn with_bits(self, a: Self::U) -> Self::F;
    /// Every lane `x`.
    fn splat_u(self, x: u64) -> Self::U;
    /// Lanes `xs[0..N]`.
    fn load_u(self, xs: &[u64]) -> Self::U;
    /// Writes the lanes to `out[0..N]`.
    fn store_u(self, x: Self::U, out: &mut [u64]);
    /// `a + b`, wrapping.
    fn add_u(self, a: Self::U, b: Self::U) -> Self::U;
    /// `a − b`, wrapping.
    fn sub_u(self, a: Self::U, b: Self::U) -> Self::U;
    /// `a ^ b`.
    fn xor_u(self, a: Self::U, b: Self::U) -> Self::U;
    /// `a | b`.
    fn or_u(self, a: Self::U, b: Self::U) -> Self::U;
    /// `a & b`.
    fn and_u(self, a: Self::U, b: Self::U) -> Self::U;
    /// `a << K` (`K` < 64).
    fn shl<const K: i32>(self, a: Self::U) -> Self::U;
    /// `a >> K`, logical (`K` < 64).
    fn shr<const K: i32>(self, a: Self::U) -> Self::U;
    /// `base[idx[k]]` in lane k, for `idx[0..N]` (panics when `idx` is
    /// shorter or an index is out of `base`'s range).
    fn gather(self, base: &[f64], idx: &[usize]) -> Self::F;
    /// `a.rotate_left(K)` (0 < `K` < 64; `L` = 64 − `K`, as const
    /// generics cannot be computed).
    #[inline(always)]
    fn rotl<const K: i32, const L: i32>(self, a: Self::U) -> Self::U {
        self.or_u(self.shl::<K>(a), self.shr::<L>(a))
    }
}

/// One lane: plain `f64`, on any CPU.
#[derive(Debug, Clone, Copy)]
pub struct Scalar;

impl Lanes for Scalar {
    const N: usize = 1;
    type F = f64;
    type U = u64;
    type M = bool;

    #[inline(always)]
    fn splat(self, x: f64) -> f64 {
        x
    }
    #[inline(always)]
    fn load(self, xs: &[f64]) -> f64 {
        xs[0]
    }
    #[inline(always)]
    fn store(self, x: f64, out: &mut [f64]) {
        out[0] = x;
    }
    #[inline(always)]
    fn add(self, a: f64, b: f64) -> f64 {
        a + b
    }
    #[inline(always)]
    fn sub(self, a: f64, b: f64) -> f64 {
        a - b
    }
    #[inline(always)]
    fn mul(self, a: f64, b: f64) -> f64 {
        a * b
    }
    #[inline(always)]
    fn div(self, a: f64, b: f64) -> f64 {
        a / b
    }
    #[inline(always)]
    fn sqrt(self, a: f64) -> f64 {
        a.sqrt()
    }
    #[inline(always)]
    fn min(self, a: f64, b: f64) -> f64 {
        if a < b { a } else { b }
    }
    #[inline(always)]
    fn max(self, a: f64, b: f64) -> f64 {
        if a > b { a } else { b }
    }
    #[inline(always)]
    fn lt(self, a: f64, b: f64) -> bool {
        a < b
    }
    #[inline(always)]
    fn le(self, a: f64, b: f64) -> bool {
        a <= b
    }
    #[inline(always)]
    fn eq(self, a: f64, b: f64) -> bool {
        a == b
    }
    #[inline(always)]
    fn select(self, m: bool, a: f64, b: f64) -> f64 {
        if m { a } else { b }
    }
    #[inline(always)]
    fn and(self, a: bool, b: bool) -> bool {
        a && b
    }
    #[inline(always)]
    fn or(self, a: bool, b: bool) -> bool {
        a || b
    }
    #[inline(always)]
    fn not(self, a: bool) -> bool {
        !a
    }
    #[inline(always)]
    fn any(self, m: bool) -> bool {
        m
    }
    #[inline(always)]
    fn to_bits(self, a: f64) -> u64 {
        a.to_bits()
    }
    #[inline(always)]
    fn with_bits(self, a: u64) -> f64 {
        f64::from_bits(a)
    }
    #[inline(always)]
    fn splat_u(self, x: u64) -> u64 {
        x
    }
    #[inline(always)]
    fn load_u(self, xs: &[u64]) -> u64 {
        xs[0]
    }
    #[inline(always)]
    fn store_u(self, x: u64, out: &mut [u64]) {
        out[0] = x;
    }
    #[inline(always)]
    fn add_u(self, a: u64, b: u64) -> u64 {
        a.wrapping_add(b)
    }
    #[inline(always)]
    fn sub_u(self, a: u64, b: u64) -> u64 {
        a.wrapping_sub(b)
    }
    #[inline(always)]
    fn xor_u(self, a: u64, b: u64) -> u64 {
        a ^ b
    }
    #[inline(always)]
    fn or_u(self, a: u64, b: u64) -> u64 {
        a | b
    }
    #[inline(always)]
    fn and_u(self, a: u64, b: u64) -> u64 {
        a & b
    }
    #[inline(always)]
    fn gather(self, base: &[f64], idx: &[usize]) -> f64 {
        base[idx[0]]
    }
    #[inline(always)]
    fn shl<const K: i32>(self, a: u64) -> u64 {
        a << K
    }
    #[inline(always)]
    fn shr<const K: i32>(self, a: u64) -> u64 {
        a >> K
    }
}

/// Work generic over the lane type, run by [`Path::run`] on one path.
pub trait WithLanes {
    /// What the work returns.
    type Output;
    /// Does the work with the path `lanes`. Implementations should be
    /// `#[inline(always)]`, as should everything generic they call, so the
    /// path's instructions are used throughout.
    fn run<L: Lanes>(self, lanes: L) -> Self::Output;
}

/// An instruction-set path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// One lane of plain `f64`.
    Scalar,
    /// x86-64 SSE2: 2 lanes.
    Sse2,
    /// x86-64 AVX2: 4 lanes.
    Avx2,
    /// x86-64 AVX-512 (F): 8 lanes.
    Avx512,
}

/// Every path, narrowest first.
pub const PATHS: [Path; 4] = [Path::Scalar, Path::Sse2, Path::Avx2, Path::Avx512];

/// The environment variable that forces a path.
pub const FORCE_VAR: &str = "ROFRSIM_SIMD";

impl Path {
    /// The name `ROFRSIM_SIMD` takes.
    pub fn name(self) -> &'static str {
        match self {
            Path::Scalar => "scalar",
            Path::Sse2 => "sse2",
            Path::Avx2 => "avx2",
            Path::Avx512 => "avx512",
        }
    }

    /// The path of this name.
    pub fn from_name(name: &str) -> Option<Path> {
        PATHS.into_iter().find(|p| p.name() == name)
    }

    /// Lanes per vector.
    pub fn width(self) -> usize {
        match self {
            Path::Scalar => 1,
            Path::Sse2 => 2,
            Path::Avx2 => 4,
            Path::Avx512 => 8,
        }
    }

    /// Whether this CPU has the path's instructions.
    pub fn available(self) -> bool {
        match self {
            Path::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Path::Sse2 => true,
            #[cfg(target_arch = "x86_64")]
            Path::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Path::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The widest path this CPU has.
    pub fn widest() -> Path {
        PATHS
            .into_iter()
            .rev()
            .find(|p| p.available())
            .unwrap_or(Path::Scalar)
    }

    /// The path named by `ROFRSIM_SIMD` if it is set, else the widest.
    pub fn detect() -> Result<Path, PathError> {
        match std::env::var(FORCE_VAR) {
            Ok(name) => Path::forced(&name),
            Err(_) => Ok(Path::widest()),
        }
    }

    /// The path `name`, if it is one and this CPU has it.
    pub fn forced(name: &str) -> Result<Path, PathError> {
        let path = Path::from_name(name.trim()).ok_or_else(|| PathError::Unknown(name.into()))?;
        if path.available() {
            Ok(path)
        } else {
            Err(PathError::Unavailable(path))
        }
    }

    /// Runs `work` on this path. A path this CPU lacks runs the widest it
    /// has (the results are the same bits either way).
    pub fn run<W: WithLanes>(self, work: W) -> W::Output {
        let path = if self.available() {
            self
        } else {
            Path::widest()
        };
        match path {
            Path::Scalar => work.run(Scalar),
            #[cfg(target_arch = "x86_64")]
            Path::Sse2 => x86::run_sse2(work),
            // SAFETY: `available` checked the CPU's features.
            #[cfg(target_arch = "x86_64")]
            Path::Avx2 => unsafe { x86::run_avx2(work) },
            // SAFETY: as above.
            #[cfg(target_arch = "x86_64")]
            Path::Avx512 => unsafe { x86::run_avx512(work) },
            #[cfg(not(target_arch = "x86_64"))]
            _ => work.run(Scalar),
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why `ROFRSIM_SIMD` names no path this machine can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// Not a path's name.
    Unknown(String),
    /// A path this CPU lacks.
    Unavailable(Path),
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = PATHS.iter().map(|p| p.name()).collect();
        match self {
            PathError::Unknown(name) => write!(
                f,
                "{FORCE_VAR}={name:?} names no instruction-set path; expected one of {}",
                names.join(", ")
            ),
            PathError::Unavailable(path) => write!(
                f,
                "{FORCE_VAR}={path}: this CPU lacks the {path} instructions; it has: {}",
                PATHS
                    .iter()
                    .filter(|p| p.available())
                    .map(|p| p.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl std::error::Error for PathError {}

/// `out[j] = base[idx[j]]` for every j: `N` at a time, the rest one by one.
#[inline(always)]
pub fn gather_into<L: Lanes>(lanes: L, out: &mut [f64], base: &[f64], idx: &[usize]) {
    let idx = &idx[..out.len()];
    let whole = out.len() - out.len() % L::N;
    for j in (0..whole).step_by(L::N) {
        lanes.store(lanes.gather(base, &idx[j..]), &mut out[j..]);
    }
    for j in whole..out.len() {
        out[j] = base[idx[j]];
    }
}

/// `out[j] += base[idx[j]]` for every j: `N` at a time, the rest one by one.
#[inline(always)]
pub fn add_gathered<L: Lanes>(lanes: L, out: &mut [f64], base: &[f64], idx: &[usize]) {
    let idx = &idx[..out.len()];
    let whole = out.len() - out.len() % L::N;
    for j in (0..whole).step_by(L::N) {
        let sum = lanes.add(lanes.load(&out[j..]), lanes.gather(base, &idx[j..]));
        lanes.store(sum, &mut out[j..]);
    }
    for j in whole..out.len() {
        out[j] += base[idx[j]];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_errors_say_what_is_expected() {
        for p in PATHS {
            assert_eq!(Path::from_name(p.name()), Some(p));
        }
        let e = Path::forced("avx3").unwrap_err().to_string();
        assert!(e.contains("scalar, sse2, avx2, avx512"), "{e}");
        assert_eq!(Path::forced("scalar"), Ok(Path::Scalar));
        assert!(Path::widest().available());
    }

    /// Each path's operations agree with the scalar ones bit for bit on
    /// awkward values: NaN, ±0, ±∞, subnormals, huge and tiny values.
    #[test]
    fn every_path_operates_like_scalar() {
        const ROWS: usize = 23;
        struct Ops<'a>(&'a [f64], &'a [f64], &'a [usize]);
        impl WithLanes for Ops<'_> {
            /// Per lane, its `ROWS` results; then per vector, `any` of `lt`.
            type Output = (Vec<[u64; ROWS]>, Vec<bool>);
            #[inline(always)]
            fn run<L: Lanes>(self, s: L) -> Self::Output {
                let (mut lanes, mut any) = (Vec::new(), Vec::new());
                let mut buf = vec![0.0; L::N];
                let mut ubuf = vec![0u64; L::N];
                let pairs = self.0.chunks_exact(L::N).zip(self.1.chunks_exact(L::N));
                for (k, (a, b)) in pairs.enumerate() {
                    let (x, y) = (s.load(a), s.load(b));
                    let m = s.lt(x, y);
                    let results = [
                        s.add(x, y),
                        s.sub(x, y),
                        s.mul(x, y),
                        s.div(x, y),
                        s.sqrt(x),
                        s.min(x, y),
                        s.max(x, y),
                        s.select(m, x, y),
                        s.select(s.le(x, y), x, y),
                        s.select(s.eq(x, y), x, y),
                        s.select(s.and(m, s.not(s.eq(x, y))), x, y),
                        s.select(s.or(m, s.eq(x, y)), x, y),
                        s.select(s.not(m), x, s.splat(7.5)),
                        s.with_bits(s.add_u(s.to_bits(x), s.splat_u(1))),
                        s.with_bits(s.sub_u(s.to_bits(x), s.splat_u(1))),
                        s.with_bits(s.xor_u(s.to_bits(x), s.to_bits(y))),
                        s.with_bits(s.or_u(s.to_bits(x), s.to_bits(y))),
                        s.with_bits(s.and_u(s.to_bits(x), s.to_bits(y))),
                        s.with_bits(s.shl::<7>(s.to_bits(x))),
                        s.with_bits(s.shr::<11>(s.to_bits(x))),
                        s.with_bits(s.rotl::<45, 19>(s.to_bits(y))),
                        s.gather(self.0, &self.2[k * L::N..]),
                    ];
                    let start = lanes.len();
                    lanes.resize(start + L::N, [0; ROWS]);
                    for (row, r) in results.into_iter().enumerate() {
                        s.store(r, &mut buf);
                        for (lane, v) in buf.iter().enumerate() {
                            lanes[start + lane][row] = v.to_bits();
                        }
                    }
                    let bits: Vec<u64> = a.iter().map(|v| v.to_bits()).collect();
                    s.store_u(s.load_u(&bits), &mut ubuf);
                    for (lane, &v) in ubuf.iter().enumerate() {
                        lanes[start + lane][ROWS - 1] = v;
                    }
                    any.push(s.any(m));
                }
                (lanes, any)
            }
        }
        let awkward = [
            0.0,
            -0.0,
            1.0,
            -1.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE / 3.0,
            2.5,
            1e308,
            -3.0e-300,
            0.1,
        ];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for &x in &awkward {
            for &y in &awkward {
                a.push(x);
                b.push(y);
            }
        }
        // 144 pairs: a multiple of every width.
        // Gather indices all over `a`, in no order.
        let idx: Vec<usize> = (0..a.len()).map(|j| (j * 97 + 13) % a.len()).collect();
        let (scalar, lt) = Path::Scalar.run(Ops(&a, &b, &idx));
        assert_eq!(scalar.len(), a.len());
        let mut compared = 0;
        for path in PATHS.into_iter().filter(|p| p.available()) {
            let (lanes, any) = path.run(Ops(&a, &b, &idx));
            assert_eq!(lanes, scalar, "{path}");
            let expected: Vec<bool> = lt.chunks(path.width()).map(|c| c.contains(&true)).collect();
            assert_eq!(any, expected, "{path}");
            compared += 1;
        }
        assert!(compared >= 1);
    }
}
