//! The agent's side of the agent<->master link (`--master=HOST:PORT`): registers (again after
//! a restart, with its agent id and running tasks), pings, runs and kills the tasks the master
//! sends, and delivers every task status reliably: each is retried with backoff until the
//! master acknowledges it.

mod checkpoint;
mod tasks;

pub use tasks::{kill_task, run_task};

use super::state::Agent;
use crate::master::wire::{self, AgentTask, Ping, RegisterAgent, Registered, StatusUpdate};
use checkpoint::{Checkpoint, LinkedTask};
use modkit_ffi::types::{AgentId, FrameworkId, TaskState, TaskStatus};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::Duration;

const FIRST_RETRY: Duration = Duration::from_millis(100);
const MAX_RETRY: Duration = Duration::from_secs(5);

pub struct Link {
    /// `host:port` of the master.
    master: String,
    /// `host:port` where the master reaches this agent.
    address: String,
    checkpoint_path: PathBuf,
    state: Mutex<Checkpoint>,
    registered: Mutex<Option<Registered>>,
    outbox: Mutex<VecDeque<(FrameworkId, TaskStatus)>>,
    wake: Condvar,
    stopped: AtomicBool,
    agent: Mutex<Weak<Agent>>,
    /// One HTTP client: its connections to the master are kept and reused.
    http: ureq::Agent,
}

/// `--master` as given: `host:port`, or a URL.
pub fn master_address(flag: &str) -> String {
    flag.trim()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

impl Link {
    pub fn new(master: &str, address: String, work_dir: &std::path::Path) -> Arc<Link> {
        let checkpoint_path = checkpoint::path(work_dir);
        Arc::new(Link {
            master: master_address(master),
            address,
            state: Mutex::new(Checkpoint::load(&checkpoint_path)),
            checkpoint_path,
            registered: Mutex::new(None),
            outbox: Mutex::new(VecDeque::new()),
            wake: Condvar::new(),
            stopped: AtomicBool::new(false),
            agent: Mutex::new(Weak::new()),
            http: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(10))
                .build(),
        })
    }

    /// Starts the registration/ping and status threads; tasks from before a restart are
    /// watched again.
    pub fn start(self: &Arc<Self>, agent: &Arc<Agent>) {
        *lock(&self.agent) = Arc::downgrade(agent);
        let recovered: Vec<LinkedTask> = self.checkpoint().tasks.values().cloned().collect();
        for task in recovered {
            tasks::watch(self.clone(), agent.clone(), task);
        }
        let link = self.clone();
        if let Err(e) = std::thread::Builder::new()
            .name("master-link".into())
            .spawn(move || link.registration_loop())
        {
            tracing::error!(master = %self.master, "cannot start the registration thread: {e}");
        }
        let link = self.clone();
        if let Err(e) = std::thread::Builder::new()
            .name("status-updates".into())
            .spawn(move || link.status_loop())
        {
            tracing::error!(master = %self.master, "cannot start the status update thread: {e}");
        }
    }

    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.wake.notify_all();
    }

    fn checkpoint(&self) -> MutexGuard<'_, Checkpoint> {
        lock(&self.state)
    }

    pub(crate) fn remember(&self, task_id: &str, task: Option<LinkedTask>) {
        let mut c = self.checkpoint();
        match task {
            Some(t) => c.tasks.insert(task_id.to_string(), t),
            None => c.tasks.remove(task_id),
        };
        c.save(&self.checkpoint_path);
    }

    /// GET_STATE's `get_tasks` and `get_frameworks`: the tasks the agent holds for the master
    /// (running ones, and ended ones whose final status the master has not yet taken), with
    /// their labels as the hooks left them.
    pub(crate) fn state_json(&self) -> serde_json::Value {
        let agent_id = self.agent_id();
        let c = self.checkpoint();
        let (mut launched, mut terminated) = (Vec::new(), Vec::new());
        let mut frameworks = std::collections::BTreeSet::new();
        for t in c.tasks.values() {
            frameworks.insert(t.framework_id.value.clone());
            let task = serde_json::json!({
                "name": t.task.name,
                "task_id": t.task.task_id,
                "framework_id": t.framework_id,
                "agent_id": agent_id,
                "state": t.state,
                "resources": t.task.resources,
                "labels": t.task.labels,
                "container_id": {"value": t.container_id},
            });
            if t.state.is_terminal() {
                terminated.push(task);
            } else {
                launched.push(task);
            }
        }
        let frameworks: Vec<_> = frameworks
            .into_iter()
            .map(|id| serde_json::json!({"framework_info": {"id": {"value": id}}}))
            .collect();
        serde_json::json!({
            "get_tasks": {"launched_tasks": launched, "terminated_tasks": terminated},
            "get_executors": {},
            "get_frameworks": {"frameworks": frameworks},
        })
    }

    pub(crate) fn container_of(&self, task_id: &str) -> Option<String> {
        self.checkpoint()
            .tasks
            .get(task_id)
            .map(|t| t.container_id.clone())
    }

    /// Queues a status for the master; sent in order, retried until acknowledged.
    pub(crate) fn send_status(&self, framework_id: FrameworkId, mut status: TaskStatus) {
        if status.uuid.is_none() {
            status.uuid = Some(wire::new_uuid());
        }
        if status.timestamp == 0.0 {
            status.timestamp = crate::master::wire::now();
        }
        if let Some(task) = self.checkpoint().tasks.get_mut(&status.task_id.value) {
            task.state = status.state;
        }
        lock(&self.outbox).push_back((framework_id, status));
        self.wake.notify_all();
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.master)
    }

    fn agent_id(&self) -> Option<AgentId> {
        lock(&self.registered).as_ref().map(|r| r.agent_id.clone())
    }

    fn register(&self) -> Result<Registered, (u16, String)> {
        let Some(agent) = lock(&self.agent).upgrade() else {
            return Err((0, "the agent is stopping".into()));
        };
        // Every task it has not yet reported the end of: running ones, and those whose final
        // status waits in the outbox (it follows the registration).
        let (agent_id, tasks) = {
            let c = self.checkpoint();
            let tasks = c
                .tasks
                .values()
                .map(|t| AgentTask {
                    framework_id: t.framework_id.clone(),
                    task: t.task.clone(),
                    status: TaskStatus {
                        task_id: t.task.task_id.clone(),
                        state: TaskState::Running,
                        labels: t.task.labels.clone(),
                        timestamp: crate::master::wire::now(),
                        ..TaskStatus::default()
                    },
                })
                .collect();
            (c.agent_id.clone().map(AgentId::new), tasks)
        };
        let message = RegisterAgent {
            agent_id,
            agent_info: agent.info.clone(),
            address: self.address.clone(),
            tasks,
        };
        let registered: Registered = post(&self.http, &self.url(wire::REGISTER_PATH), &message)?
            .into_json()
            .map_err(|e| (0, format!("registration answer: {e}")))?;
        {
            let mut c = self.checkpoint();
            c.agent_id = Some(registered.agent_id.value.clone());
            c.save(&self.checkpoint_path);
        }
        Ok(registered)
    }

    /// The master removed this agent: its tasks are already lost there, so they are killed
    /// here and the agent registers anew.
    fn forgotten(&self) {
        let Some(agent) = lock(&self.agent).upgrade() else {
            return;
        };
        let tasks: Vec<LinkedTask> = {
            let mut c = self.checkpoint();
            c.agent_id = None;
            let tasks = std::mem::take(&mut c.tasks).into_values().collect();
            c.save(&self.checkpoint_path);
            tasks
        };
        for t in tasks {
            let _ = agent.containerizer.kill(&t.container_id, libc::SIGKILL);
        }
        lock(&self.outbox).clear();
    }

    fn registration_loop(self: Arc<Self>) {
        let mut retry = FIRST_RETRY;
        while !self.stopped.load(Ordering::SeqCst) {
            if lock(&self.registered).is_none() {
                match self.register() {
                    Ok(registered) => {
                        tracing::info!(agent = %registered.agent_id, master = %self.master, "registered with the master");
                        *lock(&self.registered) = Some(registered);
                        retry = FIRST_RETRY;
                        self.wake.notify_all();
                    }
                    Err((410, why)) => {
                        tracing::warn!("the master removed this agent ({why}); registering anew");
                        self.forgotten();
                    }
                    Err((_, why)) => {
                        tracing::warn!(master = %self.master, "cannot register: {why}");
                        std::thread::sleep(retry);
                        retry = (retry * 2).min(MAX_RETRY);
                    }
                }
                continue;
            }
            let interval = lock(&self.registered)
                .as_ref()
                .map(|r| Duration::from_secs_f64(r.ping_interval_seconds.clamp(0.01, 60.0)))
                .unwrap_or(Duration::from_secs(1));
            std::thread::sleep(interval);
            let Some(agent_id) = self.agent_id() else {
                continue;
            };
            match post(&self.http, &self.url(wire::PING_PATH), &Ping { agent_id }) {
                Ok(_) => {}
                Err((404, _)) => *lock(&self.registered) = None,
                Err((410, why)) => {
                    tracing::warn!("the master removed this agent ({why}); registering anew");
                    self.forgotten();
                    *lock(&self.registered) = None;
                }
                Err((_, why)) => tracing::warn!(master = %self.master, "ping: {why}"),
            }
        }
    }

    fn status_loop(self: Arc<Self>) {
        let mut retry = FIRST_RETRY;
        loop {
            let (next, agent_id) = {
                let mut outbox = lock(&self.outbox);
                loop {
                    if self.stopped.load(Ordering::SeqCst) {
                        return;
                    }
                    let agent_id = self.agent_id();
                    if let (Some(front), Some(agent_id)) = (outbox.front(), agent_id) {
                        break (front.clone(), agent_id);
                    }
                    outbox = self
                        .wake
                        .wait_timeout(outbox, Duration::from_millis(200))
                        .map(|(g, _)| g)
                        .unwrap_or_else(|p| p.into_inner().0);
                }
            };
            let (framework_id, mut status) = next;
            status.agent_id = Some(agent_id.clone());
            let update = StatusUpdate {
                agent_id,
                framework_id,
                status,
            };
            match post(&self.http, &self.url(wire::STATUS_PATH), &update) {
                Ok(_) => {
                    let status = &update.status;
                    if status.state.is_terminal() || status.state == TaskState::Unreachable {
                        self.remember(&status.task_id.value, None);
                    }
                    let mut outbox = lock(&self.outbox);
                    if outbox
                        .front()
                        .is_some_and(|(_, s)| s.uuid == update.status.uuid)
                    {
                        outbox.pop_front();
                    }
                    retry = FIRST_RETRY;
                }
                Err((code, why)) => {
                    if code == 404 {
                        *lock(&self.registered) = None;
                    }
                    tracing::warn!(task = %update.status.task_id, "status update not acknowledged ({why}); retrying in {retry:?}");
                    std::thread::sleep(retry);
                    retry = (retry * 2).min(MAX_RETRY);
                }
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// POSTs JSON; the error carries the status (0 when no answer came) and the reason.
fn post<T: serde::Serialize>(
    http: &ureq::Agent,
    url: &str,
    body: &T,
) -> Result<ureq::Response, (u16, String)> {
    match http.post(url).send_json(body) {
        Ok(r) => Ok(r),
        Err(ureq::Error::Status(code, r)) => Err((
            code,
            format!("{code}: {}", r.into_string().unwrap_or_default().trim()),
        )),
        Err(e) => Err((0, e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::master_address;

    #[test]
    fn master_flag_takes_host_port_or_a_url() {
        assert_eq!(master_address("127.0.0.1:5050"), "127.0.0.1:5050");
        assert_eq!(master_address(" http://10.0.0.1:5050/ "), "10.0.0.1:5050");
    }
}
