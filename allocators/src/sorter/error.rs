//! What a sorter call can get wrong, mapped onto the SDK's `ModuleError` at the trait boundary.

use modkit_ffi::sdk::ModuleError;

/// Every failure of the sorters; the variant decides the status the host sees.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum SorterError {
    #[error("client '{0}' already added")]
    ClientExists(String),
    #[error("client '{0}'")]
    UnknownClient(String),
    #[error("agent '{0}' already added")]
    AgentExists(String),
    #[error("agent '{0}'")]
    UnknownAgent(String),
    #[error("path '{path}': {reason}")]
    BadPath { path: String, reason: &'static str },
    #[error("weight of '{path}' is {weight} (must be a positive finite number)")]
    BadWeight { path: String, weight: f64 },
    #[error("quantity of '{name}' is {value} (must be finite, at least 0 and at most 1e12)")]
    BadQuantity { name: String, value: f64 },
    #[error("client '{client}' holds {held} of '{name}' and cannot give back {asked}")]
    NotHeld {
        client: String,
        name: String,
        held: f64,
        asked: f64,
    },
    #[error("allocation of '{name}' under '{client}' overflows")]
    Overflow { client: String, name: String },
    #[error("host flag '{flag}' = '{value}': {reason}")]
    BadFlag {
        flag: &'static str,
        value: String,
        reason: String,
    },
}

impl From<SorterError> for ModuleError {
    fn from(e: SorterError) -> Self {
        match e {
            SorterError::UnknownClient(_) | SorterError::UnknownAgent(_) => {
                ModuleError::not_found(e.to_string())
            }
            _ => ModuleError::invalid(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_ids_are_not_found_and_the_rest_invalid() {
        let e: ModuleError = SorterError::UnknownClient("a".into()).into();
        assert_eq!(e, ModuleError::not_found("client 'a'"));
        let e: ModuleError = SorterError::ClientExists("a".into()).into();
        assert_eq!(e, ModuleError::invalid("client 'a' already added"));
    }
}
