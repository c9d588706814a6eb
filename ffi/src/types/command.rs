//! Mesos's `CommandInfo`: what to run, with which environment and fetched URIs.

use serde::{Deserialize, Serialize};

use super::Environment;

/// A URI the fetcher downloads into the sandbox before the command runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CommandUri {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extract: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_file: Option<String>,
}

/// A command: `/bin/sh -c value` when `shell` is unset or true, else `value` run with
/// `arguments` (argv\[0\] included).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CommandInfo {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uris: Vec<CommandUri>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

impl CommandInfo {
    /// A shell command.
    pub fn shell(command: impl Into<String>) -> CommandInfo {
        CommandInfo {
            shell: Some(true),
            value: Some(command.into()),
            ..CommandInfo::default()
        }
    }

    /// An executable run with `arguments` (argv\[0\] first), without a shell.
    pub fn exec(
        program: impl Into<String>,
        arguments: impl IntoIterator<Item = impl Into<String>>,
    ) -> CommandInfo {
        CommandInfo {
            shell: Some(false),
            value: Some(program.into()),
            arguments: arguments.into_iter().map(Into::into).collect(),
            ..CommandInfo::default()
        }
    }

    /// Whether the command runs through `/bin/sh -c` (Mesos's default).
    pub fn is_shell(&self) -> bool {
        self.shell.unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_mesos_command() {
        let command: CommandInfo = serde_json::from_value(json!({
            "uris": [{"value": "http://x/app.tgz", "extract": true, "cache": false}],
            "environment": {"variables": [{"name": "A", "value": "1"}]},
            "value": "./app --port $PORT0",
            "user": "nobody",
            "unknown": {"future": true}
        }))
        .expect("valid");
        assert!(command.is_shell());
        assert_eq!(command.uris[0].extract, Some(true));
        assert_eq!(
            command.environment.as_ref().and_then(|e| e.get("A")),
            Some("1")
        );
        let exec = CommandInfo::exec("/bin/echo", ["echo", "hi"]);
        assert!(!exec.is_shell());
        assert_eq!(
            serde_json::to_value(&exec).ok(),
            Some(json!({"shell": false, "value": "/bin/echo", "arguments": ["echo", "hi"]}))
        );
        assert_eq!(
            serde_json::to_value(CommandInfo::shell("true")).ok(),
            Some(json!({"shell": true, "value": "true"}))
        );
    }
}
