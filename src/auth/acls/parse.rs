//! Reading `--acls` JSON into rules, with an error naming the JSON path for every bad shape.

use serde_json::{Map, Value};

use super::{Action, Entity, Rule, FLAG};
use crate::auth::error::{json_kind, AuthError};

pub(super) fn invalid(origin: &str, at: &str, reason: &str) -> AuthError {
    AuthError::invalid(FLAG, origin, at, reason)
}

/// Mesos ACLs that modkit has no action for. Listing one is an error, not a no-op:
/// silently ignoring a rule would allow what the operator meant to deny.
const UNSUPPORTED_MESOS_ACLS: &[&str] = &[
    "reserve_resources",
    "unreserve_resources",
    "create_volumes",
    "destroy_volumes",
    "resize_volumes",
    "get_quotas",
    "update_quotas",
    "set_quotas",
    "remove_quotas",
    "view_roles",
    "update_weights",
    "get_endpoints",
    "view_frameworks",
    "view_tasks",
    "view_executors",
    "view_agents",
    "view_flags",
    "access_sandboxes",
    "access_mesos_logs",
    "register_agents",
    "launch_nested_containers",
    "launch_nested_container_sessions",
    "attach_containers_input",
    "attach_containers_output",
    "kill_nested_containers",
    "remove_nested_containers",
    "wait_nested_containers",
    "view_containers",
    "set_log_level",
    "update_maintenance_schedules",
    "get_maintenance_schedules",
    "start_maintenances",
    "stop_maintenances",
    "get_maintenance_statuses",
    "mark_resource_providers_gone",
];

pub(super) fn unknown_key_hint(key: &str) -> String {
    let supported = "supported: permissive, register_frameworks, run_tasks, teardown_frameworks";
    if key == "shutdown_frameworks" {
        return "Mesos renamed it teardown_frameworks; use that name".to_string();
    }
    if UNSUPPORTED_MESOS_ACLS.contains(&key) {
        return format!("a Mesos ACL that modkit does not enforce; remove it ({supported})");
    }
    format!("not an ACL; {supported}")
}

pub(super) fn parse_rules(
    origin: &str,
    action: Action,
    value: &Value,
) -> Result<Vec<Rule>, AuthError> {
    let key = action.acl_key();
    let Value::Array(items) = value else {
        return Err(invalid(
            origin,
            key,
            &format!("expected an array of rules, found {}", json_kind(value)),
        ));
    };
    let object_key = action.object_key();
    let mut rules = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let at = format!("{key}[{index}]");
        let Value::Object(fields) = item else {
            return Err(invalid(
                origin,
                &at,
                &format!("expected an object, found {}", json_kind(item)),
            ));
        };
        if let Some(extra) = fields
            .keys()
            .find(|k| k.as_str() != "principals" && k.as_str() != object_key)
        {
            return Err(invalid(
                origin,
                &format!("{at}.{extra}"),
                &format!("unknown key (a {key} rule has \"principals\" and \"{object_key}\")"),
            ));
        }
        let principals = parse_entity(origin, &at, fields, "principals")?;
        let object = parse_entity(origin, &at, fields, object_key)?;
        rules.push(Rule {
            principals,
            object,
            text: item.to_string(),
        });
    }
    Ok(rules)
}

fn parse_entity(
    origin: &str,
    rule_at: &str,
    fields: &Map<String, Value>,
    name: &str,
) -> Result<Entity, AuthError> {
    let at = format!("{rule_at}.{name}");
    let Some(value) = fields.get(name) else {
        return Err(invalid(origin, &at, "missing"));
    };
    let Value::Object(entity) = value else {
        return Err(invalid(
            origin,
            &at,
            &format!(
                "expected {{\"values\": [..]}} or {{\"type\": \"ANY\"|\"NONE\"}}, found {}",
                json_kind(value)
            ),
        ));
    };
    if let Some(extra) = entity
        .keys()
        .find(|k| k.as_str() != "values" && k.as_str() != "type")
    {
        return Err(invalid(
            origin,
            &format!("{at}.{extra}"),
            "unknown key (an entity has \"values\" or \"type\")",
        ));
    }
    let values = match entity.get("values") {
        None => None,
        Some(Value::Array(items)) => {
            let mut values = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(s) => values.push(s.clone()),
                    other => {
                        return Err(invalid(
                            origin,
                            &format!("{at}.values[{i}]"),
                            &format!("expected a string, found {}", json_kind(other)),
                        ))
                    }
                }
            }
            if values.is_empty() {
                return Err(invalid(
                    origin,
                    &format!("{at}.values"),
                    "empty (it would match nothing; use {\"type\": \"NONE\"} to deny all)",
                ));
            }
            Some(values)
        }
        Some(other) => {
            return Err(invalid(
                origin,
                &format!("{at}.values"),
                &format!("expected an array of strings, found {}", json_kind(other)),
            ))
        }
    };
    let type_name = match entity.get("type") {
        None => None,
        Some(Value::String(t)) => Some(t.as_str()),
        Some(other) => {
            return Err(invalid(
                origin,
                &format!("{at}.type"),
                &format!(
                    "expected \"ANY\", \"NONE\" or \"SOME\", found {}",
                    json_kind(other)
                ),
            ))
        }
    };
    match (type_name, values) {
        (None | Some("SOME"), Some(values)) => Ok(Entity::Values(values)),
        (Some("ANY"), None) => Ok(Entity::Any),
        (Some("NONE"), None) => Ok(Entity::None),
        (Some(t @ ("ANY" | "NONE")), Some(_)) => Err(invalid(
            origin,
            &at,
            &format!("\"values\" with type \"{t}\" (give one or the other)"),
        )),
        (Some("SOME"), None) => Err(invalid(origin, &at, "type \"SOME\" without \"values\"")),
        (None, None) => Err(invalid(origin, &at, "needs \"values\" or \"type\"")),
        (Some(t), _) => Err(invalid(
            origin,
            &format!("{at}.type"),
            &format!("'{t}' is not an entity type (ANY, NONE or SOME)"),
        )),
    }
}
