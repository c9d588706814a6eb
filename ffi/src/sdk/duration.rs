//! Mesos durations: a number and a unit (`100ms`, `5secs`, `2mins`), as in
//! `--executor_shutdown_grace_period=5secs`.

use std::time::Duration;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DurationError {
    #[error("'{0}' is not a duration: expected a number and a unit (ns, us, ms, secs, mins, hrs, days, weeks), e.g. 5secs")]
    Malformed(String),
    #[error("'{0}' is not a duration: it is negative or too large")]
    OutOfRange(String),
}

pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| DurationError::Malformed(text.to_string()))?;
    let (number, unit) = trimmed.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| DurationError::Malformed(text.to_string()))?;
    let seconds_per_unit = match unit {
        "ns" => 1e-9,
        "us" => 1e-6,
        "ms" => 1e-3,
        "secs" | "sec" | "s" => 1.0,
        "mins" | "min" => 60.0,
        "hrs" | "hr" => 3600.0,
        "days" | "day" => 86400.0,
        "weeks" | "week" => 604800.0,
        _ => return Err(DurationError::Malformed(text.to_string())),
    };
    Duration::try_from_secs_f64(value * seconds_per_unit)
        .map_err(|_| DurationError::OutOfRange(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mesos_units() {
        assert_eq!(parse_duration("5secs"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("100ms"), Ok(Duration::from_millis(100)));
        assert_eq!(parse_duration("1.5mins"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2hrs"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("0ns"), Ok(Duration::ZERO));
    }

    #[test]
    fn malformed_names_the_value() {
        for bad in ["5", "secs", "5 parsecs", "", "-1secs", "1e9weeks"] {
            let err = parse_duration(bad).unwrap_err().to_string();
            assert!(err.contains(&format!("'{bad}'")), "{bad}: {err}");
        }
    }
}
