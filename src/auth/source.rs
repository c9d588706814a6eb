//! Reads a `--credentials` / `--acls` value the way Mesos reads JSON flags: inline JSON
//! when it starts with `{`, else a `file:///abs/path` URL, else a path.

use std::path::Path;

use super::error::AuthError;

/// Where the text came from, for messages: `(inline)` or the file's path.
pub const INLINE_ORIGIN: &str = "(inline)";

/// The text of a flag value and its origin. `flag` is the flag's name without dashes.
pub fn read_flag(flag: &'static str, value: &str) -> Result<(String, String), AuthError> {
    if value.trim_start().starts_with('{') {
        return Ok((INLINE_ORIGIN.to_string(), value.to_string()));
    }
    if value.trim().is_empty() {
        return Err(AuthError::EmptyFlag { flag });
    }
    let path = match value.strip_prefix("file://") {
        // `file:///etc/x` leaves `/etc/x`; `file://host/x` would silently become relative.
        Some(rest) if rest.starts_with('/') => rest,
        Some(_) => {
            return Err(AuthError::BadFileUrl {
                flag,
                value: value.to_string(),
            })
        }
        None => value,
    };
    let text = std::fs::read_to_string(Path::new(path)).map_err(|source| AuthError::Read {
        flag,
        path: path.to_string(),
        source,
    })?;
    warn_if_readable_by_others(flag, Path::new(path));
    Ok((path.to_string(), text))
}

/// Mesos warns when a credentials file can be read by group or others; so do we
/// (a warning, not an error: the operator may have reasons).
fn warn_if_readable_by_others(flag: &'static str, path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if flag != "credentials" {
        return;
    }
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                "--credentials file {} has mode {:o}: group and others can read it (chmod 600)",
                path.display(),
                mode & 0o777
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_path_and_file_url() {
        let (origin, text) = read_flag("acls", " {\"permissive\": true}").unwrap();
        assert_eq!(origin, INLINE_ORIGIN);
        assert!(text.contains("permissive"));

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("acls.json");
        std::fs::write(&path, "{}").unwrap();
        let shown = path.display().to_string();
        for value in [shown.clone(), format!("file://{shown}")] {
            let (origin, text) = read_flag("acls", &value).unwrap();
            assert_eq!(origin, shown);
            assert_eq!(text, "{}");
        }
    }

    #[test]
    fn errors_name_the_flag_and_the_file() {
        let err = read_flag("credentials", "  ").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--credentials is empty (expected inline JSON, a path or a file:// URL)"
        );
        let err = read_flag("acls", "file://host/etc/acls").unwrap_err();
        assert!(err.to_string().contains("file://host/etc/acls"), "{err}");
        let err = read_flag("credentials", "/nonexistent/modkit-creds").unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("cannot read --credentials file /nonexistent/modkit-creds: "));
        assert!(shown.contains("No such file"), "{shown}");
    }
}
