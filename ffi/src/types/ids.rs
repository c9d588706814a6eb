//! Identifiers, which Mesos writes as objects: `{"value":"..."}`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Defines a `{"value": ...}` identifier.
macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name {
            pub value: String,
        }

        impl $name {
            /// An identifier with this value.
            pub fn new(value: impl Into<String>) -> $name {
                $name { value: value.into() }
            }

            /// The value.
            pub fn as_str(&self) -> &str {
                &self.value
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> $name {
                $name::new(value)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> $name {
                $name::new(value)
            }
        }
    };
}

string_id!(
    /// Mesos's `FrameworkID`.
    FrameworkId
);
string_id!(
    /// Mesos's `AgentID`.
    AgentId
);
string_id!(
    /// Mesos's `TaskID`.
    TaskId
);
string_id!(
    /// Mesos's `ExecutorID`.
    ExecutorId
);
string_id!(
    /// Mesos's `OfferID`.
    OfferId
);

/// Mesos's `ContainerID`; a nested container names its parent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ContainerId {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Box<ContainerId>>,
}

impl ContainerId {
    /// A top-level container.
    pub fn new(value: impl Into<String>) -> ContainerId {
        ContainerId {
            value: value.into(),
            parent: None,
        }
    }

    /// A container nested in `parent`.
    pub fn nested(parent: ContainerId, value: impl Into<String>) -> ContainerId {
        ContainerId {
            value: value.into(),
            parent: Some(Box::new(parent)),
        }
    }

    /// The parent, for a nested container.
    pub fn parent(&self) -> Option<&ContainerId> {
        self.parent.as_deref()
    }

    /// The top-level container this one belongs to (itself when not nested).
    pub fn root(&self) -> &ContainerId {
        let mut current = self;
        while let Some(parent) = current.parent() {
            current = parent;
        }
        current
    }

    /// The nesting depth: 0 for a top-level container.
    pub fn depth(&self) -> usize {
        std::iter::successors(self.parent(), |id| id.parent()).count()
    }
}

impl fmt::Display for ContainerId {
    /// `parent.child`, as Mesos prints nested ids.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent() {
            write!(f, "{parent}.")?;
        }
        f.write_str(&self.value)
    }
}

impl From<&str> for ContainerId {
    fn from(value: &str) -> ContainerId {
        ContainerId::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_value_objects() {
        let id = TaskId::new("task-1");
        assert_eq!(
            serde_json::to_value(&id).ok(),
            Some(json!({"value":"task-1"}))
        );
        let read: AgentId = serde_json::from_value(json!({"value":"S0","extra":1})).expect("valid");
        assert_eq!(read, AgentId::from("S0"));
        assert_eq!(read.to_string(), "S0");
        assert!(serde_json::from_value::<FrameworkId>(json!({})).is_err());
        assert_eq!(OfferId::from("o".to_string()).as_str(), "o");
        assert_eq!(ExecutorId::new("e"), ExecutorId::from("e"));
    }

    #[test]
    fn nested_container_ids() {
        let child = ContainerId::nested(ContainerId::nested("a".into(), "b"), "c");
        assert_eq!(child.to_string(), "a.b.c");
        assert_eq!(child.root(), &ContainerId::new("a"));
        assert_eq!(child.depth(), 2);
        let json = serde_json::to_value(&child).expect("serializable");
        assert_eq!(
            json,
            json!({"value":"c","parent":{"value":"b","parent":{"value":"a"}}})
        );
        let back: ContainerId = serde_json::from_value(json).expect("valid");
        assert_eq!(back, child);
        assert_eq!(ContainerId::new("x").depth(), 0);
    }
}
