//! Client paths (`a/b/c`): checked once so the tree never holds an empty or relative component.

use super::error::SorterError;

/// The name Mesos gives the virtual leaf of a client that is also a parent; siblings compare
/// against it by name, so it must sort exactly as Mesos's `a/.` path does.
pub(crate) const VIRTUAL_LEAF: &str = ".";

/// Checks `path` and returns its components with the prefix each one ends (`a/b` → (`a`, `a`),
/// (`b`, `a/b`)).
pub(crate) fn components(path: &str) -> Result<Vec<(&str, &str)>, SorterError> {
    let bad = |reason| SorterError::BadPath {
        path: path.to_string(),
        reason,
    };
    if path.is_empty() {
        return Err(bad("is empty"));
    }
    let mut out = Vec::new();
    let mut start = 0;
    for part in path.split('/') {
        match part {
            "" => return Err(bad("has an empty component")),
            "." | ".." => return Err(bad("has a '.' or '..' component")),
            _ => {}
        }
        let end = start + part.len();
        out.push((part, &path[..end]));
        start = end + 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_follow_components() {
        assert_eq!(
            components("a/bc/d").unwrap(),
            vec![("a", "a"), ("bc", "a/bc"), ("d", "a/bc/d")]
        );
        assert_eq!(components("x").unwrap(), vec![("x", "x")]);
    }

    #[test]
    fn empty_and_relative_components_are_refused() {
        for p in ["", "/a", "a/", "a//b", "a/./b", "../a", "a/."] {
            let e = components(p).unwrap_err();
            assert!(matches!(e, SorterError::BadPath { .. }), "{p}: {e}");
        }
    }
}
