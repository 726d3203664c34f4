//! The x86-64 paths: SSE2 (2 lanes), AVX2 (4) and AVX-512 F (8).
//!
//! Each token is a private zero-sized type that [`super::Path::run`]
//! creates only after checking the CPU, so the `unsafe` intrinsic calls
//! below (which need the token's instruction set) are sound. Compare and
//! min/max instructions are chosen to give exactly the scalar answers:
//! ordered, non-signalling compares (false on NaN), and MINPD/MAXPD, which
//! return the second operand when either is NaN or both are zero —
//! `if a < b { a } else { b }`.

use std::arch::x86_64::*;

use super::{Lanes, WithLanes};

/// SSE2: 2 lanes (every x86-64 CPU has it).
#[derive(Debug, Clone, Copy)]
pub struct Sse2(());

/// AVX2: 4 lanes.
#[derive(Debug, Clone, Copy)]
pub struct Avx2(());

/// AVX-512 F: 8 lanes.
#[derive(Debug, Clone, Copy)]
pub struct Avx512(());

/// Runs `work` with SSE2.
pub(super) fn run_sse2<W: WithLanes>(work: W) -> W::Output {
    work.run(Sse2(()))
}

/// Runs `work` with AVX2.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn run_avx2<W: WithLanes>(work: W) -> W::Output {
    work.run(Avx2(()))
}

/// Runs `work` with AVX-512 F.
///
/// # Safety
/// The CPU must have AVX-512 F.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn run_avx512<W: WithLanes>(work: W) -> W::Output {
    work.run(Avx512(()))
}

/// A shift count for the `sll`/`srl` forms, which take it in a register
/// (the same form on every path; the compiler folds the constant).
#[inline(always)]
fn count(k: i32) -> __m128i {
    // SAFETY: SSE2 is part of x86-64.
    unsafe { _mm_cvtsi32_si128(k) }
}

impl Lanes for Sse2 {
    const N: usize = 2;
    type F = __m128d;
    type U = __m128i;
    type M = __m128d;

    #[inline(always)]
    fn splat(self, x: f64) -> __m128d {
        unsafe { _mm_set1_pd(x) }
    }
    #[inline(always)]
    fn load(self, xs: &[f64]) -> __m128d {
        let xs = &xs[..2];
        unsafe { _mm_loadu_pd(xs.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, x: __m128d, out: &mut [f64]) {
        let out = &mut out[..2];
        unsafe { _mm_storeu_pd(out.as_mut_ptr(), x) }
    }
    #[inline(always)]
    fn add(self, a: __m128d, b: __m128d) -> __m128d {
        unsafe { _mm_add_pd(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m128d, b: __m128d) -> __m128d {
        unsafe { _mm_sub_pd(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m128d, b: __m128d) -> __m128d {
        unsafe { _mm_mul_pd(a, b) }
    }
    #[inline(always)]
    fn div(self, a: __m128d, b: __m128d) -> __m128d {
        unsafe { _mm_div_pd(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m128d) -> __m128d {
        unsafe { _mm_sqrt_pd(a) }
    }
    #[inline(always)]
    fn min(self, a: __m128d, b: __m128d) -> __m128d {
        unsafe { _mm_min_pd(a, b) }
    }
    #[inline(always)]
    fn max(self, a: __m128d, b: __m128d) -> __m128d {
        unsafe { _mm_max_pd(a, b) }
    }
    #[inline(always)]
    fn lt(self, a: __m128d, b: __m128d) -> __m128d {
        unsafe { _mm_cmplt_pd(a, b) }
    }
    #[inline(always)]
    fn le(self, a: __m128d, b: __m128d) -> __m128d {
        unsafe { _mm_cmple_pd(a, b) }
    }
    #[inline(always)]
    fn eq(self, a: __m128d, b: __m128d) -> __m128d {
        unsafe { _mm_cmpeq_pd(a, b) }
    }
    #[inline(always)]
    fn select(self, m: __m128d, a: __m128d, b: __m128d) -> __m128d {
        unsafe { _mm_or_pd(_mm_and_pd(m, a), _mm_andnot_pd(m, b)) }
    }
    #[inline(always)]
    fn and(self, a: __m128d, b: __m128d) -> __m128d {
        unsafe { _mm_and_pd(a, b) }
    }
    #[inline(always)]
    fn or(self, a: __m128d, b: __m128d) -> __m128d {
        unsafe { _mm_or_pd(a, b) }
    }
    #[inline(always)]
    fn not(self, a: __m128d) -> __m128d {
        unsafe { _mm_xor_pd(a, _mm_castsi128_pd(_mm_set1_epi64x(-1))) }
    }
    #[inline(always)]
    fn any(self, m: __m128d) -> bool {
        unsafe { _mm_movemask_pd(m) != 0 }
    }
    #[inline(always)]
    fn to_bits(self, a: __m128d) -> __m128i {
        unsafe { _mm_castpd_si128(a) }
    }
    #[inline(always)]
    fn with_bits(self, a: __m128i) -> __m128d {
        unsafe { _mm_castsi128_pd(a) }
    }
    #[inline(always)]
    fn splat_u(self, x: u64) -> __m128i {
        unsafe { _mm_set1_epi64x(x as i64) }
    }
    #[inline(always)]
    fn load_u(self, xs: &[u64]) -> __m128i {
        let xs = &xs[..2];
        unsafe { _mm_loadu_si128(xs.as_ptr().cast()) }
    }
    #[inline(always)]
    fn store_u(self, x: __m128i, out: &mut [u64]) {
        let out = &mut out[..2];
        unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), x) }
    }
    #[inline(always)]
    fn add_u(self, a: __m128i, b: __m128i) -> __m128i {
        unsafe { _mm_add_epi64(a, b) }
    }
    #[inline(always)]
    fn sub_u(self, a: __m128i, b: __m128i) -> __m128i {
        unsafe { _mm_sub_epi64(a, b) }
    }
    #[inline(always)]
    fn xor_u(self, a: __m128i, b: __m128i) -> __m128i {
        unsafe { _mm_xor_si128(a, b) }
    }
    #[inline(always)]
    fn or_u(self, a: __m128i, b: __m128i) -> __m128i {
        unsafe { _mm_or_si128(a, b) }
    }
    #[inline(always)]
    fn and_u(self, a: __m128i, b: __m128i) -> __m128i {
        unsafe { _mm_and_si128(a, b) }
    }
    #[inline(always)]
    fn gather(self, base: &[f64], idx: &[usize]) -> __m128d {
        let idx = &idx[..2];
        unsafe { _mm_set_pd(base[idx[1]], base[idx[0]]) }
    }
    #[inline(always)]
    fn shl<const K: i32>(self, a: __m128i) -> __m128i {
        unsafe { _mm_sll_epi64(a, count(K)) }
    }
    #[inline(always)]
    fn shr<const K: i32>(self, a: __m128i) -> __m128i {
        unsafe { _mm_srl_epi64(a, count(K)) }
    }
}

// SAFETY (every `unsafe` below): an `Avx2` token exists only inside
// `run_avx2`, entered after the CPU was found to have AVX2.
impl Lanes for Avx2 {
    const N: usize = 4;
    type F = __m256d;
    type U = __m256i;
    type M = __m256d;

    #[inline(always)]
    fn splat(self, x: f64) -> __m256d {
        unsafe { _mm256_set1_pd(x) }
    }
    #[inline(always)]
    fn load(self, xs: &[f64]) -> __m256d {
        let xs = &xs[..4];
        unsafe { _mm256_loadu_pd(xs.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, x: __m256d, out: &mut [f64]) {
        let out = &mut out[..4];
        unsafe { _mm256_storeu_pd(out.as_mut_ptr(), x) }
    }
    #[inline(always)]
    fn add(self, a: __m256d, b: __m256d) -> __m256d {
        unsafe { _mm256_add_pd(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m256d, b: __m256d) -> __m256d {
        unsafe { _mm256_sub_pd(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m256d, b: __m256d) -> __m256d {
        unsafe { _mm256_mul_pd(a, b) }
    }
    #[inline(always)]
    fn div(self, a: __m256d, b: __m256d) -> __m256d {
        unsafe { _mm256_div_pd(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m256d) -> __m256d {
        unsafe { _mm256_sqrt_pd(a) }
    }
    #[inline(always)]
    fn min(self, a: __m256d, b: __m256d) -> __m256d {
        unsafe { _mm256_min_pd(a, b) }
    }
    #[inline(always)]
    fn max(self, a: __m256d, b: __m256d) -> __m256d {
        unsafe { _mm256_max_pd(a, b) }
    }
    #[inline(always)]
    fn lt(self, a: __m256d, b: __m256d) -> __m256d {
        unsafe { _mm256_cmp_pd::<_CMP_LT_OQ>(a, b) }
    }
    #[inline(always)]
    fn le(self, a: __m256d, b: __m256d) -> __m256d {
        unsafe { _mm256_cmp_pd::<_CMP_LE_OQ>(a, b) }
    }
    #[inline(always)]
    fn eq(self, a: __m256d, b: __m256d) -> __m256d {
        unsafe { _mm256_cmp_pd::<_CMP_EQ_OQ>(a, b) }
    }
    #[inline(always)]
    fn select(self, m: __m256d, a: __m256d, b: __m256d) -> __m256d {
        unsafe { _mm256_blendv_pd(b, a, m) }
    }
    #[inline(always)]
    fn and(self, a: __m256d, b: __m256d) -> __m256d {
        unsafe { _mm256_and_pd(a, b) }
    }
    #[inline(always)]
    fn or(self, a: __m256d, b: __m256d) -> __m256d {
        unsafe { _mm256_or_pd(a, b) }
    }
    #[inline(always)]
    fn not(self, a: __m256d) -> __m256d {
        unsafe { _mm256_xor_pd(a, _mm256_castsi256_pd(_mm256_set1_epi64x(-1))) }
    }
    #[inline(always)]
    fn any(self, m: __m256d) -> bool {
        unsafe { _mm256_movemask_pd(m) != 0 }
    }
    #[inline(always)]
    fn to_bits(self, a: __m256d) -> __m256i {
        unsafe { _mm256_castpd_si256(a) }
    }
    #[inline(always)]
    fn with_bits(self, a: __m256i) -> __m256d {
        unsafe { _mm256_castsi256_pd(a) }
    }
    #[inline(always)]
    fn splat_u(self, x: u64) -> __m256i {
        unsafe { _mm256_set1_epi64x(x as i64) }
    }
    #[inline(always)]
    fn load_u(self, xs: &[u64]) -> __m256i {
        let xs = &xs[..4];
        unsafe { _mm256_loadu_si256(xs.as_ptr().cast()) }
    }
    #[inline(always)]
    fn store_u(self, x: __m256i, out: &mut [u64]) {
        let out = &mut out[..4];
        unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), x) }
    }
    #[inline(always)]
    fn add_u(self, a: __m256i, b: __m256i) -> __m256i {
        unsafe { _mm256_add_epi64(a, b) }
    }
    #[inline(always)]
    fn sub_u(self, a: __m256i, b: __m256i) -> __m256i {
        unsafe { _mm256_sub_epi64(a, b) }
    }
    #[inline(always)]
    fn xor_u(self, a: __m256i, b: __m256i) -> __m256i {
        unsafe { _mm256_xor_si256(a, b) }
    }
    #[inline(always)]
    fn or_u(self, a: __m256i, b: __m256i) -> __m256i {
        unsafe { _mm256_or_si256(a, b) }
    }
    #[inline(always)]
    fn and_u(self, a: __m256i, b: __m256i) -> __m256i {
        unsafe { _mm256_and_si256(a, b) }
    }
    #[inline(always)]
    fn gather(self, base: &[f64], idx: &[usize]) -> __m256d {
        let idx = &idx[..4];
        // usize is u64 on x86-64; every index below 2⁶³, as is any length.
        unsafe {
            let at = _mm256_loadu_si256(idx.as_ptr().cast());
            let len = _mm256_set1_epi64x(base.len() as i64);
            let inside = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(len, at)));
            assert!(inside == 0b1111, "gather index out of range");
            _mm256_i64gather_pd::<8>(base.as_ptr(), at)
        }
    }
    #[inline(always)]
    fn shl<const K: i32>(self, a: __m256i) -> __m256i {
        unsafe { _mm256_sll_epi64(a, count(K)) }
    }
    #[inline(always)]
    fn shr<const K: i32>(self, a: __m256i) -> __m256i {
        unsafe { _mm256_srl_epi64(a, count(K)) }
    }
}

// SAFETY (every `unsafe` below): an `Avx512` token exists only inside
// `run_avx512`, entered after the CPU was found to have AVX-512 F.
impl Lanes for Avx512 {
    const N: usize = 8;
    type F = __m512d;
    type U = __m512i;
    type M = __mmask8;

    #[inline(always)]
    fn splat(self, x: f64) -> __m512d {
        unsafe { _mm512_set1_pd(x) }
    }
    #[inline(always)]
    fn load(self, xs: &[f64]) -> __m512d {
        let xs = &xs[..8];
        unsafe { _mm512_loadu_pd(xs.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, x: __m512d, out: &mut [f64]) {
        let out = &mut out[..8];
        unsafe { _mm512_storeu_pd(out.as_mut_ptr(), x) }
    }
    #[inline(always)]
    fn add(self, a: __m512d, b: __m512d) -> __m512d {
        unsafe { _mm512_add_pd(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m512d, b: __m512d) -> __m512d {
        unsafe { _mm512_sub_pd(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m512d, b: __m512d) -> __m512d {
        unsafe { _mm512_mul_pd(a, b) }
    }
    #[inline(always)]
    fn div(self, a: __m512d, b: __m512d) -> __m512d {
        unsafe { _mm512_div_pd(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m512d) -> __m512d {
        unsafe { _mm512_sqrt_pd(a) }
    }
    #[inline(always)]
    fn min(self, a: __m512d, b: __m512d) -> __m512d {
        unsafe { _mm512_min_pd(a, b) }
    }
    #[inline(always)]
    fn max(self, a: __m512d, b: __m512d) -> __m512d {
        unsafe { _mm512_max_pd(a, b) }
    }
    #[inline(always)]
    fn lt(self, a: __m512d, b: __m512d) -> __mmask8 {
        unsafe { _mm512_cmp_pd_mask::<_CMP_LT_OQ>(a, b) }
    }
    #[inline(always)]
    fn le(self, a: __m512d, b: __m512d) -> __mmask8 {
        unsafe { _mm512_cmp_pd_mask::<_CMP_LE_OQ>(a, b) }
    }
    #[inline(always)]
    fn eq(self, a: __m512d, b: __m512d) -> __mmask8 {
        unsafe { _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(a, b) }
    }
    #[inline(always)]
    fn select(self, m: __mmask8, a: __m512d, b: __m512d) -> __m512d {
        // Blend takes its second operand where the mask is set.
        unsafe { _mm512_mask_blend_pd(m, b, a) }
    }
    #[inline(always)]
    fn and(self, a: __mmask8, b: __mmask8) -> __mmask8 {
        a & b
    }
    #[inline(always)]
    fn or(self, a: __mmask8, b: __mmask8) -> __mmask8 {
        a | b
    }
    #[inline(always)]
    fn not(self, a: __mmask8) -> __mmask8 {
        !a
    }
    #[inline(always)]
    fn any(self, m: __mmask8) -> bool {
        m != 0
    }
    #[inline(always)]
    fn to_bits(self, a: __m512d) -> __m512i {
        unsafe { _mm512_castpd_si512(a) }
    }
    #[inline(always)]
    fn with_bits(self, a: __m512i) -> __m512d {
        unsafe { _mm512_castsi512_pd(a) }
    }
    #[inline(always)]
    fn splat_u(self, x: u64) -> __m512i {
        unsafe { _mm512_set1_epi64(x as i64) }
    }
    #[inline(always)]
    fn load_u(self, xs: &[u64]) -> __m512i {
        let xs = &xs[..8];
        unsafe { _mm512_loadu_si512(xs.as_ptr().cast()) }
    }
    #[inline(always)]
    fn store_u(self, x: __m512i, out: &mut [u64]) {
        let out = &mut out[..8];
        unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), x) }
    }
    #[inline(always)]
    fn add_u(self, a: __m512i, b: __m512i) -> __m512i {
        unsafe { _mm512_add_epi64(a, b) }
    }
    #[inline(always)]
    fn sub_u(self, a: __m512i, b: __m512i) -> __m512i {
        unsafe { _mm512_sub_epi64(a, b) }
    }
    #[inline(always)]
    fn xor_u(self, a: __m512i, b: __m512i) -> __m512i {
        unsafe { _mm512_xor_si512(a, b) }
    }
    #[inline(always)]
    fn or_u(self, a: __m512i, b: __m512i) -> __m512i {
        unsafe { _mm512_or_si512(a, b) }
    }
    #[inline(always)]
    fn and_u(self, a: __m512i, b: __m512i) -> __m512i {
        unsafe { _mm512_and_si512(a, b) }
    }
    #[inline(always)]
    fn gather(self, base: &[f64], idx: &[usize]) -> __m512d {
        let idx = &idx[..8];
        unsafe {
            let at = _mm512_loadu_si512(idx.as_ptr().cast());
            let len = _mm512_set1_epi64(base.len() as i64);
            assert!(
                _mm512_cmplt_epu64_mask(at, len) == 0xFF,
                "gather index out of range"
            );
            _mm512_i64gather_pd::<8>(at, base.as_ptr())
        }
    }
    #[inline(always)]
    fn shl<const K: i32>(self, a: __m512i) -> __m512i {
        unsafe { _mm512_sll_epi64(a, count(K)) }
    }
    #[inline(always)]
    fn shr<const K: i32>(self, a: __m512i) -> __m512i {
        unsafe { _mm512_srl_epi64(a, count(K)) }
    }
}
