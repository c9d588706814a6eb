//! The native JSON workload (see README, "Simulate"): agents with a count, frameworks with a
//! role, weight and `max_tasks_per_offer`, jobs of identical tasks. Errors carry `FILE:LINE`.

use crate::simulate::workload::{micros, AgentSpec, FrameworkSpec, JobSpec, TaskGroup, Workload};
use crate::simulate::SimulateError;
use modkit_ffi::resources::{Attributes, Resources};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct File {
    agents: Vec<Agent>,
    frameworks: Vec<Framework>,
    #[serde(default)]
    jobs: Vec<Job>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Agent {
    id: String,
    resources: String,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    count: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    attributes: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Framework {
    id: String,
    /// Default: the framework's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<String>,
    #[serde(default = "unit")]
    weight: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_tasks_per_offer: Option<u32>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Job {
    id: String,
    framework: String,
    /// Seconds.
    submit: f64,
    #[serde(default = "one")]
    tasks: u32,
    resources: String,
    /// Seconds each task runs.
    duration: f64,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

fn unit() -> f64 {
    1.0
}

/// The line of the first `"id": "<id>"` (or of `"<id>"`) in `text`, for errors about a record.
fn line_of(text: &str, id: &str) -> usize {
    let quoted = format!("\"{id}\"");
    text.find(&quoted)
        .map(|at| text[..at].matches('\n').count() + 1)
        .unwrap_or(1)
}

/// Parses a native workload; every error names `file:line`.
pub fn parse(file: &str, text: &str) -> Result<Workload, SimulateError> {
    let parsed: File = serde_json::from_str(text).map_err(|e| SimulateError::Parse {
        file: file.to_string(),
        line: e.line(),
        reason: format!("column {}: {e}", e.column()),
    })?;
    let at = |id: &str, reason: String| SimulateError::Parse {
        file: file.to_string(),
        line: line_of(text, id),
        reason,
    };
    let resources = |id: &str, text: &str| {
        Resources::parse(text).map_err(|e| at(id, format!("'{id}': resources '{text}': {e}")))
    };
    let mut agents = Vec::new();
    for a in &parsed.agents {
        let total = resources(&a.id, &a.resources)?;
        let attributes = Attributes::parse(&a.attributes)
            .map_err(|e| at(&a.id, format!("agent '{}': attributes: {e}", a.id)))?;
        for i in 0..a.count {
            agents.push(AgentSpec {
                name: if a.count == 1 {
                    a.id.clone()
                } else {
                    format!("{}-{i}", a.id)
                },
                resources: total.clone(),
                attributes: attributes.clone(),
            });
        }
    }
    let mut frameworks = Vec::new();
    let mut index = HashMap::new();
    for f in &parsed.frameworks {
        index.insert(f.id.clone(), frameworks.len());
        frameworks.push(FrameworkSpec {
            name: f.id.clone(),
            role: f.role.clone().unwrap_or_else(|| f.id.clone()),
            weight: f.weight,
            max_tasks_per_offer: f.max_tasks_per_offer,
        });
    }
    let mut jobs = Vec::new();
    for j in &parsed.jobs {
        let framework = *index.get(&j.framework).ok_or_else(|| {
            at(
                &j.id,
                format!(
                    "job '{}': framework '{}' is not in \"frameworks\"",
                    j.id, j.framework
                ),
            )
        })?;
        let time = |what: &str, seconds: f64| {
            micros(seconds).ok_or_else(|| {
                at(
                    &j.id,
                    format!(
                        "job '{}': {what} {seconds} must be a non-negative number of seconds",
                        j.id
                    ),
                )
            })
        };
        jobs.push(JobSpec {
            name: j.id.clone(),
            framework,
            submit_us: time("submit", j.submit)?,
            groups: vec![TaskGroup {
                count: j.tasks,
                resources: resources(&j.id, &j.resources)?,
                duration_us: time("duration", j.duration)?,
            }],
        });
    }
    Ok(Workload {
        source: file.to_string(),
        agents,
        frameworks,
        jobs,
    })
}

/// Writes a workload as native JSON (one task group per job; others become jobs `<id>.<n>`).
pub fn to_json(w: &Workload) -> serde_json::Value {
    let seconds = |us: u64| us as f64 / 1e6;
    let file = File {
        agents: w
            .agents
            .iter()
            .map(|a| Agent {
                id: a.name.clone(),
                resources: a.resources.to_string(),
                count: 1,
                attributes: a.attributes.to_string(),
            })
            .collect(),
        frameworks: w
            .frameworks
            .iter()
            .map(|f| Framework {
                id: f.name.clone(),
                role: (f.role != f.name).then(|| f.role.clone()),
                weight: f.weight,
                max_tasks_per_offer: f.max_tasks_per_offer,
            })
            .collect(),
        jobs: w
            .jobs
            .iter()
            .flat_map(|j| {
                j.groups.iter().enumerate().map(move |(n, g)| Job {
                    id: if n == 0 {
                        j.name.clone()
                    } else {
                        format!("{}.{n}", j.name)
                    },
                    framework: w.frameworks[j.framework].name.clone(),
                    submit: seconds(j.submit_us),
                    tasks: g.count,
                    resources: g.resources.to_string(),
                    duration: seconds(g.duration_us),
                })
            })
            .collect(),
    };
    serde_json::to_value(file).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DRF: &str = r#"{
  "agents": [{"id": "s", "resources": "cpus:9;mem:18432", "count": 2}],
  "frameworks": [{"id": "A", "max_tasks_per_offer": 1}, {"id": "B", "role": "b", "weight": 2}],
  "jobs": [
    {"id": "j1", "framework": "A", "submit": 0, "tasks": 3, "resources": "cpus:1;mem:4096", "duration": 1.5}
  ]
}"#;

    #[test]
    fn agents_repeat_roles_default_to_the_id_and_times_are_microseconds() {
        let w = parse("w.json", DRF).unwrap();
        let names: Vec<&str> = w.agents.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["s-0", "s-1"]);
        assert_eq!(w.frameworks[0].role, "A");
        assert_eq!(w.frameworks[0].max_tasks_per_offer, Some(1));
        assert_eq!(
            (w.frameworks[1].role.as_str(), w.frameworks[1].weight),
            ("b", 2.0)
        );
        assert_eq!(w.jobs[0].groups[0].duration_us, 1_500_000);
        assert_eq!(w.tasks(), 3);
        // And back: the same workload once more.
        let again = parse("w.json", &to_json(&w).to_string()).unwrap();
        assert_eq!(again.jobs, w.jobs);
        assert_eq!(again.frameworks, w.frameworks);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse(
            "w.json",
            &DRF.replace("\"framework\": \"A\"", "\"framework\": \"Z\""),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("w.json:5: job 'j1': framework 'Z'"), "{e}");
        let e = parse("w.json", &DRF.replace("\"submit\": 0", "\"submit\": -1"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("w.json:5: job 'j1': submit -1"), "{e}");
        let e = parse("w.json", "{\n\"agents\": [}")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("w.json:2: column"), "{e}");
        let e = parse("w.json", &DRF.replace("cpus:9", "cpus:x"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("w.json:2: 's': resources"), "{e}");
    }
}
