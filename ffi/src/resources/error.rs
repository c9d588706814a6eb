//! The one error type of the resource model.

use thiserror::Error;

/// Why resources or attributes were rejected.
///
/// Messages quote the whole input and name the bad token, because operators paste these
/// strings from flags and need to see which part was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResourcesError {
    /// The resources text form (`cpus:4;mem:1024`) did not parse.
    #[error("invalid resources '{input}': {reason}")]
    Text { input: String, reason: String },

    /// The attributes text form (`rack:r1;zone:3`) did not parse.
    #[error("invalid attributes '{input}': {reason}")]
    AttributesText { input: String, reason: String },

    /// A JSON record named a value type that Mesos does not define.
    #[error("unknown {what} type '{kind}' for '{name}'")]
    UnknownType {
        what: &'static str,
        kind: String,
        name: String,
    },

    /// One resource (from JSON or built in code) is not valid.
    #[error("invalid resource '{name}': {reason}")]
    Resource { name: String, reason: String },

    /// One attribute from JSON is not valid.
    #[error("invalid attribute '{name}': {reason}")]
    Attribute { name: String, reason: String },
}
