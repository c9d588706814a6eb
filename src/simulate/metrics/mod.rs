//! The metrics of one policy's run, kept up to date as tasks launch and finish: exact time
//! integrals of piecewise-constant quantities over [0, makespan], plus a sampled series.
//!
//! Definitions (README, "Simulate"): a role is active while it has tasks submitted and not
//! finished; its dominant share is max over counted resources of used/total; Jain's index is
//! taken over active roles' shares divided by their weights; role i envies j when i's Leontief
//! utility (tasks of i's mean shape that fit) of j's allocation exceeds that of its own;
//! sharing incentive is violated while a role runs fewer tasks than min(demand, tasks of its
//! mean shape fitting in its weighted 1/n of the cluster).

pub mod fairness;
pub mod series;

use fairness::{dominant_share, jain_from_sums, percentile, tasks_fitting};
use serde::Serialize;
use series::{Sample, Series};
use std::collections::BTreeMap;

/// What the recorder knows of a role.
struct Role {
    name: String,
    weight: f64,
    used: Vec<i64>,
    running: u64,
    /// Tasks submitted and not finished.
    demand: u64,
    /// Mean task shape, thousandths per resource.
    shape: Vec<f64>,
    /// Tasks of `shape` that fit in the role's weighted 1/n of the cluster.
    partition_tasks: u64,
    share: f64,
    active: bool,
    since: u64,
    share_integral: f64,
    running_integral: f64,
    violation_us: u64,
    max_share: f64,
    max_running: u64,
    dirty: bool,
}

impl Role {
    fn violates(&self) -> bool {
        self.running < self.demand.min(self.partition_tasks)
    }

    /// Adds the time since the role last changed to its integrals.
    fn settle(&mut self, t: u64) {
        let dt = t.saturating_sub(self.since);
        self.share_integral += self.share * dt as f64;
        self.running_integral += self.running as f64 * dt as f64;
        if self.violates() {
            self.violation_us += dt;
        }
        self.since = t;
    }
}

pub struct Recorder {
    names: Vec<String>,
    totals: Vec<i64>,
    counted: Vec<bool>,
    used: Vec<i64>,
    roles: Vec<Role>,
    now: u64,
    util_integral: Vec<f64>,
    jain_integral: f64,
    envy_integral: f64,
    /// Σ and Σ² of active roles' weighted shares, and their number.
    jain_sums: (f64, f64, usize),
    /// utility[i * n + j]: tasks of role i's shape that role j's allocation holds.
    utility: Vec<u64>,
    envies: Vec<bool>,
    /// Envious ordered pairs of active roles.
    envious_pairs: u64,
    dirty: Vec<usize>,
    /// (wait µs, tasks), and job completion times in µs.
    waits: Vec<(u64, u64)>,
    completions: Vec<u64>,
    decisions: Vec<f64>,
    pub series: Series,
}

/// How a role enters the recorder.
pub struct RoleInit {
    pub name: String,
    pub weight: f64,
    /// Mean task shape in thousandths per resource (Leontief demand).
    pub shape: Vec<f64>,
}

impl Recorder {
    /// `counted`: resources that count toward dominant shares (not fair-sharing excluded).
    pub fn new(
        names: Vec<String>,
        totals: Vec<i64>,
        counted: Vec<bool>,
        roles: Vec<RoleInit>,
    ) -> Self {
        let k = names.len();
        let weight_sum: f64 = roles.iter().map(|r| r.weight).sum();
        let n = roles.len();
        let roles = roles
            .into_iter()
            .map(|r| {
                let part: Vec<i64> = totals
                    .iter()
                    .map(|t| (*t as f64 * r.weight / weight_sum.max(1e-12)).floor() as i64)
                    .collect();
                Role {
                    partition_tasks: tasks_fitting(&part, &r.shape),
                    name: r.name,
                    weight: r.weight,
                    used: vec![0; k],
                    running: 0,
                    demand: 0,
                    shape: r.shape,
                    share: 0.0,
                    active: false,
                    since: 0,
                    share_integral: 0.0,
                    running_integral: 0.0,
                    violation_us: 0,
                    max_share: 0.0,
                    max_running: 0,
                    dirty: false,
                }
            })
            .collect();
        Recorder {
            used: vec![0; k],
            util_integral: vec![0.0; k],
            names,
            totals,
            counted,
            roles,
            now: 0,
            jain_integral: 0.0,
            envy_integral: 0.0,
            jain_sums: (0.0, 0.0, 0),
            utility: vec![0; n * n],
            envies: vec![false; n * n],
            envious_pairs: 0,
            dirty: Vec::new(),
            waits: Vec::new(),
            completions: Vec::new(),
            decisions: Vec::new(),
            series: Series::new(),
        }
    }

    fn touch(&mut self, role: usize) {
        let r = &mut self.roles[role];
        if !r.dirty {
            r.settle(self.now);
            r.dirty = true;
            self.dirty.push(role);
        }
    }

    /// Moves the clock to `t`, adding the state since the last change to the integrals.
    pub fn advance(&mut self, t: u64) {
        if t <= self.now {
            return;
        }
        self.refresh();
        let dt = (t - self.now) as f64;
        for ((i, u), total) in self
            .util_integral
            .iter_mut()
            .zip(&self.used)
            .zip(&self.totals)
        {
            if *total > 0 {
                *i += *u as f64 / *total as f64 * dt;
            }
        }
        self.jain_integral += self.jain() * dt;
        self.envy_integral += self.envy() * dt;
        self.now = t;
    }

    pub fn submitted(&mut self, role: usize, tasks: u64) {
        self.touch(role);
        self.roles[role].demand += tasks;
    }

    pub fn launched(&mut self, role: usize, shape: &[i64], tasks: u64, wait_us: u64) {
        self.touch(role);
        let r = &mut self.roles[role];
        for ((u, c), s) in r.used.iter_mut().zip(self.used.iter_mut()).zip(shape) {
            *u += s * tasks as i64;
            *c += s * tasks as i64;
        }
        r.running += tasks;
        self.waits.push((wait_us, tasks));
    }

    pub fn finished(&mut self, role: usize, shape: &[i64], tasks: u64) {
        self.touch(role);
        let r = &mut self.roles[role];
        for ((u, c), s) in r.used.iter_mut().zip(self.used.iter_mut()).zip(shape) {
            *u -= s * tasks as i64;
            *c -= s * tasks as i64;
        }
        r.running -= tasks;
        r.demand -= tasks;
    }

    pub fn job_done(&mut self, completion_us: u64) {
        self.completions.push(completion_us);
    }

    /// Wall-clock seconds one `allocate` call took.
    pub fn decision(&mut self, seconds: f64) {
        self.decisions.push(seconds);
    }

    fn weighted(r: &Role) -> f64 {
        r.share / r.weight
    }

    fn jain(&self) -> f64 {
        let (sum, sum_sq, n) = self.jain_sums;
        jain_from_sums(n, sum, sum_sq)
    }

    fn envy(&self) -> f64 {
        let n = self.jain_sums.2;
        if n < 2 {
            0.0
        } else {
            self.envious_pairs as f64 / (n * (n - 1)) as f64
        }
    }

    /// Brings shares, Jain's sums and the envy pairs up to date with the roles changed since.
    fn refresh(&mut self) {
        if self.dirty.is_empty() {
            return;
        }
        let n = self.roles.len();
        let dirty = std::mem::take(&mut self.dirty);
        // Take out the old contributions of every pair touching a changed role.
        let pair_delta = |me: &Self, sign: i64| -> i64 {
            let mut count = 0;
            for &d in &dirty {
                if !me.roles[d].active {
                    continue;
                }
                for x in 0..n {
                    if x == d || !me.roles[x].active || (me.roles[x].dirty && x < d) {
                        continue;
                    }
                    count += i64::from(me.envies[d * n + x]) + i64::from(me.envies[x * n + d]);
                }
            }
            sign * count
        };
        let before = pair_delta(self, -1);
        for &d in &dirty {
            let r = &self.roles[d];
            if r.active {
                let x = Self::weighted(r);
                self.jain_sums.0 -= x;
                self.jain_sums.1 -= x * x;
                self.jain_sums.2 -= 1;
            }
            let share = dominant_share(&r.used, &self.totals, &self.counted);
            let active = r.demand > 0;
            let r = &mut self.roles[d];
            r.share = share;
            r.active = active;
            r.max_share = r.max_share.max(share);
            r.max_running = r.max_running.max(r.running);
            if active {
                let x = Self::weighted(r);
                self.jain_sums.0 += x;
                self.jain_sums.1 += x * x;
                self.jain_sums.2 += 1;
            }
            // Column d: what each role could run with d's allocation.
            for i in 0..n {
                self.utility[i * n + d] = tasks_fitting(&self.roles[d].used, &self.roles[i].shape);
            }
        }
        for &d in &dirty {
            for i in 0..n {
                if i != d {
                    self.envies[i * n + d] = self.utility[i * n + d] > self.utility[i * n + i];
                    self.envies[d * n + i] = self.utility[d * n + i] > self.utility[d * n + d];
                }
            }
        }
        let after = pair_delta(self, 1);
        self.envious_pairs = (self.envious_pairs as i64 + before + after).max(0) as u64;
        for &d in &dirty {
            self.roles[d].dirty = false;
        }
        if self.jain_sums.2 == 0 {
            self.jain_sums = (0.0, 0.0, 0);
        }
    }

    /// Offers the current state to the series (after an allocation cycle).
    pub fn sample(&mut self) {
        self.refresh();
        if self.series.tick() {
            let s = self.snapshot();
            self.series.push(s);
        }
    }

    fn snapshot(&self) -> Sample {
        Sample {
            t: self.now as f64 / 1e6,
            utilization: self
                .used
                .iter()
                .zip(&self.totals)
                .map(|(u, t)| if *t > 0 { *u as f64 / *t as f64 } else { 0.0 })
                .collect(),
            shares: self.roles.iter().map(|r| r.share).collect(),
            running: self.roles.iter().map(|r| r.running).collect(),
            jain: self.jain(),
            envy: self.envy(),
        }
    }

    /// Closes the run at `makespan_us` and computes the summary.
    pub fn finish(mut self, makespan_us: u64) -> Finished {
        self.advance(makespan_us);
        self.refresh();
        let end = self.now.max(makespan_us);
        for r in &mut self.roles {
            r.settle(end);
        }
        let last = self.snapshot();
        self.series.last(last);
        let span = end as f64;
        let avg = |integral: f64| if span > 0.0 { integral / span } else { 0.0 };
        let utilization = self
            .names
            .iter()
            .zip(&self.util_integral)
            .map(|(n, i)| (n.clone(), avg(*i)))
            .collect();
        let roles: BTreeMap<String, RoleSummary> = self
            .roles
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    RoleSummary {
                        weight: r.weight,
                        dominant_share_mean: avg(r.share_integral),
                        dominant_share_max: r.max_share,
                        running_tasks_mean: avg(r.running_integral),
                        running_tasks_max: r.max_running,
                        sharing_incentive_violation_seconds: r.violation_us as f64 / 1e6,
                    },
                )
            })
            .collect();
        let weighted: Vec<f64> = roles
            .values()
            .map(|r| r.dominant_share_mean / r.weight)
            .collect();
        let max = weighted.iter().cloned().fold(0.0, f64::max);
        let min = weighted.iter().cloned().fold(f64::INFINITY, f64::min);
        let violation: f64 = roles
            .values()
            .map(|r| r.sharing_incentive_violation_seconds)
            .sum();
        let role_count = roles.len().max(1) as f64;
        let summary = Summary {
            makespan: span / 1e6,
            utilization,
            roles,
            jain_index: avg(self.jain_integral),
            max_min_share_ratio: (min > 0.0 && min.is_finite()).then(|| max / min),
            envy: avg(self.envy_integral),
            sharing_incentive_violation_seconds: violation,
            sharing_incentive_violation_fraction: if span > 0.0 {
                violation / (role_count * span / 1e6)
            } else {
                0.0
            },
            wait_time: Stats::of(&mut self.waits),
            job_completion_time: Stats::of(
                &mut self.completions.iter().map(|c| (*c, 1)).collect::<Vec<_>>(),
            ),
        };
        Finished {
            summary,
            wait_cdf: cdf(&self.waits),
            decisions: self.decisions,
            series: self.series,
            resources: self.names,
        }
    }
}

/// Points of a cumulative distribution at most.
const CDF_POINTS: usize = 500;

/// (seconds, fraction of tasks waiting at most that long) from sorted (µs, count) pairs.
pub fn cdf(sorted: &[(u64, u64)]) -> Vec<(f64, f64)> {
    let total: u64 = sorted.iter().map(|(_, c)| c).sum();
    let mut points: Vec<(f64, f64)> = Vec::new();
    let mut seen = 0;
    for (value, count) in sorted {
        seen += count;
        let point = (*value as f64 / 1e6, seen as f64 / total as f64);
        match points.last_mut() {
            Some(last) if last.0 == point.0 => *last = point,
            _ => points.push(point),
        }
    }
    if points.len() > CDF_POINTS {
        let step = points.len() as f64 / CDF_POINTS as f64;
        let last = points[points.len() - 1];
        points = (0..CDF_POINTS)
            .map(|i| points[(i as f64 * step) as usize])
            .collect();
        points.push(last);
    }
    points
}

/// What a finished run's recorder hands back.
pub struct Finished {
    pub summary: Summary,
    /// Wall-clock seconds of each `allocate`.
    pub decisions: Vec<f64>,
    pub series: Series,
    /// Resource names of the series' utilization columns.
    pub resources: Vec<String>,
    pub wait_cdf: Vec<(f64, f64)>,
}

/// Mean and nearest-rank percentiles, in seconds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
}

impl Stats {
    /// From (µs, count) pairs (sorted here).
    pub fn of(values: &mut [(u64, u64)]) -> Stats {
        values.sort_unstable();
        let count: u64 = values.iter().map(|(_, c)| c).sum();
        let sum: f64 = values.iter().map(|(v, c)| *v as f64 * *c as f64).sum();
        let s = |us: u64| us as f64 / 1e6;
        Stats {
            count,
            mean: if count > 0 {
                sum / count as f64 / 1e6
            } else {
                0.0
            },
            p50: s(percentile(values, count, 50.0)),
            p90: s(percentile(values, count, 90.0)),
            p99: s(percentile(values, count, 99.0)),
        }
    }

    /// From seconds (decision times).
    pub fn of_seconds(values: &[f64]) -> Stats {
        let mut us: Vec<(u64, u64)> = values.iter().map(|s| ((s * 1e9) as u64, 1)).collect();
        let ns = Stats::of(&mut us);
        // Stored as ns in the µs slots: scale back to seconds.
        let f = 1e-3;
        Stats {
            count: ns.count,
            mean: ns.mean * f,
            p50: ns.p50 * f,
            p90: ns.p90 * f,
            p99: ns.p99 * f,
        }
    }
}

/// Per role, over [0, makespan].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoleSummary {
    pub weight: f64,
    pub dominant_share_mean: f64,
    pub dominant_share_max: f64,
    pub running_tasks_mean: f64,
    pub running_tasks_max: u64,
    pub sharing_incentive_violation_seconds: f64,
}

/// One policy's metrics (deterministic: no wall-clock figures).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Seconds from 0 to the last task's end.
    pub makespan: f64,
    /// Time-average used/total per resource.
    pub utilization: BTreeMap<String, f64>,
    pub roles: BTreeMap<String, RoleSummary>,
    /// Time average of Jain's index over active roles' weighted dominant shares.
    pub jain_index: f64,
    /// Largest over smallest time-average weighted dominant share; null when one is 0.
    pub max_min_share_ratio: Option<f64>,
    /// Time average of the fraction of ordered pairs of active roles where the first envies.
    pub envy: f64,
    pub sharing_incentive_violation_seconds: f64,
    /// The violation seconds over (roles × makespan).
    pub sharing_incentive_violation_fraction: f64,
    pub wait_time: Stats,
    pub job_completion_time: Stats,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cluster <9 cpus, 18 GB> (thousandths), roles A <1, 4 GB> and B <3, 1 GB> (DRF paper).
    fn drf() -> Recorder {
        Recorder::new(
            vec!["cpus".into(), "mem".into()],
            vec![9000, 18_432_000],
            vec![true, true],
            vec![
                RoleInit {
                    name: "A".into(),
                    weight: 1.0,
                    shape: vec![1000.0, 4_096_000.0],
                },
                RoleInit {
                    name: "B".into(),
                    weight: 1.0,
                    shape: vec![3000.0, 1_024_000.0],
                },
            ],
        )
    }

    #[test]
    fn cdf_by_hand() {
        assert_eq!(cdf(&[(0, 1), (2_000_000, 3)]), [(0.0, 0.25), (2.0, 1.0)]);
        assert!(cdf(&[]).is_empty());
    }

    #[test]
    fn drf_allocation_by_hand() {
        let mut r = drf();
        r.submitted(0, 10);
        r.submitted(1, 10);
        // 0-10 s: nothing runs: both violate sharing incentive (partition: A min(4.5, 2.25) = 2
        // tasks, B min(1.5, 9) = 1), Jain = 1 (all zero), no envy.
        r.advance(10_000_000);
        r.launched(0, &[1000, 4_096_000], 3, 10_000_000);
        r.launched(1, &[3000, 1_024_000], 2, 10_000_000);
        // 10-20 s: both shares 2/3: Jain 1, no envy (see fairness tests), no violation.
        r.advance(20_000_000);
        assert!((r.roles[0].share - 2.0 / 3.0).abs() < 1e-3);
        assert_eq!(r.envious_pairs, 0);
        r.finished(1, &[3000, 1_024_000], 2);
        // 20-30 s: B holds nothing while A holds <3, 12 GB>: B could run 1 task with A's (3 cpus):
        // B envies A (1 of 2 pairs); Jain over (2/3, 0) = 0.5; B violates (0 < 1).
        r.advance(30_000_000);
        assert_eq!(r.envious_pairs, 1);
        r.finished(0, &[1000, 4_096_000], 3);
        let done = r.finish(30_000_000);
        let (s, series) = (done.summary, done.series);
        assert_eq!(done.wait_cdf, [(10.0, 1.0)]);
        assert!(
            (s.jain_index - (10.0 + 10.0 + 5.0) / 30.0).abs() < 1e-9,
            "{}",
            s.jain_index
        );
        assert!((s.envy - 0.5 * 10.0 / 30.0).abs() < 1e-9, "{}", s.envy);
        assert_eq!(s.roles["A"].sharing_incentive_violation_seconds, 10.0);
        assert_eq!(s.roles["B"].sharing_incentive_violation_seconds, 20.0);
        assert!((s.sharing_incentive_violation_fraction - 30.0 / 60.0).abs() < 1e-12);
        // A: 2/3 for 20 s of 30; B: 2/3 for 10 s.
        let a = s.roles["A"].dominant_share_mean;
        let b = s.roles["B"].dominant_share_mean;
        assert!(
            (a - 4.0 / 9.0).abs() < 1e-3 && (b - 2.0 / 9.0).abs() < 1e-3,
            "{a} {b}"
        );
        assert!((s.max_min_share_ratio.unwrap() - 2.0).abs() < 1e-3);
        assert_eq!(
            (
                s.roles["A"].running_tasks_max,
                s.roles["B"].running_tasks_max
            ),
            (3, 2)
        );
        // cpus: 9/9 for 10 s, 3/9 for 10 s → (10 + 3.33) / 30.
        assert!((s.utilization["cpus"] - (10.0 + 10.0 / 3.0) / 30.0).abs() < 1e-9);
        assert_eq!(s.wait_time.count, 5);
        assert_eq!(s.wait_time.p99, 10.0);
        assert_eq!(series.samples.last().map(|x| x.t), Some(30.0));
    }
}
