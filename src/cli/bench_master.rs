//! `modkit bench master`: offer → launch → TASK_RUNNING latency and tasks per second through
//! the scheduler API, on a `modkit local` cluster in this process.

use super::table::Table;
use crate::bench::master::{run_master_benchmark, MasterBenchError, MasterBenchOptions};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct MasterBenchArgs {
    /// Single-task latency samples (offer → TASK_RUNNING).
    #[arg(long = "runs", env = "MODKIT_RUNS", default_value_t = 100)]
    pub runs: usize,
    /// Frameworks launching at once in the throughput run.
    #[arg(long = "frameworks", env = "MODKIT_FRAMEWORKS", default_value_t = 10)]
    pub frameworks: usize,
    /// /bin/true tasks in the throughput run, all frameworks together.
    #[arg(long = "tasks", env = "MODKIT_TASKS", default_value_t = 1000)]
    pub tasks: usize,
    /// The cluster's work dir (removed first).
    #[arg(
        long = "work_dir",
        env = "MODKIT_WORK_DIR",
        default_value = "/tmp/modkit-bench-master"
    )]
    pub work_dir: PathBuf,
    /// The agent's isolators (default: what `modkit local` picks: cgroups and a pid namespace
    /// as root).
    #[arg(long = "isolation", env = "MODKIT_ISOLATION")]
    pub isolation: Option<String>,
    /// The agent's resources.
    #[arg(
        long = "resources",
        env = "MODKIT_RESOURCES",
        default_value = "cpus:16;mem:16384"
    )]
    pub resources: String,
}

pub fn master(args: &MasterBenchArgs) -> Result<(), MasterBenchError> {
    let options = MasterBenchOptions {
        runs: args.runs.max(1),
        frameworks: args.frameworks,
        tasks: args.tasks.max(1),
        work_dir: args.work_dir.clone(),
        isolation: args.isolation.clone(),
        cgroups_root: "modkit-bench-master".to_string(),
        resources: args.resources.clone(),
    };
    let report = run_master_benchmark(&options)?;
    let ms = |d: std::time::Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    println!(
        "master + 1 agent in-process ({}; agent {}), /bin/true tasks of cpus:{};mem:{}",
        report.isolation,
        args.resources,
        crate::bench::master::TASK_CPUS,
        crate::bench::master::TASK_MEM
    );
    let mut table = Table::new(&["FIGURE", "MODKIT"]);
    table.push(vec![
        format!(
            "offer -> ACCEPT -> TASK_RUNNING, median ({} runs)",
            options.runs
        ),
        ms(report.latency.median),
    ]);
    table.push(vec![
        "offer -> ACCEPT -> TASK_RUNNING, p99".to_string(),
        ms(report.latency.p99),
    ]);
    table.push(vec![
        "  of which ACCEPT answered -> TASK_RUNNING, median / p99".to_string(),
        format!(
            "{} / {}",
            ms(report.accept_to_running.median),
            ms(report.accept_to_running.p99)
        ),
    ]);
    table.push(vec![
        format!(
            "tasks/s, {} frameworks, {} tasks to TASK_FINISHED",
            report.frameworks, report.tasks
        ),
        format!(
            "{:.0} ({:.2} s)",
            report.tasks_per_second(),
            report.elapsed.as_secs_f64()
        ),
    ]);
    print!("{}", table.render());
    Ok(())
}
