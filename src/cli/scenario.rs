//! `modkit sorter` and `modkit allocate`: replay a scenario file against a sorter or an allocator
//! module, built in or loaded with `--modules`.

use super::modules::{load_modules, SpecArgs};
use crate::flags::{AllocatorArgs, SharingArgs};
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
    #[command(flatten)]
    pub sharing: SharingArgs,
    /// Seed of randomised sorters, for reproducible runs.
    #[arg(long = "sorter_seed", env = "MODKIT_SORTER_SEED", default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub spec: SpecArgs,
}

impl ScenarioArgs {
    fn flags(&self) -> BTreeMap<String, String> {
        let mut flags = self.sharing.host_flags();
        flags.insert("sorter_seed".to_string(), self.seed.to_string());
        flags
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
    #[command(flatten)]
    pub allocator: AllocatorArgs,
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

pub fn sorter(args: &SorterArgs) -> Result<(), ScenarioCliError> {
    let common = &args.common;
    let weights = parse_weights(&common.sharing.weights).map_err(ScenarioError::from)?;
    let manager = load_modules("simulator", &common.spec, common.flags())?;
    let Instance::Sorter(mut sorter) = manager.registry().create(Kind::Sorter, &args.sorter)?
    else {
        unreachable!("Registry::create checks the kind")
    };
    let options = SorterOptions {
        weights,
        excluded: common.sharing.excluded(),
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
    parse_weights(&common.sharing.weights).map_err(ScenarioError::from)?;
    let mut flags = common.flags();
    flags.extend(args.allocator.sorter_flags());
    let manager = load_modules("simulator", &common.spec, flags)?;
    let Instance::Allocator(mut allocator) = manager
        .registry()
        .create(Kind::Allocator, &args.allocator.name)?
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
