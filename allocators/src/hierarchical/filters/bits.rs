//! A set of framework ids as bits: a cycle asks an agent about many frameworks in a row, and
//! with a thousand frameworks the answers fit in a few cache lines, where a hash map of the
//! same filters spreads over many kilobytes that later agents have pushed out of cache.

use crate::hierarchical::ids::Id;

/// Words held inline: with up to 128 frameworks a test reads no memory beyond the set itself.
const INLINE: usize = 2;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Bits {
    inline: [u64; INLINE],
    /// Words from `INLINE` on, allocated only for larger ids.
    more: Vec<u64>,
}

impl Bits {
    fn word(&self, at: usize) -> Option<u64> {
        match at.checked_sub(INLINE) {
            None => Some(self.inline[at]),
            Some(at) => self.more.get(at).copied(),
        }
    }

    pub(super) fn get(&self, id: Id) -> bool {
        let (word, bit) = (id as usize / 64, id % 64);
        self.word(word).is_some_and(|w| (w >> bit) & 1 == 1)
    }

    /// Sets or clears `id`'s bit; only setting grows the set.
    pub(super) fn set(&mut self, id: Id, on: bool) {
        let (word, bit) = (id as usize / 64, id % 64);
        let slot = match word.checked_sub(INLINE) {
            None => &mut self.inline[word],
            Some(at) => {
                if at >= self.more.len() {
                    if !on {
                        return;
                    }
                    self.more.resize(at + 1, 0);
                }
                &mut self.more[at]
            }
        };
        if on {
            *slot |= 1 << bit;
        } else {
            *slot &= !(1 << bit);
        }
    }

    /// Clears every bit, keeping the room.
    pub(super) fn clear(&mut self) {
        self.inline = [0; INLINE];
        self.more.iter_mut().for_each(|w| *w = 0);
    }

    /// The ids whose bit is set, in order.
    pub(super) fn ones(&self) -> impl Iterator<Item = Id> + '_ {
        let words = self.inline.iter().chain(self.more.iter());
        words.enumerate().flat_map(|(at, &word)| {
            let mut left = word;
            std::iter::from_fn(move || {
                if left == 0 {
                    return None;
                }
                let bit = left.trailing_zeros();
                left &= left - 1;
                Some(at as Id * 64 + bit)
            })
        })
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.inline.iter().chain(self.more.iter()).all(|&w| w == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sorter::rng::SplitMix64;
    use std::collections::BTreeSet;

    #[test]
    fn bits_match_a_set_of_ids() {
        let mut rng = SplitMix64::new(7);
        let mut bits = Bits::default();
        let mut set = BTreeSet::new();
        for step in 0..5_000 {
            let id = (rng.next_u64() % 300) as Id;
            let on = rng.next_u64() % 3 != 0;
            bits.set(id, on);
            if on {
                set.insert(id);
            } else {
                set.remove(&id);
            }
            if step % 997 == 0 {
                bits.clear();
                set.clear();
            }
            for probe in [id, id + 1, id.saturating_sub(1), 299, 300, 1_000] {
                assert_eq!(
                    bits.get(probe),
                    set.contains(&probe),
                    "step {step} id {probe}"
                );
            }
            assert_eq!(bits.is_empty(), set.is_empty());
            assert!(bits.ones().eq(set.iter().copied()), "step {step}");
        }
    }

    #[test]
    fn clearing_an_id_past_the_end_does_not_grow() {
        let mut bits = Bits::default();
        bits.set(500, false);
        assert_eq!(bits, Bits::default());
        bits.set(63, true);
        bits.set(64, true);
        assert!(bits.get(63) && bits.get(64) && !bits.get(65) && !bits.get(62));
        assert!(bits.more.is_empty());
        bits.set(200, true);
        assert!(bits.get(200) && !bits.get(199) && !bits.get(500));
        assert_eq!(bits.more.len(), 2);
    }
}
