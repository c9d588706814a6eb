//! Helpers for the built-ins' unit tests.

use modkit_ffi::host::HostServices;
use modkit_ffi::sdk::{Host, Parameters};
use modkit_ffi::types::{AgentId, Labels, TaskId, TaskInfo};

pub(crate) fn host() -> Host {
    HostServices::leak("test", "check", "", &Default::default()).host()
}

pub(crate) fn params(pairs: &[(&str, &str)]) -> Parameters {
    Parameters::new(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

pub(crate) fn task(id: &str, labels: &[(&str, &str)]) -> TaskInfo {
    TaskInfo {
        name: id.into(),
        task_id: TaskId::new(id),
        agent_id: AgentId::new("a1"),
        labels: (!labels.is_empty()).then(|| labels.iter().copied().collect::<Labels>()),
        ..Default::default()
    }
}
