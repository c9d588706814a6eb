//! The hooks of `--hooks`, in order, and how one call runs through them: each member sees the
//! value the members before it left ("some" replaces it, "none" keeps it); a failure is logged
//! or returned as `--hook_error_policy` says.

use super::{HookError, HookErrorPolicy};
use crate::modules::Registry;
use modkit_ffi::abi::Kind;
use modkit_ffi::sdk::{self, Hook, Instance};
use std::panic::{catch_unwind, AssertUnwindSafe};

struct Member {
    name: String,
    hook: Box<dyn Hook>,
}

/// The agent's (or the master's) hooks. Built once at start; shared by reference afterwards.
pub struct HookChain {
    members: Vec<Member>,
    policy: HookErrorPolicy,
}

impl Default for HookChain {
    fn default() -> Self {
        HookChain::new(HookErrorPolicy::default())
    }
}

impl std::fmt::Debug for HookChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookChain")
            .field("hooks", &self.names())
            .field("policy", &self.policy)
            .finish()
    }
}

impl HookChain {
    /// An empty chain: every decorator returns its input unchanged.
    pub fn new(policy: HookErrorPolicy) -> Self {
        HookChain {
            members: Vec::new(),
            policy,
        }
    }

    /// Creates the hooks named by `--hooks` (`a,b`, empty = none) through the registry, built-in
    /// and `--modules` ones alike, each with its spec parameters.
    pub fn from_flag(
        registry: &Registry,
        hooks: &str,
        policy: HookErrorPolicy,
    ) -> Result<Self, HookError> {
        let mut chain = HookChain::new(policy);
        for name in parse_names(hooks)? {
            match registry.create(Kind::Hook, &name)? {
                Instance::Hook(hook) => chain.push(name, hook),
                other => {
                    return Err(HookError::Flag {
                        flag: hooks.to_string(),
                        reason: format!("module '{name}' created a {} instance", other.kind()),
                    })
                }
            }
        }
        Ok(chain)
    }

    /// Appends a hook (runs after those already there).
    pub fn push(&mut self, name: impl Into<String>, hook: Box<dyn Hook>) {
        self.members.push(Member {
            name: name.into(),
            hook,
        });
    }

    pub fn names(&self) -> Vec<&str> {
        self.members.iter().map(|m| m.name.as_str()).collect()
    }

    pub fn policy(&self) -> HookErrorPolicy {
        self.policy
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Runs a decorator through every member: `call` asks one hook given the current `state`,
    /// `apply` folds a "some" into it.
    pub(super) fn fold<S, O>(
        &self,
        decorator: &'static str,
        state: &mut S,
        call: impl Fn(&dyn Hook, &S) -> sdk::Result<Option<O>>,
        apply: impl Fn(&mut S, O),
    ) -> Result<(), HookError> {
        for member in &self.members {
            match guarded(|| call(member.hook.as_ref(), state)) {
                Ok(Some(value)) => apply(state, value),
                Ok(None) => {}
                Err(source) => self.failed(member, decorator, source)?,
            }
        }
        Ok(())
    }

    /// Runs a hook without output through every member. All run even when one fails, since
    /// each may have its own cleanup to do; under `fail` the first error is returned.
    pub(super) fn notify(
        &self,
        hook: &'static str,
        call: impl Fn(&dyn Hook) -> sdk::Result<()>,
    ) -> Result<(), HookError> {
        let mut first = None;
        for member in &self.members {
            if let Err(source) = guarded(|| call(member.hook.as_ref())) {
                if let Err(e) = self.failed(member, hook, source) {
                    first.get_or_insert(e);
                }
            }
        }
        first.map_or(Ok(()), Err)
    }

    /// Applies the policy to one member's failure: logged (and the chain goes on), or returned.
    fn failed(
        &self,
        member: &Member,
        decorator: &'static str,
        source: sdk::ModuleError,
    ) -> Result<(), HookError> {
        let error = HookError::Failed {
            hook: member.name.clone(),
            decorator,
            source,
        };
        match self.policy {
            HookErrorPolicy::Warn => {
                tracing::warn!(hook = %member.name, decorator, "{error}; keeping the previous value");
                Ok(())
            }
            HookErrorPolicy::Fail => Err(error),
        }
    }
}

/// Calls a hook; a panic of an in-process (built-in) hook becomes an error, as the SDK already
/// does at the boundary of a loaded module.
fn guarded<T>(f: impl FnOnce() -> sdk::Result<T>) -> sdk::Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        Err(sdk::ModuleError::Panic(message))
    })
}

/// `--hooks` as a list: empty means none; an empty entry or a repeated name is an error.
fn parse_names(flag: &str) -> Result<Vec<String>, HookError> {
    let mut names: Vec<String> = Vec::new();
    if flag.trim().is_empty() {
        return Ok(names);
    }
    for name in flag.split(',').map(str::trim) {
        let reason = if name.is_empty() {
            "has an empty hook name".to_string()
        } else if names.iter().any(|n| n == name) {
            format!("hook '{name}' is listed twice")
        } else {
            names.push(name.to_string());
            continue;
        };
        return Err(HookError::Flag {
            flag: flag.to_string(),
            reason,
        });
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(parse_names(" a , b").unwrap(), ["a", "b"]);
        assert!(parse_names("").unwrap().is_empty());
        let e = parse_names("a,,b").unwrap_err();
        assert_eq!(e.to_string(), "--hooks 'a,,b': has an empty hook name");
        let e = parse_names("a,b,a").unwrap_err();
        assert_eq!(e.to_string(), "--hooks 'a,b,a': hook 'a' is listed twice");
    }

    #[test]
    fn a_panic_becomes_an_error() {
        let r: sdk::Result<()> = guarded(|| panic!("boom {}", 1));
        assert_eq!(r, Err(sdk::ModuleError::Panic("boom 1".into())));
        let r: sdk::Result<()> = guarded(|| panic!("static"));
        assert_eq!(r, Err(sdk::ModuleError::Panic("static".into())));
    }
}
