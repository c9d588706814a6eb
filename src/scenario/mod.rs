//! Scenario runners: JSON files of operations replayed against a sorter or an allocator module,
//! printing one JSON line per query. For tests and for researchers comparing policies.

mod allocate;
mod error;
mod sorter;

pub use allocate::run_allocate;
pub use error::ScenarioError;
pub use sorter::{run_sorter, SorterOptions};

/// Mesos `--weights`, shared with modules.
pub use modkit_ffi::sdk::parse_weights;

use serde::de::DeserializeOwned;
use std::path::Path;

/// Reads a scenario file: a JSON array of operation objects.
fn read_ops<T: DeserializeOwned>(
    path: &Path,
) -> Result<Vec<(serde_json::Value, T)>, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Read {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    let values: Vec<serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| ScenarioError::Parse {
            file: file.clone(),
            reason: e.to_string(),
        })?;
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value::<T>(v.clone())
                .map(|op| (v.clone(), op))
                .map_err(|e| ScenarioError::Op {
                    file: file.clone(),
                    index: i + 1,
                    op: v.to_string(),
                    reason: e.to_string(),
                })
        })
        .collect()
}
