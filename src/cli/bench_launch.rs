//! `modkit bench launch`: launch → exit latency against runc, and launches per second.

use super::table::Table;
use crate::agent::{runtime, IsolationArgs};
use crate::bench::{run_launch_benchmark, Latency, LaunchBenchOptions};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The targets: a median of at most 5 ms, and at least 5× faster than runc.
const TARGET_MEDIAN: Duration = Duration::from_millis(5);
const TARGET_RATIO: f64 = 5.0;

#[derive(Args, Debug)]
pub struct LaunchBenchArgs {
    /// Launches measured (each tool).
    #[arg(long = "runs", env = "MODKIT_RUNS", default_value_t = 200)]
    pub runs: usize,
    /// Sandboxes, checkpoints and runc's bundle go here.
    #[arg(
        long = "work_dir",
        env = "MODKIT_WORK_DIR",
        default_value = "/tmp/modkit-bench-launch"
    )]
    pub work_dir: PathBuf,
    /// The runc to compare with (default: `runc` on the PATH).
    #[arg(long = "runc", env = "MODKIT_RUNC")]
    pub runc: Option<PathBuf>,
    /// A static busybox for runc's rootfs (default: /bin/busybox).
    #[arg(
        long = "busybox",
        env = "MODKIT_BUSYBOX",
        default_value = "/bin/busybox"
    )]
    pub busybox: PathBuf,
    #[command(flatten)]
    pub isolation: IsolationArgs,
}

#[derive(Debug, thiserror::Error)]
pub enum LaunchBenchCliError {
    #[error(transparent)]
    Agent(#[from] crate::agent::AgentError),
    #[error(transparent)]
    Launch(#[from] crate::bench::LaunchBenchError),
    #[error("modkit bench launch needs root (cgroups and namespaces)")]
    NotRoot,
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(name))
        .find(|p| p.is_file())
}

pub fn launch(args: &LaunchBenchArgs) -> Result<(), LaunchBenchCliError> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err(LaunchBenchCliError::NotRoot);
    }
    let mut isolation = args.isolation.clone();
    if isolation.isolation == "posix/cpu,posix/mem" {
        isolation.isolation = "cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid".into();
    }
    isolation
        .cgroups_root
        .get_or_insert_with(|| "modkit-bench".to_string());
    let runtime = runtime("agent", &isolation, &args.work_dir)?;
    let options = LaunchBenchOptions {
        runs: args.runs,
        work_dir: args.work_dir.clone(),
        runc: args.runc.clone().or_else(|| on_path("runc")),
        busybox: args.busybox.is_file().then(|| args.busybox.clone()),
    };
    let report = run_launch_benchmark(runtime.containerizer.clone(), &options)?;
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    let row = |name: &str, l: &Latency| vec![name.to_string(), ms(l.median), ms(l.p99)];
    println!(
        "launch -> exit of /bin/true, {} runs, isolation {}",
        args.runs, isolation.isolation
    );
    let mut table = Table::new(&["TOOL", "MEDIAN", "P99"]);
    table.push(row("modkit", &report.modkit));
    match &report.runc {
        Ok(runc) => table.push(row("runc run", runc)),
        Err(why) => table.push(vec![
            "runc run".into(),
            format!("skipped: {why}"),
            "-".into(),
        ]),
    }
    print!("{}", table.render());
    let verdict = |met: bool| if met { "met" } else { "missed" };
    println!(
        "median {} (target <= {}: {})",
        ms(report.modkit.median),
        ms(TARGET_MEDIAN),
        verdict(report.modkit.median <= TARGET_MEDIAN)
    );
    if let Ok(runc) = &report.runc {
        let ratio = runc.median.as_secs_f64() / report.modkit.median.as_secs_f64().max(1e-9);
        println!(
            "runc / modkit median: {ratio:.1}x (target >= {TARGET_RATIO}x: {})",
            verdict(ratio >= TARGET_RATIO)
        );
    }
    println!(
        "2 concurrent clients: {:.0} launches/s",
        report.concurrent_rate
    );
    Ok(())
}
