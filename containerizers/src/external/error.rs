//! How one run of the external containerizer program can fail. Each message is the reason
//! only; the caller adds the program, the command and the container.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    #[error("could not be started: {0}")]
    Spawn(std::io::Error),
    #[error("failed talking to the program: {0}")]
    Io(std::io::Error),
    /// Its process group was killed.
    #[error("timed out after {after:?} (its process group was killed){}", tail(.stderr))]
    TimedOut {
        after: Duration,
        stderr: Vec<String>,
    },
    /// Its process group was killed: the answer is not read whole, never held in memory.
    #[error("printed more than {limit} bytes on stdout (its process group was killed){}", tail(.stderr))]
    TooLarge { limit: usize, stderr: Vec<String> },
    #[error("{how}{}{}", error_answer(.answer), tail(.stderr))]
    Failed {
        /// "exited with status 3", "was killed by signal 9".
        how: String,
        /// The CNI-style `{code, msg, details}` it printed, if any.
        answer: Option<ErrorAnswer>,
        stderr: Vec<String>,
    },
    #[error("exited with status 0 but printed malformed JSON on stdout ({reason}): {excerpt:?}{}", tail(.stderr))]
    Malformed {
        reason: String,
        excerpt: String,
        stderr: Vec<String>,
    },
    /// Valid JSON that is not the answer the command expects.
    #[error("answered {0}")]
    Answer(String),
    #[error("supports protocol versions [{}] but this agent speaks [{}]", .supported.join(", "), .ours.join(", "))]
    Version {
        supported: Vec<String>,
        ours: Vec<String>,
    },
}

/// A CNI-style error a program prints on stdout when it exits non-zero.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct ErrorAnswer {
    pub code: i64,
    #[serde(default)]
    pub msg: String,
    #[serde(default)]
    pub details: String,
}

impl std::fmt::Display for ErrorAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error {}: {}", self.code, self.msg)?;
        if !self.details.is_empty() {
            write!(f, " ({})", self.details)?;
        }
        Ok(())
    }
}

fn error_answer(answer: &Option<ErrorAnswer>) -> String {
    answer
        .as_ref()
        .map(|a| format!(": {a}"))
        .unwrap_or_default()
}

fn tail(stderr: &[String]) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!("; stderr: {}", stderr.join(" | "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_show_the_error_answer_and_stderr() {
        let e = ProgramError::Failed {
            how: "exited with status 3".into(),
            answer: Some(ErrorAnswer {
                code: 7,
                msg: "no network".into(),
                details: "bridge cni0 missing".into(),
            }),
            stderr: vec!["first".into(), "second".into()],
        };
        assert_eq!(
            e.to_string(),
            "exited with status 3: error 7: no network (bridge cni0 missing); stderr: first | second"
        );
        let e = ProgramError::TimedOut {
            after: Duration::from_secs(2),
            stderr: Vec::new(),
        };
        assert_eq!(
            e.to_string(),
            "timed out after 2s (its process group was killed)"
        );
    }
}
