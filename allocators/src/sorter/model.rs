//! Randomized check of the incremental DRF and asset sorters against a from-scratch model of
//! Mesos's rules: every operation is applied to both, and after each one the sort must agree.

use super::rng::SplitMix64;
use super::testing::order;
use super::{AssetSorter, DrfSorter, SorterConfig};
use modkit_ffi::sdk::{QuantityBuf, Sorter};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Resources in the order the sorters first see them (the first agent names all three), so
/// the model sums asset shares in the same order.
const RES: [&str; 3] = ["cpus", "mem", "gpus"];

#[derive(Default)]
struct Model {
    asset: bool,
    excluded: BTreeSet<String>,
    /// Client → (active, thousandths per resource).
    clients: BTreeMap<String, (bool, [i64; 3])>,
    agents: BTreeMap<String, [i64; 3]>,
    weights: HashMap<String, f64>,
    /// Allocation count per node: `p` for the node competing at path p, `p/.` for the
    /// virtual leaf of a client that is also a parent.
    counts: HashMap<String, u64>,
}

impl Model {
    fn has_descendants(&self, c: &str) -> bool {
        let prefix = format!("{c}/");
        self.clients.keys().any(|k| k.starts_with(&prefix))
    }

    /// The node keys that exist: every prefix of every client, plus virtual leaves.
    fn keys(&self) -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        for c in self.clients.keys() {
            for (i, _) in c.match_indices('/') {
                keys.insert(c[..i].to_string());
            }
            keys.insert(c.clone());
            if self.has_descendants(c) {
                keys.insert(format!("{c}/."));
            }
        }
        keys
    }

    /// Nodes that exist after a change: dropped ones lose their count, a new virtual leaf of
    /// a client that was a plain leaf copies its count (Mesos copies the node).
    fn reshape(&mut self, before: &BTreeSet<String>, old_leaf: Option<&str>) {
        let after = self.keys();
        self.counts.retain(|k, _| after.contains(k));
        for k in after.difference(before) {
            let copied = k
                .strip_suffix("/.")
                .filter(|c| Some(*c) == old_leaf)
                .map(|c| self.counts.get(c).copied().unwrap_or(0));
            self.counts.insert(k.clone(), copied.unwrap_or(0));
        }
    }

    fn add(&mut self, c: &str) {
        let before = self.keys();
        // A client that gets a child while a leaf is split; find it among the prefixes.
        let split = c
            .match_indices('/')
            .map(|(i, _)| &c[..i])
            .find(|p| self.clients.contains_key(*p) && !self.has_descendants(p))
            .map(str::to_string);
        self.clients.insert(c.to_string(), (false, [0; 3]));
        self.reshape(&before, split.as_deref());
    }

    fn remove(&mut self, c: &str) {
        let before = self.keys();
        self.clients.remove(c);
        self.reshape(&before, None);
    }

    /// The nodes a client's allocation passes through: its leaf, then each ancestor.
    fn chain(&self, c: &str) -> Vec<String> {
        let mut chain = Vec::new();
        if self.has_descendants(c) {
            chain.push(format!("{c}/."));
        }
        chain.push(c.to_string());
        for (i, _) in c.match_indices('/').collect::<Vec<_>>().into_iter().rev() {
            chain.push(c[..i].to_string());
        }
        chain
    }

    fn allocated(&mut self, c: &str, q: [i64; 3]) {
        let entry = self.clients.get_mut(c).unwrap();
        (0..3).for_each(|r| entry.1[r] += q[r]);
        for k in self.chain(c) {
            *self.counts.get_mut(&k).unwrap() += 1;
        }
    }

    /// The allocation under the node at `key`.
    fn alloc(&self, key: &str) -> [i64; 3] {
        let mut sum = [0; 3];
        let add = |sum: &mut [i64; 3], a: &[i64; 3]| (0..3).for_each(|r| sum[r] += a[r]);
        if let Some(c) = key.strip_suffix("/.") {
            add(&mut sum, &self.clients[c].1);
            return sum;
        }
        let prefix = format!("{key}/");
        for (c, (_, a)) in &self.clients {
            if c == key || c.starts_with(&prefix) {
                add(&mut sum, a);
            }
        }
        sum
    }

    fn share(&self, key: &str) -> f64 {
        let totals = self.agents.values().fold([0i64; 3], |mut t, a| {
            (0..3).for_each(|r| t[r] += a[r]);
            t
        });
        let alloc = self.alloc(key);
        let fractions = (0..3)
            .filter(|&r| totals[r] > 0 && !self.excluded.contains(RES[r]))
            .map(|r| (alloc[r] as f64 / 1000.0) / (totals[r] as f64 / 1000.0));
        let share = if self.asset {
            fractions.fold(0.0, |s, f| s + f)
        } else {
            fractions.fold(0.0, f64::max)
        };
        let weight = if key.ends_with("/.") {
            1.0
        } else {
            self.weights.get(key).copied().unwrap_or(1.0)
        };
        share / weight
    }

    /// Children of the node at `key` ("" = root) as (key, sibling name).
    fn children(&self, key: &str) -> Vec<(String, String)> {
        let mut names = BTreeSet::new();
        let prefix = if key.is_empty() {
            String::new()
        } else {
            format!("{key}/")
        };
        for c in self.clients.keys() {
            if let Some(rest) = c.strip_prefix(&prefix) {
                if !rest.is_empty() {
                    names.insert(rest.split('/').next().unwrap().to_string());
                }
            }
        }
        let mut kids: Vec<(String, String)> = names
            .into_iter()
            .map(|n| (format!("{prefix}{n}"), n))
            .collect();
        if !key.is_empty() && self.clients.contains_key(key) {
            kids.push((format!("{key}/."), ".".into()));
        }
        kids
    }

    fn sort(&self, key: &str, out: &mut Vec<String>) {
        let mut kids = self.children(key);
        kids.sort_by(|(a, an), (b, bn)| {
            self.share(a)
                .partial_cmp(&self.share(b))
                .unwrap()
                .then(self.counts[a].cmp(&self.counts[b]))
                .then_with(|| an.cmp(bn))
        });
        for (k, _) in kids {
            let client = k.strip_suffix("/.").unwrap_or(&k);
            let is_leaf = k.ends_with("/.") || !self.has_descendants(&k);
            if is_leaf {
                if self.clients.get(client).is_some_and(|c| c.0) {
                    out.push(client.to_string());
                }
            } else {
                self.sort(&k, out);
            }
        }
    }
}

fn quantities(q: [i64; 3]) -> QuantityBuf<'static> {
    QuantityBuf::from_pairs((0..3).map(|r| (RES[r], q[r] as f64 / 1000.0))).unwrap()
}

/// Runs `steps` random operations on `sorter` and the model, comparing after each, or after
/// a random third of them when `batched` (so changes pile up between sorts).
fn run(sorter: &mut dyn Sorter, model: &mut Model, seed: u64, steps: usize, batched: bool) {
    let mut rng = SplitMix64::new(seed);
    let mut pick = |n: usize| (rng.next_u64() % n as u64) as usize;
    let paths = ["a", "b", "a/x", "a/y", "a/x/p", "b/z", "c", "c/d/e", "c/d"];
    sorter
        .add_agent("s0", quantities([8000, 8000, 2000]).view())
        .unwrap();
    model.agents.insert("s0".into(), [8000, 8000, 2000]);
    for step in 0..steps {
        let c = paths[pick(paths.len())];
        match pick(10) {
            0 | 1 => {
                let added = sorter.add_client(c).is_ok();
                assert_eq!(added, !model.clients.contains_key(c));
                if added {
                    model.add(c);
                }
            }
            2 => {
                let removed = sorter.remove_client(c).is_ok();
                assert_eq!(removed, model.clients.contains_key(c));
                if removed {
                    model.remove(c);
                }
            }
            3 => {
                let active = pick(3) != 0;
                if let Some(entry) = model.clients.get_mut(c) {
                    entry.0 = active;
                    let r = if active {
                        sorter.activate(c)
                    } else {
                        sorter.deactivate(c)
                    };
                    r.unwrap();
                }
            }
            4 => {
                let w = [0.5, 1.0, 2.0, 3.0][pick(4)];
                let path = ["a", "a/x", "b", "c", "c/d"][pick(5)];
                sorter.update_weight(path, w).unwrap();
                model.weights.insert(path.into(), w);
            }
            5 => {
                let agent = format!("s{}", pick(3));
                if model.agents.remove(&agent).is_some() {
                    sorter.remove_agent(&agent).unwrap();
                } else {
                    let t = [
                        pick(5) as i64 * 1000,
                        pick(5) as i64 * 500,
                        pick(2) as i64 * 1000,
                    ];
                    sorter.add_agent(&agent, quantities(t).view()).unwrap();
                    model.agents.insert(agent, t);
                }
            }
            6 | 7 => {
                if model.clients.contains_key(c) {
                    let q = [
                        pick(4) as i64 * 100,
                        pick(4) as i64 * 300,
                        pick(2) as i64 * 1000,
                    ];
                    sorter.allocated(c, "s0", quantities(q).view()).unwrap();
                    model.allocated(c, q);
                }
            }
            _ => {
                if let Some((_, held)) = model.clients.get_mut(c) {
                    let back = held.map(|h| h / (1 + pick(2) as i64));
                    (0..3).for_each(|r| held[r] -= back[r]);
                    if pick(2) == 0 {
                        sorter
                            .unallocated(c, "s0", quantities(back).view())
                            .unwrap();
                    } else {
                        sorter
                            .update(c, "s0", quantities(back).view(), quantities([0; 3]).view())
                            .unwrap();
                    }
                }
            }
        }
        if batched && pick(3) != 0 {
            continue;
        }
        let mut expected = Vec::new();
        model.sort("", &mut expected);
        assert_eq!(order(sorter), expected, "seed {seed}, step {step}");
        assert_eq!(sorter.count().unwrap(), model.clients.len());
    }
}

#[test]
fn drf_matches_the_model() {
    for seed in 0..60 {
        let mut s = DrfSorter::new(SorterConfig::default());
        run(&mut s, &mut Model::default(), seed, 400, seed % 2 == 1);
    }
}

#[test]
fn drf_with_exclusions_matches_the_model() {
    for seed in 100..120 {
        let excluded: BTreeSet<String> = ["gpus".to_string()].into();
        let mut s = DrfSorter::new(SorterConfig {
            excluded: excluded.clone(),
            seed: 0,
        });
        let mut m = Model {
            excluded,
            ..Default::default()
        };
        run(&mut s, &mut m, seed, 400, seed % 2 == 1);
    }
}

#[test]
fn asset_matches_the_model() {
    for seed in 200..220 {
        let mut s = AssetSorter::new(SorterConfig::default());
        let mut m = Model {
            asset: true,
            ..Default::default()
        };
        run(&mut s, &mut m, seed, 400, seed % 2 == 1);
    }
}
