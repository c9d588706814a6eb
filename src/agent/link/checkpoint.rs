//! What the link must remember across an agent restart: its agent id and which container
//! runs which framework's task (`<work_dir>/meta/master-link.json`).

use modkit_ffi::types::{FrameworkId, TaskInfo, TaskState};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LinkedTask {
    pub framework_id: FrameworkId,
    pub container_id: String,
    pub task: TaskInfo,
    /// The last state sent to the master (for GET_STATE).
    #[serde(default)]
    pub state: TaskState,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Checkpoint {
    pub agent_id: Option<String>,
    /// By task id.
    pub tasks: BTreeMap<String, LinkedTask>,
}

pub fn path(work_dir: &Path) -> PathBuf {
    work_dir.join("meta").join("master-link.json")
}

impl Checkpoint {
    /// A missing file is an empty checkpoint; an unreadable one is logged and ignored (the
    /// agent then registers as a new agent).
    pub fn load(path: &Path) -> Checkpoint {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::error!("{}: unreadable, starting afresh: {e}", path.display());
                Checkpoint::default()
            }),
            Err(_) => Checkpoint::default(),
        }
    }

    /// Written to a temporary file then renamed, so a crash leaves the old or the new one.
    pub fn save(&self, path: &Path) {
        let write = || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = path.with_extension("json.tmp");
            std::fs::write(&tmp, serde_json::to_vec(self).unwrap_or_default())?;
            std::fs::rename(&tmp, path)
        };
        if let Err(e) = write() {
            tracing::error!("{}: cannot checkpoint: {e}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use modkit_ffi::types::TaskId;

    #[test]
    fn round_trip_and_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let p = path(dir.path());
        assert!(Checkpoint::load(&p).agent_id.is_none());
        let mut c = Checkpoint {
            agent_id: Some("S1".into()),
            ..Checkpoint::default()
        };
        c.tasks.insert(
            "t".into(),
            LinkedTask {
                framework_id: FrameworkId::new("f"),
                container_id: "c".into(),
                task: TaskInfo {
                    task_id: TaskId::new("t"),
                    ..TaskInfo::default()
                },
                state: TaskState::Running,
            },
        );
        c.save(&p);
        let back = Checkpoint::load(&p);
        assert_eq!(back.agent_id.as_deref(), Some("S1"));
        assert_eq!(back.tasks["t"].container_id, "c");
        assert_eq!(back.tasks["t"].state, TaskState::Running);
        std::fs::write(&p, b"{not json").unwrap();
        assert!(Checkpoint::load(&p).tasks.is_empty());
    }
}
