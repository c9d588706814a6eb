//! Mesos's `--weights` format (`a=2,b/c=0.5`), read by hosts and allocator modules alike.

/// Why a weights string was refused; names the whole string and the bad pair.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid weights '{text}': '{pair}' {reason}")]
pub struct WeightsError {
    pub text: String,
    pub pair: String,
    pub reason: &'static str,
}

/// Parses `role=weight` pairs separated by commas; weights must be positive and finite.
pub fn parse_weights(text: &str) -> Result<Vec<(String, f64)>, WeightsError> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let bad = |reason| WeightsError {
                text: text.to_string(),
                pair: pair.to_string(),
                reason,
            };
            let (role, w) = pair
                .split_once('=')
                .ok_or_else(|| bad("is not role=weight"))?;
            let w: f64 = w
                .trim()
                .parse()
                .map_err(|_| bad("has a weight that is not a number"))?;
            if !(w.is_finite() && w > 0.0) {
                return Err(bad("needs a positive weight"));
            }
            Ok((role.trim().to_string(), w))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_names_the_bad_pair() {
        assert_eq!(
            parse_weights("a=2, b/c=0.5,").unwrap(),
            [("a".to_string(), 2.0), ("b/c".to_string(), 0.5)]
        );
        assert_eq!(
            parse_weights("a=2,b").unwrap_err().to_string(),
            "invalid weights 'a=2,b': 'b' is not role=weight"
        );
        assert!(parse_weights("a=0")
            .unwrap_err()
            .to_string()
            .ends_with("needs a positive weight"));
        assert!(parse_weights("a=x")
            .unwrap_err()
            .to_string()
            .contains("not a number"));
    }
}
