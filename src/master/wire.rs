//! The agent<->master link: JSON messages over HTTP. The agent registers, pings and sends
//! status updates to the master (`/master/internal/agents/...`); the master sends run and kill
//! requests to the agent (`/agent/internal/...`).

use modkit_ffi::types::{
    AgentId, AgentInfo, FrameworkId, FrameworkInfo, TaskId, TaskInfo, TaskStatus,
};
use serde::{Deserialize, Serialize};

pub const REGISTER_PATH: &str = "/master/internal/agents/register";
pub const PING_PATH: &str = "/master/internal/agents/ping";
pub const STATUS_PATH: &str = "/master/internal/agents/status";
pub const RUN_TASK_PATH: &str = "/agent/internal/run_task";
pub const KILL_TASK_PATH: &str = "/agent/internal/kill_task";

/// A task the agent runs, as it reports it when it (re-)registers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AgentTask {
    pub framework_id: FrameworkId,
    pub task: TaskInfo,
    pub status: TaskStatus,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RegisterAgent {
    /// Set when an agent that registered before re-registers (after a restart of either).
    #[serde(default)]
    pub agent_id: Option<AgentId>,
    pub agent_info: AgentInfo,
    /// `host:port` where the master reaches the agent.
    pub address: String,
    #[serde(default)]
    pub tasks: Vec<AgentTask>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Registered {
    pub agent_id: AgentId,
    /// How often the agent pings.
    pub ping_interval_seconds: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Ping {
    pub agent_id: AgentId,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StatusUpdate {
    pub agent_id: AgentId,
    pub framework_id: FrameworkId,
    pub status: TaskStatus,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunTask {
    pub framework_id: FrameworkId,
    pub framework_info: FrameworkInfo,
    pub task: TaskInfo,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KillTask {
    pub framework_id: FrameworkId,
    pub task_id: TaskId,
}

/// Seconds since the Unix epoch, as status timestamps have them.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// A status update uuid as Mesos writes it in JSON: 16 random bytes, base64.
pub fn new_uuid() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(random_bytes())
}

/// A UUID-shaped id in text form (`8-4-4-4-12` hex digits), for the master's id.
pub fn new_id() -> String {
    let b = random_bytes();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn random_bytes() -> [u8; 16] {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut out = [0u8; 16];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(n);
        h.write_usize(i);
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids_are_distinct_base64_of_16_bytes() {
        let a = super::new_uuid();
        let b = super::new_uuid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 24);
        assert!(a.ends_with("=="));
    }
}
