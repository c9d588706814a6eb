//! The workload every format is read into: agents, frameworks (each in one role) and jobs of
//! tasks, on a clock in microseconds so traces keep their precision and runs stay exact.

use super::SimulateError;
use modkit_ffi::resources::{Attributes, Resources, Value};
use std::collections::{BTreeMap, HashMap};

/// Microseconds per second.
pub const MICROS: f64 = 1e6;

/// Seconds (from a file or a flag) to microseconds; `None` for negative, NaN or huge values.
pub fn micros(seconds: f64) -> Option<u64> {
    let us = (seconds * MICROS).round();
    (us.is_finite() && us >= 0.0 && us < u64::MAX as f64 / 4.0).then_some(us as u64)
}

/// One simulated agent.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentSpec {
    pub name: String,
    pub resources: Resources,
    pub attributes: Attributes,
}

/// One simulated framework; Mesos weights are per role, so `weight` is its role's.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameworkSpec {
    pub name: String,
    pub role: String,
    pub weight: f64,
    /// Tasks launched from one offer at most (`None`: as many as fit).
    pub max_tasks_per_offer: Option<u32>,
}

/// Tasks of a job that share their resources and duration.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskGroup {
    pub count: u32,
    pub resources: Resources,
    pub duration_us: u64,
}

/// A job: submitted at once, its tasks queued in order at its framework.
#[derive(Clone, Debug, PartialEq)]
pub struct JobSpec {
    pub name: String,
    /// Index into [`Workload::frameworks`].
    pub framework: usize,
    pub submit_us: u64,
    pub groups: Vec<TaskGroup>,
}

impl JobSpec {
    pub fn tasks(&self) -> u64 {
        self.groups.iter().map(|g| u64::from(g.count)).sum()
    }
}

/// A whole workload, whatever format it came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Workload {
    /// Where it came from, for messages and the report.
    pub source: String,
    pub agents: Vec<AgentSpec>,
    pub frameworks: Vec<FrameworkSpec>,
    pub jobs: Vec<JobSpec>,
}

impl Workload {
    pub fn tasks(&self) -> u64 {
        self.jobs.iter().map(JobSpec::tasks).sum()
    }

    /// The roles in first-seen order with their weights.
    pub fn roles(&self) -> Vec<(String, f64)> {
        let mut known = std::collections::HashSet::new();
        self.frameworks
            .iter()
            .filter(|f| known.insert(f.role.as_str()))
            .map(|f| (f.role.clone(), f.weight))
            .collect()
    }

    /// The sum of every agent's scalar resources, by name.
    pub fn totals(&self) -> BTreeMap<String, f64> {
        let mut totals = BTreeMap::new();
        for agent in &self.agents {
            for (name, value) in agent.resources.scalars() {
                *totals.entry(name.to_string()).or_insert(0.0) += value.as_f64();
            }
        }
        totals
    }

    /// Checks what the engine relies on: unique names, one weight per role, scalar-only task
    /// resources, and every task fitting on at least one agent (else it would wait forever).
    pub fn validate(&self) -> Result<(), SimulateError> {
        let bad = |reason: String| SimulateError::Workload {
            workload: self.source.clone(),
            reason,
        };
        if self.agents.is_empty() {
            return Err(bad("it has no agents".into()));
        }
        if self.frameworks.is_empty() {
            return Err(bad("it has no frameworks".into()));
        }
        unique(self.agents.iter().map(|a| a.name.as_str()), "agent").map_err(&bad)?;
        unique(self.frameworks.iter().map(|f| f.name.as_str()), "framework").map_err(&bad)?;
        unique(self.jobs.iter().map(|j| j.name.as_str()), "job").map_err(&bad)?;
        let mut weights: HashMap<&str, f64> = HashMap::new();
        for f in &self.frameworks {
            if !(f.weight.is_finite() && f.weight > 0.0) {
                return Err(bad(format!(
                    "framework '{}': weight {} must be a positive number",
                    f.name, f.weight
                )));
            }
            if let Some(w) = weights.insert(&f.role, f.weight) {
                if w != f.weight {
                    return Err(bad(format!(
                        "role '{}' has two weights ({w} and {}): weights are per role",
                        f.role, f.weight
                    )));
                }
            }
            if f.max_tasks_per_offer == Some(0) {
                return Err(bad(format!(
                    "framework '{}': max_tasks_per_offer must be at least 1",
                    f.name
                )));
            }
        }
        for job in &self.jobs {
            if job.framework >= self.frameworks.len() {
                return Err(bad(format!("job '{}' names no framework", job.name)));
            }
            for group in &job.groups {
                if let Some(r) = group
                    .resources
                    .iter()
                    .find(|r| !matches!(r.value, Value::Scalar(_)) || r.is_reserved())
                {
                    return Err(bad(format!(
                        "job '{}': task resource '{r}' is not an unreserved scalar",
                        job.name
                    )));
                }
                if !self
                    .agents
                    .iter()
                    .any(|a| fits(&a.resources, &group.resources))
                {
                    return Err(bad(format!(
                        "job '{}': its tasks need {} and fit on no agent",
                        job.name, group.resources
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Whether `task` (unreserved scalars) fits in `agent`'s resources of any reservation.
fn fits(agent: &Resources, task: &Resources) -> bool {
    task.scalars().all(|(name, need)| {
        let have: i64 = agent
            .iter()
            .filter(|r| r.name == name)
            .filter_map(|r| match r.value {
                Value::Scalar(s) => Some(s.milli()),
                _ => None,
            })
            .sum();
        have >= need.milli()
    })
}

fn unique<'a>(names: impl Iterator<Item = &'a str>, what: &str) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for name in names {
        if name.is_empty() {
            return Err(format!("a {what} has an empty id"));
        }
        if !seen.insert(name) {
            return Err(format!("{what} id '{name}' appears twice"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> Resources {
        Resources::parse(text).unwrap()
    }

    fn small() -> Workload {
        Workload {
            source: "w.json".into(),
            agents: vec![AgentSpec {
                name: "a".into(),
                resources: r("cpus:4;mem:100"),
                attributes: Attributes::default(),
            }],
            frameworks: vec![FrameworkSpec {
                name: "f".into(),
                role: "r".into(),
                weight: 1.0,
                max_tasks_per_offer: None,
            }],
            jobs: vec![JobSpec {
                name: "j".into(),
                framework: 0,
                submit_us: 0,
                groups: vec![TaskGroup {
                    count: 2,
                    resources: r("cpus:4"),
                    duration_us: 1,
                }],
            }],
        }
    }

    #[test]
    fn micros_rounds_and_refuses_negatives() {
        assert_eq!(micros(1.5), Some(1_500_000));
        assert_eq!(micros(-1.0), None);
        assert_eq!(micros(f64::NAN), None);
    }

    #[test]
    fn a_task_larger_than_every_agent_is_refused_by_name() {
        let mut w = small();
        assert_eq!(w.validate().map_err(|e| e.to_string()), Ok(()));
        w.jobs[0].groups[0].resources = r("cpus:5");
        let e = w.validate().unwrap_err().to_string();
        assert!(
            e.contains("w.json") && e.contains("job 'j'") && e.contains("fit on no agent"),
            "{e}"
        );
    }

    #[test]
    fn two_weights_for_one_role_are_refused() {
        let mut w = small();
        let mut f = w.frameworks[0].clone();
        f.name = "g".into();
        f.weight = 2.0;
        w.frameworks.push(f);
        let e = w.validate().unwrap_err().to_string();
        assert!(e.contains("role 'r' has two weights"), "{e}");
        assert_eq!(w.roles(), vec![("r".to_string(), 1.0)]);
        assert_eq!(w.tasks(), 2);
        assert_eq!(w.totals()["cpus"], 4.0);
    }
}
