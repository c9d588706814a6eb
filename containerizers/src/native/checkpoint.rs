//! What survives an agent restart: one directory per container under `<work_dir>/meta`,
//! every file written whole (temp file, fsync, rename, fsync of the directory), so a crash
//! leaves either the old or the new content, never half.

use super::error::{ContainerizerError, Result};
use crate::model::{ContainerRequest, ContainerTermination};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const CONFIG: &str = "config.json";
pub const PID: &str = "pid.json";
pub const TERMINATION: &str = "termination.json";
/// Written by the launcher's supervisor when the task ends (the raw wait status).
pub const STATUS: &str = "status";

#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    pub fn new(meta_dir: &Path) -> Store {
        Store {
            root: meta_dir.join("containers"),
        }
    }

    /// A store rooted elsewhere: the external containerizer keeps its own under `meta/external`.
    pub fn at(root: PathBuf) -> Store {
        Store { root }
    }

    pub fn dir(&self, id: &str) -> PathBuf {
        self.root.join(id)
    }

    pub fn create(&self, id: &str) -> Result<PathBuf> {
        let dir = self.dir(id);
        fs::create_dir_all(&dir).map_err(|source| ContainerizerError::Io {
            id: id.to_string(),
            what: "create checkpoint directory",
            path: dir.clone(),
            source,
        })?;
        Ok(dir)
    }

    /// Writes `value` as JSON atomically and durably (fsync of the file and the directory).
    pub fn write<T: Serialize>(&self, id: &str, file: &str, value: &T) -> Result<()> {
        self.write_with(id, file, value, true)
    }

    /// Writes `value` atomically but leaves flushing to the kernel: enough against an agent
    /// crash (the page cache survives it). After a machine crash the container is gone
    /// anyway and recovery treats a torn file as corrupt.
    pub fn write_volatile<T: Serialize>(&self, id: &str, file: &str, value: &T) -> Result<()> {
        self.write_with(id, file, value, false)
    }

    fn write_with<T: Serialize>(
        &self,
        id: &str,
        file: &str,
        value: &T,
        durable: bool,
    ) -> Result<()> {
        let path = self.dir(id).join(file);
        let bytes =
            serde_json::to_vec_pretty(value).map_err(|e| ContainerizerError::Checkpoint {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        write_atomic(&path, &bytes, durable).map_err(|source| ContainerizerError::Io {
            id: id.to_string(),
            what: "write checkpoint",
            path,
            source,
        })
    }

    /// `Ok(None)` when the file is absent; an error naming the file when it is corrupt.
    pub fn read<T: DeserializeOwned>(&self, id: &str, file: &str) -> Result<Option<T>> {
        let path = self.dir(id).join(file);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(ContainerizerError::Io {
                    id: id.to_string(),
                    what: "read checkpoint",
                    path,
                    source,
                })
            }
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ContainerizerError::Checkpoint {
                path,
                reason: format!("corrupt or truncated: {e}"),
            })
    }

    /// Every checkpointed container id, sorted.
    pub fn ids(&self) -> Result<Vec<String>> {
        let entries = match fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(ContainerizerError::Checkpoint {
                    path: self.root.clone(),
                    reason: e.to_string(),
                })
            }
        };
        let mut ids: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// After a restart: each of `ids` that had ended (its `termination` file) goes to
    /// `ended`; the others' requests (their `request` file, named `what` in reasons) come back,
    /// and those that cannot be read go to `corrupt` with the reason.
    pub fn unended(
        &self,
        ids: &[String],
        (termination, request, what): (&str, &str, &str),
        mut ended: impl FnMut(&str, ContainerTermination),
        corrupt: &mut Vec<(String, String)>,
    ) -> Vec<ContainerRequest> {
        let mut requests = Vec::new();
        for id in ids {
            match self.read(id, termination) {
                Ok(Some(end)) => {
                    ended(id, end);
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(container = %id, "{e}"),
            }
            match self.read::<ContainerRequest>(id, request) {
                Ok(Some(r)) if r.container_id == *id => requests.push(r),
                Ok(Some(_)) => {
                    corrupt.push((id.clone(), format!("its {what} names another container")))
                }
                Ok(None) => corrupt.push((id.clone(), format!("its {what} is missing"))),
                Err(e) => corrupt.push((id.clone(), e.to_string())),
            }
        }
        requests
    }

    pub fn remove(&self, id: &str) -> Result<()> {
        let dir = self.dir(id);
        match fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(ContainerizerError::Io {
                id: id.to_string(),
                what: "remove checkpoint",
                path: dir,
                source,
            }),
        }
    }
}

/// Temp file in the same directory, rename over; `durable` adds an fsync of the file before
/// the rename and of the directory after.
pub fn write_atomic(path: &Path, bytes: &[u8], durable: bool) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        if durable {
            file.sync_all()?;
        }
    }
    fs::rename(&tmp, path)?;
    if durable {
        fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.create("c1").unwrap();
        store.write("c1", PID, &42u32).unwrap();
        assert_eq!(store.read::<u32>("c1", PID).unwrap(), Some(42));
        store.write_volatile("c1", TERMINATION, &7u32).unwrap();
        assert_eq!(store.read::<u32>("c1", TERMINATION).unwrap(), Some(7));
        assert_eq!(store.read::<u32>("c1", CONFIG).unwrap(), None);
        assert_eq!(store.ids().unwrap(), vec!["c1".to_string()]);
        assert!(!store.dir("c1").join(".pid.json.tmp").exists());
        store.remove("c1").unwrap();
        store.remove("c1").unwrap();
        assert!(store.ids().unwrap().is_empty());
    }

    #[test]
    fn truncated_checkpoint_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.create("c2").unwrap();
        fs::write(store.dir("c2").join(CONFIG), b"{\"container_id\": ").unwrap();
        let err = store
            .read::<serde_json::Value>("c2", CONFIG)
            .unwrap_err()
            .to_string();
        assert!(err.contains("c2/config.json"), "{err}");
        assert!(err.contains("corrupt or truncated"), "{err}");
    }

    #[test]
    fn no_meta_dir_means_no_containers() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Store::new(&dir.path().join("absent"))
            .ids()
            .unwrap()
            .is_empty());
    }
}
