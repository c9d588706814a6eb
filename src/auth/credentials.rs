//! `--credentials`: the principals and secrets frameworks authenticate with, in Mesos's
//! JSON format `{"credentials": [{"principal": "..", "secret": ".."}]}` (or Mesos's older
//! text format, one `principal secret` per line).

use std::collections::HashMap;

use serde_json::Value;

use super::basic::parse_basic;
use super::error::{json_kind, AuthError};
use super::secret::Secret;
use super::source::read_flag;

const FLAG: &str = "credentials";

/// The loaded credentials. `Debug` shows principals only.
#[derive(Debug)]
pub struct Credentials {
    origin: String,
    secrets: HashMap<String, Secret>,
}

impl Credentials {
    /// Loads `--credentials`: inline JSON, a path or `file:///path`.
    pub fn load(flag_value: &str) -> Result<Credentials, AuthError> {
        let (origin, text) = read_flag(FLAG, flag_value)?;
        let parsed = Credentials::parse(&origin, &text);
        // The text held every secret; wipe it before it is freed.
        let mut bytes = text.into_bytes();
        bytes.fill(0);
        std::hint::black_box(&bytes);
        parsed
    }

    /// Parses credentials text; `origin` names it in errors. Messages never quote a
    /// secret: JSON is walked by hand rather than through serde's typed errors, which
    /// can echo the offending value.
    pub fn parse(origin: &str, text: &str) -> Result<Credentials, AuthError> {
        let entries = if text.trim_start().starts_with('{') {
            parse_json(origin, text)?
        } else {
            parse_lines(origin, text)?
        };
        let mut secrets = HashMap::new();
        let mut first_index = HashMap::new();
        for (index, (principal, secret)) in entries.into_iter().enumerate() {
            let at = format!("credentials[{index}]");
            if principal.is_empty() {
                return Err(invalid(origin, &at, "empty principal"));
            }
            if principal.contains(':') {
                return Err(invalid(
                    origin,
                    &at,
                    &format!("principal '{principal}' contains ':', which HTTP Basic cannot carry"),
                ));
            }
            if secret.expose().is_empty() {
                return Err(invalid(
                    origin,
                    &at,
                    &format!("empty secret for principal '{principal}'"),
                ));
            }
            if let Some(&first) = first_index.get(&principal) {
                return Err(AuthError::DuplicatePrincipal {
                    origin: origin.to_string(),
                    principal,
                    first,
                    second: index,
                });
            }
            first_index.insert(principal.clone(), index);
            secrets.insert(principal, secret);
        }
        Ok(Credentials {
            origin: origin.to_string(),
            secrets,
        })
    }

    /// Checks an HTTP `Authorization` header (Basic) and returns the principal.
    /// Every failure is an [`AuthError`] with status 401; an unknown principal and a wrong
    /// secret are the same one.
    pub fn authenticate(&self, authorization_header: Option<&str>) -> Result<String, AuthError> {
        let header = authorization_header.ok_or(AuthError::MissingHeader)?;
        let basic = parse_basic(header)?;
        match self.secrets.get(&basic.principal) {
            Some(secret) if secret.constant_time_eq(basic.secret.expose()) => Ok(basic.principal),
            _ => Err(AuthError::BadCredentials {
                principal: basic.principal,
            }),
        }
    }

    /// The principals, sorted (for logs and `/flags`; never the secrets).
    pub fn principals(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.secrets.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Where the credentials came from: a path or `(inline)`.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

fn invalid(origin: &str, at: &str, reason: &str) -> AuthError {
    AuthError::invalid(FLAG, origin, at, reason)
}

fn parse_json(origin: &str, text: &str) -> Result<Vec<(String, Secret)>, AuthError> {
    // serde_json's syntax errors name a position, never a value.
    let root: Value = serde_json::from_str(text).map_err(|source| AuthError::Json {
        flag: FLAG,
        origin: origin.to_string(),
        source,
    })?;
    let Value::Object(mut root) = root else {
        unreachable!("text starting with '{{' parses to an object");
    };
    if let Some(key) = root.keys().find(|k| k.as_str() != "credentials") {
        return Err(invalid(
            origin,
            key,
            "unknown key (expected only \"credentials\")",
        ));
    }
    let list = match root.remove("credentials") {
        Some(Value::Array(list)) => list,
        Some(other) => {
            return Err(invalid(
                origin,
                "credentials",
                &format!("expected an array, found {}", json_kind(&other)),
            ))
        }
        None => return Err(invalid(origin, "credentials", "missing")),
    };
    let mut entries = Vec::with_capacity(list.len());
    for (index, item) in list.into_iter().enumerate() {
        let at = format!("credentials[{index}]");
        let Value::Object(mut item) = item else {
            return Err(invalid(
                origin,
                &at,
                &format!("expected an object, found {}", json_kind(&item)),
            ));
        };
        if let Some(key) = item
            .keys()
            .find(|k| k.as_str() != "principal" && k.as_str() != "secret")
        {
            return Err(invalid(
                origin,
                &format!("{at}.{key}"),
                "unknown key (expected \"principal\" and \"secret\")",
            ));
        }
        let principal = match item.remove("principal") {
            Some(Value::String(p)) => p,
            Some(other) => {
                return Err(invalid(
                    origin,
                    &format!("{at}.principal"),
                    &format!("expected a string, found {}", json_kind(&other)),
                ))
            }
            None => return Err(invalid(origin, &format!("{at}.principal"), "missing")),
        };
        let secret = match item.remove("secret") {
            Some(Value::String(s)) => Secret::new(s.into_bytes()),
            Some(other) => {
                return Err(invalid(
                    origin,
                    &format!("{at}.secret"),
                    &format!(
                        "expected a string, found {} (for principal '{principal}')",
                        json_kind(&other)
                    ),
                ))
            }
            None => {
                return Err(invalid(
                    origin,
                    &format!("{at}.secret"),
                    &format!("missing (for principal '{principal}')"),
                ))
            }
        };
        entries.push((principal, secret));
    }
    Ok(entries)
}

/// Mesos's older format: `principal secret` per line; blank lines are skipped.
fn parse_lines(origin: &str, text: &str) -> Result<Vec<(String, Secret)>, AuthError> {
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let mut fields = line.split_whitespace();
        let (Some(principal), secret, rest) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        match (secret, rest) {
            (Some(secret), None) => entries.push((
                principal.to_string(),
                Secret::new(secret.as_bytes().to_vec()),
            )),
            _ => {
                return Err(invalid(
                    origin,
                    &format!("line {}", number + 1),
                    "expected 'principal secret' (or a JSON object starting with '{')",
                ))
            }
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER_OPS_S3CRET: &str = "Basic b3BzOnMzY3JldA=="; // ops:s3cret
    const HEADER_OPS_WRONG: &str = "Basic b3BzOndyb25n"; // ops:wrong
    const HEADER_EVE: &str = "Basic ZXZlOnMzY3JldA=="; // eve:s3cret

    fn ops() -> Credentials {
        Credentials::load(
            r#"{"credentials": [{"principal": "ops", "secret": "s3cret"},
                                {"principal": "web", "secret": "w"}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn authenticates_a_known_principal() {
        assert_eq!(ops().authenticate(Some(HEADER_OPS_S3CRET)).unwrap(), "ops");
        assert_eq!(ops().principals(), ["ops", "web"]);
        assert_eq!(ops().origin(), "(inline)");
    }

    #[test]
    fn each_authentication_failure_is_distinct() {
        let creds = ops();
        assert!(matches!(
            creds.authenticate(None),
            Err(AuthError::MissingHeader)
        ));
        assert!(matches!(
            creds.authenticate(Some("Digest x")),
            Err(AuthError::NotBasic { .. })
        ));
        assert!(matches!(
            creds.authenticate(Some("Basic ***")),
            Err(AuthError::BadBase64 { .. })
        ));
        assert!(matches!(
            creds.authenticate(Some("Basic b3Bz")), // "ops"
            Err(AuthError::NoColon)
        ));
        let err = creds.authenticate(Some(HEADER_EVE)).unwrap_err();
        assert_eq!(err.to_string(), "invalid credentials for principal 'eve'");
        let err = creds.authenticate(Some(HEADER_OPS_WRONG)).unwrap_err();
        assert_eq!(err.to_string(), "invalid credentials for principal 'ops'");
        assert_eq!(err.status_code(), 401);
    }

    #[test]
    fn secrets_never_print() {
        let creds = ops();
        let shown = format!("{creds:?}");
        assert!(
            shown.contains("ops") && !shown.contains("s3cret"),
            "{shown}"
        );
        // "ops:hunter2": the offered secret appears in neither Display nor Debug.
        let err = creds
            .authenticate(Some("Basic b3BzOmh1bnRlcjI="))
            .unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cret"),
            "{shown}"
        );
    }

    #[test]
    fn loads_a_file_and_the_text_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("creds");
        std::fs::write(&path, "ops s3cret\n\n  web   w  \n").unwrap();
        let creds = Credentials::load(&format!("file://{}", path.display())).unwrap();
        assert_eq!(creds.principals(), ["ops", "web"]);
        assert_eq!(creds.authenticate(Some(HEADER_OPS_S3CRET)).unwrap(), "ops");

        std::fs::write(&path, "ops s3cret extra\n").unwrap();
        let err = Credentials::load(path.to_str().unwrap()).unwrap_err();
        assert!(
            err.to_string()
                .contains("line 1: expected 'principal secret'"),
            "{err}"
        );
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }

    fn load_err(json: &str) -> String {
        Credentials::load(json).unwrap_err().to_string()
    }

    #[test]
    fn load_errors_name_the_entry_and_reason() {
        assert!(load_err("{").starts_with("--credentials (inline): invalid JSON: "));
        assert_eq!(
            load_err(r#"{"credentials": [{"principal": "", "secret": "x"}]}"#),
            "--credentials (inline): credentials[0]: empty principal"
        );
        assert_eq!(
            load_err(r#"{"credentials": [{"principal": "a", "secret": "x"}, {"principal": "a", "secret": "y"}]}"#),
            "--credentials (inline): principal 'a' is listed twice (credentials[0] and credentials[1])"
        );
        assert_eq!(
            load_err(r#"{"credentials": [{"principal": "a:b", "secret": "x"}]}"#),
            "--credentials (inline): credentials[0]: principal 'a:b' contains ':', which HTTP Basic cannot carry"
        );
        assert_eq!(
            load_err(r#"{"credentials": [{"principal": "a", "secret": ""}]}"#),
            "--credentials (inline): credentials[0]: empty secret for principal 'a'"
        );
        assert_eq!(
            load_err(r#"{"credentials": [{"principal": "a"}]}"#),
            "--credentials (inline): credentials[0].secret: missing (for principal 'a')"
        );
        assert_eq!(
            load_err(r#"{"credentials": [{"principal": "a", "secret": "x", "secert": "x"}]}"#),
            "--credentials (inline): credentials[0].secert: unknown key (expected \"principal\" and \"secret\")"
        );
        assert_eq!(
            load_err(r#"{"creds": []}"#),
            "--credentials (inline): creds: unknown key (expected only \"credentials\")"
        );
        assert_eq!(
            load_err(r#"{"credentials": {}}"#),
            "--credentials (inline): credentials: expected an array, found an object"
        );
        assert_eq!(
            load_err(r#"{"credentials": ["ops"]}"#),
            "--credentials (inline): credentials[0]: expected an object, found a string"
        );
        // A secret of the wrong type is described, never quoted.
        let shown = load_err(r#"{"credentials": [{"principal": "a", "secret": 123456}]}"#);
        assert_eq!(
            shown,
            "--credentials (inline): credentials[0].secret: expected a string, found a number (for principal 'a')"
        );
        assert!(load_err("/nonexistent/creds.json").contains("/nonexistent/creds.json"));
    }
}
