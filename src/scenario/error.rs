//! Scenario errors name the file, the operation (its number and its JSON) and the reason.

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario {file}: {reason}")]
    Read { file: String, reason: String },
    #[error("scenario {file} is not a JSON array of operations: {reason}")]
    Parse { file: String, reason: String },
    #[error("scenario {file}, operation #{index} {op}: {reason}")]
    Op {
        file: String,
        index: usize,
        op: String,
        reason: String,
    },
    #[error("--weights: {0}")]
    Weights(#[from] modkit_ffi::sdk::WeightsError),
    #[error("--weights {text}: {reason}")]
    Weight { text: String, reason: String },
    #[error(transparent)]
    Module(#[from] crate::modules::ModuleError),
}
