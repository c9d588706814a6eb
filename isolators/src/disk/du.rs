//! The `disk/du` isolator: one thread walks every sandbox each watch interval; usage reports
//! what the last walk found; an enforced quota raises `REASON_CONTAINER_LIMITATION_DISK`.

use super::{DiskFlags, Walker};
use crate::bytes::format_bytes;
use crate::periodic::Periodic;
use crate::{sys, IsolatorError};
use modkit_ffi::resources::Resources;
use modkit_ffi::sdk::{
    Create, Host, Isolator, LimitationSink, LogLevel, ModuleError, Parameters, Result,
};
use modkit_ffi::types::{
    ContainerConfig, ContainerId, ContainerLaunchInfo, ContainerLimitation, ContainerState, Reason,
    ResourceStatistics,
};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

const NAME: &str = "disk/du";
const MB: f64 = (1u64 << 20) as f64;

/// Mesos's message for a sandbox over its quota.
pub fn quota_message(used: u64, quota: u64) -> String {
    format!(
        "Disk usage ({}) exceeds quota ({})",
        format_bytes(used),
        format_bytes(quota)
    )
}

#[derive(Default)]
struct Measured {
    /// Bytes allowed and the `disk` resources they come from; none after a recovery until
    /// the next update, or when the container asked for no disk.
    quota: Option<(u64, Resources)>,
    used: Option<u64>,
    sink: Option<LimitationSink>,
    raised: bool,
    /// The last walk error was logged (not every interval).
    warned: bool,
}

struct Sandbox {
    directory: PathBuf,
    measured: Mutex<Measured>,
}

impl Sandbox {
    fn lock(&self) -> MutexGuard<'_, Measured> {
        self.measured.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn quota(resources: &Resources) -> Option<(u64, Resources)> {
    let disk = resources.scalar("disk")?;
    let bytes = (disk.as_f64().max(0.0) * MB) as u64;
    Some((bytes, resources.filter(|r| r.name == "disk")))
}

/// Walks each due sandbox and records (and, enforcing, judges) the result.
fn check(walker: Walker, enforce: bool, batch: &[(String, Arc<Sandbox>)]) {
    for (container_id, sandbox) in batch {
        let walked = walker.measure(&sandbox.directory);
        let mut measured = sandbox.lock();
        let usage = match walked {
            Ok(usage) => usage,
            Err(e) => {
                if !measured.warned {
                    tracing::warn!(container = %container_id, "{NAME}: {e}");
                    measured.warned = true;
                }
                continue;
            }
        };
        if usage.unreadable > 0 && !measured.warned {
            tracing::warn!(
                container = %container_id,
                "{NAME}: {} entries under {} could not be read; usage may be low",
                usage.unreadable,
                sandbox.directory.display()
            );
            measured.warned = true;
        }
        measured.used = Some(usage.bytes);
        let Some((limit, resources)) = measured.quota.clone() else {
            continue;
        };
        if !enforce || usage.bytes <= limit || measured.raised {
            continue;
        }
        let Some(sink) = measured.sink.clone() else {
            continue;
        };
        measured.raised = true;
        drop(measured);
        let message = quota_message(usage.bytes, limit);
        tracing::info!(container = %container_id, "{NAME}: {message}");
        sink.raise(ContainerLimitation::new(
            resources,
            message,
            Reason::ContainerLimitationDisk,
        ));
    }
}

pub struct DiskDuIsolator {
    sandboxes: Periodic<Sandbox>,
}

impl Create for DiskDuIsolator {
    fn create(host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&[])?;
        Ok(DiskDuIsolator::new(DiskFlags::from_lookup(|name| {
            host.flag(name)
        })?))
    }
}

impl DiskDuIsolator {
    pub fn new(flags: DiskFlags) -> Self {
        let walker = Walker::default();
        let enforce = flags.enforce;
        DiskDuIsolator {
            sandboxes: Periodic::new(NAME, "modkit-disk-du", flags.watch_interval, move |batch| {
                check(walker, enforce, batch)
            }),
        }
    }

    fn sandbox(&self, container_id: &str) -> Result<Arc<Sandbox>, IsolatorError> {
        self.sandboxes.get(container_id)
    }

    fn add(&self, container_id: &str, sandbox: Sandbox) -> Result<()> {
        self.sandboxes
            .insert(container_id, Arc::new(sandbox))
            .map_err(|e| {
                ModuleError::failed(format!(
                    "{NAME}: container {container_id}: cannot start the disk watch thread: {e}"
                ))
            })
    }
}

impl Isolator for DiskDuIsolator {
    fn recover(&self, states: &[ContainerState], _orphans: &[ContainerId]) -> Result<()> {
        for state in states {
            let id = state.container_id.to_string();
            if state.directory.is_empty() || self.sandboxes.contains(&id) {
                continue;
            }
            self.add(
                &id,
                Sandbox {
                    directory: PathBuf::from(&state.directory),
                    measured: Mutex::default(),
                },
            )?;
        }
        Ok(())
    }

    fn prepare(
        &self,
        container_id: &str,
        config: &ContainerConfig,
    ) -> Result<Option<ContainerLaunchInfo>> {
        self.sandboxes.ensure_new(container_id)?;
        if config.directory.is_empty() {
            return Err(IsolatorError::InvalidContainer {
                isolator: NAME,
                container_id: container_id.to_string(),
                reason: "the container has no sandbox directory to measure".into(),
            }
            .into());
        }
        self.add(
            container_id,
            Sandbox {
                directory: PathBuf::from(&config.directory),
                measured: Mutex::new(Measured {
                    quota: quota(&config.resources),
                    ..Measured::default()
                }),
            },
        )?;
        Ok(None)
    }

    fn isolate(&self, container_id: &str, _pid: i32) -> Result<()> {
        self.sandbox(container_id)?;
        // A first figure now rather than one interval later.
        self.sandboxes.check_soon(container_id);
        Ok(())
    }

    fn watch(&self, container_id: &str, sink: LimitationSink) -> Result<()> {
        self.sandbox(container_id)?.lock().sink = Some(sink);
        self.sandboxes.check_soon(container_id);
        Ok(())
    }

    fn update(&self, container_id: &str, resources: &Resources) -> Result<()> {
        self.sandbox(container_id)?.lock().quota = quota(resources);
        Ok(())
    }

    fn usage(&self, container_id: &str) -> Result<ResourceStatistics> {
        let sandbox = self.sandbox(container_id)?;
        let measured = sandbox.lock();
        Ok(ResourceStatistics {
            timestamp: sys::now(),
            disk_limit_bytes: measured.quota.as_ref().map(|(limit, _)| *limit),
            disk_used_bytes: measured.used,
            ..ResourceStatistics::default()
        })
    }

    fn cleanup(&self, container_id: &str) -> Result<()> {
        self.sandboxes.remove(container_id);
        Ok(())
    }
}

modkit_ffi::export_module!(org_modkit_DiskDuIsolator: Isolator = DiskDuIsolator {
    author: "modkit",
    email: "",
    description: "disk/du: sandbox disk usage every --container_disk_watch_interval; enforces the disk quota with --enforce_container_disk_quota",
});

/// `posix/disk`, Mesos's old name for `disk/du`: the same isolator, with a warning at create.
pub struct PosixDiskIsolator(DiskDuIsolator);

impl Create for PosixDiskIsolator {
    fn create(host: &Host, params: &Parameters) -> Result<Self> {
        host.log(
            LogLevel::Warn,
            "posix/disk",
            "the posix/disk isolator is deprecated: use disk/du (same flags, same behaviour)",
        );
        Ok(PosixDiskIsolator(DiskDuIsolator::create(host, params)?))
    }
}

impl Isolator for PosixDiskIsolator {
    fn recover(&self, states: &[ContainerState], orphans: &[ContainerId]) -> Result<()> {
        self.0.recover(states, orphans)
    }
    fn prepare(
        &self,
        container_id: &str,
        config: &ContainerConfig,
    ) -> Result<Option<ContainerLaunchInfo>> {
        self.0.prepare(container_id, config)
    }
    fn isolate(&self, container_id: &str, pid: i32) -> Result<()> {
        self.0.isolate(container_id, pid)
    }
    fn watch(&self, container_id: &str, sink: LimitationSink) -> Result<()> {
        self.0.watch(container_id, sink)
    }
    fn update(&self, container_id: &str, resources: &Resources) -> Result<()> {
        self.0.update(container_id, resources)
    }
    fn usage(&self, container_id: &str) -> Result<ResourceStatistics> {
        self.0.usage(container_id)
    }
    fn cleanup(&self, container_id: &str) -> Result<()> {
        self.0.cleanup(container_id)
    }
}

modkit_ffi::export_module!(org_modkit_PosixDiskIsolator: Isolator = PosixDiskIsolator {
    author: "modkit",
    email: "",
    description: "posix/disk: deprecated name of disk/du",
});

#[cfg(test)]
mod tests;
