//! Parsers for the cgroup file formats: a single value, a limit, and flat keyed files
//! (`cpu.stat`, `memory.stat`, `memory.events`, `memory.oom_control`, `cpuacct.stat`).

use crate::{CgroupError, Result};
use std::collections::BTreeMap;
use std::path::Path;

fn parse_error(path: &Path, value: &str, reason: impl Into<String>) -> CgroupError {
    CgroupError::Parse {
        path: path.to_path_buf(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

/// One unsigned number (surrounding whitespace allowed).
pub fn parse_u64(path: &Path, text: &str) -> Result<u64> {
    let value = text.trim();
    value
        .parse()
        .map_err(|e| parse_error(path, value, format!("not an unsigned number: {e}")))
}

/// A limit: `max` (v2) or `-1` (v1 input convention) mean none.
pub fn parse_limit(path: &Path, text: &str) -> Result<Option<u64>> {
    match text.trim() {
        "max" | "-1" => Ok(None),
        _ => parse_u64(path, text).map(Some),
    }
}

/// `key value` lines; blank lines are skipped, anything else malformed is an error naming
/// the line.
pub fn parse_flat_keyed(path: &Path, text: &str) -> Result<BTreeMap<String, u64>> {
    let mut map = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut fields = line.split_whitespace();
        let (Some(key), Some(value), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err(parse_error(path, line, "expected 'key value'"));
        };
        let value = value
            .parse()
            .map_err(|e| parse_error(path, line, format!("not an unsigned number: {e}")))?;
        map.insert(key.to_string(), value);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_values_and_limits() {
        let p = Path::new("/cg/memory.max");
        assert_eq!(parse_u64(p, " 42\n").unwrap(), 42);
        assert_eq!(parse_limit(p, "max\n").unwrap(), None);
        assert_eq!(parse_limit(p, "1048576\n").unwrap(), Some(1 << 20));
        assert_eq!(
            parse_u64(p, "lots").unwrap_err().to_string(),
            "cannot parse /cg/memory.max (\"lots\"): not an unsigned number: invalid digit found in string"
        );
    }

    #[test]
    fn v2_cpu_stat() {
        let text = "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n\
                    nr_periods 10\nnr_throttled 3\nthrottled_usec 120000\n";
        let map = parse_flat_keyed(Path::new("cpu.stat"), text).unwrap();
        assert_eq!(map["usage_usec"], 2_500_000);
        assert_eq!(map["nr_throttled"], 3);
        assert_eq!(map.len(), 6);
    }

    #[test]
    fn v1_memory_stat_and_bad_lines() {
        let text = "cache 4096\nrss 8192\ntotal_rss 8192\n\nhierarchical_memory_limit 9223372036854771712\n";
        let map = parse_flat_keyed(Path::new("memory.stat"), text).unwrap();
        assert_eq!(map["hierarchical_memory_limit"], 9_223_372_036_854_771_712);
        assert!(parse_flat_keyed(Path::new("memory.stat"), "rss\n").is_err());
        assert!(parse_flat_keyed(Path::new("memory.stat"), "rss -1\n").is_err());
        assert!(parse_flat_keyed(Path::new("memory.stat"), "rss 1 2\n").is_err());
    }
}
