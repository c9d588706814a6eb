//! A simulated framework's scheduler: a FIFO of pending task groups; on an offer it launches,
//! in order, the tasks that fit (skipping those that do not), up to `max_tasks_per_offer`.

use std::collections::VecDeque;

/// Pending task groups looked at per offer: a scheduler's window, so an offer costs the same
/// however long the queue.
pub const LOOKAHEAD: usize = 64;

/// Tasks of one group still to launch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pending {
    pub job: u32,
    /// Index of the group's shape (and duration).
    pub group: u32,
    pub remaining: u64,
}

/// A launch decided on an offer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pick {
    pub job: u32,
    pub group: u32,
    pub tasks: u64,
}

#[derive(Debug)]
pub struct FrameworkState {
    pub role: usize,
    pub pending: VecDeque<Pending>,
    pub pending_tasks: u64,
    pub suppressed: bool,
    pub max_tasks: u64,
}

/// Tasks of `shape` that fit in `avail` (both thousandths); unlimited for an empty shape.
fn fit(avail: &[i64], shape: &[i64]) -> u64 {
    let mut n = u64::MAX;
    for (a, s) in avail.iter().zip(shape) {
        if *s > 0 {
            n = n.min((*a).max(0) as u64 / *s as u64);
        }
    }
    n
}

impl FrameworkState {
    pub fn new(role: usize, max_tasks: Option<u32>) -> Self {
        FrameworkState {
            role,
            pending: VecDeque::new(),
            pending_tasks: 0,
            suppressed: false,
            max_tasks: max_tasks.map_or(u64::MAX, u64::from),
        }
    }

    /// Chooses launches from `avail` (taken out of it); `shapes` holds `k` values per group.
    pub fn choose(&mut self, avail: &mut [i64], shapes: &[i64], out: &mut Vec<Pick>) {
        let k = avail.len();
        let mut budget = self.max_tasks;
        let (mut i, mut looked) = (0, 0);
        while i < self.pending.len() && budget > 0 && looked < LOOKAHEAD {
            looked += 1;
            let p = &mut self.pending[i];
            let start = p.group as usize * k;
            let shape = &shapes[start..start + k];
            let n = fit(avail, shape).min(p.remaining).min(budget);
            if n > 0 {
                for (a, s) in avail.iter_mut().zip(shape) {
                    *a -= s * n as i64;
                }
                p.remaining -= n;
                budget -= n;
                self.pending_tasks -= n;
                out.push(Pick {
                    job: p.job,
                    group: p.group,
                    tasks: n,
                });
            }
            if p.remaining == 0 {
                self.pending.remove(i);
            } else {
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(job: u32, group: u32, remaining: u64) -> Pending {
        Pending {
            job,
            group,
            remaining,
        }
    }

    #[test]
    fn launches_in_order_skipping_what_does_not_fit() {
        // Shapes: 0 = <4 cpus>, 1 = <1 cpu>.
        let shapes = [4000, 0, 1000, 0];
        let mut f = FrameworkState::new(0, None);
        f.pending.extend([pending(0, 0, 2), pending(1, 1, 3)]);
        f.pending_tasks = 5;
        let mut avail = [6000, 0];
        let mut out = Vec::new();
        f.choose(&mut avail, &shapes, &mut out);
        // One 4-cpu task, then two 1-cpu tasks in the 2 cpus left.
        assert_eq!(
            out,
            [
                Pick {
                    job: 0,
                    group: 0,
                    tasks: 1
                },
                Pick {
                    job: 1,
                    group: 1,
                    tasks: 2
                }
            ]
        );
        assert_eq!(avail, [0, 0]);
        assert_eq!(f.pending_tasks, 2);
        assert_eq!(f.pending, [pending(0, 0, 1), pending(1, 1, 1)]);
    }

    #[test]
    fn max_tasks_per_offer_caps_an_offer() {
        let shapes = [1000];
        let mut f = FrameworkState::new(0, Some(1));
        f.pending.push_back(pending(0, 0, 5));
        f.pending_tasks = 5;
        let mut avail = [9000];
        let mut out = Vec::new();
        f.choose(&mut avail, &shapes, &mut out);
        assert_eq!(
            out,
            [Pick {
                job: 0,
                group: 0,
                tasks: 1
            }]
        );
        assert_eq!(avail, [8000]);
    }
}
