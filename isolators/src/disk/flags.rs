//! The flags of `disk/du`, with Mesos's defaults.

use crate::periodic::{parse_bool, parse_interval};
use crate::IsolatorError;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskFlags {
    /// `--container_disk_watch_interval` (15secs).
    pub watch_interval: Duration,
    /// `--enforce_container_disk_quota` (false): without it usage is only reported.
    pub enforce: bool,
}

impl Default for DiskFlags {
    fn default() -> Self {
        DiskFlags {
            watch_interval: Duration::from_secs(15),
            enforce: false,
        }
    }
}

impl DiskFlags {
    /// From any lookup (flag name → value); unset flags take their defaults.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, IsolatorError> {
        let mut flags = DiskFlags::default();
        if let Some(value) = lookup("container_disk_watch_interval") {
            flags.watch_interval = parse_interval("container_disk_watch_interval", &value)?;
        }
        if let Some(value) = lookup("enforce_container_disk_quota") {
            flags.enforce = parse_bool("enforce_container_disk_quota", &value)?;
        }
        Ok(flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_values_and_errors() {
        assert_eq!(
            DiskFlags::from_lookup(|_| None).unwrap(),
            DiskFlags::default()
        );
        let flags = DiskFlags::from_lookup(|name| match name {
            "container_disk_watch_interval" => Some("100ms".into()),
            "enforce_container_disk_quota" => Some("true".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(flags.watch_interval, Duration::from_millis(100));
        assert!(flags.enforce);
        let e = DiskFlags::from_lookup(|name| {
            (name == "enforce_container_disk_quota").then(|| "sometimes".to_string())
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "flag --enforce_container_disk_quota=\"sometimes\": expected true or false"
        );
    }
}
