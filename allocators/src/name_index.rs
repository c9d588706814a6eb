//! Name → id for the lookups on the allocation path (agents, frameworks, roles and sorter
//! clients by name, several times per offer). A hash table of bare ids, with each id's length
//! and first bytes side by side in one dense array: a lookup of a name of up to 16 bytes reads
//! the table and that array, never the name's own allocation, which across thousands of agents
//! is a cache miss each time. Ids are small integers chosen by the caller.

use crate::fast_hash::FastHasher;
use hashbrown::HashTable;
use std::hash::Hasher;

/// A name's length and first 16 bytes (zero-padded); `len` is `u32::MAX` for a free id.
#[derive(Clone, Copy, Debug)]
struct Head {
    len: u32,
    bytes: [u8; HEAD],
}

const HEAD: usize = 16;

impl Head {
    const FREE: Head = Head {
        len: u32::MAX,
        bytes: [0; HEAD],
    };

    fn of(name: &str) -> Head {
        let mut bytes = [0; HEAD];
        let n = name.len().min(HEAD);
        bytes[..n].copy_from_slice(&name.as_bytes()[..n]);
        Head {
            len: u32::try_from(name.len()).unwrap_or(u32::MAX - 1),
            bytes,
        }
    }
}

#[derive(Debug, Default)]
pub struct NameIndex {
    table: HashTable<u32>,
    /// id → its name's head.
    heads: Vec<Head>,
    /// id → its name.
    names: Vec<Option<Box<str>>>,
}

fn hash(name: &str) -> u64 {
    let mut h = FastHasher::default();
    h.write(name.as_bytes());
    h.finish()
}

impl NameIndex {
    pub fn get(&self, name: &str) -> Option<u32> {
        self.table
            .find(hash(name), |&id| self.is(id, name))
            .copied()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The name under `id`, if any.
    pub fn name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize)?.as_deref()
    }

    /// Names held.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Whether `name` is the name under `id`.
    pub fn is(&self, id: u32, name: &str) -> bool {
        matches(&self.heads, &self.names, id, name)
    }

    /// Puts `name` under `id` (a free id); a name already held moves to `id`.
    pub fn insert(&mut self, name: &str, id: u32) {
        self.remove(name);
        let owned: Box<str> = name.into();
        let at = id as usize;
        if self.heads.len() <= at {
            self.heads.resize(at + 1, Head::FREE);
            self.names.resize(at + 1, None);
        }
        debug_assert!(self.names[at].is_none(), "id {id} is taken");
        self.heads[at] = Head::of(name);
        self.names[at] = Some(owned);
        let names = &self.names;
        let rehash = |&id: &u32| names[id as usize].as_deref().map_or(0, hash);
        self.table.insert_unique(hash(name), id, rehash);
    }

    /// Drops `name`, returning its id.
    pub fn remove(&mut self, name: &str) -> Option<u32> {
        let NameIndex {
            table,
            heads,
            names,
        } = self;
        let entry = table
            .find_entry(hash(name), |&id| matches(heads, names, id, name))
            .ok()?;
        let (id, _) = entry.remove();
        self.heads[id as usize] = Head::FREE;
        self.names[id as usize] = None;
        Some(id)
    }

    /// Every (id, name) held, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> + '_ {
        self.names
            .iter()
            .enumerate()
            .filter_map(|(id, n)| Some((id as u32, n.as_deref()?)))
    }
}

/// Whether `name` is the name under `id`: its head first, the whole name only past 16 bytes.
fn matches(heads: &[Head], names: &[Option<Box<str>>], id: u32, name: &str) -> bool {
    let Some(head) = heads.get(id as usize) else {
        return false;
    };
    if head.len as usize != name.len() {
        return false;
    }
    let n = name.len().min(HEAD);
    if !same_bytes(&head.bytes[..n], &name.as_bytes()[..n]) {
        return false;
    }
    name.len() <= HEAD
        || names
            .get(id as usize)
            .and_then(|n| n.as_deref())
            .is_some_and(|known| same_bytes(known.as_bytes(), name.as_bytes()))
}

/// Byte equality without a call into libc: names are short and this runs on every lookup, so
/// the call would cost more than the comparison.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        if x != y {
            return false;
        }
    }
    ca.remainder()
        .iter()
        .zip(cb.remainder())
        .all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sorter::rng::SplitMix64;
    use std::collections::BTreeMap;

    #[test]
    fn short_long_and_prefixed_names() {
        let mut index = NameIndex::default();
        let long = "a-name-much-longer-than-sixteen-bytes";
        index.insert("a", 0);
        index.insert(long, 1);
        index.insert(&long[..20], 2);
        index.insert("", 3);
        assert_eq!(index.get("a"), Some(0));
        assert_eq!(index.get(long), Some(1));
        assert_eq!(index.get(&long[..20]), Some(2));
        assert_eq!(index.get(&long[..17]), None);
        assert_eq!(index.get(""), Some(3));
        assert_eq!(index.get("b"), None);
        assert_eq!(index.name(1), Some(long));
        // Re-inserting moves the name.
        index.insert("a", 7);
        assert_eq!(
            (index.get("a"), index.name(0), index.len()),
            (Some(7), None, 4)
        );
        assert_eq!(index.remove(long), Some(1));
        assert_eq!((index.get(long), index.name(1)), (None, None));
        assert_eq!(index.remove(long), None);
        assert!(!index.is(1, long));
    }

    #[test]
    fn random_inserts_and_removals_answer_as_a_map_does() {
        let mut rng = SplitMix64::new(11);
        let mut index = NameIndex::default();
        let mut model: BTreeMap<String, u32> = BTreeMap::new();
        let mut free: Vec<u32> = (0..400).rev().collect();
        let name = |k: u64| {
            if k % 3 == 0 {
                format!("agent-{k}-with-a-long-suffix-{k}")
            } else {
                format!("a{k}")
            }
        };
        for step in 0..20_000 {
            let n = name(rng.next_u64() % 600);
            if rng.next_u64() % 3 == 0 {
                let got = index.remove(&n);
                let want = model.remove(&n);
                assert_eq!(got, want, "step {step} remove {n}");
                if let Some(id) = want {
                    free.push(id);
                }
            } else if !model.contains_key(&n) {
                if let Some(id) = free.pop() {
                    index.insert(&n, id);
                    model.insert(n.clone(), id);
                }
            }
            let probe = name(rng.next_u64() % 600);
            assert_eq!(index.get(&probe), model.get(&probe).copied(), "step {step}");
            assert_eq!(index.len(), model.len());
        }
        let mut held: Vec<(u32, String)> =
            index.iter().map(|(id, n)| (id, n.to_string())).collect();
        held.sort();
        let mut want: Vec<(u32, String)> = model.into_iter().map(|(n, id)| (id, n)).collect();
        want.sort();
        assert_eq!(held, want);
    }

    #[test]
    fn same_bytes_is_byte_equality() {
        for (a, b) in [
            ("", ""),
            ("a", "a"),
            ("role-1234", "role-1234"),
            ("role-1234", "role-1235"),
            ("framework-0001", "framework-0002"),
            ("abcdefgh", "abcdefgi"),
            ("abc", "abcd"),
        ] {
            assert_eq!(same_bytes(a.as_bytes(), b.as_bytes()), a == b, "{a} {b}");
        }
    }
}
