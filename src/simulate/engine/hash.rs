//! A fast hash for the simulator's name lookups (framework and agent names coming back in
//! offers, a few per offer). The names come from the workload the user gave, so SipHash's
//! resistance to chosen collisions buys nothing here; this folds eight bytes at a time with
//! one multiply. Maps keyed by it are never iterated where order could leak into results.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Odd, with its bits spread (the fractional digits of the golden ratio).
const K: u64 = 0x9e37_79b9_7f4a_7c15;

#[derive(Clone, Copy, Default)]
pub struct NameHasher(u64);

impl NameHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
    }
}

impl Hasher for NameHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The high bits are the best mixed; hashbrown takes its control bits from the top.
        self.0 ^ (self.0 >> 29)
    }
}

/// A map from names with [`NameHasher`].
pub type NameMap<V> = HashMap<String, V, BuildHasherDefault<NameHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_differ_in_one_byte_or_length_hash_apart() {
        let hash = |s: &str| {
            let mut h = NameHasher::default();
            h.write(s.as_bytes());
            h.finish()
        };
        assert_ne!(hash("agent-1"), hash("agent-2"));
        assert_ne!(hash("a-10000000"), hash("a-10000001"));
        let mut m: NameMap<u32> = NameMap::default();
        for i in 0..1000 {
            m.insert(format!("s-{i}"), i);
        }
        assert!((0..1000).all(|i| m.get(&format!("s-{i}")) == Some(&i)));
        assert_eq!(m.get("s-1000"), None);
    }
}
