//! `/metrics/snapshot` (Mesos's metric names, the allocator's own metrics under
//! `allocator/`) and `/metrics` (Prometheus text).

use super::core::Master;
use modkit_ffi::types::TaskState;
use std::collections::BTreeMap;

pub fn snapshot(master: &Master) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    let mut st = master.lock();
    m.insert("master/uptime_secs".into(), master.now());
    m.insert("master/elected".into(), 1.0);
    let connected = st.frameworks.values().filter(|f| f.connected()).count();
    m.insert("master/frameworks_active".into(), connected as f64);
    m.insert("master/frameworks_connected".into(), connected as f64);
    m.insert(
        "master/frameworks_disconnected".into(),
        (st.frameworks.len() - connected) as f64,
    );
    m.insert(
        "master/frameworks_completed".into(),
        st.completed_frameworks.len() as f64,
    );
    m.insert("master/slaves_active".into(), st.agents.len() as f64);
    m.insert("master/slaves_connected".into(), st.agents.len() as f64);
    m.insert(
        "master/slave_removals".into(),
        st.counters.agents_removed as f64,
    );
    for state in [
        TaskState::Staging,
        TaskState::Starting,
        TaskState::Running,
        TaskState::Killing,
    ] {
        let n = st
            .frameworks
            .values()
            .flat_map(|f| f.tasks.values())
            .filter(|t| t.state == state)
            .count();
        m.insert(format!("master/{}", metric_state(state)), n as f64);
    }
    for state in [
        TaskState::Finished,
        TaskState::Failed,
        TaskState::Killed,
        TaskState::Lost,
        TaskState::Error,
        TaskState::Unreachable,
    ] {
        let n = st
            .counters
            .by_terminal_state
            .get(state.as_str())
            .copied()
            .unwrap_or(0);
        m.insert(format!("master/{}", metric_state(state)), n as f64);
    }
    m.insert("master/outstanding_offers".into(), st.offers.len() as f64);
    let c = &st.counters;
    for (name, value) in [
        ("master/messages_launch_tasks", c.tasks_launched),
        ("master/messages_decline_offers", c.offers_declined),
        ("master/messages_status_update", c.status_updates),
        ("master/invalid_calls", c.invalid_calls),
        ("master/offers_sent", c.offers_sent),
        ("master/offers_accepted", c.offers_accepted),
        ("master/offers_declined", c.offers_declined),
        ("master/offers_rescinded", c.offers_rescinded),
        ("allocator/allocation_runs", c.allocation_runs),
    ] {
        m.insert(name.into(), value as f64);
    }
    let pending: usize = st.frameworks.values().map(|f| f.pending.len()).sum();
    m.insert("master/unacknowledged_updates".into(), pending as f64);
    match st.allocator.metrics() {
        Ok(metrics) => {
            for (name, value) in metrics {
                let name = if name.starts_with("allocator/") {
                    name
                } else {
                    format!("allocator/{name}")
                };
                m.insert(name, value);
            }
        }
        Err(e) => tracing::warn!("allocator metrics: {e}"),
    }
    m
}

/// `TASK_RUNNING` → `tasks_running`.
fn metric_state(state: TaskState) -> String {
    format!(
        "tasks_{}",
        state
            .as_str()
            .trim_start_matches("TASK_")
            .to_ascii_lowercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(metric_state(TaskState::Running), "tasks_running");
    }
}
