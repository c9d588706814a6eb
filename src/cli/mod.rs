//! The `modkit` command line. Every flag is spelled as Mesos spells it and is also read from
//! `MODKIT_<FLAG>`.

mod bench;
mod bench_launch;
mod bench_master;
mod execute;
mod modules;

pub use modules::{load_modules, SpecArgs};
mod scenario;
mod simulate;
mod table;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "modkit",
    version,
    about = "Mesos-style pluggable modules: a stable C ABI and the hosts that load them"
)]
pub struct Cli {
    /// Log filter for the host's log on stderr (error, warn, info, debug, trace, or a tracing
    /// filter such as `modkit=debug`).
    #[arg(
        long = "log_level",
        env = "MODKIT_LOG_LEVEL",
        default_value = "warn",
        global = true
    )]
    pub log_level: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Inspect, verify and list modules.
    #[command(subcommand)]
    Modules(modules::ModulesCommand),
    /// Replay a sorter scenario (JSON operations) against a sorter module; prints a line per
    /// `sort` and `shares`.
    Sorter(scenario::SorterArgs),
    /// Replay an allocator scenario against an allocator module (with any role and framework
    /// sorters); prints the offers of each `allocate`.
    Allocate(scenario::AllocateArgs),
    /// Replay a workload (native JSON, SWF, Google task events) under several allocation
    /// policies and report utilization and fairness side by side; `generate` writes one.
    Simulate(simulate::SimulateArgs),
    /// Run an agent: containers under the isolators of --isolation, the v1 operator API on
    /// --ip:--port, checkpoints in --work_dir.
    Agent(crate::agent::AgentFlags),
    /// Run a master: the v1 scheduler API on --ip:--port, offers from the --allocator
    /// module, agents that register with `modkit agent --master`.
    Master(crate::master::MasterFlags),
    /// A master and one agent in this process (like mesos-local): prints the master's URL and
    /// a ready-to-paste `modkit execute --master` line; serves until SIGINT or SIGTERM.
    Local(crate::local::LocalArgs),
    /// Run one task (in-process, or on --agent) and print its state transitions, like
    /// mesos-execute; exits with the task's status.
    Execute(execute::ExecuteArgs),
    /// Run the Mesos benchmark setups and print figures with their ratio to Mesos.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

/// Runs the command line; returns the process exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    init_logging(&cli.log_level);
    let result = match cli.command {
        Command::Modules(cmd) => modules::run(cmd).map_err(|e| e.to_string()),
        Command::Sorter(args) => scenario::sorter(&args).map_err(|e| e.to_string()),
        Command::Allocate(args) => scenario::allocate(&args).map_err(|e| e.to_string()),
        Command::Simulate(args) => simulate::run(&args).map_err(|e| e.to_string()),
        Command::Bench(cmd) => bench::run(cmd).map_err(|e| e.to_string()),
        Command::Agent(flags) => crate::agent::run(flags).map_err(|e| e.to_string()),
        Command::Master(flags) => crate::master::run(flags).map_err(|e| e.to_string()),
        Command::Local(args) => crate::local::run(args).map_err(|e| e.to_string()),
        Command::Execute(args) => match execute::run(&args) {
            Ok(code) => return code,
            Err(e) => Err(e.to_string()),
        },
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|e| {
        eprintln!("warning: bad --log_level '{filter}' ({e}); using 'warn'");
        tracing_subscriber::EnvFilter::new("warn")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
