//! Scenario runners: JSON files of operations replayed against a sorter or an allocator module,
//! printing one JSON line per query. For tests and for researchers comparing policies.

mod allocate;
mod error;
mod sorter;

pub use allocate::run_allocate;
pub use error::ScenarioError;
pub use sorter::{run_sorter, SorterOptions};

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

/// Parses `a=2,b/c=0.5` (Mesos `--weights`).
pub fn parse_weights(text: &str) -> Result<Vec<(String, f64)>, ScenarioError> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let bad = |why: &str| ScenarioError::Weights {
                text: text.to_string(),
                reason: format!("'{pair}': {why}"),
            };
            let (role, w) = pair
                .split_once('=')
                .ok_or_else(|| bad("expected role=weight"))?;
            let w: f64 = w
                .trim()
                .parse()
                .map_err(|_| bad("weight is not a number"))?;
            if !(w.is_finite() && w > 0.0) {
                return Err(bad("weight must be positive"));
            }
            Ok((role.trim().to_string(), w))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_parse_and_errors_name_the_pair() {
        assert_eq!(
            parse_weights("a=2, b/c=0.5").unwrap(),
            [("a".to_string(), 2.0), ("b/c".to_string(), 0.5)]
        );
        assert_eq!(
            parse_weights("a=2,b").unwrap_err().to_string(),
            "invalid --weights 'a=2,b': 'b': expected role=weight"
        );
        assert!(parse_weights("a=-1")
            .unwrap_err()
            .to_string()
            .contains("must be positive"));
        assert!(parse_weights("a=x")
            .unwrap_err()
            .to_string()
            .contains("not a number"));
    }
}
