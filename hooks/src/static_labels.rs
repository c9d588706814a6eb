//! `org_modkit_StaticLabels`: puts a fixed set of labels (its parameters) on every task, in the
//! master and in the agent. Operators use it to tag everything a cluster runs (team, cost centre).

use modkit_ffi::sdk::{Create, Hook, Host, Parameters, Result, RunTaskLabelInput, TaskLabelInput};
use modkit_ffi::types::Labels;

pub struct StaticLabels {
    labels: Vec<(String, String)>,
}

impl Create for StaticLabels {
    fn create(_host: &Host, params: &Parameters) -> Result<Self> {
        let labels: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some((k, _)) = labels.iter().find(|(k, _)| k.trim().is_empty()) {
            return Err(modkit_ffi::sdk::ModuleError::invalid(format!(
                "label key '{k}' is empty"
            )));
        }
        Ok(StaticLabels { labels })
    }
}

impl StaticLabels {
    /// The task's labels with ours set on top (a key we set replaces the task's value).
    fn decorate(&self, existing: Option<&Labels>) -> Option<Labels> {
        if self.labels.is_empty() {
            return None;
        }
        let mut labels = existing.cloned().unwrap_or_default();
        for (k, v) in &self.labels {
            labels.insert(k.clone(), v.clone());
        }
        Some(labels)
    }
}

impl Hook for StaticLabels {
    fn master_launch_task_label_decorator(&self, input: &TaskLabelInput) -> Result<Option<Labels>> {
        Ok(self.decorate(input.task_info.labels.as_ref()))
    }

    fn agent_run_task_label_decorator(&self, input: &RunTaskLabelInput) -> Result<Option<Labels>> {
        Ok(self.decorate(input.task_info.labels.as_ref()))
    }
}

modkit_ffi::export_module!(org_modkit_StaticLabels: Hook = StaticLabels {
    author: "modkit",
    email: "",
    description: "Sets a label per module parameter on every task",
});

#[cfg(test)]
mod tests {
    use super::*;
    use modkit_ffi::host::HostServices;
    use modkit_ffi::types::{AgentId, TaskId, TaskInfo};

    fn hook(params: &[(&str, &str)]) -> Result<StaticLabels> {
        let host = HostServices::leak("test", "check", "", &Default::default()).host();
        let params = Parameters::new(
            params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        StaticLabels::create(&host, &params)
    }

    fn task(labels: &[(&str, &str)]) -> TaskInfo {
        let mut l = Labels::default();
        labels.iter().for_each(|(k, v)| l.insert(*k, *v));
        TaskInfo {
            name: "t".into(),
            task_id: TaskId::new("t1"),
            agent_id: AgentId::new("a1"),
            labels: (!labels.is_empty()).then_some(l),
            ..Default::default()
        }
    }

    #[test]
    fn sets_labels_over_the_tasks_own() {
        let h = hook(&[("team", "storage"), ("env", "prod")]).unwrap();
        let input = TaskLabelInput {
            task_info: task(&[("team", "web"), ("app", "x")]),
            ..Default::default()
        };
        let labels = h
            .master_launch_task_label_decorator(&input)
            .unwrap()
            .unwrap();
        assert_eq!(labels.get("team"), Some("storage"));
        assert_eq!(labels.get("app"), Some("x"));
        assert_eq!(labels.get("env"), Some("prod"));
    }

    #[test]
    fn no_parameters_means_none() {
        let h = hook(&[]).unwrap();
        let input = RunTaskLabelInput {
            task_info: task(&[("a", "b")]),
            ..Default::default()
        };
        assert_eq!(h.agent_run_task_label_decorator(&input).unwrap(), None);
    }

    #[test]
    fn empty_key_is_rejected() {
        let e = hook(&[(" ", "x")]).err().unwrap();
        assert_eq!(e.to_string(), "invalid argument: label key ' ' is empty");
    }
}
