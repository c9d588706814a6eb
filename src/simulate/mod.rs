//! `modkit simulate`: replays a workload (native JSON, SWF, Google task events) under several
//! allocation policies, each a fresh allocator module from the registry driven on a virtual
//! clock, and reports utilization, fairness and latency side by side.

pub mod engine;
mod error;
pub mod formats;
pub mod generator;
pub mod metrics;
pub mod plots;
pub mod policy;
pub mod report;
pub mod table;
pub mod workload;

pub use engine::{simulate, Run, Settings};
pub use error::SimulateError;
pub use policy::{parse_policies, Policy};
pub use workload::Workload;

use crate::modules::{ModuleError, ModuleManager};
use std::collections::BTreeMap;

/// One policy's run.
pub struct PolicyRun {
    pub policy: Policy,
    pub run: Run,
}

/// Host flags shared by every policy: the random sorter's seed and the fair-sharing exclusions.
pub fn base_flags(sorter_seed: u64, settings: &Settings) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("sorter_seed".to_string(), sorter_seed.to_string()),
        (
            "fair_sharing_excluded_resource_names".to_string(),
            settings
                .excluded
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(","),
        ),
    ])
}

/// Runs `w` under each policy in turn, each on a fresh allocator from a fresh registry.
/// `progress(policy index, tasks finished)` is called as the runs go.
pub fn run_policies(
    w: &Workload,
    policies: &[Policy],
    settings: &Settings,
    base: &BTreeMap<String, String>,
    modules: &dyn Fn(BTreeMap<String, String>) -> Result<ModuleManager, ModuleError>,
    progress: &mut dyn FnMut(usize, u64),
) -> Result<Vec<PolicyRun>, SimulateError> {
    let mut runs = Vec::with_capacity(policies.len());
    for (i, policy) in policies.iter().enumerate() {
        let (_manager, mut allocator) = policy.create(base, modules)?;
        let run = simulate(&policy.name, &mut *allocator, w, settings, &mut |done| {
            progress(i, done)
        })?;
        runs.push(PolicyRun {
            policy: policy.clone(),
            run,
        });
    }
    Ok(runs)
}
