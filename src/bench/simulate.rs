//! `modkit bench simulate`: the simulator's speed on a synthetic workload (1,000 agents, 100
//! frameworks, 100,000 tasks) and on a 20,000-job SWF trace generated here, each under three
//! policies. Figures only, with their ratio to the targets; nothing is asserted.

use crate::simulate::formats::{self, FormatOptions};
use crate::simulate::generator::{generate, GeneratorOptions, Rng};
use crate::simulate::{
    base_flags, builtin_modules, parse_policies, run_policies, Settings, Workload,
};
use clap::Args;
use modkit_ffi::resources::Resources;
use std::fmt::Write;
use std::time::Instant;

/// Task events (launches and ends) per second of wall time, per policy.
pub const TARGET_EVENTS_PER_SECOND: f64 = 1_000_000.0;
/// The SWF trace under all three policies, parsing included.
pub const TARGET_SWF_SECONDS: f64 = 3.0;

#[derive(Args, Debug)]
pub struct SimulateBenchArgs {
    /// Policies to run each workload under.
    #[arg(long = "policies", default_value = "drf,asset,random")]
    pub policies: String,
    /// Agents of the synthetic workload.
    #[arg(long = "agents", default_value_t = 1_000)]
    pub agents: usize,
    /// Frameworks of the synthetic workload, each in a role of its own.
    #[arg(long = "frameworks", default_value_t = 100)]
    pub frameworks: usize,
    /// Tasks of the synthetic workload.
    #[arg(long = "tasks", default_value_t = 100_000)]
    pub tasks: u64,
    /// Jobs of the SWF trace.
    #[arg(long = "swf_jobs", default_value_t = 20_000)]
    pub swf_jobs: usize,
    /// Seed of both generated workloads.
    #[arg(long = "seed", default_value_t = 1)]
    pub seed: u64,
}

/// A 20,000-job-style SWF trace: 128 nodes of 8 processors, 64 users, jobs of 1-64
/// processors (powers of two), exponential run times and arrivals at about 70% load.
pub fn swf_trace(jobs: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let (nodes, ppn) = (128, 8);
    let mut text = format!(
        "; Version: 2.2\n; Computer: modkit bench\n; MaxNodes: {nodes}\n; MaxProcs: {}\n",
        nodes * ppn
    );
    let mean_runtime = 600.0;
    // Mean processors: (1+2+...+64)/7 ≈ 18.1.
    let mean_procs = 127.0 / 7.0;
    let gap = mean_procs * mean_runtime / (0.7 * (nodes * ppn) as f64);
    let mut submit = 0.0;
    for j in 1..=jobs {
        submit += rng.exponential(gap);
        let procs = 1u64 << rng.below(7);
        let run = rng.exponential(mean_runtime).max(1.0).round();
        let user = 1 + rng.below(64);
        let _ = writeln!(
            text,
            "{j} {} 0 {run} {procs} -1 -1 {procs} {} -1 1 {user} {} -1 1 -1 -1 -1",
            submit.round(),
            run * 2.0,
            user % 8
        );
    }
    text
}

struct Row {
    benchmark: String,
    policy: String,
    wall: f64,
    events: u64,
    offers: u64,
    /// Wall seconds inside `allocate`.
    in_allocate: f64,
}

/// Runs `w` under every policy on `threads` threads, adds a row per policy, and returns the
/// total wall time.
fn run_all(
    name: &str,
    w: &Workload,
    list: &str,
    threads: usize,
    rows: &mut Vec<Row>,
) -> Result<f64, String> {
    let settings = Settings::default();
    let base = base_flags(1, &settings);
    let policies = {
        let m = builtin_modules(base.clone()).map_err(|e| e.to_string())?;
        parse_policies(list, m.registry(), "hierarchical").map_err(|e| e.to_string())?
    };
    let started = Instant::now();
    let runs = run_policies(
        w,
        &policies,
        &settings,
        &base,
        &builtin_modules,
        threads,
        &|_, _| {},
    )
    .map_err(|e| e.to_string())?;
    let total = started.elapsed().as_secs_f64();
    for r in runs {
        rows.push(Row {
            benchmark: name.to_string(),
            policy: r.policy.name.clone(),
            wall: r.run.wall.as_secs_f64(),
            events: r.run.task_events,
            offers: r.run.offers,
            in_allocate: r.run.decisions.iter().sum(),
        });
    }
    Ok(total)
}

/// Runs both benchmarks and prints their figures.
pub fn run(args: &SimulateBenchArgs) -> Result<(), String> {
    let synthetic = generate(&GeneratorOptions {
        frameworks: args.frameworks,
        jobs: usize::MAX / 2,
        seed: args.seed,
        agents: args.agents,
        agent_resources: Resources::parse("cpus:16;mem:65536").map_err(|e| e.to_string())?,
        mean_tasks: 20.0,
        mean_duration: 60.0,
        load: 0.9,
        max_tasks: Some(args.tasks),
        max_tasks_per_offer: None,
    })
    .map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    let label = format!(
        "synthetic: {} agents, {} frameworks, {} tasks",
        synthetic.agents.len(),
        synthetic.frameworks.len(),
        synthetic.tasks()
    );
    run_all(&label, &synthetic, &args.policies, 1, &mut rows)?;
    let trace = swf_trace(args.swf_jobs, args.seed);
    let dir = std::env::temp_dir().join(format!("modkit-bench-simulate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("bench.swf");
    std::fs::write(&path, &trace).map_err(|e| format!("{}: {e}", path.display()))?;
    let started = Instant::now();
    let loaded = formats::load(&path, &FormatOptions::default()).map_err(|e| e.to_string());
    let _ = std::fs::remove_dir_all(&dir);
    let loaded = loaded?;
    let parse = started.elapsed().as_secs_f64();
    let w = &loaded.workload;
    let label = format!(
        "SWF: {} jobs, {} tasks, {} nodes",
        w.jobs.len(),
        w.tasks(),
        w.agents.len()
    );
    let swf_total = parse + run_all(&label, w, &args.policies, 1, &mut rows)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let swf_side_by_side = parse + run_all(&label, w, &args.policies, threads, &mut Vec::new())?;
    println!(
        "Simulator benchmarks (machine: {} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<52} {:<8} {:>9} {:>12} {:>10} {:>12} {:>8} {:>10}",
        "BENCHMARK", "POLICY", "WALL", "TASK EVENTS", "OFFERS", "EVENTS/S", "TARGET", "ALLOCATE"
    );
    for r in &rows {
        let rate = r.events as f64 / r.wall.max(1e-9);
        println!(
            "{:<52} {:<8} {:>7.3} s {:>12} {:>10} {:>12.0} {:>7.2}x {:>9.0}%",
            r.benchmark,
            r.policy,
            r.wall,
            r.events,
            r.offers,
            rate,
            rate / TARGET_EVENTS_PER_SECOND,
            100.0 * r.in_allocate / r.wall.max(1e-9)
        );
    }
    println!("(ALLOCATE: the share of the wall time spent inside allocate)");
    let verdict = |t: f64| {
        if t <= TARGET_SWF_SECONDS {
            "met"
        } else {
            "missed"
        }
    };
    println!(
        "SWF trace under all policies, parsing included (target <= {TARGET_SWF_SECONDS} s): \
         {swf_total:.3} s one after the other ({}), {swf_side_by_side:.3} s side by side on \
         {threads} threads as `modkit simulate` runs them ({})",
        verdict(swf_total),
        verdict(swf_side_by_side)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_trace_parses_without_warnings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.swf");
        std::fs::write(&path, swf_trace(50, 3)).unwrap();
        let loaded = formats::load(&path, &FormatOptions::default()).unwrap();
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        assert_eq!(
            (loaded.workload.jobs.len(), loaded.workload.agents.len()),
            (50, 128)
        );
    }
}
