//! Which cgroup layout a hierarchy has, told by the filesystem magic (as youki and runc do).

use crate::{CgroupError, Result};
use std::path::Path;

/// `CGROUP2_SUPER_MAGIC` from `<linux/magic.h>`.
pub const CGROUP2_SUPER_MAGIC: i64 = 0x6367_7270;
/// `TMPFS_MAGIC` from `<linux/magic.h>`: what v1 and hybrid layouts mount at the hierarchy.
pub const TMPFS_MAGIC: i64 = 0x0102_1994;

/// The layout of a cgroup hierarchy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// One v1 hierarchy per controller under `<hierarchy>/<controller>`.
    Legacy,
    /// v1 controllers plus a cgroup2 mount at `<hierarchy>/unified`; the controllers are used
    /// through v1, as on a legacy host.
    Hybrid,
    /// cgroup2 at `<hierarchy>`: one tree for every controller.
    Unified,
}

impl Mode {
    /// Whether controllers are used through cgroup v2 files.
    pub fn is_unified(self) -> bool {
        self == Mode::Unified
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Legacy => "legacy (cgroup v1)",
            Mode::Hybrid => "hybrid (cgroup v1 with a cgroup2 mount)",
            Mode::Unified => "unified (cgroup v2)",
        })
    }
}

/// The mode from the filesystem magic of the hierarchy and, when it is a tmpfs, of
/// `<hierarchy>/unified` (`None` when that is absent).
pub fn mode_from_magic(hierarchy: i64, unified: Option<i64>) -> Mode {
    match (hierarchy, unified) {
        (CGROUP2_SUPER_MAGIC, _) => Mode::Unified,
        (TMPFS_MAGIC, Some(CGROUP2_SUPER_MAGIC)) => Mode::Hybrid,
        _ => Mode::Legacy,
    }
}

fn fs_magic(path: &Path) -> std::io::Result<i64> {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    let mut buf = std::mem::MaybeUninit::<libc::statfs>::zeroed();
    // SAFETY: `c_path` is a valid NUL-terminated string and `buf` is writable for a statfs.
    let rc = unsafe { libc::statfs(c_path.as_ptr(), buf.as_mut_ptr()) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: statfs returned 0, so it filled the struct.
    let buf = unsafe { buf.assume_init() };
    // f_type's width differs between architectures; the magic numbers fit in 32 bits.
    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
    Ok(i64::from(buf.f_type as i64))
}

/// Reads the real kernel's layout at `hierarchy` (usually `/sys/fs/cgroup`).
pub fn detect_mode(hierarchy: &Path) -> Result<Mode> {
    let root = fs_magic(hierarchy).map_err(|e| CgroupError::io("statfs", hierarchy, e))?;
    let unified = if root == TMPFS_MAGIC {
        fs_magic(&hierarchy.join("unified")).ok()
    } else {
        None
    };
    Ok(mode_from_magic(root, unified))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_from_magic() {
        assert_eq!(mode_from_magic(CGROUP2_SUPER_MAGIC, None), Mode::Unified);
        assert_eq!(
            mode_from_magic(TMPFS_MAGIC, Some(CGROUP2_SUPER_MAGIC)),
            Mode::Hybrid
        );
        assert_eq!(mode_from_magic(TMPFS_MAGIC, None), Mode::Legacy);
        assert_eq!(
            mode_from_magic(TMPFS_MAGIC, Some(TMPFS_MAGIC)),
            Mode::Legacy
        );
        assert!(Mode::Unified.is_unified() && !Mode::Hybrid.is_unified());
    }

    #[test]
    fn a_missing_hierarchy_is_an_error_naming_it() {
        let e = detect_mode(Path::new("/nonexistent/modkit-cgroup")).unwrap_err();
        assert!(e.is_not_found());
        assert!(e.to_string().contains("/nonexistent/modkit-cgroup"), "{e}");
    }

    #[test]
    fn a_plain_directory_is_legacy() {
        let dir = tempfile::tempdir().unwrap();
        // A tempdir is no cgroup2 mount; on a tmpfs /tmp it has no `unified` below it either.
        assert_eq!(detect_mode(dir.path()).unwrap(), Mode::Legacy);
    }
}
