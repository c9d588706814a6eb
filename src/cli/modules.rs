//! `modkit modules check|list`.

use super::table::Table;
use crate::modules::spec::{load_specs, plan};
use crate::modules::{ModuleError, ModuleManager, RegistryEntry};
use clap::{Args, Subcommand};
use modkit_ffi::abi::Kind;
use modkit_ffi::host::HostServices;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum ModulesCommand {
    /// Load every module of a spec, check its descriptor, create it once with its parameters,
    /// and print a table. Exits non-zero at the first module that fails.
    Check(CheckArgs),
    /// List the built-in modules by kind (and those of a spec, if given).
    List(SpecArgs),
}

#[derive(Args, Debug, Clone)]
pub struct SpecArgs {
    /// Module spec: inline JSON, a path, or file:///path (Mesos --modules format).
    #[arg(
        long = "modules",
        env = "MODKIT_MODULES",
        conflicts_with = "modules_dir"
    )]
    pub modules: Option<String>,
    /// A folder whose every file is a module spec, loaded in alphabetical order.
    #[arg(long = "modules_dir", env = "MODKIT_MODULES_DIR")]
    pub modules_dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Only load and verify; do not create instances.
    #[arg(long = "no-create", alias = "no_create", env = "MODKIT_NO_CREATE")]
    pub no_create: bool,
}

pub fn run(cmd: ModulesCommand) -> Result<(), ModuleError> {
    match cmd {
        ModulesCommand::Check(args) => check(&args),
        ModulesCommand::List(args) => list(&args),
    }
}

fn host_flags(spec: &SpecArgs, mut flags: BTreeMap<String, String>) -> BTreeMap<String, String> {
    if let Some(m) = &spec.modules {
        flags.insert("modules".to_string(), m.clone());
    }
    if let Some(d) = &spec.modules_dir {
        flags.insert("modules_dir".to_string(), d.display().to_string());
    }
    flags
}

fn manager(
    role: &str,
    spec: &SpecArgs,
    flags: BTreeMap<String, String>,
) -> Result<ModuleManager, ModuleError> {
    let services = HostServices::leak(
        env!("CARGO_PKG_VERSION"),
        role,
        "",
        &host_flags(spec, flags),
    );
    ModuleManager::new(services)
}

/// A module manager for host `role` with the spec's modules loaded; `flags` are the host's flags
/// that modules may read.
pub fn load_modules(
    role: &str,
    spec: &SpecArgs,
    flags: BTreeMap<String, String>,
) -> Result<ModuleManager, ModuleError> {
    let specs = load_specs(spec.modules.as_deref(), spec.modules_dir.as_deref())?;
    let mut manager = manager(role, spec, flags)?;
    manager.load(&specs)?;
    Ok(manager)
}

fn row(entry: &RegistryEntry, result: &str) -> Vec<String> {
    let info = entry.info();
    vec![
        entry.origin().to_string(),
        entry.name().to_string(),
        info.kind.to_string(),
        info.kind_version.to_string(),
        format!("{}.{}", info.abi_major, info.abi_minor),
        info.author.clone(),
        info.description.clone(),
        result.to_string(),
    ]
}

fn check(args: &CheckArgs) -> Result<(), ModuleError> {
    let specs = load_specs(
        args.spec.modules.as_deref(),
        args.spec.modules_dir.as_deref(),
    )?;
    let planned = plan(&specs)?;
    let mut manager = manager("check", &args.spec, BTreeMap::new())?;
    let mut table = Table::new(&[
        "LIBRARY",
        "MODULE",
        "KIND",
        "KIND VERSION",
        "ABI",
        "AUTHOR",
        "DESCRIPTION",
        "RESULT",
    ]);
    let mut failure = None;
    for module in &planned {
        let outcome = manager.load_one(module).map(drop).and_then(|()| {
            let registry = manager.registry();
            let entry = registry.named(&module.name)?;
            if args.no_create {
                return Ok(row(entry, "loaded"));
            }
            drop(entry.instantiate(registry.host(), entry.parameters())?);
            Ok(row(entry, "created"))
        });
        match outcome {
            Ok(r) => table.push(r),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    if !table.is_empty() {
        print!("{}", table.render());
    }
    match failure {
        Some(e) => Err(e),
        None => {
            if planned.is_empty() {
                println!("no modules in the spec");
            }
            Ok(())
        }
    }
}

fn list(args: &SpecArgs) -> Result<(), ModuleError> {
    let manager = load_modules("check", args, BTreeMap::new())?;
    let mut table = Table::new(&["KIND", "MODULE", "ORIGIN", "DESCRIPTION"]);
    for kind in Kind::ALL {
        for entry in manager.registry().of_kind(kind) {
            table.push(vec![
                kind.to_string(),
                entry.name().to_string(),
                entry.origin().to_string(),
                entry.info().description.clone(),
            ]);
        }
    }
    if table.is_empty() {
        println!("no modules");
    } else {
        print!("{}", table.render());
    }
    Ok(())
}
