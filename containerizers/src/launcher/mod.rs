//! The Linux launcher: starts a container's task under a small supervisor process.
//!
//! Process model. The agent (multi-threaded) prepares everything — C strings, argv/envp arrays,
//! `PATH` candidates, uid/gid/groups, rlimits, the stdout/stderr/status fds — then makes a
//! fork-like `clone(2)` into the asked namespaces. The child, the *supervisor*, points its stdio
//! at the task's files, closes every other fd of the agent (no agent socket outlives the agent
//! through it) and blocks on a sync pipe while the containerizer places it (cgroups, isolators'
//! `isolate`). Released, it calls `setsid`; in a mount namespace it makes `/` recursively
//! private, and with a pid namespace too (where it is pid 1) it mounts its own `/proc`. Then it
//! clones the *task*, which changes to the sandbox, applies rlimits, capabilities (bounding set,
//! then capset and the ambient set around the user switch) and the user, resets signals and
//! execs. A failure before exec travels to the agent as a fixed record on a close-on-exec
//! error pipe, so `launch` returns only once the task runs, or with the failed step.
//!
//! The supervisor forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the task,
//! reaps every child, writes the task's raw wait status to the status file (temp file + rename)
//! and exits with the task's code, or 128 + the signal that killed it. Between clone and exec
//! nothing allocates or locks (see `child`).
//!
//! A pid namespace without a mount namespace keeps the agent's `/proc` (mounting one there would
//! replace the agent's); ask for both.

#![deny(clippy::undocumented_unsafe_blocks)]

mod caps;
mod cgroup;
mod child;
mod control;
mod error;
mod launch;
mod prepare;
mod record;
mod spec;
mod sys;
mod termination;
mod user;

pub use control::{signal, try_wait_supervisor, wait_supervisor};
pub use error::LaunchError;
pub use launch::launch;
pub use spec::{Capabilities, LaunchSpec, Launched, Namespaces, Rlimit, RlimitKind};
pub use termination::{read_status_file, supervisor_exit_to_task, Termination};
