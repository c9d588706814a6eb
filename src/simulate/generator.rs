//! Synthetic workloads: Poisson job arrivals sized to a target load, a few task shapes,
//! exponential durations. The same options and seed always give the same workload.

use super::workload::{AgentSpec, FrameworkSpec, JobSpec, TaskGroup, Workload};
use super::SimulateError;
use modkit_allocators::sorter::rng::SplitMix64;
use modkit_ffi::resources::{Attributes, Resources};

/// The random sorter's SplitMix64 stream, with the draws workloads need; fixed so files are
/// reproducible.
#[derive(Clone, Debug)]
pub struct Rng(SplitMix64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(SplitMix64::new(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Exponential with this mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
}

/// Task shapes drawn uniformly: (cpus, mem MB).
const SHAPES: [(f64, f64); 4] = [(1.0, 2048.0), (2.0, 1024.0), (0.5, 4096.0), (4.0, 8192.0)];

#[derive(Clone, Debug)]
pub struct GeneratorOptions {
    pub frameworks: usize,
    pub jobs: usize,
    pub seed: u64,
    pub agents: usize,
    pub agent_resources: Resources,
    /// Mean tasks per job (geometric, at least 1).
    pub mean_tasks: f64,
    /// Mean task duration in seconds (exponential, at least 1 ms).
    pub mean_duration: f64,
    /// Offered cpu load as a fraction of the cluster's cpus; sets the arrival rate.
    pub load: f64,
    /// Stop once this many tasks are generated (the last job is cut short).
    pub max_tasks: Option<u64>,
    pub max_tasks_per_offer: Option<u32>,
}

impl Default for GeneratorOptions {
    fn default() -> Self {
        GeneratorOptions {
            frameworks: 4,
            jobs: 100,
            seed: 1,
            agents: 10,
            agent_resources: Resources::parse("cpus:16;mem:65536").unwrap_or_default(),
            mean_tasks: 10.0,
            mean_duration: 60.0,
            load: 0.8,
            max_tasks: None,
            max_tasks_per_offer: None,
        }
    }
}

fn bad(flag: &str, reason: String) -> Result<(), SimulateError> {
    Err(SimulateError::Flag {
        flag: flag.to_string(),
        reason,
    })
}

impl GeneratorOptions {
    /// Refuses what would make no workload or a meaningless one, naming the flag.
    pub fn check(&self) -> Result<(), SimulateError> {
        if self.frameworks == 0 {
            return bad("--frameworks", "must be at least 1".into());
        }
        if self.agents == 0 {
            return bad("--agents", "must be at least 1".into());
        }
        if !self
            .agent_resources
            .scalar("cpus")
            .is_some_and(|c| c.as_f64() > 0.0)
        {
            return bad(
                "--agent-resources",
                format!(
                    "'{}' has no cpus (the arrival rate is sized to the cluster's cpus)",
                    self.agent_resources
                ),
            );
        }
        let at_least = |flag: &str, v: f64, min: f64, strict: bool| {
            let ok = v.is_finite() && if strict { v > min } else { v >= min };
            let what = if strict { "more than" } else { "at least" };
            if ok {
                Ok(())
            } else {
                bad(flag, format!("{v} must be {what} {min}"))
            }
        };
        at_least("--mean-tasks", self.mean_tasks, 1.0, false)?;
        at_least("--mean-duration", self.mean_duration, 0.0, true)?;
        at_least("--load", self.load, 0.0, true)?;
        if self.max_tasks_per_offer == Some(0) {
            return bad("--max_tasks_per_offer", "must be at least 1".into());
        }
        Ok(())
    }
}

/// Generates a workload: framework `fw-i` in role `role-i` (every fourth one with weight 2).
pub fn generate(o: &GeneratorOptions) -> Result<Workload, SimulateError> {
    o.check()?;
    let mut rng = Rng::new(o.seed);
    let agents = (0..o.agents)
        .map(|i| AgentSpec {
            name: format!("agent-{i}"),
            resources: o.agent_resources.clone(),
            attributes: Attributes::default(),
        })
        .collect::<Vec<_>>();
    let frameworks: Vec<FrameworkSpec> = (0..o.frameworks)
        .map(|i| FrameworkSpec {
            name: format!("fw-{i}"),
            role: format!("role-{i}"),
            weight: if i % 4 == 3 { 2.0 } else { 1.0 },
            max_tasks_per_offer: o.max_tasks_per_offer,
        })
        .collect();
    let shapes: Vec<Resources> = SHAPES
        .iter()
        .map(|(c, m)| Resources::parse(&format!("cpus:{c};mem:{m}")).unwrap_or_default())
        .collect();
    let mean_cpus = SHAPES.iter().map(|s| s.0).sum::<f64>() / SHAPES.len() as f64;
    let cluster_cpus =
        o.agent_resources.scalar("cpus").map_or(1.0, |s| s.as_f64()) * agents.len() as f64;
    let mean_tasks = o.mean_tasks;
    // Jobs per second so that arriving cpu-seconds fill `load` of the cluster.
    let rate = (o.load * cluster_cpus) / (mean_tasks * o.mean_duration * mean_cpus);
    let mut jobs = Vec::with_capacity(o.jobs.min(1 << 16));
    let (mut now, mut total) = (0.0, 0u64);
    for j in 0..o.jobs {
        if o.max_tasks.is_some_and(|m| total >= m) {
            break;
        }
        now += rng.exponential(1.0 / rate);
        // Geometric with mean `mean_tasks`.
        let p = 1.0 / mean_tasks;
        let mut count = 1
            + ((1.0 - rng.unit()).ln() / (1.0 - p).max(1e-12).ln())
                .floor()
                .max(0.0) as u64;
        if let Some(m) = o.max_tasks {
            count = count.min(m - total);
        }
        total += count;
        let shape = &shapes[rng.below(shapes.len() as u64) as usize];
        let fits = shape
            .scalars()
            .all(|(n, v)| o.agent_resources.scalar(n).is_some_and(|have| have >= v));
        let resources = if fits {
            shape.clone()
        } else {
            o.agent_resources.clone()
        };
        let duration = rng.exponential(o.mean_duration).max(1e-3);
        jobs.push(JobSpec {
            name: format!("job-{j}"),
            framework: rng.below(frameworks.len() as u64) as usize,
            submit_us: (now * 1e3).round() as u64 * 1000,
            groups: vec![TaskGroup {
                count: count.min(u64::from(u32::MAX)) as u32,
                resources,
                duration_us: (duration * 1e3).round() as u64 * 1000,
            }],
        });
    }
    Ok(Workload {
        source: format!("generated (seed {})", o.seed),
        agents,
        frameworks,
        jobs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_workload_and_another_does_not() {
        let o = GeneratorOptions::default();
        let gen = |o: &GeneratorOptions| generate(o).expect("valid options");
        assert_eq!(gen(&o), gen(&o));
        let other = GeneratorOptions {
            seed: 2,
            ..o.clone()
        };
        assert_ne!(gen(&o).jobs, gen(&other).jobs);
        let w = gen(&o);
        assert_eq!(
            (w.jobs.len(), w.frameworks.len(), w.agents.len()),
            (100, 4, 10)
        );
        assert_eq!(w.validate().map_err(|e| e.to_string()), Ok(()));
    }

    #[test]
    fn max_tasks_is_exact() {
        let o = GeneratorOptions {
            jobs: 10_000,
            max_tasks: Some(1234),
            ..Default::default()
        };
        assert_eq!(generate(&o).expect("valid options").tasks(), 1234);
    }

    #[test]
    fn bad_options_are_refused_by_flag() {
        let refused = |change: &dyn Fn(&mut GeneratorOptions)| {
            let mut o = GeneratorOptions::default();
            change(&mut o);
            generate(&o).map(|_| ()).unwrap_err().to_string()
        };
        assert_eq!(
            refused(&|o| o.frameworks = 0),
            "--frameworks: must be at least 1"
        );
        assert_eq!(refused(&|o| o.agents = 0), "--agents: must be at least 1");
        assert_eq!(
            refused(&|o| o.agent_resources = Resources::parse("mem:10").unwrap()),
            "--agent-resources: 'mem:10' has no cpus (the arrival rate is sized to the cluster's cpus)"
        );
        assert_eq!(
            refused(&|o| o.mean_tasks = 0.5),
            "--mean-tasks: 0.5 must be at least 1"
        );
        assert_eq!(
            refused(&|o| o.mean_duration = 0.0),
            "--mean-duration: 0 must be more than 0"
        );
        assert_eq!(
            refused(&|o| o.load = f64::NAN),
            "--load: NaN must be more than 0"
        );
        assert_eq!(
            refused(&|o| o.max_tasks_per_offer = Some(0)),
            "--max_tasks_per_offer: must be at least 1"
        );
    }

    #[test]
    fn the_stream_is_splitmix64_so_workload_files_stay_reproducible() {
        let mut rng = Rng::new(1);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            [
                0x910a_2dec_8902_5cc1,
                0xbeeb_8da1_658e_ec67,
                0xf893_a2ee_fb32_555e
            ]
        );
    }

    #[test]
    fn unit_stays_in_range() {
        let mut rng = Rng::new(7);
        assert!((0..1000)
            .map(|_| rng.unit())
            .all(|u| (0.0..1.0).contains(&u)));
    }
}
