//! What `modkit local` picks when the flags leave it open: the isolators this machine can run
//! and a module spec with a label hook.

use std::path::{Path, PathBuf};

/// The label hook of the default spec: its symbol in libmodkit_hooks.so and its parameters.
pub const LABEL_HOOK: &str = "org_modkit_EnvToLabels";
pub const LABEL_VARIABLES: &str = "TEAM,COST_CENTRE";

/// Real isolation where this process may have it (root, cgroups mounted), else Mesos's default.
pub fn isolation() -> (String, Option<String>) {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let cgroup = Path::new("/sys/fs/cgroup");
    let v1 = ["cpu", "memory", "pids", "freezer"]
        .iter()
        .all(|c| cgroup.join(c).join("cgroup.procs").exists());
    let v2 = std::fs::read_to_string(cgroup.join("cgroup.controllers"))
        .map(|c| {
            ["cpu", "memory", "pids"]
                .iter()
                .all(|x| c.split_whitespace().any(|y| y == *x))
        })
        .unwrap_or(false);
    if root && (v1 || v2) {
        (
            "cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid".to_string(),
            None,
        )
    } else {
        let why = if root {
            "no cgroup cpu, memory and pids controllers"
        } else {
            "not root"
        };
        ("posix/cpu,posix/mem".to_string(), Some(why.to_string()))
    }
}

/// libmodkit_hooks.so beside the running executable (cargo builds it with the binary).
pub fn hooks_library() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let library = exe.parent()?.join("libmodkit_hooks.so");
    library.is_file().then_some(library)
}

/// The default spec: the label hook from `library`.
pub fn spec(library: &Path) -> serde_json::Value {
    serde_json::json!({"libraries": [{
        "file": library.display().to_string(),
        "modules": [{
            "name": LABEL_HOOK,
            "parameters": [{"key": "variables", "value": LABEL_VARIABLES}],
        }],
    }]})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_spec_loads_the_label_hook_with_its_variables() {
        let spec = spec(Path::new("/x/libmodkit_hooks.so"));
        assert_eq!(spec["libraries"][0]["file"], "/x/libmodkit_hooks.so");
        assert_eq!(spec["libraries"][0]["modules"][0]["name"], LABEL_HOOK);
        assert_eq!(
            spec["libraries"][0]["modules"][0]["parameters"][0]["value"],
            LABEL_VARIABLES
        );
    }

    #[test]
    fn isolation_is_real_or_says_why_not() {
        let (isolation, why) = isolation();
        assert_eq!(
            isolation.starts_with("posix/"),
            why.is_some(),
            "{isolation} {why:?}"
        );
    }
}
