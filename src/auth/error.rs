//! Why credentials or ACLs could not be loaded, or why a request failed to authenticate.

use std::io;

/// The HTTP status a rejected request gets: 401 for a failed authentication.
pub const UNAUTHORIZED: u16 = 401;
/// The HTTP status of a request whose authenticated principal does not match its claim.
pub const FORBIDDEN: u16 = 403;
/// The header value Mesos sends with a 401, naming the scheme and realm.
pub const WWW_AUTHENTICATE: &str = "Basic realm=\"mesos\"";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    // ---- Loading `--credentials` / `--acls` (the master refuses to start). ----
    /// `--credentials=` or `--acls=` with nothing in it.
    #[error("--{flag} is empty (expected inline JSON, a path or a file:// URL)")]
    EmptyFlag { flag: &'static str },

    /// `file://` with a host or a relative path; only `file:///abs/path` is meant.
    #[error("--{flag} value '{value}' is not a file:// URL with an absolute path (file:///path)")]
    BadFileUrl { flag: &'static str, value: String },

    /// The file named by the flag cannot be read (missing, a directory, no permission, not UTF-8).
    #[error("cannot read --{flag} file {path}: {source}")]
    Read {
        flag: &'static str,
        path: String,
        #[source]
        source: io::Error,
    },

    /// The flag's text is not the JSON expected (the serde message has line and column).
    #[error("--{flag} {origin}: invalid JSON: {source}")]
    Json {
        flag: &'static str,
        origin: String,
        #[source]
        source: serde_json::Error,
    },

    /// A credentials entry or ACL rule with a bad shape (named by its JSON path).
    #[error("--{flag} {origin}: {at}: {reason}")]
    Invalid {
        flag: &'static str,
        origin: String,
        at: String,
        reason: String,
    },

    /// The same principal listed twice: which secret is meant cannot be guessed.
    #[error("--credentials {origin}: principal '{principal}' is listed twice (credentials[{first}] and credentials[{second}])")]
    DuplicatePrincipal {
        origin: String,
        principal: String,
        first: usize,
        second: usize,
    },

    /// An ACL key that modkit does not enforce; ignoring it would silently allow what it denies.
    #[error("--acls {origin}: unknown key '{key}' ({hint})")]
    UnknownAclKey {
        origin: String,
        key: String,
        hint: String,
    },

    /// `--authenticate_frameworks` without `--credentials`: no request could ever pass.
    #[error("--authenticate_frameworks needs --credentials (no principal could authenticate)")]
    NoCredentials,

    // ---- Authenticating one request (401). ----
    /// No `Authorization` header while authentication is required.
    #[error("missing Authorization header (authentication is required: HTTP Basic)")]
    MissingHeader,

    /// An `Authorization` header with another scheme than Basic.
    #[error("Authorization scheme '{scheme}' is not supported (expected Basic)")]
    NotBasic { scheme: String },

    /// The Basic token is not base64 (or its decoding is not UTF-8).
    #[error("Authorization Basic token is not valid base64: {reason}")]
    BadBase64 { reason: String },

    /// The decoded Basic token has no `:` between principal and secret.
    #[error("Authorization Basic token has no ':' between principal and secret")]
    NoColon,

    /// An unknown principal or a wrong secret: one answer for both, so that a client cannot
    /// probe which principals exist (the secret is never shown).
    #[error("invalid credentials for principal '{principal}'")]
    BadCredentials { principal: String },

    // ---- The request authenticated but claims another principal (403). ----
    /// FrameworkInfo.principal differs from the principal that authenticated.
    #[error("framework principal '{claimed}' does not match the authenticated principal '{authenticated}'")]
    PrincipalMismatch {
        claimed: String,
        authenticated: String,
    },
}

impl AuthError {
    /// A bad shape at JSON path `at` of `--flag`'s `origin`.
    pub(crate) fn invalid(flag: &'static str, origin: &str, at: &str, reason: &str) -> AuthError {
        AuthError::Invalid {
            flag,
            origin: origin.to_string(),
            at: at.to_string(),
            reason: reason.to_string(),
        }
    }

    /// The header a 401 carries, as Mesos sends it: `Basic realm="mesos"`.
    pub fn www_authenticate(&self) -> &'static str {
        WWW_AUTHENTICATE
    }

    /// The HTTP status for a request rejected with this error: 401 for authentication
    /// failures, 403 for a principal mismatch. Load errors never reach HTTP; they get 500.
    pub fn status_code(&self) -> u16 {
        match self {
            AuthError::MissingHeader
            | AuthError::NotBasic { .. }
            | AuthError::BadBase64 { .. }
            | AuthError::NoColon
            | AuthError::BadCredentials { .. } => UNAUTHORIZED,
            AuthError::PrincipalMismatch { .. } => FORBIDDEN,
            _ => 500,
        }
    }
}

/// A JSON type's name, for messages that must not show the value itself (it may be a secret).
pub(crate) fn json_kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_errors_are_401_and_mismatch_is_403() {
        let unauthenticated = [
            AuthError::MissingHeader,
            AuthError::NotBasic {
                scheme: "Bearer".into(),
            },
            AuthError::BadBase64 { reason: "x".into() },
            AuthError::NoColon,
            AuthError::BadCredentials {
                principal: "p".into(),
            },
        ];
        for e in unauthenticated {
            assert_eq!(e.status_code(), 401, "{e}");
            assert_eq!(e.www_authenticate(), "Basic realm=\"mesos\"");
        }
        let mismatch = AuthError::PrincipalMismatch {
            claimed: "a".into(),
            authenticated: "b".into(),
        };
        assert_eq!(mismatch.status_code(), 403);
        assert_eq!(AuthError::NoCredentials.status_code(), 500);
    }
}
