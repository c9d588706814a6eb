use super::*;
use crate::cgroups::fake;

fn isolator(
    v2: bool,
    default: Option<u64>,
) -> (std::sync::Arc<modkit_cgroups::FakeFs>, CgroupsPidsIsolator) {
    let (fs, cgroups) = if v2 { fake::v2() } else { fake::v1() };
    let flags = CgroupsFlags {
        pids_max_default: default,
        ..fake::flags()
    };
    (
        fs,
        CgroupsPidsIsolator::with_cgroups(cgroups, flags).unwrap(),
    )
}

#[test]
fn limit_from_resource_then_flag_then_none() {
    let (fs, pids) = isolator(false, Some(100));
    pids.prepare("a", &fake::config("cpus:1;pids:32")).unwrap();
    pids.prepare("b", &fake::config("cpus:1")).unwrap();
    assert_eq!(
        fs.contents("/cg/pids/modkit/a/pids.max").as_deref(),
        Some("32")
    );
    assert_eq!(
        fs.contents("/cg/pids/modkit/b/pids.max").as_deref(),
        Some("100")
    );
    let (fs, pids) = isolator(true, None);
    pids.prepare("c", &fake::config("cpus:1")).unwrap();
    assert_eq!(fs.contents("/cg/modkit/c/pids.max").as_deref(), Some("max"));
    assert!(fs
        .log()
        .contains(&"write /cg/cgroup.subtree_control +pids".to_string()));
}

#[test]
fn fractional_pids_are_refused_before_anything_is_created() {
    let (fs, pids) = isolator(false, None);
    let e = pids.prepare("a", &fake::config("pids:2.5")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid argument: cgroups/pids: container a: the pids resource must be a positive whole number, not 2.5"
    );
    assert!(!fs.has_dir("/cg/pids/modkit/a"));
}

#[test]
fn update_usage_cleanup() {
    let (fs, pids) = isolator(false, None);
    pids.prepare("a", &fake::config("pids:10")).unwrap();
    pids.isolate("a", 5).unwrap();
    pids.update("a", &"pids:20".parse().unwrap()).unwrap();
    assert_eq!(
        fs.contents("/cg/pids/modkit/a/pids.max").as_deref(),
        Some("20")
    );
    fs.file("/cg/pids/modkit/a/pids.current", "4\n");
    assert_eq!(pids.usage("a").unwrap().processes, Some(4));
    pids.cleanup("a").unwrap();
    assert!(fs.log().contains(&"kill 5".to_string()));
    assert!(!fs.has_dir("/cg/pids/modkit/a"));
    pids.cleanup("a").unwrap();
}
