//! Watch intervals and switches as the agent passes them (Mesos durations and booleans).

use crate::IsolatorError;
use modkit_ffi::sdk::parse_duration;
use std::time::Duration;

fn flag_error(flag: &'static str, value: &str, reason: impl Into<String>) -> IsolatorError {
    IsolatorError::Flag {
        flag,
        value: value.to_string(),
        reason: reason.into(),
    }
}

pub(crate) fn parse_bool(flag: &'static str, value: &str) -> Result<bool, IsolatorError> {
    match value.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(flag_error(flag, value, "expected true or false")),
    }
}

/// A positive Mesos duration (`15secs`, `100ms`): a zero interval would spin.
pub(crate) fn parse_interval(flag: &'static str, value: &str) -> Result<Duration, IsolatorError> {
    let interval = parse_duration(value).map_err(|e| flag_error(flag, value, e.to_string()))?;
    if interval.is_zero() {
        return Err(flag_error(flag, value, "must be longer than zero"));
    }
    Ok(interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_booleans() {
        assert_eq!(
            parse_interval("x", "100ms").unwrap(),
            Duration::from_millis(100)
        );
        assert_eq!(
            parse_interval("x", "15secs").unwrap(),
            Duration::from_secs(15)
        );
        assert_eq!(
            parse_interval("container_disk_watch_interval", "0secs")
                .unwrap_err()
                .to_string(),
            "flag --container_disk_watch_interval=\"0secs\": must be longer than zero"
        );
        let e = parse_interval("container_ports_watch_interval", "often")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "flag --container_ports_watch_interval=\"often\": 'often' is not a duration"
            ),
            "{e}"
        );
        assert!(parse_bool("x", "true").unwrap());
        assert!(!parse_bool("x", "0").unwrap());
        assert_eq!(
            parse_bool("enforce_container_ports", "yes")
                .unwrap_err()
                .to_string(),
            "flag --enforce_container_ports=\"yes\": expected true or false"
        );
    }
}
