//! `org_modkit_TaskEnvironment`: tells a task who it is, as `MODKIT_TASK_ID`,
//! `MODKIT_FRAMEWORK_ID` (when the executor names its framework) and `MODKIT_EXECUTOR_ID`.
//!
//! The executor environment decorator sees only the executor: the task id is its `source`
//! (Mesos sets it to the task id for command executors), else its executor id (the same
//! value for a command task). No parameters.

use modkit_ffi::sdk::{Create, ExecutorInput, Hook, Host, Parameters, Result};
use modkit_ffi::types::Environment;

pub struct TaskEnvironment;

impl Create for TaskEnvironment {
    fn create(_host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&[])?;
        Ok(TaskEnvironment)
    }
}

impl Hook for TaskEnvironment {
    fn agent_executor_environment_decorator(
        &self,
        input: &ExecutorInput,
    ) -> Result<Option<Environment>> {
        let executor = &input.executor_info;
        let mut env = executor
            .command
            .as_ref()
            .and_then(|c| c.environment.clone())
            .unwrap_or_default();
        let executor_id = executor.executor_id.to_string();
        let task_id = executor
            .source
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| executor_id.clone());
        env.insert("MODKIT_TASK_ID", task_id);
        env.insert("MODKIT_EXECUTOR_ID", executor_id);
        if let Some(framework) = &executor.framework_id {
            env.insert("MODKIT_FRAMEWORK_ID", framework.to_string());
        }
        Ok(Some(env))
    }
}

modkit_ffi::export_module!(org_modkit_TaskEnvironment: Hook = TaskEnvironment {
    author: "modkit",
    email: "",
    description: "Puts MODKIT_TASK_ID, MODKIT_FRAMEWORK_ID and MODKIT_EXECUTOR_ID in a task's environment",
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{host, params};
    use modkit_ffi::types::{CommandInfo, ExecutorId, ExecutorInfo, FrameworkId};

    fn decorate(executor: ExecutorInfo) -> Environment {
        TaskEnvironment::create(&host(), &params(&[]))
            .unwrap()
            .agent_executor_environment_decorator(&ExecutorInput {
                executor_info: executor,
            })
            .unwrap()
            .unwrap()
    }

    #[test]
    fn injects_ids_keeping_the_environment() {
        let mut command = CommandInfo::shell("true");
        command.environment = Some(
            [("A", "1"), ("MODKIT_TASK_ID", "old")]
                .into_iter()
                .collect(),
        );
        let env = decorate(ExecutorInfo {
            executor_id: ExecutorId::new("exec-1"),
            framework_id: Some(FrameworkId::new("fw-1")),
            source: Some("task-1".into()),
            command: Some(command),
            ..Default::default()
        });
        assert_eq!(env.get("A"), Some("1"));
        assert_eq!(env.get("MODKIT_TASK_ID"), Some("task-1"));
        assert_eq!(env.get("MODKIT_EXECUTOR_ID"), Some("exec-1"));
        assert_eq!(env.get("MODKIT_FRAMEWORK_ID"), Some("fw-1"));
    }

    #[test]
    fn command_task_uses_the_executor_id() {
        let env = decorate(ExecutorInfo {
            executor_id: ExecutorId::new("c1"),
            ..Default::default()
        });
        assert_eq!(env.get("MODKIT_TASK_ID"), Some("c1"));
        assert_eq!(env.get("MODKIT_FRAMEWORK_ID"), None);
    }

    #[test]
    fn takes_no_parameters() {
        let e = TaskEnvironment::create(&host(), &params(&[("x", "1")]))
            .err()
            .unwrap();
        assert!(e.to_string().contains("unknown parameter 'x'"), "{e}");
    }
}
