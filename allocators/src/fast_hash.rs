//! A fast hash for the maps on the allocation path: names of clients, agents and frameworks, and
//! small integer ids. They are chosen by operators and frameworks the master already trusts, and
//! a cycle looks many of them up, so SipHash's resistance to chosen collisions is not worth its
//! cost here. Eight bytes at a time, each folded in with one wide multiply. The maps are never
//! iterated where the order could leak into results. The simulator keys its name lookups with
//! it too (names from the user's workload, looked up a few times per offer).

use std::collections::HashMap;
#[cfg(test)]
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// Odd and with its bits spread (the fractional digits of pi), as multipliers for hashing are.
const MULTIPLIER: u64 = 0x243f_6a88_85a3_08d3;
const START: u64 = 0x1319_8a2e_0370_7344;

#[derive(Clone, Copy)]
pub struct FastHasher(u64);

impl Default for FastHasher {
    fn default() -> Self {
        FastHasher(START)
    }
}

impl FastHasher {
    /// A folded multiply: the full 128-bit product's halves xored, so every input bit reaches
    /// every output bit (a plain multiply only carries low bits upward).
    #[inline]
    fn mix(&mut self, word: u64) {
        let product = u128::from(self.0 ^ word) * u128::from(MULTIPLIER);
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }
}

/// 1 to 7 bytes as a little-endian word, read in at most two loads: copying them into a
/// buffer first cost a call to memcpy and a stalled load on every short name hashed.
#[inline]
fn tail(rest: &[u8]) -> u64 {
    let n = rest.len();
    let read4 = |at: usize| {
        let mut word = [0u8; 4];
        word.copy_from_slice(&rest[at..at + 4]);
        u64::from(u32::from_le_bytes(word))
    };
    if n >= 4 {
        // Two overlapping reads: the bytes in both land in the same place.
        read4(0) | read4(n - 4) << (8 * (n - 4))
    } else {
        let byte = |at: usize| u64::from(rest[at]) << (8 * at);
        byte(0) | byte(n / 2) | byte(n - 1)
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // Padded with 0x80 then zeros, so that remainders of different lengths differ.
            self.mix(tail(rest) | 0x80 << (8 * rest.len()));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }
}

/// A hash map for lookups only (also the simulator's name lookups).
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A hash set under the same rule.
#[cfg(test)]
pub(crate) type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash<T: Hash + ?Sized>(value: &T) -> u64 {
        BuildHasherDefault::<FastHasher>::default().hash_one(value)
    }

    #[test]
    fn names_differing_anywhere_hash_apart() {
        let names: Vec<String> = (0..2_000)
            .map(|i| format!("framework-{i}"))
            .chain((0..2_000).map(|i| format!("agent-{i}")))
            .chain(["", "a", "a\0", "ab", "abcdefgh", "abcdefghi"].map(String::from))
            .collect();
        let hashes: FastSet<u64> = names.iter().map(|n| hash(n.as_str())).collect();
        assert_eq!(hashes.len(), names.len());
        assert_ne!(hash(&(1u32, 2u32)), hash(&(2u32, 1u32)));
    }

    #[test]
    fn maps_and_sets_work_as_the_standard_ones() {
        let mut map: FastMap<String, usize> = FastMap::default();
        for i in 0..1_000 {
            map.insert(format!("c{i}"), i);
        }
        assert_eq!(map.get("c517"), Some(&517));
        assert_eq!(map.remove("c3"), Some(3));
        assert_eq!(map.len(), 999);
        let set: FastSet<(u32, u32)> = (0..100).map(|i| (i, i * 2)).collect();
        assert!(set.contains(&(7, 14)) && !set.contains(&(7, 15)));
    }

    #[test]
    fn tail_is_the_bytes_as_a_little_endian_word() {
        let bytes = [0x11u8, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77];
        for n in 1..=7 {
            let mut word = [0u8; 8];
            word[..n].copy_from_slice(&bytes[..n]);
            assert_eq!(tail(&bytes[..n]), u64::from_le_bytes(word), "{n} bytes");
        }
    }
}
