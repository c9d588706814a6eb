//! `modkit bench master`: the scheduler API end to end on a `modkit local` cluster in this
//! process. (1) offer → ACCEPT → TASK_RUNNING latency of one task at a time; (2) tasks per
//! second with N frameworks launching /bin/true on one agent as fast as offers come.

use super::Latency;
use crate::local::{LocalArgs, LocalError};
use crate::scheduler::{Connection, Event, Scheduler, SchedulerError};
use modkit_ffi::types::TaskState;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

pub const TASK_CPUS: f64 = 0.1;
pub const TASK_MEM: f64 = 32.0;

#[derive(Debug, Clone)]
pub struct MasterBenchOptions {
    /// Single-task latency samples.
    pub runs: usize,
    /// Frameworks launching at once in the throughput run.
    pub frameworks: usize,
    /// Tasks in the throughput run (all frameworks together).
    pub tasks: usize,
    pub work_dir: PathBuf,
    /// The agent's isolators (None: what `modkit local` picks).
    pub isolation: Option<String>,
    pub cgroups_root: String,
    /// The agent's resources.
    pub resources: String,
}

#[derive(Debug)]
pub struct MasterReport {
    /// Offer received → TASK_RUNNING received.
    pub latency: Latency,
    /// ACCEPT answered (202) → TASK_RUNNING received.
    pub accept_to_running: Latency,
    pub isolation: String,
    pub tasks: usize,
    pub frameworks: usize,
    pub elapsed: Duration,
}

impl MasterReport {
    pub fn tasks_per_second(&self) -> f64 {
        self.tasks as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MasterBenchError {
    #[error(transparent)]
    Local(#[from] LocalError),
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
    #[error("task {task} ended {state}: {message}")]
    TaskFailed {
        task: String,
        state: &'static str,
        message: String,
    },
    #[error("{0}")]
    Stalled(String),
}

fn task_info(id: &str, agent_id: &str, role: Option<&str>) -> Value {
    let mut resources = json!([
        {"name": "cpus", "type": "SCALAR", "scalar": {"value": TASK_CPUS}},
        {"name": "mem", "type": "SCALAR", "scalar": {"value": TASK_MEM}},
    ]);
    if let Some(role) = role {
        for r in resources.as_array_mut().into_iter().flatten() {
            r["allocation_info"] = json!({ "role": role });
        }
    }
    json!({"name": id, "task_id": {"value": id}, "agent_id": {"value": agent_id},
           "command": {"value": "/bin/true", "shell": false}, "resources": resources})
}

fn subscribe(
    master: &str,
    name: &str,
) -> Result<(Scheduler, crate::scheduler::Events), MasterBenchError> {
    let info = json!({"user": "root", "name": name});
    Ok(Scheduler::subscribe(
        Connection::new(master),
        info,
        Duration::from_secs(30),
    )?)
}

/// How many tasks of TASK_CPUS/TASK_MEM fit in `offer`.
fn fits(offer: &crate::scheduler::Offer) -> usize {
    let cpus = offer
        .resources
        .scalar("cpus")
        .map(|s| s.as_f64())
        .unwrap_or(0.0);
    let mem = offer
        .resources
        .scalar("mem")
        .map(|s| s.as_f64())
        .unwrap_or(0.0);
    ((cpus / TASK_CPUS + 1e-6)
        .floor()
        .min((mem / TASK_MEM + 1e-6).floor()))
    .max(0.0) as usize
}

fn failed(status: &modkit_ffi::types::TaskStatus) -> MasterBenchError {
    MasterBenchError::TaskFailed {
        task: status.task_id.to_string(),
        state: status.state.as_str(),
        message: status.message.clone().unwrap_or_default(),
    }
}

/// One task at a time: time from the offer's arrival to its TASK_RUNNING update.
/// Also returns the part from ACCEPT's answer to TASK_RUNNING.
fn latency(master: &str, runs: usize) -> Result<(Vec<Duration>, Vec<Duration>), MasterBenchError> {
    let (scheduler, events) = subscribe(master, "bench-latency")?;
    let mut samples = Vec::with_capacity(runs);
    let mut after_accept = Vec::with_capacity(runs);
    let mut offered: Option<Instant> = None;
    let mut accepted: Option<Instant> = None;
    let mut running = false;
    let mut current: Option<String> = None;
    while samples.len() < runs {
        let (event, _) = events.recv_timeout(Duration::from_secs(30)).map_err(|_| {
            MasterBenchError::Stalled(format!(
                "latency: no event for 30 s after {} runs",
                samples.len()
            ))
        })?;
        match event {
            Event::Offers(offers) => {
                for offer in offers {
                    if current.is_none() && fits(&offer) > 0 {
                        let id = format!("latency-{}", samples.len());
                        offered = Some(Instant::now());
                        running = false;
                        scheduler.launch(
                            &[&offer.id],
                            vec![task_info(&id, &offer.agent_id, offer.role.as_deref())],
                            Some(0.0),
                        )?;
                        accepted = Some(Instant::now());
                        current = Some(id);
                    } else {
                        scheduler.decline(&[&offer.id], Some(0.0))?;
                    }
                }
            }
            Event::Update(status) => {
                if let (Some(uuid), Some(agent)) = (&status.uuid, &status.agent_id) {
                    scheduler.acknowledge(agent.as_str(), status.task_id.as_str(), uuid)?;
                }
                if Some(status.task_id.as_str()) != current.as_deref() {
                    continue;
                }
                match status.state {
                    TaskState::Running if !running => {
                        running = true;
                        if let (Some(t0), Some(t1)) = (offered, accepted) {
                            samples.push(t0.elapsed());
                            after_accept.push(t1.elapsed());
                        }
                    }
                    TaskState::Finished => current = None,
                    s if s.is_terminal() => return Err(failed(&status)),
                    _ => {}
                }
            }
            Event::Closed(why) => {
                return Err(MasterBenchError::Stalled(format!(
                    "latency: stream closed {why:?}"
                )))
            }
            _ => {}
        }
    }
    let _ = scheduler.teardown();
    Ok((samples, after_accept))
}

/// One framework of the throughput run: launches as many of its `quota` tasks as each offer
/// holds, until all of them finished.
fn throughput_framework(
    master: String,
    name: String,
    quota: usize,
    start: Arc<Barrier>,
) -> Result<(), MasterBenchError> {
    // Reach the barrier even when subscribing fails, so the run ends instead of hanging.
    let subscribed = subscribe(&master, &name);
    start.wait();
    let (scheduler, events) = subscribed?;
    let (mut launched, mut finished) = (0usize, 0usize);
    while finished < quota {
        let (event, _) = events.recv_timeout(Duration::from_secs(30)).map_err(|_| {
            MasterBenchError::Stalled(format!(
                "{name}: no event for 30 s ({finished}/{quota} finished)"
            ))
        })?;
        match event {
            Event::Offers(offers) => {
                for offer in offers {
                    let n = fits(&offer).min(quota - launched);
                    if n == 0 {
                        scheduler.decline(
                            &[&offer.id],
                            Some(if launched == quota { 3600.0 } else { 0.0 }),
                        )?;
                        continue;
                    }
                    let tasks = (launched..launched + n)
                        .map(|i| {
                            task_info(
                                &format!("{name}-{i}"),
                                &offer.agent_id,
                                offer.role.as_deref(),
                            )
                        })
                        .collect();
                    launched += n;
                    scheduler.launch(&[&offer.id], tasks, Some(0.0))?;
                }
            }
            Event::Update(status) => {
                if let (Some(uuid), Some(agent)) = (&status.uuid, &status.agent_id) {
                    scheduler.acknowledge(agent.as_str(), status.task_id.as_str(), uuid)?;
                }
                match status.state {
                    TaskState::Finished => finished += 1,
                    s if s.is_terminal() => return Err(failed(&status)),
                    _ => {}
                }
            }
            Event::Closed(why) => {
                return Err(MasterBenchError::Stalled(format!(
                    "{name}: stream closed {why:?}"
                )))
            }
            _ => {}
        }
    }
    let _ = scheduler.teardown();
    Ok(())
}

pub fn run_master_benchmark(
    options: &MasterBenchOptions,
) -> Result<MasterReport, MasterBenchError> {
    let _ = std::fs::remove_dir_all(&options.work_dir);
    let mut args = LocalArgs::new(&options.work_dir);
    args.port = 0;
    args.isolation = options.isolation.clone();
    args.cgroups_root = options.cgroups_root.clone();
    args.resources = Some(options.resources.clone());
    args.offers.allocation_interval = "100ms".into();
    let local = crate::local::start(&args)?;
    let master = local.master_address();

    let (samples, after_accept) = latency(&master, options.runs)?;
    let none = || MasterBenchError::Stalled("no latency samples".into());
    let latency = Latency::of(samples).ok_or_else(none)?;
    let accept_to_running = Latency::of(after_accept).ok_or_else(none)?;

    let frameworks = options.frameworks.max(1);
    let start = Arc::new(Barrier::new(frameworks + 1));
    let per = options.tasks.div_ceil(frameworks);
    let threads: Vec<_> = (0..frameworks)
        .map(|i| {
            let (master, start) = (master.clone(), start.clone());
            std::thread::spawn(move || {
                throughput_framework(master, format!("bench-{i}"), per, start)
            })
        })
        .collect();
    start.wait();
    let began = Instant::now();
    for t in threads {
        t.join()
            .map_err(|_| MasterBenchError::Stalled("a framework thread panicked".into()))??;
    }
    let elapsed = began.elapsed();
    let isolation = local.isolation.clone();
    local.stop();
    Ok(MasterReport {
        latency,
        accept_to_running,
        isolation,
        tasks: per * frameworks,
        frameworks,
        elapsed,
    })
}
