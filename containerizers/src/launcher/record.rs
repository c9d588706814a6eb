//! The fixed-size record the supervisor or the task writes to the error pipe when a step before
//! the task's exec fails. Fixed size and plain integers, so the writer needs no allocation.

use std::io;

use super::error::LaunchError;
use super::spec::LaunchSpec;

/// A step before exec; the discriminant crosses the pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Step {
    RedirectStdin = 1,
    RedirectStdout,
    RedirectStderr,
    CloseFds,
    SignalSetup,
    Setsid,
    Subreaper,
    MakePrivate,
    MountProc,
    CloneTask,
    Chdir,
    Setrlimit,
    Setgroups,
    Setgid,
    Setuid,
    ParentDeathSignal,
    Exec,
    CapBound,
    Securebits,
    Capset,
    Ambient,
}

impl Step {
    const ALL: [Step; 21] = [
        Step::RedirectStdin,
        Step::RedirectStdout,
        Step::RedirectStderr,
        Step::CloseFds,
        Step::SignalSetup,
        Step::Setsid,
        Step::Subreaper,
        Step::MakePrivate,
        Step::MountProc,
        Step::CloneTask,
        Step::Chdir,
        Step::Setrlimit,
        Step::Setgroups,
        Step::Setgid,
        Step::Setuid,
        Step::ParentDeathSignal,
        Step::Exec,
        Step::CapBound,
        Step::Securebits,
        Step::Capset,
        Step::Ambient,
    ];

    fn from_code(code: u32) -> Option<Step> {
        Step::ALL.into_iter().find(|step| *step as u32 == code)
    }
}

/// Bytes of one record: step, errno, argument (e.g. the index of the rlimit).
pub(crate) const RECORD_LEN: usize = 12;

/// Encodes a record; `const`-friendly integer work only (called between fork and exec).
pub(crate) fn encode(step: Step, errno: i32, arg: u32) -> [u8; RECORD_LEN] {
    let s = (step as u32).to_ne_bytes();
    let e = errno.to_ne_bytes();
    let a = arg.to_ne_bytes();
    [
        s[0], s[1], s[2], s[3], e[0], e[1], e[2], e[3], a[0], a[1], a[2], a[3],
    ]
}

/// Turns a record into the error the caller sees, naming the step with the spec's paths.
pub(crate) fn decode(bytes: &[u8; RECORD_LEN], spec: &LaunchSpec) -> LaunchError {
    let word = |at: usize| [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
    let code = u32::from_ne_bytes(word(0));
    let errno = i32::from_ne_bytes(word(4));
    let arg = u32::from_ne_bytes(word(8));
    LaunchError::PreExec {
        step: describe(code, arg, spec),
        source: io::Error::from_raw_os_error(errno),
    }
}

fn describe(code: u32, arg: u32, spec: &LaunchSpec) -> String {
    let user = spec.user.as_deref().unwrap_or("");
    let Some(step) = Step::from_code(code) else {
        return format!("unknown launch step {code}");
    };
    match step {
        Step::RedirectStdin => "redirect stdin from '/dev/null'".to_string(),
        Step::RedirectStdout => format!("redirect stdout to '{}'", spec.stdout.display()),
        Step::RedirectStderr => format!("redirect stderr to '{}'", spec.stderr.display()),
        Step::CloseFds => "close the agent's file descriptors".to_string(),
        Step::SignalSetup => "set up the supervisor's signal handlers".to_string(),
        Step::Setsid => "setsid".to_string(),
        Step::Subreaper => "become a child subreaper".to_string(),
        Step::MakePrivate => "make '/' recursively private".to_string(),
        Step::MountProc => "mount proc on '/proc'".to_string(),
        Step::CloneTask => "clone the task".to_string(),
        Step::Chdir => format!("chdir '{}'", spec.working_dir.display()),
        Step::Setrlimit => match spec.rlimits.get(arg as usize) {
            Some(limit) => format!("setrlimit {}", limit.resource.name()),
            None => format!("setrlimit #{arg}"),
        },
        Step::Setgroups => format!("setgroups for user '{user}'"),
        Step::Setgid => format!("setgid for user '{user}'"),
        Step::Setuid => format!("setuid for user '{user}'"),
        Step::ParentDeathSignal => "set the parent-death signal".to_string(),
        Step::CapBound => format!("drop capability {arg} from the bounding set"),
        Step::Securebits => "set the securebits (SECBIT_NOROOT)".to_string(),
        Step::Capset => "set the task's capabilities (capset)".to_string(),
        Step::Ambient if arg > 63 => "clear the ambient capabilities".to_string(),
        Step::Ambient => format!("raise ambient capability {arg}"),
        Step::Exec => format!(
            "exec '{}'",
            spec.argv.first().map(String::as_str).unwrap_or("")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launcher::spec::{Rlimit, RlimitKind};

    fn spec() -> LaunchSpec {
        LaunchSpec {
            argv: vec!["/no/such".into()],
            working_dir: "/sandbox".into(),
            stdout: "/sandbox/stdout".into(),
            user: Some("nobody".into()),
            rlimits: vec![Rlimit {
                resource: RlimitKind::Nofile,
                soft: Some(1),
                hard: Some(2),
            }],
            ..LaunchSpec::default()
        }
    }

    #[test]
    fn records_round_trip_into_messages() {
        let spec = spec();
        let cases = [
            (
                Step::Exec,
                libc::ENOENT,
                0,
                "exec '/no/such': No such file or directory (os error 2)",
            ),
            (
                Step::Chdir,
                libc::ENOTDIR,
                0,
                "chdir '/sandbox': Not a directory (os error 20)",
            ),
            (
                Step::Setrlimit,
                libc::EPERM,
                0,
                "setrlimit RLIMIT_NOFILE: Operation not permitted (os error 1)",
            ),
            (
                Step::Setuid,
                libc::EPERM,
                0,
                "setuid for user 'nobody': Operation not permitted (os error 1)",
            ),
            (
                Step::RedirectStdout,
                libc::EBADF,
                0,
                "redirect stdout to '/sandbox/stdout': Bad file descriptor (os error 9)",
            ),
        ];
        for (step, errno, arg, message) in cases {
            let err = decode(&encode(step, errno, arg), &spec);
            assert_eq!(err.to_string(), message);
        }
    }

    #[test]
    fn every_step_has_a_code_and_unknown_codes_say_so() {
        for step in Step::ALL {
            assert_eq!(Step::from_code(step as u32), Some(step));
        }
        let mut bytes = encode(Step::Exec, libc::EIO, 0);
        bytes[..4].copy_from_slice(&999u32.to_ne_bytes());
        let err = decode(&bytes, &spec()).to_string();
        assert!(err.starts_with("unknown launch step 999: "), "{err}");
    }
}
