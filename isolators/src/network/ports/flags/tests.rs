use super::*;
use std::collections::BTreeMap;

fn parse(pairs: &[(&str, &str)]) -> Result<PortsFlags, IsolatorError> {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    PortsFlags::from_lookup(|name| map.get(name).cloned())
}

fn ranges(text: &str) -> Ranges {
    parse_ranges("x", text).unwrap()
}

#[test]
fn defaults_like_mesos() {
    assert_eq!(parse(&[]).unwrap(), PortsFlags::default());
    assert_eq!(
        PortsFlags::default().watch_interval,
        Duration::from_secs(30)
    );
}

#[test]
fn values() {
    let flags = parse(&[
        ("container_ports_watch_interval", "100ms"),
        ("enforce_container_ports", "true"),
        (
            "container_ports_isolated_range",
            "[31000-32000,40000-40010]",
        ),
    ])
    .unwrap();
    assert_eq!(flags.watch_interval, Duration::from_millis(100));
    assert!(flags.enforce);
    assert_eq!(flags.checked, Some(ranges("[31000-32000,40000-40010]")));
}

#[test]
fn agent_range_only_uses_the_agent_ports_or_the_default() {
    let flags = parse(&[
        ("check_agent_port_range_only", "true"),
        ("resources", "cpus:2;ports:[5000-5100]"),
    ])
    .unwrap();
    assert_eq!(flags.checked, Some(ranges("[5000-5100]")));
    let flags = parse(&[
        ("check_agent_port_range_only", "true"),
        ("resources", "cpus:2"),
    ])
    .unwrap();
    assert_eq!(flags.checked, Some(ranges("[31000-32000]")));
    let flags = parse(&[("check_agent_port_range_only", "true")]).unwrap();
    assert_eq!(flags.checked, Some(ranges("[31000-32000]")));
    // Without the switch the agent's resources do not matter, even unparsable.
    let flags = parse(&[("resources", "cpus:lots")]).unwrap();
    assert_eq!(flags.checked, None);
}

#[test]
fn both_range_flags_is_an_error_naming_both() {
    let e = parse(&[
        ("check_agent_port_range_only", "true"),
        ("container_ports_isolated_range", "[31000-32000]"),
    ])
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "flag --check_agent_port_range_only=\"true\": cannot be combined with \
         --container_ports_isolated_range=\"[31000-32000]\": give one of them"
    );
    // Off, the switch does not conflict.
    assert!(parse(&[
        ("check_agent_port_range_only", "false"),
        ("container_ports_isolated_range", "[31000-32000]"),
    ])
    .is_ok());
}

#[test]
fn bad_values_name_the_flag() {
    let cases = [
        ("container_ports_isolated_range", "31000-32000"),
        ("container_ports_isolated_range", "[32000-31000"),
        ("container_ports_isolated_range", "[1-70000]"),
        ("container_ports_watch_interval", "soon"),
        ("enforce_container_ports", "maybe"),
        ("check_agent_port_range_only", "2"),
    ];
    for (flag, value) in cases {
        let e = parse(&[(flag, value)]).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("flag --{flag}={value:?}: ")),
            "{flag}={value}: {e}"
        );
    }
    let e = parse(&[
        ("check_agent_port_range_only", "true"),
        ("resources", "cpus:lots"),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("flag --resources=\"cpus:lots\": needed by --check_agent_port_range_only: "),
        "{e}"
    );
}
