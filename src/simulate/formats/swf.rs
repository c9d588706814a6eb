//! The Standard Workload Format: one job per line in 18 whitespace-separated fields, `;`
//! comment lines (the header holds `MaxNodes:` and `MaxProcs:`), -1 for unknown. A job becomes
//! one task per processor (1 cpu and the job's memory per processor) under the framework and
//! role of its user, group or queue.

use super::{FormatOptions, Lines, RoleBy};
use crate::simulate::workload::{AgentSpec, FrameworkSpec, JobSpec, TaskGroup, Workload};
use crate::simulate::SimulateError;
use modkit_ffi::resources::{Attributes, Resource, Resources};
use std::collections::HashMap;

/// Fields (0-based) of an SWF line that the simulator reads.
const JOB: usize = 0;
const SUBMIT: usize = 1;
const RUN_TIME: usize = 3;
const ALLOCATED_PROCS: usize = 4;
const USED_MEMORY_KB: usize = 6;
const REQUESTED_PROCS: usize = 7;
const REQUESTED_MEMORY_KB: usize = 9;
const USER: usize = 11;
const GROUP: usize = 12;
const QUEUE: usize = 14;
const FIELDS: usize = 18;

/// MB of memory per processor when neither the trace nor `--swf-node-resources` says.
const DEFAULT_MB_PER_PROC: f64 = 1024.0;

/// The header's cluster size.
#[derive(Default)]
struct Header {
    max_nodes: Option<usize>,
    max_procs: Option<usize>,
}

impl Header {
    /// Reads `; MaxNodes: 128`-style lines; others are comments.
    fn read(&mut self, comment: &str) {
        let Some((key, value)) = comment.trim_start_matches(';').split_once(':') else {
            return;
        };
        let value = value.trim().parse::<usize>().ok().filter(|v| *v > 0);
        match key.trim() {
            "MaxNodes" => self.max_nodes = value,
            "MaxProcs" => self.max_procs = value,
            _ => {}
        }
    }
}

struct Row {
    line: usize,
    fields: [f64; FIELDS],
}

pub fn parse(
    text: &str,
    options: &FormatOptions,
    lines: &mut Lines<'_>,
) -> Result<Workload, SimulateError> {
    let mut header = Header::default();
    let mut rows = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        if raw.starts_with(';') {
            header.read(raw);
            continue;
        }
        if options.limit.is_some_and(|limit| rows.len() >= limit) {
            break;
        }
        let parts: Vec<&str> = raw.split_whitespace().collect();
        if parts.len() != FIELDS {
            lines.malformed(
                line,
                format!("{} fields, an SWF job line has {FIELDS}", parts.len()),
            )?;
            continue;
        }
        let mut fields = [0.0; FIELDS];
        let mut bad = None;
        for (i, (slot, part)) in fields.iter_mut().zip(&parts).enumerate() {
            match part.parse::<f64>() {
                Ok(v) if v.is_finite() => *slot = v,
                _ => {
                    bad = Some(format!("field {} '{part}' is not a number", i + 1));
                    break;
                }
            }
        }
        match bad {
            Some(reason) => lines.malformed(line, reason)?,
            None => rows.push(Row { line, fields }),
        }
    }
    let node = node_resources(&header, options, lines.file_name())?;
    let node_cpus = node.scalar("cpus").map_or(0.0, |s| s.as_f64());
    let node_mem = node.scalar("mem").map_or(0.0, |s| s.as_f64());
    let nodes = match (options.swf_nodes, header.max_nodes, header.max_procs) {
        (Some(n), _, _) | (None, Some(n), _) => n,
        (None, None, Some(procs)) if node_cpus >= 1.0 => (procs as f64 / node_cpus).ceil() as usize,
        _ => {
            return Err(SimulateError::Workload {
                workload: lines.file_name().to_string(),
                reason: "no '; MaxNodes:' or '; MaxProcs:' header line: pass --swf-nodes".into(),
            })
        }
    };
    let agents = (0..nodes)
        .map(|i| AgentSpec {
            name: format!("node-{i}"),
            resources: node.clone(),
            attributes: Attributes::default(),
        })
        .collect();
    let first_submit = rows
        .iter()
        .map(|r| r.fields[SUBMIT])
        .filter(|s| *s >= 0.0)
        .fold(f64::INFINITY, f64::min);
    let mut frameworks: Vec<FrameworkSpec> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut jobs = Vec::new();
    let (mut unknown, mut too_big) = (0, 0);
    for row in &rows {
        let f = &row.fields;
        let procs = if f[ALLOCATED_PROCS] > 0.0 {
            f[ALLOCATED_PROCS]
        } else {
            f[REQUESTED_PROCS]
        };
        if procs <= 0.0 || f[RUN_TIME] < 0.0 || f[SUBMIT] < 0.0 {
            unknown += 1;
            continue;
        }
        if procs.fract() != 0.0 || procs > f64::from(u32::MAX) {
            lines.malformed(
                row.line,
                format!("processors {procs} is not a whole number"),
            )?;
            continue;
        }
        let kb = [REQUESTED_MEMORY_KB, USED_MEMORY_KB]
            .into_iter()
            .map(|i| f[i])
            .find(|kb| *kb > 0.0);
        let mem = match kb {
            Some(kb) => kb / 1024.0,
            None if node_cpus > 0.0 => node_mem / node_cpus,
            None => 0.0,
        };
        if mem > node_mem || node_cpus < 1.0 {
            too_big += 1;
            continue;
        }
        let (prefix, field) = match options.swf_role_by {
            RoleBy::User => ("user", USER),
            RoleBy::Group => ("group", GROUP),
            RoleBy::Queue => ("queue", QUEUE),
        };
        let name = if f[field] < 0.0 {
            format!("{prefix}-unknown")
        } else {
            format!("{prefix}-{}", f[field])
        };
        let framework = *by_name.entry(name.clone()).or_insert_with(|| {
            frameworks.push(FrameworkSpec {
                name: name.clone(),
                role: name,
                weight: 1.0,
                max_tasks_per_offer: options.max_tasks_per_offer,
            });
            frameworks.len() - 1
        });
        let mut resources = Resources::new();
        for r in [Resource::scalar("cpus", 1.0), Resource::scalar("mem", mem)] {
            resources.insert(r).map_err(|e| SimulateError::Parse {
                file: lines.file_name().to_string(),
                line: row.line,
                reason: e.to_string(),
            })?;
        }
        jobs.push(JobSpec {
            name: format!("job-{}", f[JOB]),
            framework,
            submit_us: ((f[SUBMIT] - first_submit) * 1e6).round() as u64,
            groups: vec![TaskGroup {
                count: procs as u32,
                resources,
                duration_us: (f[RUN_TIME] * 1e6).round() as u64,
            }],
        });
    }
    lines.note(
        unknown,
        "jobs with unknown processors, run time or submit time (-1)",
    );
    lines.note(too_big, "jobs whose memory per processor exceeds a node's");
    jobs.sort_by_key(|j| j.submit_us);
    Ok(Workload {
        source: lines.file_name().to_string(),
        agents,
        frameworks,
        jobs,
    })
}

fn node_resources(
    header: &Header,
    options: &FormatOptions,
    file: &str,
) -> Result<Resources, SimulateError> {
    if let Some(r) = &options.swf_node_resources {
        return Ok(r.clone());
    }
    let cpus = match (header.max_procs, header.max_nodes) {
        (Some(p), Some(n)) => (p / n).max(1),
        _ => 1,
    };
    Resources::parse(&format!(
        "cpus:{cpus};mem:{}",
        cpus as f64 * DEFAULT_MB_PER_PROC
    ))
    .map_err(|e| SimulateError::Workload {
        workload: file.to_string(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "\
; Version: 2.2
; MaxNodes: 2
; MaxProcs: 8
1 0 5 100 2 -1 -1 2 200 2048 1 7 3 -1 1 -1 -1 -1
2 10 0 50 -1 -1 -1 4 60 -1 1 8 3 -1 2 -1 -1 -1
3 20 0 -1 -1 -1 -1 -1 -1 -1 5 8 3 -1 2 -1 -1 -1
";

    fn load(text: &str, options: &FormatOptions) -> (Workload, Vec<String>) {
        let mut lines = Lines::new("t.swf", options.strict);
        let w = parse(text, options, &mut lines).unwrap();
        (w, lines.warnings)
    }

    #[test]
    fn jobs_become_one_task_per_processor_under_their_user() {
        let (w, warnings) = load(TRACE, &FormatOptions::default());
        assert_eq!(w.agents.len(), 2);
        assert_eq!(w.agents[0].resources.to_string(), "cpus:4;mem:4096");
        let names: Vec<&str> = w.frameworks.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["user-7", "user-8"]);
        let j = &w.jobs[0];
        assert_eq!(
            (j.groups[0].count, j.groups[0].duration_us),
            (2, 100_000_000)
        );
        assert_eq!(j.groups[0].resources.to_string(), "cpus:1;mem:2");
        // Job 2: requested processors (allocated is -1), memory per node cpu.
        assert_eq!(w.jobs[1].groups[0].count, 4);
        assert_eq!(w.jobs[1].groups[0].resources.to_string(), "cpus:1;mem:1024");
        assert_eq!(w.jobs[1].submit_us, 10_000_000);
        assert_eq!(
            warnings,
            ["t.swf: left out 1 jobs with unknown processors, run time or submit time (-1)"]
        );
    }

    #[test]
    fn role_by_queue_and_node_flags() {
        let options = FormatOptions {
            swf_role_by: RoleBy::Queue,
            swf_nodes: Some(3),
            swf_node_resources: Some(Resources::parse("cpus:8;mem:100").unwrap()),
            ..Default::default()
        };
        let (w, warnings) = load(TRACE, &options);
        assert_eq!(w.agents.len(), 3);
        assert_eq!(w.frameworks[0].name, "queue-1");
        // Job 1 wants 2 MB per processor, job 2 the node's 12.5 MB: both fit in 100 MB.
        assert_eq!(w.jobs.len(), 2);
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn malformed_lines_are_named_and_skipped_or_fatal() {
        let text = format!("{TRACE}4 30 0 10 1\n5 x 0 10 1 -1 -1 1 -1 -1 1 1 1 -1 1 -1 -1 -1\n");
        let (w, warnings) = load(&text, &FormatOptions::default());
        assert_eq!(w.jobs.len(), 2);
        assert_eq!(warnings[0], "t.swf:7: 5 fields, an SWF job line has 18");
        assert_eq!(warnings[1], "t.swf:8: field 2 'x' is not a number");
        let strict = FormatOptions {
            strict: true,
            ..Default::default()
        };
        let mut lines = Lines::new("t.swf", true);
        let e = parse(&text, &strict, &mut lines).unwrap_err().to_string();
        assert_eq!(e, "t.swf:7: 5 fields, an SWF job line has 18");
    }

    #[test]
    fn a_trace_without_a_size_needs_the_flag() {
        let mut lines = Lines::new("t.swf", false);
        let e = parse(
            "1 0 0 1 1 -1 -1 1 -1 -1 1 1 1 -1 1 -1 -1 -1\n",
            &FormatOptions::default(),
            &mut lines,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("--swf-nodes"), "{e}");
    }
}
