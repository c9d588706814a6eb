//! Simulator errors name the file (and line), the policy or the module, and the reason.

#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("cannot read workload {file}: {reason}")]
    Read { file: String, reason: String },
    /// A malformed line or value, at `file:line`.
    #[error("{file}:{line}: {reason}")]
    Parse {
        file: String,
        line: usize,
        reason: String,
    },
    #[error("workload {workload}: {reason}")]
    Workload { workload: String, reason: String },
    #[error("{flag}: {reason}")]
    Flag { flag: String, reason: String },
    #[error("policy '{policy}': {reason}")]
    Policy { policy: String, reason: String },
    #[error("policy '{policy}': the allocator failed in {call}: {reason}")]
    Allocator {
        policy: String,
        call: String,
        reason: String,
    },
    #[error("policy '{policy}': the simulation stalled at {at:.3} s with {pending} tasks pending and none running; {reason}")]
    Stalled {
        policy: String,
        at: f64,
        pending: u64,
        reason: String,
    },
    #[error("cannot write {file}: {reason}")]
    Write { file: String, reason: String },
    #[error(transparent)]
    Module(#[from] crate::modules::ModuleError),
}
