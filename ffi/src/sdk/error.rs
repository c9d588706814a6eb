//! The error every module call returns, mapped one to one onto `modkit_status`.

use crate::abi::status;

/// Why a module call failed. The variant travels as the status code, the text as the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModuleError {
    #[error("{0}")]
    Failed(String),
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("panicked: {0}")]
    Panic(String),
    /// The module returned a status this host does not know.
    #[error("failed with unknown status {status}: {message}")]
    UnknownStatus { status: i32, message: String },
    /// The module's output could not be read (host side).
    #[error("returned unusable output: {0}")]
    BadOutput(String),
}

impl ModuleError {
    pub fn failed(message: impl Into<String>) -> Self {
        ModuleError::Failed(message.into())
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        ModuleError::InvalidArgument(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ModuleError::NotFound(message.into())
    }

    /// The status code this error crosses the ABI as.
    pub fn status(&self) -> i32 {
        match self {
            ModuleError::Failed(_) | ModuleError::BadOutput(_) => status::ERROR,
            ModuleError::InvalidArgument(_) => status::INVALID_ARGUMENT,
            ModuleError::NotFound(_) => status::NOT_FOUND,
            ModuleError::Unsupported(_) => status::UNSUPPORTED,
            ModuleError::Panic(_) => status::PANIC,
            ModuleError::UnknownStatus { status, .. } => *status,
        }
    }

    /// The text that crosses the ABI (without the prefix the variant adds when displayed).
    pub fn message(&self) -> &str {
        match self {
            ModuleError::Failed(m)
            | ModuleError::InvalidArgument(m)
            | ModuleError::NotFound(m)
            | ModuleError::Unsupported(m)
            | ModuleError::Panic(m)
            | ModuleError::BadOutput(m) => m,
            ModuleError::UnknownStatus { message, .. } => message,
        }
    }

    /// Rebuilds the error on the host side from what crossed the ABI.
    pub fn from_status(code: i32, message: String) -> Self {
        let message = if message.trim().is_empty() {
            format!("status {code} without a message")
        } else {
            message
        };
        match code {
            status::INVALID_ARGUMENT => ModuleError::InvalidArgument(message),
            status::NOT_FOUND => ModuleError::NotFound(message),
            status::UNSUPPORTED => ModuleError::Unsupported(message),
            status::PANIC => ModuleError::Panic(message),
            status::ERROR => ModuleError::Failed(message),
            status => ModuleError::UnknownStatus { status, message },
        }
    }
}

impl From<crate::abi::FfiStrError> for ModuleError {
    fn from(e: crate::abi::FfiStrError) -> Self {
        ModuleError::InvalidArgument(e.to_string())
    }
}

impl From<crate::abi::WriterError> for ModuleError {
    fn from(e: crate::abi::WriterError) -> Self {
        ModuleError::Failed(format!("writing output: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trip_keeps_variant_and_message() {
        let cases = [
            ModuleError::failed("disk gone"),
            ModuleError::invalid("bad 'x'"),
            ModuleError::not_found("container c1"),
            ModuleError::Unsupported("watch".into()),
            ModuleError::Panic("boom".into()),
            ModuleError::UnknownStatus {
                status: 42,
                message: "odd".into(),
            },
        ];
        for e in cases {
            let back = ModuleError::from_status(e.status(), e.message().to_string());
            assert_eq!(back, e);
        }
    }

    #[test]
    fn empty_message_is_replaced() {
        let e = ModuleError::from_status(status::ERROR, " ".into());
        assert_eq!(e.to_string(), "status 1 without a message");
    }
}
