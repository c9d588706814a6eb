//! Resolves the task's user in the agent: the task cannot read /etc/passwd or call NSS between
//! fork and exec.

use std::ffi::{CStr, CString};
use std::io;

use super::error::LaunchError;

/// What `setgroups`/`setgid`/`setuid` need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Credentials {
    pub uid: libc::uid_t,
    pub gid: libc::gid_t,
    /// Supplementary groups, including the primary group.
    pub groups: Vec<libc::gid_t>,
}

/// Looks `user` up through NSS (`getpwnam_r`, `getgrouplist`).
pub(crate) fn resolve(user: &str) -> Result<Credentials, LaunchError> {
    let name = CString::new(user)
        .map_err(|_| LaunchError::invalid(format!("user {user:?} contains a NUL byte")))?;
    let (uid, gid) = lookup_passwd(&name, user)?;
    let groups = group_list(&name, gid, user)?;
    Ok(Credentials { uid, gid, groups })
}

fn lookup_passwd(name: &CStr, user: &str) -> Result<(libc::uid_t, libc::gid_t), LaunchError> {
    let mut buf = vec![0u8; 1024];
    loop {
        // SAFETY: zeroed is a valid `passwd` (integers and null pointers).
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call; `buf` is as long as we say.
        let rc = unsafe {
            libc::getpwnam_r(
                name.as_ptr(),
                &mut pwd,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            )
        };
        match rc {
            0 if result.is_null() => {
                return Err(LaunchError::UnknownUser {
                    user: user.to_string(),
                })
            }
            0 => return Ok((pwd.pw_uid, pwd.pw_gid)),
            libc::ERANGE if buf.len() < 1 << 20 => buf.resize(buf.len() * 4, 0),
            // POSIX lets "not found" also come back as one of these.
            libc::ENOENT | libc::ESRCH | libc::EBADF | libc::EPERM => {
                return Err(LaunchError::UnknownUser {
                    user: user.to_string(),
                })
            }
            errno => {
                return Err(LaunchError::ResolveUser {
                    user: user.to_string(),
                    source: io::Error::from_raw_os_error(errno),
                })
            }
        }
    }
}

fn group_list(name: &CStr, gid: libc::gid_t, user: &str) -> Result<Vec<libc::gid_t>, LaunchError> {
    let mut groups: Vec<libc::gid_t> = vec![0; 32];
    loop {
        let mut count = groups.len() as libc::c_int;
        // SAFETY: `groups` holds `count` entries; getgrouplist writes at most that many and
        // sets `count` to the number it needs.
        let rc = unsafe { libc::getgrouplist(name.as_ptr(), gid, groups.as_mut_ptr(), &mut count) };
        let needed = usize::try_from(count).unwrap_or(0);
        if rc >= 0 {
            groups.truncate(needed);
            return Ok(groups);
        }
        if needed <= groups.len() || needed > 1 << 16 {
            return Err(LaunchError::ResolveUser {
                user: user.to_string(),
                source: io::Error::other(format!("getgrouplist failed ({needed} groups)")),
            });
        }
        groups.resize(needed, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_resolves_to_zero() {
        let creds = resolve("root").unwrap();
        assert_eq!((creds.uid, creds.gid), (0, 0));
        assert!(creds.groups.contains(&0));
    }

    #[test]
    fn unknown_users_are_named() {
        let err = resolve("modkit-no-such-user").unwrap_err();
        assert_eq!(err.to_string(), "unknown user 'modkit-no-such-user'");
        let err = resolve("a\0b").unwrap_err();
        assert!(err.to_string().contains("NUL"), "{err}");
    }
}
