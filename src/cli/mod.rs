//! The `modkit` command line. Every flag is spelled as Mesos spells it and is also read from
//! `MODKIT_<FLAG>`.

mod modules;
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
        Command::Modules(cmd) => modules::run(cmd),
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
