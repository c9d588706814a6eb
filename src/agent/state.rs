//! The running agent: what it offers, its containerizer and its counters.

use super::hooks::AgentHooks;
use modkit_containerizers::{ContainerRequest, Containerizer, ContainerizerError};
use modkit_ffi::types::AgentInfo;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

#[derive(Default)]
pub struct Counters {
    pub launches: AtomicU64,
    pub launch_errors: AtomicU64,
    pub api_calls: AtomicU64,
    pub api_errors: AtomicU64,
}

pub struct Agent {
    pub info: AgentInfo,
    pub containerizer: Arc<dyn Containerizer>,
    pub counters: Counters,
    /// `--hooks`: decorate launches and statuses (empty: nothing changes).
    pub hooks: AgentHooks,
    /// `--master`: the link to the master, set once the agent listens.
    pub link: std::sync::OnceLock<Arc<super::link::Link>>,
    flags: BTreeMap<String, String>,
    started: Instant,
}

impl Agent {
    pub fn new(
        info: AgentInfo,
        containerizer: Arc<dyn Containerizer>,
        flags: BTreeMap<String, String>,
    ) -> Agent {
        Agent {
            info,
            containerizer,
            counters: Counters::default(),
            hooks: AgentHooks::default(),
            link: std::sync::OnceLock::new(),
            flags,
            started: Instant::now(),
        }
    }

    pub fn with_hooks(mut self, hooks: AgentHooks) -> Agent {
        self.hooks = hooks;
        self
    }

    pub fn launch(&self, request: ContainerRequest) -> Result<(), ContainerizerError> {
        let result = self.containerizer.launch(request);
        match &result {
            Ok(()) => self.counters.launches.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.counters.launch_errors.fetch_add(1, Ordering::Relaxed),
        };
        result
    }

    pub fn flags_json(&self) -> Value {
        Value::Array(
            self.flags
                .iter()
                .map(|(name, value)| serde_json::json!({"name": name, "value": value}))
                .collect(),
        )
    }

    /// Mesos-style metric names (`agent/...`, `containerizer/...`) with their values.
    pub fn metrics_snapshot(&self) -> BTreeMap<String, f64> {
        let mut m = BTreeMap::new();
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64;
        m.insert(
            "agent/uptime_secs".into(),
            self.started.elapsed().as_secs_f64(),
        );
        m.insert(
            "agent/containers_running".into(),
            self.containerizer.containers(false).len() as f64,
        );
        m.insert(
            "agent/container_launches".into(),
            load(&self.counters.launches),
        );
        m.insert(
            "agent/container_launch_errors".into(),
            load(&self.counters.launch_errors),
        );
        m.insert("agent/api_calls".into(), load(&self.counters.api_calls));
        m.insert("agent/api_errors".into(), load(&self.counters.api_errors));
        for (name, value) in self.info.resources.scalars() {
            m.insert(format!("agent/{name}_total"), value.as_f64());
        }
        m
    }

    /// The snapshot as Prometheus text exposition (`/` and other odd characters become `_`).
    pub fn metrics_prometheus(&self) -> String {
        crate::metrics::prometheus(&self.metrics_snapshot())
    }
}
