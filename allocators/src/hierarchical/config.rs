//! Settings of the hierarchical allocator, with Mesos's defaults.

use modkit_ffi::sdk::{ModuleError, Result};
use std::collections::{BTreeMap, BTreeSet};

/// Mesos's `refuse_seconds` when a decline names a negative one.
pub const DEFAULT_REFUSE_SECONDS: f64 = 5.0;

/// How the allocator is set up. `Default` gives Mesos's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct AllocatorConfig {
    /// An offer must hold at least this many cpus, or at least `min_allocatable_mem`
    /// (Mesos: 0.01).
    pub min_allocatable_cpus: f64,
    /// An offer must hold at least this much memory in MB, or at least
    /// `min_allocatable_cpus` (Mesos: 32).
    pub min_allocatable_mem: f64,
    /// Resources left out of the dominant shares reported by `metrics()`
    /// (`--fair_sharing_excluded_resource_names`); the sorters are configured on their own.
    pub fair_sharing_excluded: BTreeSet<String>,
    /// Role weights to start with (`--weights`); `update_weights` changes them later.
    pub weights: BTreeMap<String, f64>,
    /// Reuse a sorter's last order while nothing it was told has changed, instead of asking it
    /// again for the next agent. Turn off for sorters whose order is redrawn on every call
    /// (random), where Mesos would draw a fresh order per agent.
    pub reuse_sort_orders: bool,
}

impl Default for AllocatorConfig {
    fn default() -> Self {
        AllocatorConfig {
            min_allocatable_cpus: 0.01,
            min_allocatable_mem: 32.0,
            fair_sharing_excluded: BTreeSet::new(),
            weights: BTreeMap::new(),
            reuse_sort_orders: true,
        }
    }
}

impl AllocatorConfig {
    /// Refuses settings that would make every offer allocatable or none of them.
    pub fn validate(&self) -> Result<()> {
        for (name, value) in [
            ("min_allocatable_cpus", self.min_allocatable_cpus),
            ("min_allocatable_mem", self.min_allocatable_mem),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(ModuleError::invalid(format!(
                    "{name} is {value} (must be a finite number, at least 0)"
                )));
            }
        }
        for (role, weight) in &self.weights {
            super::events::check_weight(role, *weight)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_mesos_and_valid() {
        let c = AllocatorConfig::default();
        assert_eq!(c.min_allocatable_cpus, 0.01);
        assert_eq!(c.min_allocatable_mem, 32.0);
        assert!(c.reuse_sort_orders);
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn bad_minimums_and_weights_are_refused() {
        let c = AllocatorConfig {
            min_allocatable_mem: f64::NAN,
            ..Default::default()
        };
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("min_allocatable_mem"));
        let mut c = AllocatorConfig::default();
        c.weights.insert("a".into(), 0.0);
        assert!(c.validate().unwrap_err().to_string().contains("'a'"));
    }
}
