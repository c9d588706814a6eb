//! Google cluster-data 2011 `task_events` CSV (no header): time (µs), missing info, job id,
//! task index, machine id, event type, user, scheduling class, priority, cpu, ram and disk
//! requests (normalized to the largest machine), different-machine constraint. A task runs
//! from its SCHEDULE to its first FINISH, FAIL, KILL or EVICT after it; it is submitted at its
//! SUBMIT. Requests are scaled by `--machine-resources`.

use super::{FormatOptions, Lines};
use crate::simulate::workload::{AgentSpec, FrameworkSpec, JobSpec, TaskGroup, Workload};
use crate::simulate::SimulateError;
use modkit_ffi::resources::{Attributes, Resource, Resources};
use std::collections::{BTreeMap, HashMap, HashSet};

const FIELDS: usize = 13;
const SUBMIT: u8 = 0;
const SCHEDULE: u8 = 1;
const EVICT: u8 = 2;
const FAIL: u8 = 3;
const FINISH: u8 = 4;
const KILL: u8 = 5;

/// What the events say about one task.
#[derive(Default)]
struct Task {
    submit: Option<u64>,
    schedule: Option<u64>,
    end: Option<u64>,
    user: String,
    /// cpu, ram, disk requests as fractions of a machine.
    request: [f64; 3],
}

pub fn parse(
    text: &str,
    options: &FormatOptions,
    lines: &mut Lines<'_>,
) -> Result<Workload, SimulateError> {
    // (job id, task index) → task, in first-seen order.
    let mut tasks: BTreeMap<(u64, u64), Task> = BTreeMap::new();
    let mut order: Vec<(u64, u64)> = Vec::new();
    let mut machines: HashSet<String> = HashSet::new();
    let mut events = 0;
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        if raw.trim().is_empty() {
            continue;
        }
        if options.limit.is_some_and(|limit| events >= limit) {
            break;
        }
        events += 1;
        let parts: Vec<&str> = raw.split(',').collect();
        if parts.len() != FIELDS {
            lines.malformed(
                line,
                format!("{} fields, a task event has {FIELDS}", parts.len()),
            )?;
            continue;
        }
        let int = |i: usize, what: &str| {
            parts[i]
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("{what} '{}' is not a whole number", parts[i]))
        };
        let parsed = (|| -> Result<_, String> {
            let time = int(0, "timestamp")?;
            let key = (int(2, "job id")?, int(3, "task index")?);
            let kind = int(5, "event type")?;
            if kind > 8 {
                return Err(format!("event type {kind} is not 0-8"));
            }
            let mut request = [0.0; 3];
            for (slot, (i, what)) in request.iter_mut().zip([
                (9, "cpu request"),
                (10, "ram request"),
                (11, "disk request"),
            ]) {
                let field = parts[i].trim();
                if !field.is_empty() {
                    *slot = field
                        .parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite() && *v >= 0.0)
                        .ok_or_else(|| format!("{what} '{field}' is not a non-negative number"))?;
                }
            }
            Ok((time, key, kind as u8, request))
        })();
        let (time, key, kind, request) = match parsed {
            Ok(p) => p,
            Err(reason) => {
                lines.malformed(line, reason)?;
                continue;
            }
        };
        let machine = parts[4].trim();
        if !machine.is_empty() {
            machines.insert(machine.to_string());
        }
        let task = tasks.entry(key).or_insert_with(|| {
            order.push(key);
            Task::default()
        });
        match kind {
            SUBMIT => {
                task.submit.get_or_insert(time);
                if task.schedule.is_none() {
                    task.request = request;
                    task.user = parts[6].trim().to_string();
                }
            }
            SCHEDULE => {
                task.schedule.get_or_insert(time);
                if task.user.is_empty() {
                    task.user = parts[6].trim().to_string();
                    task.request = request;
                }
            }
            EVICT | FAIL | FINISH | KILL if task.schedule.is_some() => {
                task.end.get_or_insert(time);
            }
            _ => {}
        }
    }
    let count = match options.machines {
        Some(n) => n,
        None if !machines.is_empty() => machines.len(),
        None => {
            return Err(SimulateError::Workload {
                workload: lines.file_name().to_string(),
                reason: "no event names a machine: pass --machines".into(),
            })
        }
    };
    let machine = &options.machine_resources;
    let agents = (0..count)
        .map(|i| AgentSpec {
            name: format!("machine-{i}"),
            resources: machine.clone(),
            attributes: Attributes::default(),
        })
        .collect();
    let scale: Vec<(&str, f64)> = ["cpus", "mem", "disk"]
        .into_iter()
        .map(|name| (name, machine.scalar(name).map_or(0.0, |s| s.as_f64())))
        .collect();
    let mut users: HashMap<String, usize> = HashMap::new();
    let mut frameworks: Vec<FrameworkSpec> = Vec::new();
    // (job id, submit) → job, so tasks submitted later form a job of their own.
    let mut jobs: BTreeMap<(u64, u64), JobSpec> = BTreeMap::new();
    let (mut never_ran, mut no_end) = (0, 0);
    let zero = order
        .iter()
        .filter_map(|k| tasks[k].submit.or(tasks[k].schedule))
        .min()
        .unwrap_or(0);
    for key in &order {
        let task = &tasks[key];
        let (Some(start), Some(end)) = (task.schedule, task.end) else {
            if task.schedule.is_none() {
                never_ran += 1;
            } else {
                no_end += 1;
            }
            continue;
        };
        let submit = task.submit.unwrap_or(start).min(start);
        let next = users.len();
        let framework = *users.entry(task.user.clone()).or_insert_with(|| {
            let name = format!("user-{next}");
            frameworks.push(FrameworkSpec {
                name: name.clone(),
                role: name,
                weight: 1.0,
                max_tasks_per_offer: options.max_tasks_per_offer,
            });
            next
        });
        let mut resources = Resources::new();
        for ((name, unit), fraction) in scale.iter().zip(task.request) {
            if *unit > 0.0 && fraction > 0.0 {
                resources
                    .insert(Resource::scalar(*name, fraction * unit))
                    .map_err(|e| SimulateError::Workload {
                        workload: lines.file_name().to_string(),
                        reason: format!("job {} task {}: {e}", key.0, key.1),
                    })?;
            }
        }
        let job = jobs.entry((key.0, submit)).or_insert_with(|| JobSpec {
            name: format!("job-{}@{}", key.0, submit - zero),
            framework,
            submit_us: submit - zero,
            groups: Vec::new(),
        });
        let duration_us = end.saturating_sub(start);
        match job.groups.last_mut() {
            Some(g) if g.resources == resources && g.duration_us == duration_us => g.count += 1,
            _ => job.groups.push(TaskGroup {
                count: 1,
                resources,
                duration_us,
            }),
        }
    }
    lines.note(never_ran, "tasks never scheduled");
    lines.note(
        no_end,
        "tasks without a FINISH, FAIL, KILL or EVICT after their SCHEDULE",
    );
    let mut jobs: Vec<JobSpec> = jobs.into_values().collect();
    jobs.sort_by_key(|j| j.submit_us);
    Ok(Workload {
        source: lines.file_name().to_string(),
        agents,
        frameworks,
        jobs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: &str = "\
5000000,,42,0,,0,alice,2,9,0.25,0.5,0,0
5000000,,42,1,,0,alice,2,9,0.25,0.5,0,0
6000000,,42,0,m1,1,alice,2,9,0.25,0.5,0,0
7000000,,42,1,m2,1,alice,2,9,0.25,0.5,0,0
16000000,,42,0,m1,4,alice,2,9,,,,0
27000000,,42,1,m2,5,alice,2,9,,,,0
8000000,,43,0,,0,bob,0,1,0.5,0.125,,
9000000,,43,0,m1,1,bob,0,1,0.5,0.125,,
";

    fn load(text: &str, options: &FormatOptions) -> (Workload, Vec<String>) {
        let mut lines = Lines::new("t.csv", options.strict);
        let w = parse(text, options, &mut lines).unwrap();
        (w, lines.warnings)
    }

    #[test]
    fn tasks_run_from_schedule_to_their_end_with_scaled_requests() {
        let options = FormatOptions {
            machine_resources: Resources::parse("cpus:8;mem:1024").unwrap(),
            ..Default::default()
        };
        let (w, warnings) = load(EVENTS, &options);
        assert_eq!(w.agents.len(), 2, "machines m1 and m2");
        assert_eq!(w.frameworks.len(), 1, "bob's task never ended");
        assert_eq!(warnings, ["t.csv: left out 1 tasks without a FINISH, FAIL, KILL or EVICT after their SCHEDULE"]);
        let job = &w.jobs[0];
        assert_eq!((job.name.as_str(), job.submit_us), ("job-42@0", 0));
        // Task 0: 6 s → 16 s; task 1: 7 s → 27 s; each 2 cpus and 512 MB.
        let runs: Vec<(u32, u64, String)> = job
            .groups
            .iter()
            .map(|g| (g.count, g.duration_us, g.resources.to_string()))
            .collect();
        assert_eq!(
            runs,
            [
                (1, 10_000_000, "cpus:2;mem:512".to_string()),
                (1, 20_000_000, "cpus:2;mem:512".to_string())
            ]
        );
    }

    #[test]
    fn malformed_events_and_the_limit() {
        let text = format!("{EVENTS}1,2,3\nx,,1,0,,0,u,0,0,0,0,0,0\n10,,1,0,,9,u,0,0,0,0,0,0\n");
        let (_, warnings) = load(&text, &FormatOptions::default());
        assert_eq!(warnings[0], "t.csv:9: 3 fields, a task event has 13");
        assert_eq!(warnings[1], "t.csv:10: timestamp 'x' is not a whole number");
        assert_eq!(warnings[2], "t.csv:11: event type 9 is not 0-8");
        let limited = FormatOptions {
            limit: Some(5),
            ..Default::default()
        };
        let (w, _) = load(&text, &limited);
        assert_eq!(w.tasks(), 1, "task 1 ends on line 6, past the limit");
    }
}
