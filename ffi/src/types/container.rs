//! Mesos's `ContainerInfo`: the container a task or executor asks for.

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;
use super::{Labels, LinuxInfo, Parameter, RLimitInfo};

wire_enum! {
    /// The containerizer a container is meant for.
    #[derive(Default)]
    pub enum ContainerType {
        Docker = 1 => "DOCKER",
        #[default]
        Mesos = 2 => "MESOS",
    }
}

wire_enum! {
    /// Whether a volume is writable.
    #[derive(Default)]
    pub enum VolumeMode {
        #[default]
        Rw = 1 => "RW",
        Ro = 2 => "RO",
    }
}

wire_enum! {
    /// The image format.
    pub enum ImageType {
        Appc = 1 => "APPC",
        Docker = 2 => "DOCKER",
    }
}

/// An App Container image.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AppcImage {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
}

/// A Docker image reference (`[REGISTRY/]REPOSITORY[:TAG|@DIGEST]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DockerImage {
    pub name: String,
    /// A `Secret` holding a docker config, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<serde_json::Value>,
}

/// Mesos's `Image`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Image {
    pub r#type: ImageType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appc: Option<AppcImage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker: Option<DockerImage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached: Option<bool>,
}

/// A host path or image mounted into the container.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    pub mode: VolumeMode,
    pub container_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// Mesos's `Volume.Source` (docker volume, host path, sandbox path, secret), as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<serde_json::Value>,
}

wire_enum! {
    /// Docker networking modes.
    pub enum DockerNetwork {
        Host = 1 => "HOST",
        Bridge = 2 => "BRIDGE",
        None = 3 => "NONE",
        User = 4 => "USER",
    }
}

/// A Docker port mapping.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DockerPortMapping {
    pub host_port: u32,
    pub container_port: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

/// Mesos's `ContainerInfo.DockerInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DockerInfo {
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<DockerNetwork>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub port_mappings: Vec<DockerPortMapping>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_pull_image: Option<bool>,
}

/// Mesos's `ContainerInfo.MesosInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MesosInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
}

/// Mesos's `ContainerInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerInfo {
    pub r#type: ContainerType,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker: Option<DockerInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesos: Option<MesosInfo>,
    /// Mesos's `NetworkInfo` list, kept as JSON for network modules to read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network_infos: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linux_info: Option<LinuxInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rlimit_info: Option<RLimitInfo>,
    /// Mesos's `TTYInfo`, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tty_info: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{LinuxCapability, RLimitType};
    use serde_json::json;

    #[test]
    fn reads_a_mesos_container() {
        let sample = json!({
            "type": "MESOS",
            "mesos": {"image": {"type": "DOCKER", "docker": {"name": "library/alpine:3.19"}}},
            "volumes": [
                {"mode": "RO", "container_path": "/data", "host_path": "/srv/data"},
                {"mode": "RW", "container_path": "tmp",
                 "source": {"type": "SANDBOX_PATH", "sandbox_path": {"type": "PARENT", "path": "shared"}}}
            ],
            "network_infos": [{"name": "dcos", "ip_addresses": [{"protocol": "IPv4"}]}],
            "linux_info": {"effective_capabilities": {"capabilities": ["NET_RAW"]},
                           "share_pid_namespace": true},
            "rlimit_info": {"rlimits": [{"type": "RLMT_NOFILE", "soft": 1024, "hard": 4096}]},
            "hostname": "web-1",
            "future_field": [1, 2, 3]
        });
        let info: ContainerInfo = serde_json::from_value(sample).expect("valid");
        assert_eq!(info.r#type, ContainerType::Mesos);
        let image = info.mesos.as_ref().and_then(|m| m.image.as_ref());
        assert_eq!(image.map(|i| i.r#type), Some(ImageType::Docker));
        assert_eq!(
            image
                .and_then(|i| i.docker.as_ref())
                .map(|d| d.name.as_str()),
            Some("library/alpine:3.19")
        );
        assert_eq!(info.volumes[0].mode, VolumeMode::Ro);
        assert!(info.volumes[1].source.is_some());
        assert_eq!(info.network_infos.len(), 1);
        let linux = info.linux_info.clone().unwrap_or_default();
        assert_eq!(linux.share_pid_namespace, Some(true));
        assert_eq!(
            linux.effective_capabilities.map(|c| c.capabilities),
            Some(vec![LinuxCapability::NetRaw])
        );
        let rlimits = info.rlimit_info.clone().unwrap_or_default().rlimits;
        assert_eq!(rlimits[0].r#type, RLimitType::Nofile);
        let again: ContainerInfo =
            serde_json::from_value(serde_json::to_value(&info).expect("serializable"))
                .expect("valid");
        assert_eq!(again, info);
    }

    #[test]
    fn reads_a_docker_container() {
        let info: ContainerInfo = serde_json::from_value(json!({
            "type": "DOCKER",
            "docker": {"image": "nginx", "network": "BRIDGE", "privileged": false,
                       "port_mappings": [{"host_port": 31000, "container_port": 80, "protocol": "tcp"}],
                       "parameters": [{"key": "memory-swap", "value": "-1"}]}
        }))
        .expect("valid");
        let docker = info.docker.unwrap_or_default();
        assert_eq!(docker.network, Some(DockerNetwork::Bridge));
        assert_eq!(docker.port_mappings[0].host_port, 31000);
        assert!(serde_json::from_value::<ContainerInfo>(json!({"type": "RKT"})).is_err());
        assert!(serde_json::from_value::<ContainerInfo>(json!({})).is_err());
    }
}
