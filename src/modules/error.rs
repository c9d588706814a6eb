//! Every way loading or creating a module can fail; each message names the library, the module
//! and the reason.

use super::spec::SpecError;
use modkit_ffi::abi::Kind;
use modkit_ffi::host::DescriptorError;

#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("Error opening library '{library}': {reason}")]
    OpenLibrary { library: String, reason: String },
    #[error("Error loading module '{module}' from '{library}': symbol not found ({reason})")]
    MissingSymbol {
        library: String,
        module: String,
        reason: String,
    },
    #[error("Error loading module '{module}' from '{library}': {source}")]
    Descriptor {
        library: String,
        module: String,
        source: DescriptorError,
    },
    #[error("Module '{module}' from '{library}' has determined to be incompatible: {reason}")]
    Incompatible {
        library: String,
        module: String,
        reason: String,
    },
    #[error("Error creating module instance for '{module}' ({origin}): {source}")]
    Create {
        module: String,
        origin: String,
        source: modkit_ffi::sdk::ModuleError,
    },
    #[error("module '{module}' is provided twice: by {first} and by {second}")]
    Duplicate {
        module: String,
        first: String,
        second: String,
    },
    #[error("Unknown or unsupported {kind} '{name}' (known {kind}s: {known})")]
    Unknown {
        kind: Kind,
        name: String,
        known: String,
    },
    #[error("module '{module}' is a {actual}, not a {expected}")]
    WrongKind {
        module: String,
        expected: Kind,
        actual: Kind,
    },
    /// A load error of a module, with where the spec declared it.
    #[error("{source} (declared in {origin})")]
    Declared {
        origin: String,
        source: Box<ModuleError>,
    },
    #[error("module '{module}' is not loaded (neither built in nor named by --modules)")]
    NotRegistered { module: String },
    #[error("module '{module}' ({origin}) does not support several instances and already has one")]
    SingleInstance { module: String, origin: String },
}
