//! Mesos's hierarchical allocator benchmarks: DeclineOffers and LargeAndSmallQuota.

use super::{time, Figure};
use modkit_ffi::resources::{Attributes, Resources};
use modkit_ffi::sdk::{Allocator, ModuleError, Offer};
use std::time::Duration;

pub struct AllocatorBenchOptions {
    /// Scales the agent and framework counts down (1 = Mesos's sizes), for quick runs.
    pub divisor: usize,
    /// Rounds of DeclineOffers, the first allocation included.
    pub rounds: usize,
    /// Only this benchmark; both when `None`.
    pub only: Option<AllocatorBenchmark>,
}

/// One of the allocator benchmarks, to run it alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum AllocatorBenchmark {
    DeclineOffers,
    LargeAndSmallQuota,
}

impl Default for AllocatorBenchOptions {
    fn default() -> Self {
        AllocatorBenchOptions {
            divisor: 1,
            rounds: 2_000,
            only: None,
        }
    }
}

fn parse(text: &str) -> Result<Resources, ModuleError> {
    Resources::parse(text).map_err(|e| ModuleError::invalid(e.to_string()))
}

/// 16 port fragments of one port each, spread over the agent's range.
fn port_fragments() -> String {
    let ports: Vec<String> = (0..16).map(|i| (31000 + i * 60).to_string()).collect();
    format!(
        "ports:[{}]",
        ports
            .iter()
            .map(|p| format!("{p}-{p}"))
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// The offers of one round, kept to be declined: their names in one buffer, and one copy of
/// each run of equal resources (the offers of a round mostly hold the same), so that keeping
/// them costs the allocator's figures next to nothing. Mesos's benchmark keeps a copy of each.
#[derive(Default)]
struct Offered {
    names: String,
    /// Per offer: where its framework, agent and role names end in `names`, and its resources.
    offers: Vec<([usize; 3], usize)>,
    resources: Vec<Resources>,
}

impl Offered {
    fn clear(&mut self) {
        self.names.clear();
        self.offers.clear();
        self.resources.clear();
    }

    fn push(&mut self, offer: &Offer<'_>) {
        let mut ends = [0; 3];
        for (end, name) in ends
            .iter_mut()
            .zip([offer.framework, offer.agent, offer.role])
        {
            self.names.push_str(name);
            *end = self.names.len();
        }
        if self.resources.last() != Some(offer.resources) {
            self.resources.push(offer.resources.clone());
        }
        self.offers.push((ends, self.resources.len() - 1));
    }

    fn len(&self) -> usize {
        self.offers.len()
    }

    /// (framework, agent, role, resources) of each offer, in the order they came.
    fn iter(&self) -> impl Iterator<Item = (&str, &str, &str, &Resources)> + '_ {
        let mut start = 0;
        self.offers.iter().map(move |&([f, a, r], res)| {
            let names = (&self.names[start..f], &self.names[f..a], &self.names[a..r]);
            start = r;
            (names.0, names.1, names.2, &self.resources[res])
        })
    }
}

/// DeclineOffers: every offer is declined with an infinite filter, round after round.
pub fn decline_offers(
    allocator: &mut dyn Allocator,
    options: &AllocatorBenchOptions,
) -> Result<Vec<Figure>, ModuleError> {
    let (agents, frameworks) = (10_000 / options.divisor, 1_000 / options.divisor);
    let total = parse("cpus:24;mem:4096;disk:4096;ports:[31000-32000]")?;
    let used = parse(&format!("cpus:16;mem:2014;disk:1024;{}", port_fragments()))?;
    let framework_names: Vec<String> = (0..frameworks).map(|i| format!("framework-{i}")).collect();
    for f in &framework_names {
        allocator.add_framework(f, &["*"], true)?;
    }
    let attributes = Attributes::default();
    let (r, add_agents) = time(|| -> Result<(), ModuleError> {
        for i in 0..agents {
            let agent = format!("agent-{i}");
            allocator.add_agent(&agent, &total, &attributes)?;
            allocator.add_used(&agent, &framework_names[i % frameworks], "*", &used)?;
        }
        Ok(())
    });
    r?;
    let mut now = 0.0;
    let mut offered = Offered::default();
    let mut round = |allocator: &mut dyn Allocator, now: f64| -> Result<usize, ModuleError> {
        offered.clear();
        allocator.allocate(now, &mut |o| {
            offered.push(&o);
            Ok(())
        })?;
        for (framework, agent, role, resources) in offered.iter() {
            allocator.recover_resources(framework, agent, role, resources, f64::INFINITY)?;
        }
        Ok(offered.len())
    };
    let (first, first_allocate) = time(|| round(allocator, now));
    let first_offers = first?;
    let mut total_offers = first_offers;
    let mut rounds = 1;
    let (r, all_rounds) = time(|| -> Result<(), ModuleError> {
        while rounds < options.rounds {
            now += 1.0;
            let n = round(allocator, now)?;
            rounds += 1;
            total_offers += n;
            if n == 0 {
                break;
            }
        }
        Ok(())
    });
    r?;
    let full = options.divisor == 1;
    Ok(vec![
        Figure {
            name: format!("DeclineOffers: add {agents} agents ({frameworks} frameworks)"),
            measured: add_agents,
            mesos: full.then(|| Duration::from_millis(1_610)),
            target: full.then(|| Duration::from_millis(50)),
        },
        Figure {
            name: format!("DeclineOffers: first allocate ({first_offers} offers)"),
            measured: first_allocate,
            mesos: full.then(|| Duration::from_millis(1_060)),
            target: full.then(|| Duration::from_millis(50)),
        },
        Figure {
            name: format!("DeclineOffers: {rounds} rounds in all ({total_offers} offers)"),
            measured: first_allocate + all_rounds,
            mesos: None,
            target: None,
        },
    ])
}

/// LargeAndSmallQuota: one cycle serving 3,000 quota roles on 3,000 small agents.
pub fn large_and_small_quota(
    allocator: &mut dyn Allocator,
    options: &AllocatorBenchOptions,
) -> Result<Vec<Figure>, ModuleError> {
    let agents = 3_000 / options.divisor;
    let (small, large) = (2_500 / options.divisor, 500 / options.divisor);
    let total = parse("cpus:2;mem:2048;disk:2048")?;
    let attributes = Attributes::default();
    for i in 0..agents {
        allocator.add_agent(&format!("agent-{i}"), &total, &attributes)?;
    }
    let small_quota = parse("cpus:1;mem:1024;disk:1024")?;
    let large_quota = parse("cpus:4;mem:4096;disk:4096")?;
    for i in 0..small + large {
        let role = format!("role-{i}");
        let quota = if i < small {
            &small_quota
        } else {
            &large_quota
        };
        allocator.update_quota(&role, quota, Some(quota))?;
        allocator.add_framework(&format!("framework-{i}"), &[role.as_str()], true)?;
    }
    let mut offers = 0usize;
    let (r, cycle) = time(|| {
        allocator.allocate(0.0, &mut |_| {
            offers += 1;
            Ok(())
        })
    });
    r?;
    Ok(vec![Figure {
        name: format!(
            "LargeAndSmallQuota: one cycle ({agents} agents, {} roles, {offers} offers)",
            small + large
        ),
        measured: cycle,
        mesos: (options.divisor == 1).then(|| Duration::from_millis(15_390)),
        target: (options.divisor == 1).then(|| Duration::from_millis(500)),
    }])
}

/// The benchmarks asked for, each on a fresh allocator from `make`.
pub fn run_allocator_benchmarks(
    make: &mut dyn FnMut() -> Result<Box<dyn Allocator>, ModuleError>,
    options: &AllocatorBenchOptions,
) -> Result<Vec<Figure>, ModuleError> {
    let wanted = |b| options.only.map_or(true, |only| only == b);
    let mut figures = Vec::new();
    if wanted(AllocatorBenchmark::DeclineOffers) {
        figures.extend(decline_offers(&mut *make()?, options)?);
    }
    if wanted(AllocatorBenchmark::LargeAndSmallQuota) {
        figures.extend(large_and_small_quota(&mut *make()?, options)?);
    }
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offered_keeps_names_and_shares_equal_resources() {
        let (a, b) = (parse("cpus:1").unwrap(), parse("cpus:2").unwrap());
        let mut offered = Offered::default();
        for (framework, agent, resources) in [("f1", "s1", &a), ("f22", "s2", &a), ("f3", "", &b)] {
            offered.push(&Offer {
                framework,
                agent,
                role: "*",
                resources,
            });
        }
        let got: Vec<(&str, &str, &str, &Resources)> = offered.iter().collect();
        assert_eq!(
            got,
            [
                ("f1", "s1", "*", &a),
                ("f22", "s2", "*", &a),
                ("f3", "", "*", &b)
            ]
        );
        assert_eq!((offered.len(), offered.resources.len()), (3, 2));
        offered.clear();
        assert_eq!(offered.iter().count(), 0);
    }
}
