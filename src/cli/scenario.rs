//! `modkit sorter` and `modkit allocate`: replay a scenario file against a sorter or an allocator
//! module, built in or loaded with `--modules`.

use super::modules::{load_modules, SpecArgs};
use crate::modules::ModuleError;
use crate::scenario::{parse_weights, run_allocate, run_sorter, ScenarioError, SorterOptions};
use clap::Args;
use modkit_ffi::abi::Kind;
use modkit_ffi::sdk::Instance;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What both scenario commands take; all but the scenario become host flags modules may read.
#[derive(Args, Debug)]
pub struct ScenarioArgs {
    /// The scenario: a JSON array of operations (see README, "Scenarios").
    #[arg(long = "scenario", env = "MODKIT_SCENARIO")]
    pub scenario: PathBuf,
    /// Weights, `role=weight,...`.
    #[arg(long = "weights", env = "MODKIT_WEIGHTS", default_value = "")]
    pub weights: String,
    /// Resource names left out of fair sharing, e.g. `gpus`.
    #[arg(
        long = "fair_sharing_excluded_resource_names",
        env = "MODKIT_FAIR_SHARING_EXCLUDED_RESOURCE_NAMES",
        default_value = ""
    )]
    pub excluded: String,
    /// Seed of randomised sorters, for reproducible runs.
    #[arg(long = "sorter_seed", env = "MODKIT_SORTER_SEED", default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub spec: SpecArgs,
}

impl ScenarioArgs {
    fn flags(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("weights".to_string(), self.weights.clone()),
            (
                "fair_sharing_excluded_resource_names".to_string(),
                self.excluded.clone(),
            ),
            ("sorter_seed".to_string(), self.seed.to_string()),
        ])
    }
}

#[derive(Args, Debug)]
pub struct SorterArgs {
    /// The sorter module: a built-in (drf, random, asset) or a module loaded with --modules.
    #[arg(long = "sorter", env = "MODKIT_SORTER", default_value = "drf")]
    pub sorter: String,
    #[command(flatten)]
    pub common: ScenarioArgs,
}

#[derive(Args, Debug)]
pub struct AllocateArgs {
    /// The allocator module.
    #[arg(
        long = "allocator",
        env = "MODKIT_ALLOCATOR",
        default_value = "hierarchical"
    )]
    pub allocator: String,
    /// Sorter of roles (any sorter module).
    #[arg(
        long = "role_sorter",
        env = "MODKIT_ROLE_SORTER",
        default_value = "drf"
    )]
    pub role_sorter: String,
    /// Sorter of each role's frameworks (any sorter module; need not equal --role_sorter).
    #[arg(
        long = "framework_sorter",
        env = "MODKIT_FRAMEWORK_SORTER",
        default_value = "drf"
    )]
    pub framework_sorter: String,
    #[command(flatten)]
    pub common: ScenarioArgs,
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioCliError {
    #[error(transparent)]
    Module(#[from] ModuleError),
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
}

fn names(list: &str) -> std::collections::BTreeSet<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

pub fn sorter(args: &SorterArgs) -> Result<(), ScenarioCliError> {
    let common = &args.common;
    let weights = parse_weights(&common.weights).map_err(ScenarioError::from)?;
    let manager = load_modules("simulator", &common.spec, common.flags())?;
    let Instance::Sorter(mut sorter) = manager.registry().create(Kind::Sorter, &args.sorter)?
    else {
        unreachable!("Registry::create checks the kind")
    };
    let options = SorterOptions {
        weights,
        excluded: names(&common.excluded),
    };
    run_sorter(
        &mut *sorter,
        &common.scenario,
        &options,
        &mut std::io::stdout().lock(),
    )?;
    Ok(())
}

pub fn allocate(args: &AllocateArgs) -> Result<(), ScenarioCliError> {
    let common = &args.common;
    // Checked here for a clear message; the allocator reads the `weights` host flag itself.
    parse_weights(&common.weights).map_err(ScenarioError::from)?;
    let mut flags = common.flags();
    flags.insert("role_sorter".to_string(), args.role_sorter.clone());
    flags.insert(
        "framework_sorter".to_string(),
        args.framework_sorter.clone(),
    );
    let manager = load_modules("simulator", &common.spec, flags)?;
    let Instance::Allocator(mut allocator) = manager
        .registry()
        .create(Kind::Allocator, &args.allocator)?
    else {
        unreachable!("Registry::create checks the kind")
    };
    run_allocate(
        &mut *allocator,
        &common.scenario,
        &mut std::io::stdout().lock(),
    )?;
    Ok(())
}
