//! Checks on cgroup names, so that a container id can never address a path outside the tree.

use crate::{CgroupError, Result};

/// `cgroup` without surrounding slashes, checked: no empty, `.` or `..` component, no NUL or
/// newline. The empty name is the hierarchy's root.
pub(crate) fn checked(cgroup: &str) -> Result<&str> {
    let trimmed = cgroup.trim_matches('/');
    let invalid = |reason| CgroupError::InvalidName {
        name: cgroup.to_string(),
        reason,
    };
    if trimmed.contains(['\0', '\n']) {
        return Err(invalid("contains a NUL or a newline"));
    }
    if trimmed.is_empty() {
        return Ok(trimmed);
    }
    for component in trimmed.split('/') {
        match component {
            "" => return Err(invalid("has an empty component")),
            "." | ".." => return Err(invalid("has a '.' or '..' component")),
            _ => {}
        }
    }
    Ok(trimmed)
}

/// Like [`checked`], refusing the root: operations that would act on every process of the host.
pub(crate) fn checked_non_root(cgroup: &str) -> Result<&str> {
    let name = checked(cgroup)?;
    if name.is_empty() {
        return Err(CgroupError::InvalidName {
            name: cgroup.to_string(),
            reason: "is the root of the hierarchy",
        });
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(checked("/modkit/c1/").unwrap(), "modkit/c1");
        assert_eq!(checked("").unwrap(), "");
        for bad in ["a/../b", "..", "a//b", "./a", "a\nb"] {
            assert!(checked(bad).is_err(), "{bad}");
        }
        assert_eq!(
            checked_non_root("/").unwrap_err().to_string(),
            "invalid cgroup name \"/\": is the root of the hierarchy"
        );
    }
}
