//! `modkit simulate WORKLOAD --policies a,b --out DIR` and `modkit simulate generate`.

use super::modules::{load_modules, SpecArgs};
use super::table::Table;
use crate::simulate::formats::{self, Format, FormatOptions, RoleBy, DEFAULT_MACHINE};
use crate::simulate::generator::{generate, GeneratorOptions};
use crate::simulate::{
    base_flags, parse_policies, plots, report, run_policies, shared_instances, table, Settings,
    SimulateError,
};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SimulateArgs {
    #[command(subcommand)]
    pub command: Option<SimulateCommand>,
    /// The workload: native JSON (.json), SWF (.swf) or Google task events (.csv).
    pub workload: Option<PathBuf>,
    /// Policies to compare: a sorter (both levels), `role_sorter:framework_sorter`, or an
    /// allocator module; built in or loaded with --modules.
    #[arg(long = "policies", env = "MODKIT_POLICIES", default_value = "drf")]
    pub policies: String,
    /// Write report.json, timing.json, CSVs and SVG plots here.
    #[arg(long = "out", env = "MODKIT_OUT")]
    pub out: Option<PathBuf>,
    /// Seed of the run (and of the random sorter unless --sorter_seed is given).
    #[arg(long = "seed", env = "MODKIT_SEED", default_value_t = 1)]
    pub seed: u64,
    /// Threads to run policies side by side on (default: the machine's cores). Policies run one
    /// after the other when a sorter or allocator module does not declare independent instances.
    #[arg(long = "threads", env = "MODKIT_SIMULATE_THREADS")]
    pub threads: Option<usize>,
    /// Seed of the random sorter (default: --seed).
    #[arg(long = "sorter_seed", env = "MODKIT_SORTER_SEED")]
    pub sorter_seed: Option<u64>,
    /// Between allocation cycles: seconds, or a Mesos duration such as `1secs`.
    #[arg(
        long = "allocation_interval",
        env = "MODKIT_ALLOCATION_INTERVAL",
        default_value = "1secs"
    )]
    pub allocation_interval: String,
    /// Filter installed when a framework declines what it does not use.
    #[arg(
        long = "refuse_seconds",
        env = "MODKIT_REFUSE_SECONDS",
        default_value_t = 5.0
    )]
    pub refuse_seconds: f64,
    /// The allocator of sorter policies.
    #[arg(
        long = "allocator",
        env = "MODKIT_ALLOCATOR",
        default_value = "hierarchical"
    )]
    pub allocator: String,
    /// Resource names left out of fair sharing and of dominant shares, e.g. `gpus`.
    #[arg(
        long = "fair_sharing_excluded_resource_names",
        env = "MODKIT_FAIR_SHARING_EXCLUDED_RESOURCE_NAMES",
        default_value = ""
    )]
    pub excluded: String,
    /// Run every allocation cycle, even those that cannot offer anything new.
    #[arg(long = "run_idle_cycles", env = "MODKIT_RUN_IDLE_CYCLES")]
    pub run_idle_cycles: bool,
    /// The workload's format (default: from the file name).
    #[arg(long = "format", env = "MODKIT_FORMAT", value_enum)]
    pub format: Option<Format>,
    /// A malformed line is an error (default: a warning, and the line is skipped).
    #[arg(long = "strict", env = "MODKIT_STRICT")]
    pub strict: bool,
    /// Google: task events read at most; SWF: jobs read at most.
    #[arg(long = "limit", env = "MODKIT_LIMIT")]
    pub limit: Option<usize>,
    /// SWF: the field that names a job's framework and role.
    #[arg(
        long = "swf-role-by",
        alias = "swf_role_by",
        env = "MODKIT_SWF_ROLE_BY",
        value_enum,
        default_value = "user"
    )]
    pub swf_role_by: RoleBy,
    /// SWF: one node's resources (default: MaxProcs/MaxNodes cpus, 1024 MB each).
    #[arg(
        long = "swf-node-resources",
        alias = "swf_node_resources",
        env = "MODKIT_SWF_NODE_RESOURCES"
    )]
    pub swf_node_resources: Option<String>,
    /// SWF: node count (default: the header's MaxNodes, else MaxProcs / cpus per node).
    #[arg(long = "swf-nodes", alias = "swf_nodes", env = "MODKIT_SWF_NODES")]
    pub swf_nodes: Option<usize>,
    /// Google: one machine; normalized requests are fractions of it.
    #[arg(long = "machine-resources", alias = "machine_resources", env = "MODKIT_MACHINE_RESOURCES", default_value = DEFAULT_MACHINE)]
    pub machine_resources: String,
    /// Google: machine count (default: the distinct machine ids in the events).
    #[arg(long = "machines", env = "MODKIT_MACHINES")]
    pub machines: Option<usize>,
    /// SWF and Google frameworks: tasks launched per offer at most (default: all that fit).
    #[arg(long = "max_tasks_per_offer", env = "MODKIT_MAX_TASKS_PER_OFFER")]
    pub max_tasks_per_offer: Option<u32>,
    #[command(flatten)]
    pub spec: SpecArgs,
}

#[derive(Subcommand, Debug)]
pub enum SimulateCommand {
    /// Write a synthetic native workload (Poisson arrivals sized to --load).
    Generate(GenerateArgs),
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Frameworks, each in a role of its own.
    #[arg(long = "frameworks", default_value_t = 4)]
    pub frameworks: usize,
    /// Jobs submitted, all frameworks together.
    #[arg(long = "jobs", default_value_t = 100)]
    pub jobs: usize,
    /// Seed of the generator (the same seed writes the same workload).
    #[arg(long = "seed", default_value_t = 1)]
    pub seed: u64,
    /// Agents in the cluster.
    #[arg(long = "agents", default_value_t = 10)]
    pub agents: usize,
    /// One agent's resources, e.g. `cpus:16;mem:65536`.
    #[arg(
        long = "agent-resources",
        alias = "agent_resources",
        default_value = "cpus:16;mem:65536"
    )]
    pub agent_resources: String,
    /// Mean tasks per job.
    #[arg(long = "mean-tasks", alias = "mean_tasks", default_value_t = 10.0)]
    pub mean_tasks: f64,
    /// Mean task duration, seconds.
    #[arg(
        long = "mean-duration",
        alias = "mean_duration",
        default_value_t = 60.0
    )]
    pub mean_duration: f64,
    /// Offered cpu load (fraction of the cluster).
    #[arg(long = "load", default_value_t = 0.8)]
    pub load: f64,
    /// Written into the workload: each framework launches at most this many tasks per offer
    /// (default: all that fit).
    #[arg(long = "max_tasks_per_offer")]
    pub max_tasks_per_offer: Option<u32>,
    /// Output file (default: stdout).
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
}

/// Warnings printed one by one at most; the rest are counted.
const WARNINGS_SHOWN: usize = 20;

fn interval(text: &str) -> Result<u64, SimulateError> {
    let bad = |reason: String| SimulateError::Flag {
        flag: "--allocation_interval".into(),
        reason,
    };
    let seconds = match text.trim().parse::<f64>() {
        Ok(s) => s,
        Err(_) => modkit_ffi::sdk::parse_duration(text)
            .map_err(|e| bad(e.to_string()))?
            .as_secs_f64(),
    };
    match crate::simulate::workload::micros(seconds) {
        Some(us) if us > 0 => Ok(us),
        _ => Err(bad(format!("'{text}' must be a positive duration"))),
    }
}

pub fn run(args: &SimulateArgs) -> Result<(), SimulateError> {
    if let Some(SimulateCommand::Generate(g)) = &args.command {
        return generate_file(g);
    }
    let Some(path) = &args.workload else {
        return Err(SimulateError::Flag {
            flag: "WORKLOAD".into(),
            reason: "give a workload file (or `generate`); see `modkit simulate --help`".into(),
        });
    };
    if args.refuse_seconds.is_nan() || args.refuse_seconds < 0.0 {
        return Err(SimulateError::Flag {
            flag: "--refuse_seconds".into(),
            reason: format!("{} must be at least 0", args.refuse_seconds),
        });
    }
    let options = FormatOptions {
        format: args.format,
        strict: args.strict,
        limit: args.limit,
        swf_role_by: args.swf_role_by,
        swf_node_resources: args
            .swf_node_resources
            .as_deref()
            .map(|t| formats::parse_resources("--swf-node-resources", t))
            .transpose()?,
        swf_nodes: args.swf_nodes,
        machine_resources: formats::parse_resources(
            "--machine-resources",
            &args.machine_resources,
        )?,
        machines: args.machines,
        max_tasks_per_offer: args.max_tasks_per_offer,
    };
    let loaded = formats::load(path, &options)?;
    for w in loaded.warnings.iter().take(WARNINGS_SHOWN) {
        eprintln!("warning: {w}");
    }
    if loaded.warnings.len() > WARNINGS_SHOWN {
        eprintln!(
            "warning: {}: {} more warnings not shown",
            path.display(),
            loaded.warnings.len() - WARNINGS_SHOWN
        );
    }
    let settings = Settings {
        interval_us: interval(&args.allocation_interval)?,
        refuse_seconds: args.refuse_seconds,
        skip_idle_cycles: !args.run_idle_cycles,
        excluded: crate::flags::list(&args.excluded).collect(),
    };
    let sorter_seed = args.sorter_seed.unwrap_or(args.seed);
    let base = base_flags(sorter_seed, &settings);
    let modules = |flags: BTreeMap<String, String>| load_modules("simulator", &args.spec, flags);
    let (policies, shared) = {
        let manager = modules(base.clone())?;
        let registry = manager.registry();
        (
            parse_policies(&args.policies, registry, &args.allocator)?,
            shared_instances(registry).map(str::to_string),
        )
    };
    let threads = match (args.threads, shared) {
        (Some(0), _) => {
            return Err(SimulateError::Flag {
                flag: "--threads".into(),
                reason: "must be at least 1".into(),
            })
        }
        (Some(n), Some(module)) if n > 1 => {
            eprintln!(
                "note: policies run one after the other: module '{module}' does not declare \
                 MODKIT_FLAG_INDEPENDENT_INSTANCES"
            );
            1
        }
        (_, Some(_)) => 1,
        (Some(n), None) => n,
        (None, None) => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let w = &loaded.workload;
    let bar = progress_bar(w.tasks() * policies.len() as u64);
    let done = Mutex::new(vec![0; policies.len()]);
    let progress = |i: usize, finished: u64| {
        let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
        done[i] = finished;
        bar.set_position(done.iter().sum());
    };
    let runs = run_policies(w, &policies, &settings, &base, &modules, threads, &progress)?;
    bar.finish_and_clear();
    println!(
        "workload {}: {} agents, {} frameworks, {} roles, {} jobs, {} tasks",
        w.source,
        w.agents.len(),
        w.frameworks.len(),
        w.roles().len(),
        w.jobs.len(),
        w.tasks()
    );
    let (header, rows) = table::side_by_side(&runs);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = Table::new(&header);
    rows.into_iter().for_each(|r| t.push(r));
    print!("{}", t.render());
    if let Some(dir) = &args.out {
        let ctx = report::Context {
            workload: w,
            format: loaded.format,
            settings: &settings,
            seed: args.seed,
            sorter_seed,
        };
        let mut files = report::write_report(dir, &ctx, &runs)?;
        files.extend(plots::write_plots(dir, &runs)?);
        println!("report: {} ({})", dir.display(), files.join(", "));
    }
    Ok(())
}

/// A bar on stderr when it is a terminal; hidden otherwise (logs and pipes stay clean).
fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} tasks {elapsed}") {
        bar.set_style(style);
    }
    bar
}

fn generate_file(g: &GenerateArgs) -> Result<(), SimulateError> {
    let options = GeneratorOptions {
        frameworks: g.frameworks,
        jobs: g.jobs,
        seed: g.seed,
        agents: g.agents,
        agent_resources: formats::parse_resources("--agent-resources", &g.agent_resources)?,
        mean_tasks: g.mean_tasks,
        mean_duration: g.mean_duration,
        load: g.load,
        max_tasks: None,
        max_tasks_per_offer: g.max_tasks_per_offer,
    };
    let w = generate(&options)?;
    let text = serde_json::to_string_pretty(&formats::to_json(&w)).unwrap_or_default() + "\n";
    match &g.output {
        Some(path) => report::write_file(path, &text),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}
