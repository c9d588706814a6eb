//! Hook chains built through the real registry from real modules: the hooks cdylib (the
//! built-ins through the C ABI), a C hook built from modkit.h alone, a C hook that returns
//! garbage and a Rust hook that panics. Order, some/none, warn vs fail, and the host lives on.

mod common;

use common::{c_module, cdylib, modules_spec, Declared};
use modkit::hooks::{HookChain, HookError, HookErrorPolicy};
use modkit::modules::spec::read_modules_flag;
use modkit::modules::ModuleManager;
use modkit_ffi::host::HostServices;
use modkit_ffi::sdk::{AgentInput, ExecutorInput, RunTaskLabelInput, TaskLabelInput};
use modkit_ffi::types::{CommandInfo, ExecutorId, ExecutorInfo, Labels, TaskId, TaskInfo};

use HookErrorPolicy::{Fail, Warn};

fn services() -> &'static HostServices {
    HostServices::leak("test", "agent", "/tmp", &Default::default())
}

/// A module manager (built-ins included) with `modules` = [(library, name, params)] loaded as
/// `--modules` would load them.
fn manager(modules: &[Declared<'_>]) -> ModuleManager {
    let spec = modules_spec(modules);
    let mut m = ModuleManager::new(services()).expect("built-ins register");
    m.load(&[read_modules_flag(&spec).expect("spec")])
        .unwrap_or_else(|e| panic!("loading {spec}: {e}"));
    m
}

fn task(id: &str, labels: &[(&str, &str)], env: &[(&str, &str)]) -> TaskInfo {
    let mut command = CommandInfo::shell("true");
    command.environment = (!env.is_empty()).then(|| env.iter().copied().collect());
    TaskInfo {
        name: id.into(),
        task_id: TaskId::new(id),
        labels: (!labels.is_empty()).then(|| labels.iter().copied().collect()),
        command: Some(command),
        ..Default::default()
    }
}

fn run_task(task: TaskInfo) -> RunTaskLabelInput {
    RunTaskLabelInput {
        task_info: task,
        ..Default::default()
    }
}

fn pairs(labels: &Labels) -> Vec<(String, String)> {
    labels
        .iter()
        .map(|l| (l.key.clone(), l.value.clone().unwrap_or_default()))
        .collect()
}

#[test]
fn static_labels_then_env_to_labels_each_see_the_previous_result() {
    let lib = cdylib("modkit_hooks");
    // The cdylib's org_modkit_StaticLabels loads beside the built-ins (whose one is
    // `static_labels`), with parameters.
    let m = manager(&[
        (
            &lib,
            "org_modkit_StaticLabels",
            &[("team", "storage"), ("env", "prod")],
        ),
        (
            &lib,
            "org_modkit_EnvToLabels",
            &[("variables", "team,COST_CENTRE")],
        ),
    ]);
    let registry = m.registry();
    let input = run_task(task("t1", &[("app", "x")], &[("team", "web")]));

    let chain = HookChain::from_flag(
        registry,
        "org_modkit_StaticLabels,org_modkit_EnvToLabels",
        Warn,
    )
    .unwrap();
    assert_eq!(
        chain.names(),
        ["org_modkit_StaticLabels", "org_modkit_EnvToLabels"]
    );
    let labels = chain
        .agent_run_task_label_decorator(&input)
        .unwrap()
        .unwrap();
    // EnvToLabels ran second: its `team` from the environment wins.
    assert_eq!(
        pairs(&labels),
        [
            ("app".into(), "x".into()),
            ("team".into(), "web".into()),
            ("env".into(), "prod".into())
        ]
    );

    let reversed = HookChain::from_flag(
        registry,
        "org_modkit_EnvToLabels,org_modkit_StaticLabels",
        Warn,
    )
    .unwrap();
    let labels = reversed
        .agent_run_task_label_decorator(&input)
        .unwrap()
        .unwrap();
    assert_eq!(labels.get("team"), Some("storage"));
    // The master's decorator runs the same chain.
    let master = TaskLabelInput {
        task_info: input.task_info.clone(),
        ..Default::default()
    };
    let labels = chain
        .master_launch_task_label_decorator(&master)
        .unwrap()
        .unwrap();
    assert_eq!(labels.get("team"), Some("web"));
}

#[test]
fn none_keeps_the_value_through_c_and_rust_modules() {
    let c = c_module("examples/modules/c/labels_hook.c");
    let m = manager(&[
        (&c, "org_example_LabelsHook", &[("team", "storage")]),
        (
            &cdylib("modkit_hooks"),
            "org_modkit_EnvToLabels",
            &[("variables", "TEAM")],
        ),
    ]);
    let chain = HookChain::from_flag(
        m.registry(),
        "org_modkit_EnvToLabels,org_example_LabelsHook,task_environment",
        Fail,
    )
    .unwrap();
    // EnvToLabels finds no TEAM: none; the C hook appends its label to the task's own.
    let input = run_task(task("t1", &[("app", "x")], &[("OTHER", "1")]));
    let labels = chain
        .agent_run_task_label_decorator(&input)
        .unwrap()
        .unwrap();
    assert_eq!(
        pairs(&labels),
        [
            ("app".into(), "x".into()),
            ("team".into(), "storage".into())
        ]
    );
    // The C hook leaves the environment decorator NULL (none); the built-in sets the ids.
    let mut command = CommandInfo::shell("true");
    command.environment = Some([("KEEP", "1")].into_iter().collect());
    let env = chain
        .agent_executor_environment_decorator(&ExecutorInput {
            executor_info: ExecutorInfo {
                executor_id: ExecutorId::new("c1"),
                command: Some(command),
                ..Default::default()
            },
        })
        .unwrap()
        .unwrap();
    assert_eq!(env.get("KEEP"), Some("1"));
    assert_eq!(env.get("MODKIT_TASK_ID"), Some("c1"));
    assert_eq!(env.get("MODKIT_EXECUTOR_ID"), Some("c1"));
    // A decorator nobody implements leaves the agent's resources as they were.
    let agent = AgentInput {
        agent_info: modkit_ffi::types::AgentInfo {
            resources: "cpus:2;mem:512".parse().unwrap(),
            ..Default::default()
        },
    };
    assert_eq!(
        chain.agent_resources_decorator(&agent).unwrap(),
        agent.agent_info.resources
    );
}

#[test]
fn require_labels_fails_or_warns_as_the_policy_says() {
    let c = c_module("examples/modules/c/labels_hook.c");
    let m = manager(&[
        (
            &cdylib("modkit_hooks"),
            "org_modkit_RequireLabels",
            &[("labels", "team")],
        ),
        (&c, "org_example_LabelsHook", &[("team", "storage")]),
    ]);
    let input = run_task(task("web.1", &[("app", "x")], &[]));
    let hooks = "org_modkit_RequireLabels,org_example_LabelsHook";

    let fail = HookChain::from_flag(m.registry(), hooks, Fail).unwrap();
    let e = fail.agent_run_task_label_decorator(&input).unwrap_err();
    assert_eq!(
        e.to_string(),
        "hook 'org_modkit_RequireLabels' failed in agent_run_task_label_decorator: \
         task 'web.1' lacks required labels: team"
    );

    // Warn: logged, the value from before the failing hook kept, the rest of the chain runs.
    let warn = HookChain::from_flag(m.registry(), hooks, Warn).unwrap();
    let labels = warn
        .agent_run_task_label_decorator(&input)
        .unwrap()
        .unwrap();
    assert_eq!(labels.get("app"), Some("x"));
    assert_eq!(labels.get("team"), Some("storage"));

    // The other order: the C hook adds `team` first, so the requirement holds.
    let fixed = HookChain::from_flag(
        m.registry(),
        "org_example_LabelsHook,org_modkit_RequireLabels",
        Fail,
    )
    .unwrap();
    let labels = fixed
        .agent_run_task_label_decorator(&input)
        .unwrap()
        .unwrap();
    assert_eq!(labels.get("team"), Some("storage"));
}

#[test]
fn garbage_json_from_a_c_hook_is_an_error_naming_hook_and_decorator() {
    let c = c_module("examples/modules/c/labels_hook.c");
    let bad = c_module("tests/c/bad_modules.c");
    let m = manager(&[
        (&c, "org_example_LabelsHook", &[("team", "storage")]),
        (&bad, "bad_MisbehavingHook", &[]),
    ]);
    let hooks = "org_example_LabelsHook,bad_MisbehavingHook";
    let input = TaskLabelInput {
        task_info: task("t1", &[], &[]),
        ..Default::default()
    };
    let fail = HookChain::from_flag(m.registry(), hooks, Fail).unwrap();
    match fail.master_launch_task_label_decorator(&input) {
        Err(HookError::Failed {
            hook,
            decorator,
            source,
        }) => {
            assert_eq!(hook, "bad_MisbehavingHook");
            assert_eq!(decorator, "master_launch_task_label_decorator");
            let text = source.to_string();
            assert!(
                text.contains("is not valid") && text.contains("this is not json"),
                "{text}"
            );
        }
        other => panic!("garbage JSON: {other:?}"),
    }
    // An unknown status and an endless output are errors too, and name the hook.
    let e = fail
        .agent_run_task_label_decorator(&run_task(task("t1", &[], &[])))
        .unwrap_err();
    assert!(e.to_string().starts_with("hook 'bad_MisbehavingHook' failed in agent_run_task_label_decorator: failed with unknown status 77"), "{e}");
    let e = fail
        .agent_executor_environment_decorator(&ExecutorInput::default())
        .unwrap_err();
    assert!(e.to_string().contains("exceeds the host's bound"), "{e}");

    // Warn: the C hook's labels stand.
    let warn = HookChain::from_flag(m.registry(), hooks, Warn).unwrap();
    let labels = warn
        .master_launch_task_label_decorator(&input)
        .unwrap()
        .unwrap();
    assert_eq!(labels.get("team"), Some("storage"));
}

#[test]
fn a_panicking_rust_hook_is_an_error_and_the_host_lives() {
    let c = c_module("examples/modules/c/labels_hook.c");
    let m = manager(&[
        (&cdylib("modkit_test_panicky"), "test_PanickyHook", &[]),
        (&c, "org_example_LabelsHook", &[("team", "storage")]),
    ]);
    let hooks = "test_PanickyHook,org_example_LabelsHook";
    let input = TaskLabelInput {
        task_info: task("web-1", &[], &[]),
        ..Default::default()
    };
    let fail = HookChain::from_flag(m.registry(), hooks, Fail).unwrap();
    for _ in 0..3 {
        let e = fail.master_launch_task_label_decorator(&input).unwrap_err();
        assert_eq!(
            e.to_string(),
            "hook 'test_PanickyHook' failed in master_launch_task_label_decorator: \
             panicked: decorator panicked on task 'web-1'"
        );
    }
    let warn = HookChain::from_flag(m.registry(), hooks, Warn).unwrap();
    let labels = warn
        .master_launch_task_label_decorator(&input)
        .unwrap()
        .unwrap();
    assert_eq!(labels.get("team"), Some("storage"));
}

#[test]
fn hooks_flag_errors_name_the_problem() {
    let m = ModuleManager::new(services()).unwrap();
    let e = HookChain::from_flag(m.registry(), "org_example_Nope", Warn).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("Unknown or unsupported hook 'org_example_Nope'")
            && text.contains("task_environment"),
        "{text}"
    );
    let e = HookChain::from_flag(m.registry(), "drf", Warn).unwrap_err();
    assert!(
        e.to_string()
            .contains("module 'drf' is a sorter, not a hook"),
        "{e}"
    );
    let e = HookChain::from_flag(m.registry(), "task_environment,,x", Warn).unwrap_err();
    assert!(e.to_string().contains("empty hook name"), "{e}");
    // A built-in that needs parameters says which.
    let e = HookChain::from_flag(m.registry(), "require_labels", Warn).unwrap_err();
    assert!(
        e.to_string()
            .contains("missing required parameter 'labels'"),
        "{e}"
    );
    assert!(HookChain::from_flag(m.registry(), "", Fail)
        .unwrap()
        .is_empty());
}
