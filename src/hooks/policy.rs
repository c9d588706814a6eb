//! `--hook_error_policy`: what a hook's failure does to the call it decorates.

use super::HookError;
use std::fmt;
use std::str::FromStr;

/// Mesos only logs hook errors (`Warn`); `Fail` hands them to the caller, which fails the task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum HookErrorPolicy {
    /// Log the error with the hook's name and keep the value from before that hook.
    #[default]
    Warn,
    /// Stop the chain and return the error, naming the hook and its message.
    Fail,
}

impl FromStr for HookErrorPolicy {
    type Err = HookError;

    fn from_str(value: &str) -> Result<Self, HookError> {
        match value.trim() {
            "warn" => Ok(HookErrorPolicy::Warn),
            "fail" => Ok(HookErrorPolicy::Fail),
            _ => Err(HookError::Policy {
                value: value.to_string(),
            }),
        }
    }
}

impl fmt::Display for HookErrorPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HookErrorPolicy::Warn => "warn",
            HookErrorPolicy::Fail => "fail",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        assert_eq!(
            "warn".parse::<HookErrorPolicy>().unwrap(),
            HookErrorPolicy::Warn
        );
        assert_eq!(
            "fail".parse::<HookErrorPolicy>().unwrap(),
            HookErrorPolicy::Fail
        );
        assert_eq!(HookErrorPolicy::Fail.to_string(), "fail");
        assert_eq!(HookErrorPolicy::default(), HookErrorPolicy::Warn);
        let e = "abort".parse::<HookErrorPolicy>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "--hook_error_policy 'abort' is not a policy (known: warn, fail)"
        );
    }
}
