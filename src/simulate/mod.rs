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
pub use policy::{parse_policies, shared_instances, Policy};
pub use workload::Workload;

use crate::modules::{ModuleError, ModuleManager};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

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

/// Makes the module registry a policy's allocator comes from, with the policy's flags.
pub type Modules<'a> =
    dyn Fn(BTreeMap<String, String>) -> Result<ModuleManager, ModuleError> + Sync + 'a;

/// The built-in modules alone, with `flags`: what `modkit bench simulate` and the tests run
/// policies from (`modkit simulate` adds those of `--modules`).
pub fn builtin_modules(flags: BTreeMap<String, String>) -> Result<ModuleManager, ModuleError> {
    let services =
        modkit_ffi::host::HostServices::leak(env!("CARGO_PKG_VERSION"), "simulator", "", &flags);
    ModuleManager::new(services)
}

/// Runs `w` under each policy, each on a fresh allocator from a fresh registry, on up to
/// `threads` threads (policies are independent, so the results are those of one after the
/// other). `progress(policy index, tasks finished)` is called as the runs go, from any thread.
/// On failure, the error of the first failing policy in list order.
pub fn run_policies(
    w: &Workload,
    policies: &[Policy],
    settings: &Settings,
    base: &BTreeMap<String, String>,
    modules: &Modules<'_>,
    threads: usize,
    progress: &(dyn Fn(usize, u64) + Sync),
) -> Result<Vec<PolicyRun>, SimulateError> {
    let run_one = |i: usize| -> Result<PolicyRun, SimulateError> {
        let policy = &policies[i];
        let (_manager, mut allocator) = policy.create(base, modules)?;
        let run = simulate(&policy.name, &mut *allocator, w, settings, &mut |done| {
            progress(i, done)
        })?;
        Ok(PolicyRun {
            policy: policy.clone(),
            run,
        })
    };
    let threads = threads.clamp(1, policies.len().max(1));
    if threads == 1 {
        return (0..policies.len()).map(run_one).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Result<PolicyRun, SimulateError>>>> =
        policies.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= policies.len() {
                    break;
                }
                let result = run_one(i);
                let failed = result.is_err();
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                if failed {
                    // Policies are taken in order, so every one before `i` has been taken.
                    next.store(policies.len(), Ordering::SeqCst);
                }
            });
        }
    });
    slots
        .into_iter()
        .map_while(|slot| slot.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect()
}
