//! Linux container settings: capabilities, rlimits and namespace sharing.

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;

wire_enum! {
    /// A Linux capability as Mesos names it; the proto number is the Linux number + 1000.
    pub enum LinuxCapability {
        Chown = 1000 => "CHOWN",
        DacOverride = 1001 => "DAC_OVERRIDE",
        DacReadSearch = 1002 => "DAC_READ_SEARCH",
        Fowner = 1003 => "FOWNER",
        Fsetid = 1004 => "FSETID",
        Kill = 1005 => "KILL",
        Setgid = 1006 => "SETGID",
        Setuid = 1007 => "SETUID",
        Setpcap = 1008 => "SETPCAP",
        LinuxImmutable = 1009 => "LINUX_IMMUTABLE",
        NetBindService = 1010 => "NET_BIND_SERVICE",
        NetBroadcast = 1011 => "NET_BROADCAST",
        NetAdmin = 1012 => "NET_ADMIN",
        NetRaw = 1013 => "NET_RAW",
        IpcLock = 1014 => "IPC_LOCK",
        IpcOwner = 1015 => "IPC_OWNER",
        SysModule = 1016 => "SYS_MODULE",
        SysRawio = 1017 => "SYS_RAWIO",
        SysChroot = 1018 => "SYS_CHROOT",
        SysPtrace = 1019 => "SYS_PTRACE",
        SysPacct = 1020 => "SYS_PACCT",
        SysAdmin = 1021 => "SYS_ADMIN",
        SysBoot = 1022 => "SYS_BOOT",
        SysNice = 1023 => "SYS_NICE",
        SysResource = 1024 => "SYS_RESOURCE",
        SysTime = 1025 => "SYS_TIME",
        SysTtyConfig = 1026 => "SYS_TTY_CONFIG",
        Mknod = 1027 => "MKNOD",
        Lease = 1028 => "LEASE",
        AuditWrite = 1029 => "AUDIT_WRITE",
        AuditControl = 1030 => "AUDIT_CONTROL",
        Setfcap = 1031 => "SETFCAP",
        MacOverride = 1032 => "MAC_OVERRIDE",
        MacAdmin = 1033 => "MAC_ADMIN",
        Syslog = 1034 => "SYSLOG",
        WakeAlarm = 1035 => "WAKE_ALARM",
        BlockSuspend = 1036 => "BLOCK_SUSPEND",
        AuditRead = 1037 => "AUDIT_READ",
    }
}

impl LinuxCapability {
    /// The kernel's capability number (`CAP_CHOWN` is 0), for capset(2).
    pub fn linux_number(self) -> u32 {
        // Codes run from 1000 upwards, so this never wraps.
        (self.code() - 1000).unsigned_abs()
    }
}

/// Mesos's `CapabilityInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CapabilityInfo {
    #[serde(default)]
    pub capabilities: Vec<LinuxCapability>,
}

wire_enum! {
    /// How a container's IPC namespace is set up.
    pub enum IpcMode {
        Unknown = 0 => "UNKNOWN",
        Private = 1 => "PRIVATE",
        ShareParent = 2 => "SHARE_PARENT",
    }
}

/// Mesos's `LinuxInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinuxInfo {
    /// Deprecated by Mesos in favour of `effective_capabilities`; still read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability_info: Option<CapabilityInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounding_capabilities: Option<CapabilityInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_capabilities: Option<CapabilityInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_pid_namespace: Option<bool>,
    /// Mesos's `SeccompInfo`, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seccomp: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipc_mode: Option<IpcMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shm_size: Option<u32>,
}

wire_enum! {
    /// A POSIX resource limit as Mesos names it (`RLMT_NOFILE` is `RLIMIT_NOFILE`).
    #[derive(Default)]
    pub enum RLimitType {
        #[default]
        Unknown = 0 => "UNKNOWN",
        As = 1 => "RLMT_AS",
        Core = 2 => "RLMT_CORE",
        Cpu = 3 => "RLMT_CPU",
        Data = 4 => "RLMT_DATA",
        Fsize = 5 => "RLMT_FSIZE",
        Locks = 6 => "RLMT_LOCKS",
        Memlock = 7 => "RLMT_MEMLOCK",
        Msgqueue = 8 => "RLMT_MSGQUEUE",
        Nice = 9 => "RLMT_NICE",
        Nofile = 10 => "RLMT_NOFILE",
        Nproc = 11 => "RLMT_NPROC",
        Rss = 12 => "RLMT_RSS",
        Rtprio = 13 => "RLMT_RTPRIO",
        Rttime = 14 => "RLMT_RTTIME",
        Sigpending = 15 => "RLMT_SIGPENDING",
        Stack = 16 => "RLMT_STACK",
    }
}

/// One rlimit; both limits unset means unlimited, as in Mesos.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RLimit {
    #[serde(default)]
    pub r#type: RLimitType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hard: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft: Option<u64>,
}

/// Mesos's `RLimitInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RLimitInfo {
    #[serde(default)]
    pub rlimits: Vec<RLimit>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_linux_info() {
        let info: LinuxInfo = serde_json::from_value(json!({
            "effective_capabilities": {"capabilities": ["NET_BIND_SERVICE", "CHOWN"]},
            "bounding_capabilities": {"capabilities": [1012]},
            "share_pid_namespace": false,
            "ipc_mode": "PRIVATE"
        }))
        .expect("valid");
        let effective = info.effective_capabilities.unwrap_or_default().capabilities;
        assert_eq!(
            effective,
            vec![LinuxCapability::NetBindService, LinuxCapability::Chown]
        );
        assert_eq!(effective[0].linux_number(), 10);
        assert_eq!(LinuxCapability::AuditRead.linux_number(), 37);
        let bounding = info.bounding_capabilities.unwrap_or_default().capabilities;
        assert_eq!(bounding, vec![LinuxCapability::NetAdmin]);
        assert_eq!(info.ipc_mode, Some(IpcMode::Private));
        assert!(serde_json::from_value::<CapabilityInfo>(json!({"capabilities":["FLY"]})).is_err());
    }

    #[test]
    fn rlimits_round_trip() {
        let json = json!({"rlimits":[{"type":"RLMT_NOFILE","hard":4096,"soft":1024},{"type":"RLMT_CORE"}]});
        let info: RLimitInfo = serde_json::from_value(json.clone()).expect("valid");
        assert_eq!(info.rlimits[0].r#type, RLimitType::Nofile);
        assert_eq!(info.rlimits[1].hard, None);
        assert_eq!(serde_json::to_value(&info).ok(), Some(json));
    }
}
