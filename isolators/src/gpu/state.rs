//! What each container holds, one small file per container under the work dir, written
//! before the container starts so that an agent killed at any moment recovers it.

use super::allocation::Held;
use crate::devices::DeviceError;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

const ISOLATOR: &str = "gpu/devices";

#[derive(Serialize, Deserialize)]
struct Record {
    devices: Vec<Held>,
}

pub(crate) struct StateDir {
    dir: PathBuf,
}

fn error(path: &Path, reason: impl ToString) -> DeviceError {
    DeviceError::State {
        isolator: ISOLATOR,
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

impl StateDir {
    /// `<work_dir>/isolators/gpu-devices`, created if missing.
    pub fn open(work_dir: &Path) -> Result<StateDir, DeviceError> {
        let dir = work_dir.join("isolators").join("gpu-devices");
        std::fs::create_dir_all(&dir).map_err(|e| error(&dir, e))?;
        Ok(StateDir { dir })
    }

    fn file(&self, container_id: &str) -> PathBuf {
        self.dir.join(container_id)
    }

    /// Written to a temp file, fsynced and renamed: a crash leaves the old file or the new.
    pub fn write(&self, container_id: &str, held: &[Held]) -> Result<(), DeviceError> {
        let path = self.file(container_id);
        let tmp = self.dir.join(format!(".{container_id}.tmp"));
        let json = serde_json::to_vec(&Record {
            devices: held.to_vec(),
        })
        .map_err(|e| error(&path, e))?;
        let mut file = std::fs::File::create(&tmp).map_err(|e| error(&tmp, e))?;
        file.write_all(&json)
            .and_then(|()| file.sync_all())
            .map_err(|e| error(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| error(&path, e))?;
        if let Ok(dir) = std::fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    pub fn read(&self, container_id: &str) -> Result<Option<Vec<Held>>, DeviceError> {
        let path = self.file(container_id);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice::<Record>(&bytes)
                .map(|r| Some(r.devices))
                .map_err(|e| error(&path, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(error(&path, e)),
        }
    }

    pub fn remove(&self, container_id: &str) -> Result<(), DeviceError> {
        let path = self.file(container_id);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(error(&path, e)),
        }
    }

    /// The containers with a state file.
    pub fn containers(&self) -> Result<Vec<String>, DeviceError> {
        let entries = std::fs::read_dir(&self.dir).map_err(|e| error(&self.dir, e))?;
        Ok(entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|name| !name.starts_with('.'))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_listing() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::open(dir.path()).unwrap();
        let held = vec![Held {
            resource: "gpus".into(),
            index: 1,
        }];
        state.write("c1", &held).unwrap();
        assert_eq!(state.read("c1").unwrap(), Some(held));
        assert_eq!(state.read("c2").unwrap(), None);
        assert_eq!(state.containers().unwrap(), ["c1"]);
        state.remove("c1").unwrap();
        state.remove("c1").unwrap();
        assert!(state.containers().unwrap().is_empty());
        std::fs::write(dir.path().join("isolators/gpu-devices/bad"), "{").unwrap();
        let e = state.read("bad").unwrap_err().to_string();
        assert!(e.starts_with("gpu/devices: state file "), "{e}");
    }
}
