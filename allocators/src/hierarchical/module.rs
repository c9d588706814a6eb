//! The hierarchical allocator as a module: its sorters come from the host by name
//! (`--role_sorter`, `--framework_sorter`), so any sorter module, built in or loaded, can sit at
//! either level.

use super::{AllocatorConfig, HierarchicalAllocator};
use modkit_ffi::sdk::{parse_weights, Create, Host, ModuleError, Parameters, Result};
use std::collections::BTreeMap;

/// Settings read from the module's parameters, else from the host flag of the same name.
const SETTINGS: [&str; 7] = [
    "role_sorter",
    "framework_sorter",
    "weights",
    "fair_sharing_excluded_resource_names",
    "min_allocatable_cpus",
    "min_allocatable_mem",
    "reuse_sort_orders",
];

fn setting(host: &Host, params: &Parameters, name: &str) -> Option<String> {
    params
        .get(name)
        .map(str::to_string)
        .or_else(|| host.flag(name))
        .filter(|v| !v.trim().is_empty())
}

fn number(host: &Host, params: &Parameters, name: &str, default: f64) -> Result<f64> {
    match setting(host, params, name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| {
                ModuleError::invalid(format!("{name} '{v}' is not a non-negative number"))
            }),
    }
}

impl Create for HierarchicalAllocator {
    fn create(host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&SETTINGS)?;
        let role_sorter = setting(host, params, "role_sorter").unwrap_or_else(|| "drf".into());
        let framework_sorter =
            setting(host, params, "framework_sorter").unwrap_or_else(|| "drf".into());
        // A sorter that redraws its order on every call (random) must be asked for every agent.
        let redraws = |name: &str| name == "random";
        let reuse = match setting(host, params, "reuse_sort_orders") {
            Some(v) => v.trim().parse::<bool>().map_err(|_| {
                ModuleError::invalid(format!("reuse_sort_orders '{v}' is not true or false"))
            })?,
            None => !redraws(&role_sorter) && !redraws(&framework_sorter),
        };
        let config = AllocatorConfig {
            min_allocatable_cpus: number(host, params, "min_allocatable_cpus", 0.01)?,
            min_allocatable_mem: number(host, params, "min_allocatable_mem", 32.0)?,
            fair_sharing_excluded: setting(host, params, "fair_sharing_excluded_resource_names")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            weights: match setting(host, params, "weights") {
                Some(w) => parse_weights(&w)
                    .map_err(|e| ModuleError::invalid(e.to_string()))?
                    .into_iter()
                    .collect(),
                None => BTreeMap::new(),
            },
            reuse_sort_orders: reuse,
        };
        let no_params = Parameters::default();
        let roles = host
            .create_sorter(&role_sorter, &no_params)
            .map_err(|e| ModuleError::invalid(format!("role sorter '{role_sorter}': {e}")))?;
        // Fail now, not at the first role, when the framework sorter cannot be made.
        drop(
            host.create_sorter(&framework_sorter, &no_params)
                .map_err(|e| {
                    ModuleError::invalid(format!("framework sorter '{framework_sorter}': {e}"))
                })?,
        );
        let host = *host;
        let make = Box::new(move || host.create_sorter(&framework_sorter, &Parameters::default()));
        HierarchicalAllocator::new(config, roles, make)
    }
}

modkit_ffi::export_module!(org_modkit_HierarchicalAllocator: Allocator = HierarchicalAllocator {
    author: "modkit",
    email: "",
    description: "Mesos's hierarchical allocator: role sorter, then framework sorters; quota, reservations, filters",
});
