use super::*;

fn acls(json: &str) -> Acls {
    Acls::load(json).unwrap_or_else(|e| panic!("{e}"))
}

fn load_err(json: &str) -> String {
    Acls::load(json).unwrap_err().to_string()
}

use Action::{RegisterFramework as Register, RunTask as Run, TeardownFramework as Teardown};

#[test]
fn no_acls_allow_everything() {
    let open = Acls::default();
    assert!(open.is_permissive());
    assert!(open.authorize(Register, None, "*").is_ok());
    assert!(open.authorize(Run, Some("p"), "root").is_ok());
    assert!(acls("{}").authorize(Teardown, Some("p"), "q").is_ok());
}

#[test]
fn values_allow_listed_pairs_and_non_permissive_denies_the_rest() {
    let a = acls(
        r#"{"permissive": false,
            "register_frameworks": [
              {"principals": {"values": ["foo", "bar"]}, "roles": {"values": ["analytics"]}}]}"#,
    );
    assert!(a.authorize(Register, Some("foo"), "analytics").is_ok());
    assert!(a.authorize(Register, Some("bar"), "analytics").is_ok());
    let denied = a.authorize(Register, Some("foo"), "prod").unwrap_err();
    assert_eq!(denied.rule, None);
    assert_eq!(
        denied.to_string(),
        "principal 'foo' is not authorized to register a framework with role 'prod': \
         register_frameworks: no rule matched and permissive is false"
    );
    assert!(a.authorize(Register, Some("baz"), "analytics").is_err());
    // Other actions have no rules: permissive false denies them too.
    assert!(a.authorize(Run, Some("foo"), "nobody").is_err());
}

#[test]
fn none_object_denies_and_names_the_rule() {
    let a = acls(
        r#"{"register_frameworks": [
              {"principals": {"values": ["guest"]}, "roles": {"type": "NONE"}},
              {"principals": {"type": "ANY"}, "roles": {"type": "ANY"}}]}"#,
    );
    let denied = a.authorize(Register, Some("guest"), "dev").unwrap_err();
    assert_eq!(
        denied.rule,
        Some((
            0,
            r#"{"principals":{"values":["guest"]},"roles":{"type":"NONE"}}"#.to_string()
        ))
    );
    assert_eq!(
        denied.to_string(),
        "principal 'guest' is not authorized to register a framework with role 'dev': \
         denied by register_frameworks[0] {\"principals\":{\"values\":[\"guest\"]},\"roles\":{\"type\":\"NONE\"}}"
    );
    assert!(a.authorize(Register, Some("ops"), "dev").is_ok());
}

#[test]
fn none_subject_denies_everyone_for_listed_objects() {
    let a =
        acls(r#"{"run_tasks": [{"principals": {"type": "NONE"}, "users": {"values": ["root"]}}]}"#);
    let denied = a.authorize(Run, Some("anyone"), "root").unwrap_err();
    assert_eq!(denied.rule.as_ref().map(|r| r.0), Some(0));
    assert!(
        denied.to_string().contains("run a task as user 'root'"),
        "{denied}"
    );
    assert!(a.authorize(Run, None, "root").is_err());
    // Another user: no rule matches, permissive (default) allows.
    assert!(a.authorize(Run, Some("anyone"), "nobody").is_ok());
}

#[test]
fn first_matching_rule_wins() {
    let a = acls(
        r#"{"run_tasks": [
              {"principals": {"values": ["ops"]}, "users": {"type": "ANY"}},
              {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}]}"#,
    );
    assert!(a.authorize(Run, Some("ops"), "root").is_ok());
    let denied = a.authorize(Run, Some("web"), "www-data").unwrap_err();
    assert_eq!(denied.rule.map(|r| r.0), Some(1));
}

#[test]
fn a_request_without_principal_matches_only_any_and_none_subjects() {
    let a = acls(
        r#"{"permissive": false,
            "register_frameworks": [
              {"principals": {"values": ["ops"]}, "roles": {"type": "ANY"}},
              {"principals": {"type": "ANY"}, "roles": {"values": ["public"]}}]}"#,
    );
    assert!(a.authorize(Register, None, "public").is_ok());
    let denied = a.authorize(Register, None, "private").unwrap_err();
    assert_eq!(denied.rule, None);
    assert!(
        denied
            .to_string()
            .starts_with("an unauthenticated request (no principal) is not authorized"),
        "{denied}"
    );
    // An ANY subject is not a NONE subject: `values` rules do not apply to no principal.
    let b = acls(
        r#"{"register_frameworks": [{"principals": {"values": ["x"]}, "roles": {"type": "NONE"}}]}"#,
    );
    assert!(b.authorize(Register, None, "r").is_ok());
}

#[test]
fn teardown_checks_the_framework_principal() {
    let a = acls(
        r#"{"teardown_frameworks": [
              {"principals": {"values": ["ops"]}, "framework_principals": {"type": "ANY"}},
              {"principals": {"type": "ANY"}, "framework_principals": {"type": "NONE"}}]}"#,
    );
    assert!(a.authorize(Teardown, Some("ops"), "web").is_ok());
    assert!(a.authorize(Teardown, Some("ops"), "").is_ok());
    let denied = a.authorize(Teardown, Some("web"), "web").unwrap_err();
    assert!(
        denied
            .to_string()
            .starts_with("principal 'web' is not authorized to tear down a framework of principal 'web': denied by teardown_frameworks[1]"),
        "{denied}"
    );
    // A framework without a principal ("") matches only ANY/NONE objects.
    let b = acls(
        r#"{"permissive": false, "teardown_frameworks": [
              {"principals": {"type": "ANY"}, "framework_principals": {"values": ["web"]}}]}"#,
    );
    assert!(b.authorize(Teardown, Some("x"), "web").is_ok());
    assert!(b
        .authorize(Teardown, Some("x"), "")
        .unwrap_err()
        .rule
        .is_none());
}

#[test]
fn type_some_with_values_is_values() {
    let a = acls(
        r#"{"permissive": false, "run_tasks": [
              {"principals": {"type": "SOME", "values": ["a"]}, "users": {"type": "ANY"}}]}"#,
    );
    assert!(a.authorize(Run, Some("a"), "u").is_ok());
    assert!(a.authorize(Run, Some("b"), "u").is_err());
}

#[test]
fn loads_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acls.json");
    std::fs::write(&path, r#"{"permissive": false}"#).unwrap();
    let a = Acls::load(&format!("file://{}", path.display())).unwrap();
    assert!(!a.is_permissive());
    assert_eq!(a.origin(), path.display().to_string());
    let err = load_err(&dir.path().join("missing.json").display().to_string());
    assert!(err.starts_with("cannot read --acls file "), "{err}");
    assert!(err.contains("missing.json"), "{err}");
}

#[test]
fn unknown_keys_are_errors_naming_the_key() {
    assert_eq!(
        load_err(r#"{"register_framework": []}"#),
        "--acls (inline): unknown key 'register_framework' (not an ACL; supported: permissive, \
         register_frameworks, run_tasks, teardown_frameworks)"
    );
    assert!(
        load_err(r#"{"view_frameworks": []}"#).contains("a Mesos ACL that modkit does not enforce")
    );
    assert!(load_err(r#"{"shutdown_frameworks": []}"#).contains("renamed it teardown_frameworks"));
    assert_eq!(
        load_err(r#"{"run_tasks": [{"principals": {"type": "ANY"}, "roles": {"type": "ANY"}}]}"#),
        "--acls (inline): run_tasks[0].roles: unknown key (a run_tasks rule has \"principals\" and \"users\")"
    );
    assert_eq!(
        load_err(r#"{"run_tasks": [{"principals": {"type": "ANY", "value": ["x"]}, "users": {"type": "ANY"}}]}"#),
        "--acls (inline): run_tasks[0].principals.value: unknown key (an entity has \"values\" or \"type\")"
    );
}

#[test]
fn bad_shapes_are_errors_naming_the_place() {
    let cases = [
        ("{", "invalid JSON"),
        (r#"{"permissive": "no"}"#, "permissive: expected true or false, found a string"),
        (r#"{"run_tasks": {}}"#, "run_tasks: expected an array of rules, found an object"),
        (r#"{"run_tasks": [1]}"#, "run_tasks[0]: expected an object, found a number"),
        (
            r#"{"run_tasks": [{"users": {"type": "ANY"}}]}"#,
            "run_tasks[0].principals: missing",
        ),
        (
            r#"{"run_tasks": [{"principals": {"type": "ANY"}}]}"#,
            "run_tasks[0].users: missing",
        ),
        (
            r#"{"run_tasks": [{"principals": "ANY", "users": {"type": "ANY"}}]}"#,
            "run_tasks[0].principals: expected {\"values\": [..]} or {\"type\": \"ANY\"|\"NONE\"}, found a string",
        ),
        (
            r#"{"run_tasks": [{"principals": {"type": "ALL"}, "users": {"type": "ANY"}}]}"#,
            "run_tasks[0].principals.type: 'ALL' is not an entity type (ANY, NONE or SOME)",
        ),
        (
            r#"{"run_tasks": [{"principals": {"type": 1}, "users": {"type": "ANY"}}]}"#,
            "run_tasks[0].principals.type: expected \"ANY\", \"NONE\" or \"SOME\", found a number",
        ),
        (
            r#"{"run_tasks": [{"principals": {}, "users": {"type": "ANY"}}]}"#,
            "run_tasks[0].principals: needs \"values\" or \"type\"",
        ),
        (
            r#"{"run_tasks": [{"principals": {"type": "ANY", "values": ["a"]}, "users": {"type": "ANY"}}]}"#,
            "run_tasks[0].principals: \"values\" with type \"ANY\" (give one or the other)",
        ),
        (
            r#"{"run_tasks": [{"principals": {"type": "SOME"}, "users": {"type": "ANY"}}]}"#,
            "run_tasks[0].principals: type \"SOME\" without \"values\"",
        ),
        (
            r#"{"run_tasks": [{"principals": {"values": []}, "users": {"type": "ANY"}}]}"#,
            "run_tasks[0].principals.values: empty",
        ),
        (
            r#"{"run_tasks": [{"principals": {"values": "a"}, "users": {"type": "ANY"}}]}"#,
            "run_tasks[0].principals.values: expected an array of strings, found a string",
        ),
        (
            r#"{"run_tasks": [{"principals": {"values": ["a", 2]}, "users": {"type": "ANY"}}]}"#,
            "run_tasks[0].principals.values[1]: expected a string, found a number",
        ),
        ("", "--acls is empty"),
        ("file://relative/acls", "is not a file:// URL with an absolute path"),
    ];
    let err = Acls::parse("inline", "[]").unwrap_err().to_string();
    assert!(
        err.contains("(top level): expected an object, found an array"),
        "{err}"
    );
    for (json, expected) in cases {
        let err = load_err(json);
        assert!(err.contains(expected), "{json}: {err}");
    }
}
