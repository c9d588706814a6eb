//! `modkit bench sorter|allocator`: Mesos's benchmark setups with figures and ratios.

use super::table::Table;
use crate::bench::{
    run_allocator_benchmarks, run_sorter_benchmarks, AllocatorBenchOptions, AllocatorBenchmark,
    Figure, SorterBenchOptions, HEADER,
};
use crate::flags::AllocatorArgs;
use crate::modules::spec::read_modules_flag;
use crate::modules::{ModuleError, ModuleManager};
use clap::{Args, Subcommand};
use modkit_ffi::abi::Kind;
use modkit_ffi::host::HostServices;
use modkit_ffi::sdk::{self, Instance};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// FullSort: 50,000 agents, 1,000 clients; the built-in sorter and the same sorter loaded
    /// from its cdylib through the C ABI, with their ratio.
    Sorter(SorterBenchArgs),
    /// DeclineOffers (10,000 agents, 1,000 frameworks) and LargeAndSmallQuota (3,000 agents,
    /// 3,000 quota roles) on the allocator.
    Allocator(AllocatorBenchArgs),
    /// The simulator: a 1,000-agent, 100-framework, 100,000-task synthetic workload and a
    /// 20,000-job SWF trace, each under three policies (task events per second, total time).
    Simulate(crate::bench::simulate::SimulateBenchArgs),
    /// Launch → exit of /bin/true under cgroups/cpu,mem,pids and a pid namespace, median and
    /// p99, side by side with `runc run`; and launches per second with two clients. Root only.
    Launch(Box<super::bench_launch::LaunchBenchArgs>),
    /// The scheduler API on a `modkit local` cluster in-process: offer -> TASK_RUNNING latency
    /// of one task (median, p99) and /bin/true tasks per second with 10 frameworks.
    Master(super::bench_master::MasterBenchArgs),
    /// disk/du's in-process walk of a 100,000-file sandbox against `du -s` on the same tree
    /// (target: at least 2x faster).
    Disk(crate::bench::DiskBenchArgs),
    /// network/ports: one scan of 100 containers x 10 listening sockets (target <= 5 ms).
    Ports(crate::bench::PortsBenchArgs),
}

#[derive(Args, Debug)]
pub struct SorterBenchArgs {
    /// Built-in sorter to measure.
    #[arg(long = "sorter", env = "MODKIT_SORTER", default_value = "drf")]
    pub sorter: String,
    /// Symbol of the same sorter in `--abi_library`.
    #[arg(
        long = "abi_module",
        env = "MODKIT_ABI_MODULE",
        default_value = "org_modkit_DrfSorter"
    )]
    pub abi_module: String,
    /// The cdylib exporting it (default: libmodkit_allocators.so beside this executable).
    #[arg(long = "abi_library", env = "MODKIT_ABI_LIBRARY")]
    pub abi_library: Option<PathBuf>,
    /// Agents added to the sorter (Mesos: 50,000).
    #[arg(long = "agents", env = "MODKIT_AGENTS", default_value_t = 50_000)]
    pub agents: usize,
    /// Clients (frameworks) sorted (Mesos: 1,000).
    #[arg(long = "clients", env = "MODKIT_CLIENTS", default_value_t = 1_000)]
    pub clients: usize,
}

/// The allocator flags are the master's; this benchmark creates only built-ins.
#[derive(Args, Debug)]
#[command(mut_arg("allocator", |a| a.help("The allocator module to measure")))]
pub struct AllocatorBenchArgs {
    #[command(flatten)]
    pub allocator: AllocatorArgs,
    /// Divide agent, framework and role counts by this (1 = Mesos's sizes).
    #[arg(long = "divisor", env = "MODKIT_DIVISOR", default_value_t = 1)]
    pub divisor: usize,
    /// DeclineOffers rounds.
    #[arg(long = "rounds", env = "MODKIT_ROUNDS", default_value_t = 2_000)]
    pub rounds: usize,
    /// Run only this benchmark (both when not given), e.g. to profile one.
    #[arg(long = "only", env = "MODKIT_ONLY", value_enum)]
    pub only: Option<AllocatorBenchmark>,
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Module(#[from] ModuleError),
    #[error("benchmark failed: {0}")]
    Run(#[from] sdk::ModuleError),
    #[error("cannot find {0}: build the workspace in release (cargo build --release --workspace) or pass --abi_library")]
    NoLibrary(String),
    #[error("{0}")]
    Launch(String),
    #[error("bench master: {0}")]
    Master(String),
    #[error("simulator benchmark: {0}")]
    Simulate(String),
    #[error("{0}")]
    Isolator(String),
}

pub fn run(cmd: BenchCommand) -> Result<(), BenchError> {
    match cmd {
        BenchCommand::Sorter(args) => sorter(&args),
        BenchCommand::Allocator(args) => allocator(&args),
        BenchCommand::Simulate(args) => {
            crate::bench::simulate::run(&args).map_err(BenchError::Simulate)
        }
        BenchCommand::Master(args) => {
            super::bench_master::master(&args).map_err(|e| BenchError::Master(e.to_string()))
        }
        BenchCommand::Launch(args) => {
            super::bench_launch::launch(&args).map_err(|e| BenchError::Launch(e.to_string()))
        }
        BenchCommand::Disk(args) => disk(&args),
        BenchCommand::Ports(args) => ports(&args),
    }
}

fn disk(args: &crate::bench::DiskBenchArgs) -> Result<(), BenchError> {
    use crate::bench::disk::TARGET_RATIO;
    let report =
        crate::bench::run_disk_benchmark(args).map_err(|e| BenchError::Isolator(e.to_string()))?;
    print(
        &format!(
            "disk/du benchmark (tree built in {:.1} s; median of {} runs; machine: {} cores)",
            report.build.as_secs_f64(),
            args.runs.max(1),
            cores()
        ),
        &[report.figure()],
    );
    let ratio = report.ratio();
    println!(
        "sizes: walk {} KiB, du -s -k {} KiB; walk on one thread {:.2} ms; du -s / walk = {ratio:.2} (target >= {TARGET_RATIO}: {})",
        report.walk_kib,
        report.du_kib,
        report.walk_one_thread.as_secs_f64() * 1e3,
        if ratio >= TARGET_RATIO { "met" } else { "missed" }
    );
    Ok(())
}

fn ports(args: &crate::bench::PortsBenchArgs) -> Result<(), BenchError> {
    let report =
        crate::bench::run_ports_benchmark(args).map_err(|e| BenchError::Isolator(e.to_string()))?;
    print(
        &format!(
            "network/ports benchmark (median of {} scans, fastest {:.2} ms, slowest {:.2} ms, CPU {:.2} ms per scan; machine: {} cores)",
            args.scans.max(1),
            report.fastest.as_secs_f64() * 1e3,
            report.slowest.as_secs_f64() * 1e3,
            report.cpu.as_secs_f64() * 1e3,
            cores()
        ),
        &std::iter::once(report.figure())
            .chain(report.walk_figure())
            .collect::<Vec<_>>(),
    );
    Ok(())
}

fn print(title: &str, figures: &[Figure]) {
    println!("{title}");
    let mut table = Table::new(&HEADER);
    figures.iter().for_each(|f| table.push(f.row()));
    print!("{}", table.render());
}

fn sorter(args: &SorterBenchArgs) -> Result<(), BenchError> {
    let library = match &args.abi_library {
        Some(p) => p.clone(),
        None => std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(|d| d.join("libmodkit_allocators.so")))
            .filter(|p| p.exists())
            .ok_or_else(|| BenchError::NoLibrary("libmodkit_allocators.so".into()))?,
    };
    let spec = serde_json::json!({"libraries": [{"file": library, "modules": [{"name": args.abi_module}]}]});
    let services = HostServices::leak(env!("CARGO_PKG_VERSION"), "simulator", "", &BTreeMap::new());
    let mut manager = ModuleManager::new(services)?;
    manager.load(&[read_modules_flag(&spec.to_string()).map_err(ModuleError::from)?])?;
    let options = SorterBenchOptions {
        agents: args.agents,
        clients: args.clients,
    };
    let mut figures = Vec::new();
    for (name, label) in [
        (args.sorter.as_str(), "built-in"),
        (args.abi_module.as_str(), "C ABI"),
    ] {
        let Instance::Sorter(mut s) = manager.registry().create(Kind::Sorter, name)? else {
            unreachable!("Registry::create checks the kind")
        };
        figures.extend(run_sorter_benchmarks(&mut *s, label, &options)?);
    }
    print(
        &format!(
            "Sorter benchmarks ({}; machine: {} cores)",
            args.sorter,
            cores()
        ),
        &figures,
    );
    let half = figures.len() / 2;
    let (native, abi) = figures.split_at(half);
    println!("C ABI / built-in (target <= 1.10):");
    for (n, a) in native.iter().zip(abi) {
        let step = n.name.split_once(": ").map_or(n.name.as_str(), |(_, s)| s);
        let ratio = a.measured.as_secs_f64() / n.measured.as_secs_f64().max(1e-9);
        println!("  {step:<40} {ratio:.3}");
    }
    let total = |fs: &[Figure]| fs.iter().map(|f| f.measured.as_secs_f64()).sum::<f64>();
    println!(
        "  {:<40} {:.3}",
        "whole FullSort",
        total(abi) / total(native).max(1e-9)
    );
    Ok(())
}

fn allocator(args: &AllocatorBenchArgs) -> Result<(), BenchError> {
    let allocator = &args.allocator;
    let flags = allocator.sorter_flags();
    let services = HostServices::leak(env!("CARGO_PKG_VERSION"), "simulator", "", &flags);
    let manager = ModuleManager::new(services)?;
    let mut make = || -> Result<Box<dyn sdk::Allocator>, sdk::ModuleError> {
        match manager.registry().create(Kind::Allocator, &allocator.name) {
            Ok(Instance::Allocator(a)) => Ok(a),
            Ok(other) => Err(sdk::ModuleError::failed(format!(
                "{} is a {}",
                allocator.name,
                other.kind()
            ))),
            Err(e) => Err(sdk::ModuleError::failed(e.to_string())),
        }
    };
    let options = AllocatorBenchOptions {
        divisor: args.divisor.max(1),
        rounds: args.rounds,
        only: args.only,
    };
    let figures = run_allocator_benchmarks(&mut make, &options)?;
    print(
        &format!(
            "Allocator benchmarks ({}, {}/{}; machine: {} cores)",
            allocator.name,
            allocator.role_sorter,
            allocator.framework_sorter,
            cores()
        ),
        &figures,
    );
    Ok(())
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
