//! `org_modkit_EnvToLabels`: copies named variables of the task's command environment into its
//! labels, so what a framework already sets (TEAM, COST_CENTRE) becomes visible to operators.
//!
//! Parameters: `variables` (required, `TEAM,COST_CENTRE`), `prefix` (optional, put before each
//! label key, e.g. `env.`).

use crate::names::required_list;
use modkit_ffi::sdk::{Create, Hook, Host, Parameters, Result, RunTaskLabelInput, TaskLabelInput};
use modkit_ffi::types::{Labels, TaskInfo};

pub struct EnvToLabels {
    variables: Vec<String>,
    prefix: String,
}

impl Create for EnvToLabels {
    fn create(_host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&["variables", "prefix"])?;
        Ok(EnvToLabels {
            variables: required_list(params, "variables")?,
            prefix: params.get("prefix").unwrap_or_default().to_string(),
        })
    }
}

impl EnvToLabels {
    /// The task's labels plus one per variable present; "none" when no variable is present.
    fn decorate(&self, task: &TaskInfo) -> Option<Labels> {
        let env = task.command.as_ref()?.environment.as_ref()?;
        let found: Vec<(&str, &str)> = self
            .variables
            .iter()
            .filter_map(|name| env.get(name).map(|value| (name.as_str(), value)))
            .collect();
        if found.is_empty() {
            return None;
        }
        let mut labels = task.labels.clone().unwrap_or_default();
        for (name, value) in found {
            labels.insert(format!("{}{name}", self.prefix), value);
        }
        Some(labels)
    }
}

impl Hook for EnvToLabels {
    fn master_launch_task_label_decorator(&self, input: &TaskLabelInput) -> Result<Option<Labels>> {
        Ok(self.decorate(&input.task_info))
    }

    fn agent_run_task_label_decorator(&self, input: &RunTaskLabelInput) -> Result<Option<Labels>> {
        Ok(self.decorate(&input.task_info))
    }
}

modkit_ffi::export_module!(org_modkit_EnvToLabels: Hook = EnvToLabels {
    author: "modkit",
    email: "",
    description: "Copies the named variables of a task's environment into its labels",
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{host, params, task};
    use modkit_ffi::types::{CommandInfo, Environment};

    fn with_env(env: &[(&str, &str)]) -> TaskInfo {
        let mut task = task("t1", &[("app", "x")]);
        let mut command = CommandInfo::shell("true");
        command.environment = Some(env.iter().copied().collect::<Environment>());
        task.command = Some(command);
        task
    }

    #[test]
    fn copies_present_variables_with_the_prefix() {
        let h = EnvToLabels::create(
            &host(),
            &params(&[("variables", "TEAM,COST_CENTRE,ABSENT"), ("prefix", "env.")]),
        )
        .unwrap();
        let labels = h
            .decorate(&with_env(&[
                ("TEAM", "web"),
                ("COST_CENTRE", "42"),
                ("X", "y"),
            ]))
            .unwrap();
        assert_eq!(labels.get("app"), Some("x"));
        assert_eq!(labels.get("env.TEAM"), Some("web"));
        assert_eq!(labels.get("env.COST_CENTRE"), Some("42"));
        assert_eq!(labels.get("env.ABSENT"), None);
        assert_eq!(labels.get("env.X"), None);
    }

    #[test]
    fn nothing_present_is_none() {
        let h = EnvToLabels::create(&host(), &params(&[("variables", "TEAM")])).unwrap();
        assert_eq!(h.decorate(&with_env(&[("OTHER", "1")])), None);
        assert_eq!(h.decorate(&task("t1", &[])), None);
    }

    #[test]
    fn parameters_are_checked() {
        let e = EnvToLabels::create(&host(), &params(&[])).err().unwrap();
        assert!(e.to_string().contains("'variables'"), "{e}");
        let e = EnvToLabels::create(&host(), &params(&[("variables", "A"), ("prefx", "p")]))
            .err()
            .unwrap();
        assert!(e.to_string().contains("unknown parameter 'prefx'"), "{e}");
    }
}
