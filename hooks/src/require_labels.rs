//! `org_modkit_RequireLabels`: refuses tasks that lack required labels (e.g. `team`), so every
//! task can be attributed. The refusal is an error: with `--hook_error_policy=fail` the task
//! fails with this message; with `warn` it is only logged (Mesos's behaviour).
//!
//! Parameter: `labels` (required, `team,owner`).

use crate::names::required_list;
use modkit_ffi::sdk::{
    Create, Hook, Host, ModuleError, Parameters, Result, RunTaskLabelInput, TaskLabelInput,
};
use modkit_ffi::types::{Labels, TaskInfo};

pub struct RequireLabels {
    labels: Vec<String>,
}

impl Create for RequireLabels {
    fn create(_host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&["labels"])?;
        Ok(RequireLabels {
            labels: required_list(params, "labels")?,
        })
    }
}

impl RequireLabels {
    /// "none" when every required label is there; an error listing the missing ones otherwise.
    fn check(&self, task: &TaskInfo) -> Result<Option<Labels>> {
        let missing: Vec<&str> = self
            .labels
            .iter()
            .filter(|key| task.labels.as_ref().and_then(|l| l.get(key)).is_none())
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            Ok(None)
        } else {
            Err(ModuleError::failed(format!(
                "task '{}' lacks required labels: {}",
                task.task_id,
                missing.join(", ")
            )))
        }
    }
}

impl Hook for RequireLabels {
    fn master_launch_task_label_decorator(&self, input: &TaskLabelInput) -> Result<Option<Labels>> {
        self.check(&input.task_info)
    }

    fn agent_run_task_label_decorator(&self, input: &RunTaskLabelInput) -> Result<Option<Labels>> {
        self.check(&input.task_info)
    }
}

modkit_ffi::export_module!(org_modkit_RequireLabels: Hook = RequireLabels {
    author: "modkit",
    email: "",
    description: "Fails tasks that lack the labels named by its 'labels' parameter",
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{host, params, task};

    #[test]
    fn present_labels_pass_as_none() {
        let h = RequireLabels::create(&host(), &params(&[("labels", "team,owner")])).unwrap();
        let t = task("web.1", &[("team", "a"), ("owner", "b"), ("x", "y")]);
        assert_eq!(h.check(&t).unwrap(), None);
    }

    #[test]
    fn missing_labels_are_named() {
        let h = RequireLabels::create(&host(), &params(&[("labels", "team,owner")])).unwrap();
        let e = h.check(&task("web.1", &[("owner", "b")])).unwrap_err();
        assert_eq!(e.to_string(), "task 'web.1' lacks required labels: team");
        let e = h.check(&task("web.2", &[])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "task 'web.2' lacks required labels: team, owner"
        );
    }

    #[test]
    fn labels_parameter_is_required() {
        let e = RequireLabels::create(&host(), &params(&[])).err().unwrap();
        assert!(e.to_string().contains("'labels'"), "{e}");
    }
}
