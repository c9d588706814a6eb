//! The C ABI for real: C modules built from modkit.h and Rust cdylibs, loaded by the module
//! manager and driven through the SDK traits; compatibility rules; misbehaving modules; the
//! export and foreign adaptors round-tripping every kind.

mod common;

use common::{c_module, cdylib, spec};
use modkit::modules::spec::read_modules_flag;
use modkit::modules::{ModuleError, ModuleManager};
use modkit_ffi::abi::Kind;
use modkit_ffi::host::{ForeignFactory, HostServices};
use modkit_ffi::sdk::{
    self, Hook, Host, Instance, Isolator, LimitationSink, ModuleFactory, Parameters, QuantityBuf,
    Sorter, TaskLabelInput,
};
use modkit_ffi::types::{
    CommandInfo, ContainerConfig, ContainerLimitation, Labels, Reason, ResourceStatistics, TaskInfo,
};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

fn services() -> &'static HostServices {
    HostServices::leak("test", "check", "/tmp", &Default::default())
}

fn host() -> Host {
    services().host()
}

fn manager(spec_json: &str) -> Result<ModuleManager, ModuleError> {
    let mut m = ModuleManager::new(services())?;
    m.load(&[read_modules_flag(spec_json)?])?;
    Ok(m)
}

fn create(m: &ModuleManager, kind: Kind, name: &str) -> Instance {
    m.registry()
        .create(kind, name)
        .unwrap_or_else(|e| panic!("create {name}: {e}"))
}

fn hook(i: Instance) -> Box<dyn Hook> {
    match i {
        Instance::Hook(h) => h,
        other => panic!("not a hook: {other:?}"),
    }
}

fn isolator(i: Instance) -> Box<dyn Isolator> {
    match i {
        Instance::Isolator(x) => x,
        other => panic!("not an isolator: {other:?}"),
    }
}

fn sorter(i: Instance) -> Box<dyn Sorter> {
    match i {
        Instance::Sorter(x) => x,
        other => panic!("not a sorter: {other:?}"),
    }
}

fn task(name: &str, labels: &[(&str, &str)]) -> TaskInfo {
    let mut l = Labels::default();
    labels.iter().for_each(|(k, v)| l.insert(*k, *v));
    TaskInfo {
        name: name.into(),
        labels: (!labels.is_empty()).then_some(l),
        ..Default::default()
    }
}

fn label_pairs(labels: &Labels) -> Vec<(String, String)> {
    labels
        .iter()
        .map(|l| (l.key.clone(), l.value.clone().unwrap_or_default()))
        .collect()
}

#[test]
fn c_hook_appends_its_parameters_to_the_tasks_labels() {
    let lib = c_module("examples/modules/c/labels_hook.c");
    let m = manager(&spec(
        &lib,
        &[(
            "org_example_LabelsHook",
            &[("team", "storage"), ("note", "say \"hi\"\n")],
        )],
    ))
    .unwrap();
    let h = hook(create(&m, Kind::Hook, "org_example_LabelsHook"));
    let input = TaskLabelInput {
        task_info: task("web", &[("app", "x")]),
        ..Default::default()
    };
    let labels = h
        .master_launch_task_label_decorator(&input)
        .unwrap()
        .expect("some labels");
    assert_eq!(
        label_pairs(&labels),
        [
            ("app".into(), "x".into()),
            ("team".into(), "storage".into()),
            ("note".into(), "say \"hi\"\n".into())
        ]
    );
    // A task without labels gets only the hook's.
    let input = TaskLabelInput {
        task_info: task("bare", &[]),
        ..Default::default()
    };
    let labels = h
        .master_launch_task_label_decorator(&input)
        .unwrap()
        .expect("some labels");
    assert_eq!(labels.labels.len(), 2);
    // Entries the C module left NULL read as "none".
    assert_eq!(
        h.agent_executor_environment_decorator(&Default::default())
            .unwrap(),
        None
    );
}

fn config(dir: &Path) -> ContainerConfig {
    ContainerConfig {
        command_info: CommandInfo {
            value: Some("true".into()),
            ..Default::default()
        },
        directory: dir.display().to_string(),
        ..Default::default()
    }
}

/// The C recording isolator, loaded and created, writing its calls to `record`.
fn recording_isolator(record: &Path) -> (ModuleManager, Box<dyn Isolator>) {
    let lib = c_module("examples/modules/c/recording_isolator.c");
    let params: &[(&str, &str)] = &[("record_file", record.to_str().unwrap())];
    let m = manager(&spec(&lib, &[("org_example_RecordingIsolator", params)])).unwrap();
    let iso = isolator(create(&m, Kind::Isolator, "org_example_RecordingIsolator"));
    (m, iso)
}

#[test]
fn c_isolator_sees_the_lifecycle_in_order_and_defaults_fill_its_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("calls.txt");
    let (m, iso) = recording_isolator(&record);
    let info = iso
        .prepare("c1", &config(dir.path()))
        .unwrap()
        .expect("launch info");
    assert_eq!(
        info.environment
            .as_ref()
            .and_then(|e| e.get("MODKIT_RECORDED")),
        Some("c1")
    );
    iso.isolate("c1", 4242).unwrap();
    iso.watch("c1", LimitationSink::new(|_| {})).unwrap(); // NULL entry: default
    iso.update("c1", &"cpus:1;mem:64".parse().unwrap()).unwrap();
    assert_eq!(iso.usage("c1").unwrap().processes, Some(1));
    assert_eq!(iso.status("c1").unwrap(), Default::default()); // NULL entry: default
    iso.cleanup("c1").unwrap();
    iso.cleanup("never-launched").unwrap();
    let calls = std::fs::read_to_string(&record).unwrap();
    assert_eq!(
        calls,
        "prepare c1\nisolate c1\nupdate c1\nusage c1\ncleanup c1\ncleanup never-launched\n"
    );

    // Not multi-instance: a second instance is refused, naming the module.
    let err = m
        .registry()
        .create(Kind::Isolator, "org_example_RecordingIsolator")
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("org_example_RecordingIsolator"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("does not support several instances"),
        "{err}"
    );
}

#[test]
fn a_module_that_is_not_thread_safe_is_called_one_thread_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("calls.txt");
    let (_m, iso) = recording_isolator(&record);
    std::thread::scope(|s| {
        for t in 0..4 {
            let iso = &iso;
            s.spawn(move || {
                for i in 0..50 {
                    iso.isolate(&format!("t{t}-{i}"), 1).unwrap();
                }
            });
        }
    });
    // Interleaved appends from unserialised calls would tear lines; every line must be whole.
    let calls = std::fs::read_to_string(&record).unwrap();
    let lines: Vec<&str> = calls.lines().collect();
    assert_eq!(lines.len(), 200);
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("isolate t") && l.split(' ').count() == 2),
        "{calls}"
    );
}

#[test]
fn an_older_build_loads_and_its_missing_entries_read_as_absent() {
    let lib = c_module("tests/c/compat_modules.c");
    let m = manager(&spec(&lib, &[("compat_OlderIsolator", &[])])).unwrap();
    let entry = m.registry().get("compat_OlderIsolator").unwrap();
    assert_eq!((entry.info().abi_major, entry.info().abi_minor), (1, 0));
    let iso = isolator(create(&m, Kind::Isolator, "compat_OlderIsolator"));
    let dir = tempfile::tempdir().unwrap();
    let info = iso.prepare("c1", &config(dir.path())).unwrap().unwrap();
    assert_eq!(info.environment.unwrap().get("OLD_BUILD"), Some("1"));
    // `usage` lies past the vtable's declared size: absent, so the default, not the 99 it would say.
    assert_eq!(iso.usage("c1").unwrap(), ResourceStatistics::default());
}

#[test]
fn a_newer_minor_build_is_refused_naming_both_versions() {
    let lib = c_module("tests/c/compat_modules.c");
    let err = manager(&spec(&lib, &[("compat_NewerIsolator", &[])]))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("compat_NewerIsolator") && err.contains(lib.to_str().unwrap()),
        "{err}"
    );
    assert!(
        err.contains("requires ABI 1.1") && err.contains("host's 1.0"),
        "{err}"
    );
}

#[test]
fn misbehaving_module_outputs_become_errors_and_the_host_carries_on() {
    let lib = c_module("tests/c/bad_modules.c");
    let m = manager(&spec(&lib, &[("bad_MisbehavingHook", &[])])).unwrap();
    let h = hook(create(&m, Kind::Hook, "bad_MisbehavingHook"));
    let input = TaskLabelInput {
        task_info: task("t", &[]),
        ..Default::default()
    };
    match h.master_launch_task_label_decorator(&input) {
        Err(sdk::ModuleError::BadOutput(m)) => assert!(
            m.contains("is not valid") && m.contains("this is not json"),
            "{m}"
        ),
        other => panic!("garbage JSON: {other:?}"),
    }
    match h.agent_run_task_label_decorator(&Default::default()) {
        Err(sdk::ModuleError::UnknownStatus {
            status: 77,
            message,
        }) => {
            assert_eq!(message, "status 77 without a message")
        }
        other => panic!("odd status: {other:?}"),
    }
    match h.agent_executor_environment_decorator(&Default::default()) {
        Err(sdk::ModuleError::BadOutput(m)) => {
            assert!(m.contains("exceeds the host's bound"), "{m}")
        }
        other => panic!("flood: {other:?}"),
    }
    // Still usable afterwards.
    assert!(h.master_launch_task_label_decorator(&input).is_err());
}

#[test]
fn rust_cdylib_sorter_is_driven_through_the_abi() {
    let lib = cdylib("modkit_example_rust_module");
    let m = manager(&spec(&lib, &[("org_example_LeastCpusSorter", &[])])).unwrap();
    let mut s = sorter(create(&m, Kind::Sorter, "org_example_LeastCpusSorter"));
    for c in ["a", "b", "c"] {
        s.add_client(c).unwrap();
        s.activate(c).unwrap();
    }
    let three = QuantityBuf::from_pairs([("cpus", 3.0), ("mem", 10.0)]).unwrap();
    let one = QuantityBuf::from_pairs([("cpus", 1.0)]).unwrap();
    s.allocated("a", "agent1", three.view()).unwrap();
    s.allocated("b", "agent1", one.view()).unwrap();
    let mut order = Vec::new();
    s.sort(&mut |c| {
        order.push(c.to_string());
        true
    })
    .unwrap();
    assert_eq!(order, ["c", "b", "a"]);
    // The caller can stop the listing: the module stops writing at the host's MODKIT_STOP.
    let mut first = Vec::new();
    s.sort(&mut |c| {
        first.push(c.to_string());
        false
    })
    .unwrap();
    assert_eq!(first, ["c"]);
    let mut allocation = s.allocation("a").unwrap();
    allocation.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(
        allocation,
        [("cpus".to_string(), 3.0), ("mem".to_string(), 10.0)]
    );
    assert_eq!(s.count().unwrap(), 3);
    assert!(s.contains("b").unwrap() && !s.contains("z").unwrap());
    match s.remove_client("z") {
        Err(sdk::ModuleError::NotFound(m)) => assert_eq!(m, "client 'z'"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_panic_in_a_rust_module_is_an_error_and_the_host_lives() {
    let lib = cdylib("modkit_test_panicky");
    let m = manager(&spec(&lib, &[("test_PanickyHook", &[])])).unwrap();
    let h = hook(create(&m, Kind::Hook, "test_PanickyHook"));
    let input = TaskLabelInput {
        task_info: task("web-1", &[]),
        ..Default::default()
    };
    for _ in 0..3 {
        match h.master_launch_task_label_decorator(&input) {
            Err(sdk::ModuleError::Panic(m)) => assert_eq!(m, "decorator panicked on task 'web-1'"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn builtin_and_cdylib_builds_of_a_module_give_the_same_answer() {
    let lib = cdylib("modkit_hooks");
    // A module named like a built-in is a duplicate naming both origins.
    let impostor = cdylib("modkit_test_panicky");
    let err = manager(&spec(&impostor, &[("task_environment", &[])]))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("built-in") && err.contains(impostor.to_str().unwrap()),
        "{err}"
    );

    // Through the C ABI (a registry without built-ins) and natively, the same decoration.
    let params = Parameters::new(vec![("team".into(), "storage".into())]);
    let mut loaded = modkit::modules::Registry::new(services());
    let mut libs = modkit::modules::Libraries::new();
    let library = libs
        .open(&modkit::modules::spec::LibraryLocation::Path(lib.clone()))
        .unwrap();
    // SAFETY: taking the address of the exported descriptor of a library that is never unloaded.
    let symbol = unsafe {
        library.get::<*const modkit_ffi::bindings::modkit_module>(b"org_modkit_StaticLabels")
    }
    .unwrap();
    // SAFETY: as above.
    let foreign = unsafe {
        ForeignFactory::new(
            "org_modkit_StaticLabels",
            &lib.display().to_string(),
            *symbol,
        )
    };
    loaded.register(Box::new(foreign), params.clone()).unwrap();
    let entry = loaded.named("org_modkit_StaticLabels").unwrap();
    let through_abi = hook(entry.instantiate(loaded.host(), &params).unwrap());
    let native = hook(
        sdk::native::<modkit_hooks::StaticLabels>()
            .create(&host(), &params)
            .unwrap(),
    );
    let input = TaskLabelInput {
        task_info: task("t", &[("team", "web"), ("app", "x")]),
        ..Default::default()
    };
    let a = through_abi
        .master_launch_task_label_decorator(&input)
        .unwrap();
    let b = native.master_launch_task_label_decorator(&input).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.unwrap().get("team"), Some("storage"));
}

/// An isolator that raises a memory limitation from its own thread, to cross the ABI both ways.
struct Raising;

impl sdk::Create for Raising {
    fn create(_host: &Host, _params: &Parameters) -> sdk::Result<Self> {
        Ok(Raising)
    }
}

impl Isolator for Raising {
    fn watch(&self, container_id: &str, sink: LimitationSink) -> sdk::Result<()> {
        let id = container_id.to_string();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            sink.raise(ContainerLimitation {
                resources: "mem:64".parse().unwrap(),
                message: format!("Memory limit exceeded in {id}"),
                reason: Some(Reason::ContainerLimitationMemory),
            });
        });
        Ok(())
    }
}

modkit_ffi::export_module!(test_RaisingIsolator: Isolator = Raising {
    author: "modkit tests",
    email: "",
    description: "Raises a limitation from another thread",
});

#[test]
fn a_limitation_raised_on_a_module_thread_reaches_the_host() {
    // SAFETY: the descriptor is a static of this test binary.
    let factory = unsafe {
        ForeignFactory::new(
            "test_RaisingIsolator",
            "in-process",
            &test_RaisingIsolator.0,
        )
    };
    let iso = isolator(factory.create(&host(), &Parameters::default()).unwrap());
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    iso.watch(
        "c7",
        LimitationSink::new(move |l| drop(tx.lock().unwrap().send(l))),
    )
    .unwrap();
    let limitation = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("limitation");
    assert_eq!(limitation.message, "Memory limit exceeded in c7");
    assert_eq!(limitation.reason, Some(Reason::ContainerLimitationMemory));
    assert_eq!(limitation.resources.to_string(), "mem:64");
    iso.cleanup("c7").unwrap();
}

#[test]
fn modules_can_create_any_registered_sorter_through_the_host() {
    let services = services();
    let mut m = ModuleManager::new(services).unwrap();
    let lib = cdylib("modkit_example_rust_module");
    m.load(&[read_modules_flag(&spec(&lib, &[("org_example_LeastCpusSorter", &[])])).unwrap()])
        .unwrap();
    let host = services.host();
    // What an allocator module does: ask the host for a sorter by name, through the C table.
    let mut s = host
        .create_sorter("org_example_LeastCpusSorter", &Parameters::default())
        .unwrap();
    s.add_client("x").unwrap();
    s.add_client("y").unwrap();
    s.activate("x").unwrap();
    s.activate("y").unwrap();
    let two = QuantityBuf::from_pairs([("cpus", 2.0)]).unwrap();
    s.allocated("x", "agent1", two.view()).unwrap();
    let mut order = Vec::new();
    s.sort(&mut |c| {
        order.push(c.to_string());
        true
    })
    .unwrap();
    assert_eq!(order, ["y", "x"]);
    // A parameter the sorter rejects comes back with the sorter's own message.
    let bad = Parameters::new(vec![("bogus".into(), "1".into())]);
    let err = host
        .create_sorter("org_example_LeastCpusSorter", &bad)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("unknown parameter 'bogus'"), "{err}");
    // An unknown name lists the sorters the host knows.
    let err = host
        .create_sorter("nope", &Parameters::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("sorter 'nope'") && err.contains("org_example_LeastCpusSorter"),
        "{err}"
    );
}
