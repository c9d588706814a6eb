//! What isolators receive and return: Mesos's `mesos.slave` container records.

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;
use super::{
    CapabilityInfo, CommandInfo, ContainerId, ContainerInfo, Environment, ExecutorInfo, RLimitInfo,
    TaskInfo, TypesError,
};
use crate::resources::Resources;

wire_enum! {
    /// Lets isolators treat debug containers (e.g. `mesos task exec`) differently.
    pub enum ContainerClass {
        Default = 1 => "DEFAULT",
        Debug = 2 => "DEBUG",
    }
}

/// Mesos's `ContainerConfig`: what `prepare()` gets.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerConfig {
    /// Absent for nested and standalone containers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_info: Option<ExecutorInfo>,
    /// Present only for command tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_info: Option<TaskInfo>,
    pub command_info: CommandInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_info: Option<ContainerInfo>,
    #[serde(default, skip_serializing_if = "Resources::is_empty")]
    pub resources: Resources,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_class: Option<ContainerClass>,
    /// The sandbox on the host.
    pub directory: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rootfs: Option<String>,
    /// The Docker image manifest, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker: Option<serde_json::Value>,
    /// The Appc image manifest, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appc: Option<serde_json::Value>,
}

/// One mount the launcher performs in the container.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContainerMountInfo {
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<String>,
}

/// Mesos's `ContainerLaunchInfo`: what `prepare()` returns.
///
/// Namespaces are names (`pid`, `mnt`, `net`, ...) rather than Mesos's `CLONE_NEW*` flag
/// numbers, so the record does not depend on the platform's headers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerLaunchInfo {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pre_exec_commands: Vec<CommandInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rootfs: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enter_namespaces: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clone_namespaces: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<ContainerMountInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_capabilities: Option<CapabilityInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounding_capabilities: Option<CapabilityInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rlimits: Option<RLimitInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tty_slave_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_environment: Option<Environment>,
}

/// Keeps `ours`, takes `theirs` when unset, and fails when both are set differently.
fn merge_single<T: Clone + PartialEq + Serialize>(
    field: &'static str,
    ours: &mut Option<T>,
    theirs: &Option<T>,
) -> Result<(), TypesError> {
    match (ours.as_ref(), theirs) {
        (Some(first), Some(second)) if first != second => Err(TypesError::LaunchConflict {
            field,
            first: serde_json::to_string(first).unwrap_or_default(),
            second: serde_json::to_string(second).unwrap_or_default(),
        }),
        (None, Some(_)) => {
            ours.clone_from(theirs);
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Appends the names of `theirs` that `ours` lacks.
fn union_names(ours: &mut Vec<String>, theirs: &[String]) {
    for name in theirs {
        if !ours.contains(name) {
            ours.push(name.clone());
        }
    }
}

impl ContainerLaunchInfo {
    /// Combines the launch infos of isolators run in `--isolation` order: lists are
    /// appended, namespaces and rlimits united, environments merged (later isolators win),
    /// and single values must agree.
    pub fn merge(&mut self, other: &ContainerLaunchInfo) -> Result<(), TypesError> {
        merge_single("rootfs", &mut self.rootfs, &other.rootfs)?;
        merge_single("user", &mut self.user, &other.user)?;
        merge_single("command", &mut self.command, &other.command)?;
        merge_single(
            "working_directory",
            &mut self.working_directory,
            &other.working_directory,
        )?;
        merge_single(
            "tty_slave_path",
            &mut self.tty_slave_path,
            &other.tty_slave_path,
        )?;
        merge_single(
            "effective_capabilities",
            &mut self.effective_capabilities,
            &other.effective_capabilities,
        )?;
        merge_single(
            "bounding_capabilities",
            &mut self.bounding_capabilities,
            &other.bounding_capabilities,
        )?;
        self.pre_exec_commands
            .extend(other.pre_exec_commands.iter().cloned());
        self.mounts.extend(other.mounts.iter().cloned());
        union_names(&mut self.clone_namespaces, &other.clone_namespaces);
        union_names(&mut self.enter_namespaces, &other.enter_namespaces);
        for (ours, theirs) in [
            (&mut self.environment, &other.environment),
            (&mut self.task_environment, &other.task_environment),
        ] {
            if let Some(theirs) = theirs {
                ours.get_or_insert_with(Environment::default).merge(theirs);
            }
        }
        if let Some(theirs) = &other.rlimits {
            let ours = self.rlimits.get_or_insert_with(RLimitInfo::default);
            for rlimit in &theirs.rlimits {
                ours.rlimits.retain(|held| held.r#type != rlimit.r#type);
                ours.rlimits.push(rlimit.clone());
            }
        }
        Ok(())
    }
}

/// Mesos's `ContainerState`: a checkpointed container, given to `recover()`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerState {
    /// Only for top-level containers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_info: Option<ExecutorInfo>,
    pub container_id: ContainerId,
    /// The container's init process.
    pub pid: u64,
    /// The sandbox on the host.
    pub directory: String,
}

/// Mesos's `ContainerRecoverInfo`: everything `recover()` gets.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerRecoverInfo {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checkpointed_container_states: Vec<ContainerState>,
    /// Top-level containers the launcher knows but the agent did not checkpoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orphan_container_ids: Vec<ContainerId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub known_container_ids: Vec<ContainerId>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{LinuxCapability, RLimit, RLimitType};
    use serde_json::json;

    #[test]
    fn reads_a_container_config() {
        let sample = json!({
            "executor_info": {"executor_id": {"value": "web.1"}, "framework_id": {"value": "fw"},
                              "command": {"value": "mesos-executor"}},
            "task_info": {"name": "web", "task_id": {"value": "web.1"}, "agent_id": {"value": "S1"},
                          "command": {"value": "sleep 100"}},
            "command_info": {"value": "mesos-executor"},
            "container_info": {"type": "MESOS"},
            "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 1.1}},
                          {"name": "mem", "type": "SCALAR", "scalar": {"value": 160}}],
            "container_class": "DEFAULT",
            "directory": "/var/lib/modkit/slaves/S1/frameworks/fw/executors/web.1/runs/8a3c",
            "user": "nobody",
            "docker": {"manifest": {"id": "sha256:x"}}
        });
        let config: ContainerConfig = serde_json::from_value(sample).expect("valid");
        assert_eq!(config.resources.to_string(), "cpus:1.1;mem:160");
        assert_eq!(config.container_class, Some(ContainerClass::Default));
        assert_eq!(
            config.task_info.as_ref().map(|t| t.name.as_str()),
            Some("web")
        );
        let again: ContainerConfig =
            serde_json::from_value(serde_json::to_value(&config).expect("serializable"))
                .expect("valid");
        assert_eq!(again, config);
        assert!(serde_json::from_value::<ContainerConfig>(json!({"directory": "/x"})).is_err());
    }

    #[test]
    fn launch_info_json() {
        let info = ContainerLaunchInfo {
            environment: Some([("A", "1")].into_iter().collect()),
            clone_namespaces: vec!["pid".into(), "mnt".into()],
            pre_exec_commands: vec![CommandInfo::shell("mount -t proc proc /proc")],
            effective_capabilities: Some(CapabilityInfo {
                capabilities: vec![LinuxCapability::NetBindService],
            }),
            working_directory: Some("/mnt/mesos/sandbox".into()),
            ..ContainerLaunchInfo::default()
        };
        let written = serde_json::to_value(&info).expect("serializable");
        assert_eq!(
            written,
            json!({
                "pre_exec_commands": [{"shell": true, "value": "mount -t proc proc /proc"}],
                "environment": {"variables": [{"name": "A", "type": "VALUE", "value": "1"}]},
                "clone_namespaces": ["pid", "mnt"],
                "working_directory": "/mnt/mesos/sandbox",
                "effective_capabilities": {"capabilities": ["NET_BIND_SERVICE"]}
            })
        );
        let back: ContainerLaunchInfo = serde_json::from_value(written).expect("valid");
        assert_eq!(back, info);
    }

    #[test]
    fn launch_infos_merge_in_isolation_order() {
        let mut total = ContainerLaunchInfo {
            clone_namespaces: vec!["pid".into()],
            environment: Some([("A", "1"), ("B", "1")].into_iter().collect()),
            pre_exec_commands: vec![CommandInfo::shell("first")],
            rlimits: Some(RLimitInfo {
                rlimits: vec![RLimit {
                    r#type: RLimitType::Nofile,
                    hard: Some(1),
                    soft: Some(1),
                }],
            }),
            ..ContainerLaunchInfo::default()
        };
        let second = ContainerLaunchInfo {
            clone_namespaces: vec!["pid".into(), "mnt".into()],
            environment: Some([("B", "2")].into_iter().collect()),
            pre_exec_commands: vec![CommandInfo::shell("second")],
            working_directory: Some("/w".into()),
            rlimits: Some(RLimitInfo {
                rlimits: vec![RLimit {
                    r#type: RLimitType::Nofile,
                    hard: Some(9),
                    soft: Some(9),
                }],
            }),
            ..ContainerLaunchInfo::default()
        };
        assert_eq!(total.merge(&second), Ok(()));
        assert_eq!(total.clone_namespaces, vec!["pid", "mnt"]);
        let environment = total.environment.clone().unwrap_or_default();
        assert_eq!(
            (environment.get("A"), environment.get("B")),
            (Some("1"), Some("2"))
        );
        let commands: Vec<_> = total
            .pre_exec_commands
            .iter()
            .filter_map(|c| c.value.as_deref())
            .collect();
        assert_eq!(commands, vec!["first", "second"]);
        assert_eq!(total.working_directory.as_deref(), Some("/w"));
        let rlimits = total.rlimits.clone().unwrap_or_default().rlimits;
        assert_eq!((rlimits.len(), rlimits[0].hard), (1, Some(9)));
        assert_eq!(total.merge(&second), Ok(()));
        let conflicting = ContainerLaunchInfo {
            working_directory: Some("/other".into()),
            ..ContainerLaunchInfo::default()
        };
        assert_eq!(
            total.merge(&conflicting).map_err(|e| e.to_string()),
            Err(
                "conflicting launch info: 'working_directory' is set to both \"/w\" and \"/other\""
                    .to_string()
            )
        );
    }

    #[test]
    fn reads_recover_info() {
        let info: ContainerRecoverInfo = serde_json::from_value(json!({
            "checkpointed_container_states": [{
                "container_id": {"value": "8a3c"}, "pid": 4242,
                "directory": "/var/lib/modkit/runs/8a3c",
                "executor_info": {"executor_id": {"value": "e"}}
            }],
            "orphan_container_ids": [{"value": "dead"}],
            "known_container_ids": [{"value": "8a3c"}, {"value": "dead"},
                                    {"value": "child", "parent": {"value": "8a3c"}}]
        }))
        .expect("valid");
        assert_eq!(info.checkpointed_container_states[0].pid, 4242);
        assert_eq!(info.known_container_ids[2].to_string(), "8a3c.child");
        assert_eq!(info.orphan_container_ids, vec![ContainerId::new("dead")]);
    }
}
