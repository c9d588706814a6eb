//! The chain with small in-process hooks: order, some/none, warn vs fail, unusable output.

use super::{HookChain, HookError, HookErrorPolicy};
use modkit_ffi::resources::{Attributes, Resources};
use modkit_ffi::sdk::{
    AgentInput, ExecutorInput, Hook, ModuleError, RemoveExecutorInput, Result, RunTaskLabelInput,
    TaskLabelInput, TaskResourceInput, TaskStatusInput,
};
use modkit_ffi::types::{
    ContainerId, ContainerStatus, Environment, Labels, TaskId, TaskInfo, TaskState, TaskStatus,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Appends its tag to the `trail` label it sees, so the result shows who ran in which order.
struct Tag(&'static str);

impl Hook for Tag {
    fn agent_run_task_label_decorator(&self, input: &RunTaskLabelInput) -> Result<Option<Labels>> {
        let mut labels = input.task_info.labels.clone().unwrap_or_default();
        let trail = labels.get("trail").unwrap_or_default().to_string();
        labels.insert("trail", format!("{trail}{}", self.0));
        Ok(Some(labels))
    }

    fn master_launch_task_label_decorator(&self, input: &TaskLabelInput) -> Result<Option<Labels>> {
        let mut labels = input.task_info.labels.clone().unwrap_or_default();
        labels.insert(self.0, "1");
        Ok(Some(labels))
    }

    fn agent_executor_environment_decorator(
        &self,
        input: &ExecutorInput,
    ) -> Result<Option<Environment>> {
        let mut env = input
            .executor_info
            .command
            .as_ref()
            .and_then(|c| c.environment.clone())
            .unwrap_or_default();
        let seen = env.get("SEEN").unwrap_or_default().to_string();
        env.insert("SEEN", format!("{seen}{}", self.0));
        Ok(Some(env))
    }
}

/// Says "none" to everything (the trait's defaults).
struct Quiet;
impl Hook for Quiet {}

/// Fails every decorator it implements, the way a module can.
struct Failing(ModuleError);

impl Hook for Failing {
    fn agent_run_task_label_decorator(&self, _: &RunTaskLabelInput) -> Result<Option<Labels>> {
        Err(self.0.clone())
    }
    fn agent_remove_executor_hook(&self, _: &RemoveExecutorInput) -> Result<()> {
        Err(self.0.clone())
    }
}

struct Panicking;
impl Hook for Panicking {
    fn agent_run_task_label_decorator(&self, input: &RunTaskLabelInput) -> Result<Option<Labels>> {
        panic!("no labels for task '{}'", input.task_info.task_id);
    }
}

/// Counts remove-executor calls.
struct Counting(Arc<AtomicUsize>);
impl Hook for Counting {
    fn agent_remove_executor_hook(&self, _: &RemoveExecutorInput) -> Result<()> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn chain(policy: HookErrorPolicy, hooks: Vec<(&str, Box<dyn Hook>)>) -> HookChain {
    let mut chain = HookChain::new(policy);
    for (name, hook) in hooks {
        chain.push(name, hook);
    }
    chain
}

fn run_task(labels: &[(&str, &str)]) -> RunTaskLabelInput {
    RunTaskLabelInput {
        task_info: TaskInfo {
            name: "t".into(),
            task_id: TaskId::new("t1"),
            labels: (!labels.is_empty()).then(|| labels.iter().copied().collect()),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn trail(chain: &HookChain, input: &RunTaskLabelInput) -> Option<String> {
    chain
        .agent_run_task_label_decorator(input)
        .unwrap()
        .and_then(|l| l.get("trail").map(str::to_string))
}

#[test]
fn members_run_in_order_each_seeing_the_previous_result() {
    let c = chain(
        HookErrorPolicy::Warn,
        vec![
            ("a", Box::new(Tag("a"))),
            ("b", Box::new(Tag("b"))),
            ("c", Box::new(Tag("c"))),
        ],
    );
    assert_eq!(c.names(), ["a", "b", "c"]);
    assert_eq!(trail(&c, &run_task(&[("trail", ">")])), Some(">abc".into()));
    let env = c
        .agent_executor_environment_decorator(&ExecutorInput::default())
        .unwrap()
        .unwrap();
    assert_eq!(env.get("SEEN"), Some("abc"));
    let labels = c
        .master_launch_task_label_decorator(&TaskLabelInput::default())
        .unwrap()
        .unwrap();
    let keys: Vec<&str> = labels.iter().map(|l| l.key.as_str()).collect();
    assert_eq!(keys, ["a", "b", "c"]);
}

#[test]
fn none_keeps_the_value_and_some_replaces_it() {
    let quiet = chain(HookErrorPolicy::Warn, vec![("q", Box::new(Quiet))]);
    let input = run_task(&[("team", "web")]);
    assert_eq!(
        quiet.agent_run_task_label_decorator(&input).unwrap(),
        input.task_info.labels
    );
    assert_eq!(
        quiet
            .agent_run_task_label_decorator(&run_task(&[]))
            .unwrap(),
        None
    );
    let mixed = chain(
        HookErrorPolicy::Warn,
        vec![
            ("q1", Box::new(Quiet)),
            ("a", Box::new(Tag("a"))),
            ("q2", Box::new(Quiet)),
        ],
    );
    let labels = mixed
        .agent_run_task_label_decorator(&input)
        .unwrap()
        .unwrap();
    assert_eq!(labels.get("team"), Some("web"));
    assert_eq!(labels.get("trail"), Some("a"));
    // Decorators nobody implements hand back the input's own value.
    let agent = AgentInput {
        agent_info: modkit_ffi::types::AgentInfo {
            resources: "cpus:2;mem:64".parse::<Resources>().unwrap(),
            attributes: "rack:a".parse::<Attributes>().unwrap(),
            ..Default::default()
        },
    };
    assert_eq!(
        mixed.agent_resources_decorator(&agent).unwrap(),
        agent.agent_info.resources
    );
    assert_eq!(
        mixed.agent_attributes_decorator(&agent).unwrap(),
        agent.agent_info.attributes
    );
    let task = TaskResourceInput {
        task_info: TaskInfo {
            resources: "cpus:1".parse().unwrap(),
            ..Default::default()
        },
        resources: "cpus:8".parse().unwrap(),
    };
    assert_eq!(
        mixed.master_launch_task_resource_decorator(&task).unwrap(),
        task.task_info.resources
    );
}

#[test]
fn an_empty_chain_changes_nothing() {
    let c = HookChain::default();
    assert!(c.is_empty());
    assert_eq!(c.policy(), HookErrorPolicy::Warn);
    let input = run_task(&[("team", "web")]);
    assert_eq!(
        c.agent_run_task_label_decorator(&input).unwrap(),
        input.task_info.labels
    );
    assert_eq!(
        c.agent_executor_environment_decorator(&ExecutorInput::default())
            .unwrap(),
        None
    );
}

#[test]
fn warn_logs_and_keeps_the_value_from_before_the_failing_hook() {
    let c = chain(
        HookErrorPolicy::Warn,
        vec![
            ("a", Box::new(Tag("a"))),
            (
                "bad",
                Box::new(Failing(ModuleError::failed("database down"))),
            ),
            ("p", Box::new(Panicking)),
            ("b", Box::new(Tag("b"))),
        ],
    );
    assert_eq!(trail(&c, &run_task(&[])), Some("ab".into()));
}

#[test]
fn fail_returns_the_error_naming_the_hook_and_decorator() {
    let c = chain(
        HookErrorPolicy::Fail,
        vec![
            ("a", Box::new(Tag("a"))),
            (
                "bad",
                Box::new(Failing(ModuleError::failed("database down"))),
            ),
            ("b", Box::new(Tag("b"))),
        ],
    );
    let e = c
        .agent_run_task_label_decorator(&run_task(&[]))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "hook 'bad' failed in agent_run_task_label_decorator: database down"
    );
    assert_eq!(e.hook(), Some("bad"));
    assert!(matches!(
        e,
        HookError::Failed {
            decorator: "agent_run_task_label_decorator",
            source: ModuleError::Failed(_),
            ..
        }
    ));
    let c = chain(HookErrorPolicy::Fail, vec![("p", Box::new(Panicking))]);
    let e = c
        .agent_run_task_label_decorator(&run_task(&[]))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "hook 'p' failed in agent_run_task_label_decorator: panicked: no labels for task 't1'"
    );
}

#[test]
fn unusable_output_is_an_error_naming_hook_and_decorator() {
    // What a loaded module's adaptor returns for output that is not the decorator's JSON.
    let garbage = ModuleError::BadOutput("decorated Labels is not valid: expected value".into());
    let c = chain(
        HookErrorPolicy::Fail,
        vec![("junk", Box::new(Failing(garbage)))],
    );
    let e = c
        .agent_run_task_label_decorator(&run_task(&[]))
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("hook 'junk' failed in agent_run_task_label_decorator: returned unusable output: decorated Labels is not valid"),
        "{text}"
    );
}

#[test]
fn notification_hooks_reach_every_member_even_after_a_failure() {
    let count = Arc::new(AtomicUsize::new(0));
    let c = chain(
        HookErrorPolicy::Fail,
        vec![
            ("n1", Box::new(Counting(count.clone()))),
            ("bad", Box::new(Failing(ModuleError::failed("gone")))),
            ("n2", Box::new(Counting(count.clone()))),
        ],
    );
    let e = c
        .agent_remove_executor_hook(&RemoveExecutorInput::default())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "hook 'bad' failed in agent_remove_executor_hook: gone"
    );
    assert_eq!(count.load(Ordering::SeqCst), 2);
    let warn = chain(
        HookErrorPolicy::Warn,
        vec![("bad", Box::new(Failing(ModuleError::failed("gone"))))],
    );
    assert!(warn
        .agent_remove_executor_hook(&RemoveExecutorInput::default())
        .is_ok());
}

/// Tries to change everything in a status; only labels and container status may stick.
struct Rewriting;
impl Hook for Rewriting {
    fn agent_task_status_decorator(&self, input: &TaskStatusInput) -> Result<Option<TaskStatus>> {
        let mut status = input.task_status.clone();
        status.state = TaskState::Finished;
        status.message = Some("rewritten".into());
        status.labels = Some([("checked", "yes")].into_iter().collect());
        status.container_status = Some(ContainerStatus {
            container_id: Some(ContainerId::new("c1")),
            executor_pid: Some(42),
            ..Default::default()
        });
        Ok(Some(status))
    }
}

/// Returns a status without labels or container status: nothing of it is kept.
struct Bare;
impl Hook for Bare {
    fn agent_task_status_decorator(&self, input: &TaskStatusInput) -> Result<Option<TaskStatus>> {
        Ok(Some(TaskStatus {
            task_id: input.task_status.task_id.clone(),
            state: TaskState::Lost,
            ..Default::default()
        }))
    }
}

#[test]
fn task_status_keeps_only_labels_and_container_status() {
    let c = chain(
        HookErrorPolicy::Warn,
        vec![("r", Box::new(Rewriting)), ("bare", Box::new(Bare))],
    );
    let input = TaskStatusInput {
        task_status: TaskStatus {
            task_id: TaskId::new("t1"),
            state: TaskState::Failed,
            message: Some("exit 1".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let status = c.agent_task_status_decorator(&input).unwrap();
    assert_eq!(status.state, TaskState::Failed);
    assert_eq!(status.message.as_deref(), Some("exit 1"));
    assert_eq!(status.labels.unwrap().get("checked"), Some("yes"));
    assert_eq!(status.container_status.unwrap().executor_pid, Some(42));
}
