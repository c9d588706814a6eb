//! The one error type of the Mesos records.

use thiserror::Error;

/// Why a Mesos record or enum value was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TypesError {
    /// An enum name Mesos does not define (e.g. a misspelt task state).
    #[error("unknown {kind} '{name}'")]
    UnknownName { kind: &'static str, name: String },

    /// An enum number Mesos does not define.
    #[error("unknown {kind} code {code}")]
    UnknownCode { kind: &'static str, code: i64 },

    /// Two isolators set the same single-valued launch field differently.
    #[error("conflicting launch info: '{field}' is set to both {first} and {second}")]
    LaunchConflict {
        field: &'static str,
        /// The two values, as JSON.
        first: String,
        second: String,
    },
}
