//! Named random streams (docs/model.md, "Randomness and reproducibility").
//!
//! Every uncertain input and every random process draws from its own stream
//! keyed by (seed, trial, name). A trial's numbers therefore depend on
//! nothing but its seed and index — not on thread count or chunking — and
//! two scenarios that differ in one term share every other draw (common
//! random numbers).

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

/// The generator behind every stream: small, fast, portable across
/// platforms and rand versions that keep its algorithm.
pub type Stream = Xoshiro256PlusPlus;

/// A stream name, hashed once (FNV-1a, stable across builds and platforms)
/// so the per-trial loop never hashes strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamName(u64);

impl StreamName {
    /// Hashes a dotted name such as `demand.growth` or `demand.shocks`.
    pub fn new(name: &str) -> StreamName {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        StreamName(h)
    }
}

/// SplitMix64's finaliser: a bijective mix, so distinct keys stay distinct.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The key of the stream for (seed, trial, name): the stream is
/// xoshiro256++ seeded with `seed_from_u64(key)`.
pub fn key(seed: u64, trial: u64, name: StreamName) -> u64 {
    mix(mix(mix(seed) ^ trial) ^ name.0)
}

/// The stream for (seed, trial, name).
pub fn stream(seed: u64, trial: u64, name: StreamName) -> Stream {
    Stream::seed_from_u64(key(seed, trial, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_distinct_and_repeatable() {
        let a = StreamName::new("demand.growth");
        let b = StreamName::new("demand.shocks");
        assert_ne!(stream(1, 0, a).next_u64(), stream(1, 0, b).next_u64());
        assert_ne!(stream(1, 0, a).next_u64(), stream(1, 1, a).next_u64());
        assert_ne!(stream(1, 0, a).next_u64(), stream(2, 0, a).next_u64());
        assert_eq!(stream(7, 3, a).next_u64(), stream(7, 3, a).next_u64());
    }

    /// Computed once from the derivation above; a change here changes every output.
    const PINNED_FIRST_DRAW: u64 = 4_651_242_129_207_691_763;

    /// Pins the stream derivation: a change here changes every output.
    #[test]
    fn value_stability() {
        let first = stream(42, 0, StreamName::new("demand.shocks")).next_u64();
        assert_eq!(StreamName::new("").0, 0xcbf2_9ce4_8422_2325);
        assert_eq!(first, PINNED_FIRST_DRAW);
    }
}
