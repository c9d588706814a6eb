//! One named resource with its value and reservation.

use std::fmt;

use super::role::{validate_role, UNRESERVED_ROLE};
use super::{Ranges, ResourcesError, Scalar, Set, Value};

/// One resource, such as `cpus(ads):8`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Resource {
    /// The resource name (`cpus`, `mem`, `ports`, ...).
    pub name: String,
    /// The amount.
    pub value: Value,
    /// `None` for unreserved (`*`); `Some(role)` for a static reservation to `role`.
    pub role: Option<String>,
}

impl Resource {
    /// An unreserved resource.
    pub fn new(name: impl Into<String>, value: impl Into<Value>) -> Resource {
        Resource {
            name: name.into(),
            value: value.into(),
            role: None,
        }
    }

    /// An unreserved scalar resource, rounded to three decimal digits.
    pub fn scalar(name: impl Into<String>, value: f64) -> Resource {
        Resource::new(name, Scalar::from_f64(value))
    }

    /// An unreserved ranges resource.
    pub fn ranges(name: impl Into<String>, ranges: Ranges) -> Resource {
        Resource::new(name, ranges)
    }

    /// An unreserved set resource.
    pub fn set(name: impl Into<String>, set: Set) -> Resource {
        Resource::new(name, set)
    }

    /// The same resource reserved to `role` (`*` means unreserved).
    pub fn reserved_to(mut self, role: impl Into<String>) -> Resource {
        let role = role.into();
        self.role = (role != UNRESERVED_ROLE).then_some(role);
        self
    }

    /// Whether the resource is reserved to a role.
    pub fn is_reserved(&self) -> bool {
        self.role.is_some()
    }

    /// The role as Mesos writes it: `*` when unreserved.
    pub fn role_name(&self) -> &str {
        self.role.as_deref().unwrap_or(UNRESERVED_ROLE)
    }

    /// Checks the name, role and value, so that every stored resource prints and parses back.
    pub fn validate(&self) -> Result<(), ResourcesError> {
        self.problem().map_or(Ok(()), |reason| {
            Err(ResourcesError::Resource {
                name: self.name.clone(),
                reason,
            })
        })
    }

    /// The first problem with this resource, as a reason for an error message.
    pub(crate) fn problem(&self) -> Option<String> {
        if let Err(reason) = validate_name(&self.name) {
            return Some(reason);
        }
        if let Some(role) = &self.role {
            if let Err(reason) = validate_role(role) {
                return Some(format!(
                    "invalid role '{role}' for '{}': {reason}",
                    self.name
                ));
            }
        }
        match &self.value {
            Value::Scalar(scalar) if scalar.milli() < 0 => {
                Some(format!("negative value {scalar} for '{}'", self.name))
            }
            Value::Set(set) => set.iter().find_map(|item| {
                validate_item(item)
                    .err()
                    .map(|reason| format!("invalid item '{item}' for '{}': {reason}", self.name))
            }),
            _ => None,
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.role {
            Some(role) => write!(f, "{}({role}):{}", self.name, self.value),
            None => write!(f, "{}:{}", self.name, self.value),
        }
    }
}

/// Characters that would make a name ambiguous in the text form.
const NAME_SEPARATORS: [char; 9] = ['(', ')', ':', ';', '[', ']', '{', '}', ','];

/// Checks a resource or attribute name; the reason names the name.
pub(crate) fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty name".to_string());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || NAME_SEPARATORS.contains(c))
    {
        return Err(format!("name '{name}' may not contain {bad:?}"));
    }
    Ok(())
}

/// Checks a set item, so that sets print and parse back.
pub(crate) fn validate_item(item: &str) -> Result<(), String> {
    if item.is_empty() {
        return Err("empty item".to_string());
    }
    if item.trim() != item {
        return Err("leading or trailing whitespace".to_string());
    }
    if let Some(bad) = item
        .chars()
        .find(|c| c.is_control() || matches!(c, ',' | ';' | '{' | '}'))
    {
        return Err(format!("an item may not contain {bad:?}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_with_and_without_role() {
        assert_eq!(Resource::scalar("cpus", 4.0).to_string(), "cpus:4");
        let reserved = Resource::scalar("cpus", 8.0).reserved_to("ads");
        assert_eq!(reserved.to_string(), "cpus(ads):8");
        assert_eq!(reserved.role_name(), "ads");
        assert!(Resource::scalar("cpus", 1.0)
            .reserved_to("*")
            .role
            .is_none());
        let ports = Resource::ranges("ports", Ranges::from(1..=2));
        assert_eq!(ports.to_string(), "ports:[1-2]");
    }

    #[test]
    fn validate_reports_the_problem() {
        let bad_role = Resource::scalar("cpus", 1.0).reserved_to("");
        assert_eq!(
            bad_role.validate().map_err(|e| e.to_string()),
            Err(
                "invalid resource 'cpus': invalid role '' for 'cpus': a role may not be empty"
                    .to_string()
            )
        );
        let negative = Resource::scalar("mem", -5.0);
        assert_eq!(
            negative.validate().map_err(|e| e.to_string()),
            Err("invalid resource 'mem': negative value -5 for 'mem'".to_string())
        );
        let bad_name = Resource::scalar("my cpus", 1.0);
        assert!(bad_name.validate().is_err());
        let bad_item = Resource::set("bugs", ["a,b"].into_iter().collect());
        assert!(bad_item.validate().is_err());
        assert!(Resource::scalar("cpus", 0.0).validate().is_ok());
    }
}
