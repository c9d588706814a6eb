//! `--hooks` and `--hook_error_policy`, declared once for the agent and the master (the master
//! words their help for itself).

use super::{HookChain, HookError, HookErrorPolicy};
use crate::modules::Registry;
use clap::Args;
use std::collections::BTreeMap;

#[derive(Args, Debug, Clone)]
pub struct HookArgs {
    /// Hook modules run in this order (names from the registry).
    #[arg(
        id = "hooks",
        long = "hooks",
        env = "MODKIT_HOOKS",
        value_name = "HOOKS"
    )]
    pub names: Option<String>,
    /// What a failing hook does: warn (log it with the hook's name and keep the value from
    /// before that hook, as Mesos does) or fail (the call fails with the hook's message; a
    /// LAUNCH_CONTAINER answers 400 and nothing runs).
    #[arg(
        id = "hook_error_policy",
        value_name = "HOOK_ERROR_POLICY",
        long = "hook_error_policy",
        env = "MODKIT_HOOK_ERROR_POLICY",
        value_enum,
        default_value = "warn"
    )]
    pub policy: HookErrorPolicy,
}

impl HookArgs {
    /// The chain of the named hooks, created through `registry`.
    pub fn chain(&self, registry: &Registry) -> Result<HookChain, HookError> {
        HookChain::from_flag(
            registry,
            self.names.as_deref().unwrap_or_default(),
            self.policy,
        )
    }

    /// The two flags as host flags modules may read.
    pub fn host_flags(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("hooks".to_string(), self.names.clone().unwrap_or_default()),
            ("hook_error_policy".to_string(), self.policy.to_string()),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        hooks: HookArgs,
    }

    #[test]
    fn defaults_and_spellings() {
        let p = Probe::parse_from(["probe"]);
        assert_eq!(p.hooks.host_flags()["hooks"], "");
        assert_eq!(p.hooks.host_flags()["hook_error_policy"], "warn");
        let p = Probe::parse_from(["probe", "--hooks", "a,b", "--hook_error_policy", "fail"]);
        assert_eq!(p.hooks.names.as_deref(), Some("a,b"));
        assert_eq!(p.hooks.host_flags()["hook_error_policy"], "fail");
        let e = Probe::try_parse_from(["probe", "--hook_error_policy", "ignore"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("ignore"), "{e}");
    }
}
