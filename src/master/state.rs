//! What the master knows: frameworks, agents, tasks, outstanding offers and the allocator.
//! One lock guards it all; handlers never do I/O while holding it (messages to agents go
//! through the [`Outbox`]).

use super::events::EventStream;
use modkit_ffi::resources::Resources;
use modkit_ffi::sdk::Allocator;
use modkit_ffi::types::{AgentInfo, FrameworkInfo, Labels, TaskInfo, TaskState, TaskStatus};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Instant;

/// Completed tasks and frameworks kept for `/master/state`.
pub const COMPLETED_KEPT: usize = 1000;

pub struct Task {
    pub info: TaskInfo,
    pub framework_id: String,
    pub agent_id: String,
    /// The role the task's resources were allocated to.
    pub role: String,
    pub state: TaskState,
    pub statuses: Vec<TaskStatus>,
    /// The last status, as reconciliation answers it.
    pub latest: Option<TaskStatus>,
}

impl Task {
    pub fn labels(&self) -> Option<&Labels> {
        self.info.labels.as_ref()
    }
}

/// An UPDATE sent to the framework and not yet acknowledged.
pub struct PendingUpdate {
    pub agent_id: String,
    pub status: TaskStatus,
    pub next_send: Instant,
    pub backoff: std::time::Duration,
}

pub struct Framework {
    pub id: String,
    pub info: FrameworkInfo,
    pub principal: Option<String>,
    pub stream: Option<EventStream>,
    /// Known to the allocator (a framework re-created from an agent's report is not, until it
    /// subscribes).
    pub in_allocator: bool,
    pub registered_time: f64,
    pub disconnected_at: Option<Instant>,
    pub tasks: BTreeMap<String, Task>,
    pub completed_tasks: VecDeque<Task>,
    /// By uuid.
    pub pending: BTreeMap<String, PendingUpdate>,
}

impl Framework {
    pub fn connected(&self) -> bool {
        self.stream.is_some()
    }

    pub fn roles(&self) -> Vec<String> {
        self.info
            .effective_roles()
            .into_iter()
            .map(String::from)
            .collect()
    }

    pub fn partition_aware(&self) -> bool {
        self.info.has_capability("PARTITION_AWARE")
    }

    /// Frameworks without GPU_RESOURCES get no offers from agents that have gpus.
    pub fn gpu_aware(&self) -> bool {
        self.info.has_capability("GPU_RESOURCES")
    }
}

pub struct AgentEntry {
    pub id: String,
    pub info: AgentInfo,
    pub address: String,
    pub last_ping: Instant,
    pub registered_time: f64,
}

impl AgentEntry {
    pub fn has_gpus(&self) -> bool {
        self.info
            .resources
            .scalar("gpus")
            .is_some_and(|g| g.is_positive())
    }
}

pub struct Offer {
    pub id: String,
    pub framework_id: String,
    pub agent_id: String,
    pub role: String,
    pub resources: Resources,
    pub created: Instant,
}

#[derive(Default)]
pub struct Counters {
    pub offers_sent: u64,
    pub offers_declined: u64,
    pub offers_accepted: u64,
    pub offers_rescinded: u64,
    pub tasks_launched: u64,
    pub status_updates: u64,
    pub invalid_calls: u64,
    pub agents_removed: u64,
    pub allocation_runs: u64,
    pub by_terminal_state: BTreeMap<&'static str, u64>,
}

pub struct State {
    pub allocator: Box<dyn Allocator>,
    pub frameworks: BTreeMap<String, Framework>,
    pub completed_frameworks: VecDeque<Framework>,
    pub agents: BTreeMap<String, AgentEntry>,
    pub removed_agents: BTreeSet<String>,
    pub offers: BTreeMap<String, Offer>,
    pub weights: BTreeMap<String, f64>,
    pub quotas: BTreeMap<String, serde_json::Value>,
    pub counters: Counters,
    next_id: u64,
}

impl State {
    pub fn new(allocator: Box<dyn Allocator>, weights: BTreeMap<String, f64>) -> State {
        State {
            allocator,
            frameworks: BTreeMap::new(),
            completed_frameworks: VecDeque::new(),
            agents: BTreeMap::new(),
            removed_agents: BTreeSet::new(),
            offers: BTreeMap::new(),
            weights,
            quotas: BTreeMap::new(),
            counters: Counters::default(),
            next_id: 0,
        }
    }

    /// A fresh sequence number for ids (`<master id>-O<n>`, `-S<n>`, ...).
    pub fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// Seconds since the Unix epoch, for status timestamps and registration times.
pub fn wall_clock() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
