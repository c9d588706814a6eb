//! Mesos's `DurationInfo` and `TimeInfo`, both in nanoseconds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// A duration in nanoseconds (Mesos's `DurationInfo`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct DurationInfo {
    pub nanoseconds: i64,
}

impl DurationInfo {
    /// The duration as a std duration; negative values become zero.
    pub fn as_duration(self) -> Duration {
        Duration::from_nanos(u64::try_from(self.nanoseconds).unwrap_or(0))
    }
}

impl From<Duration> for DurationInfo {
    /// Saturates at `i64::MAX` nanoseconds (about 292 years).
    fn from(duration: Duration) -> DurationInfo {
        DurationInfo {
            nanoseconds: i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX),
        }
    }
}

/// A point in time in nanoseconds since the epoch (Mesos's `TimeInfo`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct TimeInfo {
    pub nanoseconds: i64,
}

impl TimeInfo {
    /// The current time.
    pub fn now() -> TimeInfo {
        TimeInfo::from(SystemTime::now())
    }
}

impl From<SystemTime> for TimeInfo {
    fn from(time: SystemTime) -> TimeInfo {
        let nanoseconds = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_nanos())
                .map(|n| -n)
                .unwrap_or(i64::MIN),
        };
        TimeInfo { nanoseconds }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        let grace = DurationInfo::from(Duration::from_secs(3));
        assert_eq!(grace.nanoseconds, 3_000_000_000);
        assert_eq!(grace.as_duration(), Duration::from_secs(3));
        assert_eq!(
            DurationInfo { nanoseconds: -1 }.as_duration(),
            Duration::ZERO
        );
        let json = serde_json::to_string(&grace).ok();
        assert_eq!(json.as_deref(), Some(r#"{"nanoseconds":3000000000}"#));
        assert!(TimeInfo::now().nanoseconds > 0);
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(TimeInfo::from(before).nanoseconds, -1_000_000_000);
    }
}
