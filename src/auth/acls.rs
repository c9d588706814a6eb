//! `--acls`: Mesos's local authorizer rules for the three actions the master checks.
//!
//! Each action has a list of rules `{principals: E, <object>: E}` where an entity `E` is
//! `{"values": [..]}`, `{"type": "ANY"}` or `{"type": "NONE"}`. Rules are tried in order;
//! the first whose subject and object both *match* decides, allowing only if both are
//! *allowed* (a `NONE` matches everything and allows nothing). No match: `permissive`
//! (default true) decides. A request without a principal matches only `ANY`/`NONE`
//! subjects, and is allowed only by `ANY`.

use std::fmt;

use serde_json::Value;

use super::error::AuthError;
use super::source::read_flag;
use crate::auth::error::json_kind;
use parse::{invalid, parse_rules, unknown_key_hint};

mod parse;

const FLAG: &str = "acls";

/// What the master asks permission for; the object is named for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// SUBSCRIBE with a role (object: the role); checked for every role of the framework.
    RegisterFramework,
    /// LAUNCH a task as a user (object: `command.user`, else `framework_info.user`).
    RunTask,
    /// TEARDOWN a framework (object: the framework's principal; `""` if it has none).
    TeardownFramework,
}

impl Action {
    const ALL: [Action; 3] = [
        Action::RegisterFramework,
        Action::RunTask,
        Action::TeardownFramework,
    ];

    /// The ACL list's key in `--acls`.
    pub fn acl_key(self) -> &'static str {
        match self {
            Action::RegisterFramework => "register_frameworks",
            Action::RunTask => "run_tasks",
            Action::TeardownFramework => "teardown_frameworks",
        }
    }

    /// The key of the object entity in this action's rules.
    fn object_key(self) -> &'static str {
        match self {
            Action::RegisterFramework => "roles",
            Action::RunTask => "users",
            Action::TeardownFramework => "framework_principals",
        }
    }

    /// What the action does, worded to precede the quoted object.
    fn wording(self) -> &'static str {
        match self {
            Action::RegisterFramework => "register a framework with role",
            Action::RunTask => "run a task as user",
            Action::TeardownFramework => "tear down a framework of principal",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.acl_key())
    }
}

/// One side of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Entity {
    Any,
    None,
    Values(Vec<String>),
}

impl Entity {
    /// Whether the rule applies to a request naming `value` (`None`: the request names
    /// nothing, Mesos's request type ANY).
    fn matches(&self, value: Option<&str>) -> bool {
        match (self, value) {
            (Entity::Any | Entity::None, _) => true,
            (Entity::Values(values), Some(v)) => values.iter().any(|x| x == v),
            (Entity::Values(_), None) => false,
        }
    }

    /// Whether a matching rule lets the request through on this side.
    fn allows(&self, value: Option<&str>) -> bool {
        match (self, value) {
            (Entity::Any, _) => true,
            (Entity::None, _) => false,
            (Entity::Values(values), Some(v)) => values.iter().any(|x| x == v),
            (Entity::Values(_), None) => false,
        }
    }
}

#[derive(Clone, Debug)]
struct Rule {
    principals: Entity,
    object: Entity,
    /// The rule as JSON, for denial messages.
    text: String,
}

/// The loaded ACLs. `Acls::default()` has no rules and is permissive: everything is allowed.
#[derive(Clone, Debug)]
pub struct Acls {
    origin: String,
    permissive: bool,
    rules: [Vec<Rule>; 3],
}

impl Default for Acls {
    fn default() -> Self {
        Acls {
            origin: "(none)".to_string(),
            permissive: true,
            rules: Default::default(),
        }
    }
}

/// Why a request was refused (HTTP 403). Display names the action, the principal, the
/// object and the rule that denied it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denied {
    pub action: Action,
    pub principal: Option<String>,
    pub object: String,
    /// The denying rule's index in the action's list and its JSON; `None` when no rule
    /// matched and `permissive` is false.
    pub rule: Option<(usize, String)>,
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.principal {
            Some(p) => write!(f, "principal '{p}'")?,
            None => f.write_str("an unauthenticated request (no principal)")?,
        }
        write!(
            f,
            " is not authorized to {} '{}': ",
            self.action.wording(),
            self.object
        )?;
        match &self.rule {
            Some((index, text)) => write!(f, "denied by {}[{index}] {text}", self.action),
            None => write!(
                f,
                "{}: no rule matched and permissive is false",
                self.action
            ),
        }
    }
}

impl std::error::Error for Denied {}

impl Acls {
    /// Loads `--acls`: inline JSON, a path or `file:///path`.
    pub fn load(flag_value: &str) -> Result<Acls, AuthError> {
        let (origin, text) = read_flag(FLAG, flag_value)?;
        Acls::parse(&origin, &text)
    }

    /// Parses ACL JSON; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Acls, AuthError> {
        let root: Value = serde_json::from_str(text).map_err(|source| AuthError::Json {
            flag: FLAG,
            origin: origin.to_string(),
            source,
        })?;
        let Value::Object(root) = root else {
            return Err(invalid(
                origin,
                "(top level)",
                &format!("expected an object, found {}", json_kind(&root)),
            ));
        };
        let mut acls = Acls {
            origin: origin.to_string(),
            ..Acls::default()
        };
        for (key, value) in &root {
            if key == "permissive" {
                acls.permissive = value.as_bool().ok_or_else(|| {
                    invalid(
                        origin,
                        key,
                        &format!("expected true or false, found {}", json_kind(value)),
                    )
                })?;
                continue;
            }
            let Some(action) = Action::ALL.into_iter().find(|a| a.acl_key() == key) else {
                return Err(AuthError::UnknownAclKey {
                    origin: origin.to_string(),
                    key: key.clone(),
                    hint: unknown_key_hint(key),
                });
            };
            acls.rules[action.index()] = parse_rules(origin, action, value)?;
        }
        Ok(acls)
    }

    /// Decides `action` by `principal` (the authenticated one, else the framework's claim)
    /// on `object`; the first matching rule wins, else `permissive`.
    pub fn authorize(
        &self,
        action: Action,
        principal: Option<&str>,
        object: &str,
    ) -> Result<(), Denied> {
        // An empty object is "none given" (a framework without a principal): Mesos's ANY.
        let object_value = (!object.is_empty()).then_some(object);
        let denied = |rule| Denied {
            action,
            principal: principal.map(str::to_string),
            object: object.to_string(),
            rule,
        };
        for (index, rule) in self.rules[action.index()].iter().enumerate() {
            if rule.principals.matches(principal) && rule.object.matches(object_value) {
                return if rule.principals.allows(principal) && rule.object.allows(object_value) {
                    Ok(())
                } else {
                    Err(denied(Some((index, rule.text.clone()))))
                };
            }
        }
        if self.permissive {
            Ok(())
        } else {
            Err(denied(None))
        }
    }

    /// Whether a request that no rule matches is allowed.
    pub fn is_permissive(&self) -> bool {
        self.permissive
    }

    /// Where the ACLs came from: a path, `(inline)`, or `(none)` for the default.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

#[cfg(test)]
mod tests;
