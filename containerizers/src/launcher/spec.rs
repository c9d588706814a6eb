//! What the containerizer asks the launcher for: one task, its environment and its isolation.

use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::LaunchError;

/// The namespaces the supervisor is cloned into. The default shares all of the agent's. `pid`
/// gets its own `/proc` only together with `mount`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Namespaces {
    pub pid: bool,
    pub mount: bool,
    pub ipc: bool,
    pub uts: bool,
    pub net: bool,
}

impl Namespaces {
    /// The `clone(2)` flags for these namespaces.
    pub fn clone_flags(&self) -> libc::c_int {
        let mut flags = 0;
        for (wanted, flag) in [
            (self.pid, libc::CLONE_NEWPID),
            (self.mount, libc::CLONE_NEWNS),
            (self.ipc, libc::CLONE_NEWIPC),
            (self.uts, libc::CLONE_NEWUTS),
            (self.net, libc::CLONE_NEWNET),
        ] {
            if wanted {
                flags |= flag;
            }
        }
        flags
    }

    /// Names for messages, e.g. "pid,mount" ("none" when all are shared).
    pub fn names(&self) -> String {
        let names: Vec<&str> = [
            (self.pid, "pid"),
            (self.mount, "mount"),
            (self.ipc, "ipc"),
            (self.uts, "uts"),
            (self.net, "net"),
        ]
        .iter()
        .filter(|(wanted, _)| *wanted)
        .map(|(_, name)| *name)
        .collect();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(",")
        }
    }
}

/// The resources of `setrlimit(2)`; the same set as Mesos' `RLimitInfo` (`RLMT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RlimitKind {
    As,
    Core,
    Cpu,
    Data,
    Fsize,
    Locks,
    Memlock,
    Msgqueue,
    Nice,
    Nofile,
    Nproc,
    Rss,
    Rtprio,
    Rttime,
    Sigpending,
    Stack,
}

impl RlimitKind {
    pub const ALL: [RlimitKind; 16] = [
        RlimitKind::As,
        RlimitKind::Core,
        RlimitKind::Cpu,
        RlimitKind::Data,
        RlimitKind::Fsize,
        RlimitKind::Locks,
        RlimitKind::Memlock,
        RlimitKind::Msgqueue,
        RlimitKind::Nice,
        RlimitKind::Nofile,
        RlimitKind::Nproc,
        RlimitKind::Rss,
        RlimitKind::Rtprio,
        RlimitKind::Rttime,
        RlimitKind::Sigpending,
        RlimitKind::Stack,
    ];

    /// The kernel's resource number (the `resource` argument of `prlimit64(2)`).
    pub fn resource(self) -> libc::c_int {
        // The libc constants are c_int on musl and an unsigned alias on glibc; all are small.
        (match self {
            RlimitKind::As => libc::RLIMIT_AS,
            RlimitKind::Core => libc::RLIMIT_CORE,
            RlimitKind::Cpu => libc::RLIMIT_CPU,
            RlimitKind::Data => libc::RLIMIT_DATA,
            RlimitKind::Fsize => libc::RLIMIT_FSIZE,
            RlimitKind::Locks => libc::RLIMIT_LOCKS,
            RlimitKind::Memlock => libc::RLIMIT_MEMLOCK,
            RlimitKind::Msgqueue => libc::RLIMIT_MSGQUEUE,
            RlimitKind::Nice => libc::RLIMIT_NICE,
            RlimitKind::Nofile => libc::RLIMIT_NOFILE,
            RlimitKind::Nproc => libc::RLIMIT_NPROC,
            RlimitKind::Rss => libc::RLIMIT_RSS,
            RlimitKind::Rtprio => libc::RLIMIT_RTPRIO,
            RlimitKind::Rttime => libc::RLIMIT_RTTIME,
            RlimitKind::Sigpending => libc::RLIMIT_SIGPENDING,
            RlimitKind::Stack => libc::RLIMIT_STACK,
        }) as libc::c_int
    }

    /// The C name, e.g. `RLIMIT_NOFILE`.
    pub fn name(self) -> &'static str {
        match self {
            RlimitKind::As => "RLIMIT_AS",
            RlimitKind::Core => "RLIMIT_CORE",
            RlimitKind::Cpu => "RLIMIT_CPU",
            RlimitKind::Data => "RLIMIT_DATA",
            RlimitKind::Fsize => "RLIMIT_FSIZE",
            RlimitKind::Locks => "RLIMIT_LOCKS",
            RlimitKind::Memlock => "RLIMIT_MEMLOCK",
            RlimitKind::Msgqueue => "RLIMIT_MSGQUEUE",
            RlimitKind::Nice => "RLIMIT_NICE",
            RlimitKind::Nofile => "RLIMIT_NOFILE",
            RlimitKind::Nproc => "RLIMIT_NPROC",
            RlimitKind::Rss => "RLIMIT_RSS",
            RlimitKind::Rtprio => "RLIMIT_RTPRIO",
            RlimitKind::Rttime => "RLIMIT_RTTIME",
            RlimitKind::Sigpending => "RLIMIT_SIGPENDING",
            RlimitKind::Stack => "RLIMIT_STACK",
        }
    }
}

impl FromStr for RlimitKind {
    type Err = LaunchError;

    /// Accepts Mesos' `RLMT_NOFILE`, C's `RLIMIT_NOFILE` and plain `nofile`, any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.to_ascii_uppercase();
        let bare = upper
            .strip_prefix("RLMT_")
            .or_else(|| upper.strip_prefix("RLIMIT_"))
            .unwrap_or(&upper);
        RlimitKind::ALL
            .into_iter()
            .find(|kind| &kind.name()["RLIMIT_".len()..] == bare)
            .ok_or_else(|| LaunchError::InvalidSpec {
                reason: format!("unknown rlimit {s:?}"),
            })
    }
}

/// One resource limit of the task. `None` is unlimited (`RLIM_INFINITY`), as in Mesos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rlimit {
    pub resource: RlimitKind,
    pub soft: Option<u64>,
    pub hard: Option<u64>,
}

/// The task's capabilities by kernel number (`CAP_CHOWN` is 0). The task runs with exactly
/// `effective` (also its permitted, inheritable and ambient sets, so that they survive exec
/// for any user), and can never regain what `bounding` lacks.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    pub effective: Vec<u32>,
    pub bounding: Vec<u32>,
}

/// Everything needed to start one container's task.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchSpec {
    /// `argv[0]` is the program: a path with a `/` (relative ones start from `working_dir`),
    /// or a name looked up in the `PATH` of `env`.
    pub argv: Vec<String>,
    /// The complete environment of the task; nothing of the agent's leaks in.
    pub env: Vec<(String, String)>,
    /// The sandbox; the task starts there.
    pub working_dir: PathBuf,
    /// Opened `O_WRONLY|O_CREAT|O_APPEND`, mode 0644, by the agent (so the task needs no access).
    pub stdout: PathBuf,
    pub stderr: PathBuf,
    pub namespaces: Namespaces,
    /// Resolved in the agent (uid, gid, supplementary groups); an unknown user is an error.
    pub user: Option<String>,
    pub rlimits: Vec<Rlimit>,
    /// Where the supervisor leaves the task's raw wait status, so it survives an agent restart.
    pub status_file: Option<PathBuf>,
    /// A cgroup v2 directory the supervisor is born in (`clone3` with `CLONE_INTO_CGROUP`, or
    /// moved there before `place` where the kernel refuses that), so no process of the
    /// container ever runs outside it.
    pub cgroup: Option<PathBuf>,
    /// None: the task keeps what the agent's user has (root: everything).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Capabilities>,
}

/// A started container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Launched {
    /// The supervisor's pid in the agent's pid namespace.
    pub pid: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clone_flags_follow_the_namespaces() {
        assert_eq!(Namespaces::default().clone_flags(), 0);
        assert_eq!(Namespaces::default().names(), "none");
        let ns = Namespaces {
            pid: true,
            mount: true,
            net: true,
            ..Namespaces::default()
        };
        assert_eq!(
            ns.clone_flags(),
            libc::CLONE_NEWPID | libc::CLONE_NEWNS | libc::CLONE_NEWNET
        );
        assert_eq!(ns.names(), "pid,mount,net");
    }

    #[test]
    fn rlimit_names_parse_in_every_spelling() {
        for kind in RlimitKind::ALL {
            assert_eq!(kind.name().parse::<RlimitKind>().unwrap(), kind);
        }
        assert_eq!(
            "RLMT_NOFILE".parse::<RlimitKind>().unwrap(),
            RlimitKind::Nofile
        );
        assert_eq!("nproc".parse::<RlimitKind>().unwrap(), RlimitKind::Nproc);
        let err = "RLMT_BOGUS".parse::<RlimitKind>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid launch spec: unknown rlimit \"RLMT_BOGUS\""
        );
    }

    #[test]
    fn rlimit_resources_are_the_kernel_numbers() {
        assert_eq!(RlimitKind::Cpu.resource(), 0);
        assert_eq!(RlimitKind::Nofile.resource(), 7);
        assert_eq!(RlimitKind::Rttime.resource(), 15);
    }
}
