//! `posix/cpu` and `posix/mem`: no isolation, only usage, summed over a container's process
//! tree as /proc shows it.

pub mod cpu;
pub mod mem;
mod procfs;

pub use procfs::{ProcStat, Procfs};

use crate::containers::Containers;
use modkit_ffi::resources::Resources;
use modkit_ffi::types::{ContainerConfig, ContainerState};

/// What a posix isolator knows of a container.
#[derive(Clone, Debug, Default)]
struct PosixInfo {
    pid: Option<i32>,
    resources: Resources,
}

/// The state both posix isolators keep.
struct Tracker {
    procfs: Procfs,
    containers: Containers<PosixInfo>,
}

impl Tracker {
    fn new(name: &'static str, procfs: Procfs) -> Self {
        Tracker {
            procfs,
            containers: Containers::new(name),
        }
    }

    fn recover(&self, states: &[ContainerState]) {
        for state in states {
            let pid = i32::try_from(state.pid).ok().filter(|p| *p > 0);
            self.containers.insert(
                &state.container_id.to_string(),
                PosixInfo {
                    pid,
                    resources: Resources::default(),
                },
            );
        }
    }

    fn prepare(
        &self,
        container_id: &str,
        config: &ContainerConfig,
    ) -> Result<(), crate::IsolatorError> {
        self.containers.ensure_new(container_id)?;
        self.containers.insert(
            container_id,
            PosixInfo {
                pid: None,
                resources: config.resources.clone(),
            },
        );
        Ok(())
    }

    fn isolate(&self, container_id: &str, pid: i32) -> Result<(), crate::IsolatorError> {
        self.containers.with(container_id, |i| i.pid = Some(pid))
    }

    fn update(
        &self,
        container_id: &str,
        resources: &Resources,
    ) -> Result<(), crate::IsolatorError> {
        self.containers
            .with(container_id, |i| i.resources = resources.clone())
    }

    /// The container's processes now (none before `isolate` or once they are gone).
    fn tree(&self, container_id: &str) -> Result<(Vec<ProcStat>, Resources), crate::IsolatorError> {
        let info = self.containers.with(container_id, |i| i.clone())?;
        let tree = info
            .pid
            .map(|pid| self.procfs.tree(pid))
            .unwrap_or_default();
        Ok((tree, info.resources))
    }

    fn cleanup(&self, container_id: &str) {
        self.containers.remove(container_id);
    }
}

#[cfg(test)]
mod tests {
    use super::procfs::fake::process;
    use super::*;
    use crate::cgroups::fake::config;
    use crate::sys;
    use modkit_ffi::sdk::Isolator;
    use modkit_ffi::types::ContainerId;

    fn fake_proc() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        process(dir.path(), 100, 1, 300, 100, 10);
        process(dir.path(), 101, 100, 100, 0, 5);
        process(dir.path(), 200, 1, 999, 999, 999);
        dir
    }

    #[test]
    fn cpu_sums_the_tree() {
        let proc = fake_proc();
        let cpu = cpu::PosixCpuIsolator::with_procfs(Procfs::at(proc.path()));
        cpu.prepare("c1", &config("cpus:2")).unwrap();
        let before = cpu.usage("c1").unwrap();
        assert_eq!(before.processes, Some(0), "nothing isolated yet");
        cpu.isolate("c1", 100).unwrap();
        let hz = sys::clock_ticks_per_second() as f64;
        let stats = cpu.usage("c1").unwrap();
        assert_eq!(stats.cpus_user_time_secs, Some(400.0 / hz));
        assert_eq!(stats.cpus_system_time_secs, Some(100.0 / hz));
        assert_eq!(stats.processes, Some(2));
        assert_eq!(stats.threads, Some(4));
        assert_eq!(stats.cpus_limit, Some(2.0));
        cpu.cleanup("c1").unwrap();
        cpu.cleanup("c1").unwrap();
        assert!(cpu.usage("c1").is_err());
        assert!(cpu.isolate("c9", 1).is_err());
    }

    #[test]
    fn mem_sums_rss_and_recovers_pids() {
        let proc = fake_proc();
        let mem = mem::PosixMemIsolator::with_procfs(Procfs::at(proc.path()));
        mem.recover(
            &[ContainerState {
                container_id: ContainerId::new("c1"),
                pid: 100,
                directory: "/tmp".into(),
                ..Default::default()
            }],
            &[],
        )
        .unwrap();
        let stats = mem.usage("c1").unwrap();
        assert_eq!(stats.mem_rss_bytes, Some(15 * sys::page_size()));
        assert_eq!(stats.processes, Some(2));
        mem.update("c1", &"mem:64".parse().unwrap()).unwrap();
        assert_eq!(mem.usage("c1").unwrap().mem_limit_bytes, Some(64 << 20));
        std::fs::remove_dir_all(proc.path().join("100")).unwrap();
        std::fs::remove_dir_all(proc.path().join("101")).unwrap();
        assert_eq!(mem.usage("c1").unwrap().processes, Some(0), "all gone");
        assert!(
            mem.prepare("c1", &config("mem:1")).is_err(),
            "already known"
        );
    }
}
