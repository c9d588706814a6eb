//! Descriptor-relative reads of `/proc`: `/proc/<pid>` and its `fd` directory are opened once,
//! and each descriptor link is read with `readlinkat` on a short name, so the kernel does not
//! walk `/proc/<pid>/fd/` again for every descriptor (that walk was half the cost of a scan).

use std::ffi::CStr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

use super::procnet::socket_inode;

/// An open directory: `O_PATH` to resolve names against, or readable to list it.
pub struct Dir(OwnedFd);

/// Longest link read: `socket:[4294967295]` and `net:[4026531840]` are far shorter; a longer
/// target (a file path) is never a socket.
pub const LINK_MAX: usize = 64;

/// The largest `linux_dirent64` record (a 255-byte name, header and padding).
const DIRENT_MAX: usize = 280;

fn open(at: libc::c_int, name: &CStr, flags: libc::c_int) -> Option<OwnedFd> {
    // SAFETY: `name` is NUL-terminated; openat has no other memory effects.
    let fd = unsafe { libc::openat(at, name.as_ptr(), flags | libc::O_CLOEXEC) };
    // SAFETY: a new descriptor that nothing else owns.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

const LIST: libc::c_int = libc::O_RDONLY | libc::O_DIRECTORY;

fn c_path(path: &Path) -> Option<std::ffi::CString> {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(path.as_os_str().as_bytes()).ok()
}

impl Dir {
    /// `path`, to resolve names against.
    pub fn open(path: &Path) -> Option<Dir> {
        open(
            libc::AT_FDCWD,
            &c_path(path)?,
            libc::O_PATH | libc::O_DIRECTORY,
        )
        .map(Dir)
    }

    /// `path`, to list and to read files in.
    pub fn list(path: &Path) -> Option<Dir> {
        open(libc::AT_FDCWD, &c_path(path)?, LIST).map(Dir)
    }

    /// The directory `name` below this one, to list.
    pub fn list_at(&self, name: &CStr) -> Option<Dir> {
        open(self.0.as_raw_fd(), name, LIST).map(Dir)
    }

    /// The inode of this directory: in a cgroup2 hierarchy, the cgroup's id.
    pub fn inode(&self) -> Option<u64> {
        let mut stat = std::mem::MaybeUninit::<libc::stat>::zeroed();
        // SAFETY: `stat` is writable for one `struct stat`.
        let done = unsafe { libc::fstat(self.0.as_raw_fd(), stat.as_mut_ptr()) } == 0;
        // SAFETY: fstat succeeded and filled it.
        done.then(|| unsafe { stat.assume_init() }.st_ino)
    }

    /// The target of the link `name`, if it fits [`LINK_MAX`].
    pub fn readlink<'b>(&self, name: &CStr, buffer: &'b mut [u8; LINK_MAX]) -> Option<&'b [u8]> {
        // SAFETY: `name` is NUL-terminated and `buffer` writable for its length.
        let n = unsafe {
            libc::readlinkat(
                self.0.as_raw_fd(),
                name.as_ptr(),
                buffer.as_mut_ptr().cast(),
                buffer.len(),
            )
        };
        (n > 0 && (n as usize) < buffer.len()).then(|| &buffer[..n as usize])
    }

    /// Appends the whole file `name` to `into`; false if it cannot be opened or read.
    pub fn read(&self, name: &CStr, into: &mut Vec<u8>) -> bool {
        let Some(file) = open(self.0.as_raw_fd(), name, libc::O_RDONLY) else {
            return false;
        };
        let mut chunk = [0u8; 4096];
        loop {
            // SAFETY: `chunk` is writable for its length.
            let n = unsafe { libc::read(file.as_raw_fd(), chunk.as_mut_ptr().cast(), chunk.len()) };
            match n {
                0 => return true,
                n if n < 0 => return false,
                n => into.extend_from_slice(&chunk[..n as usize]),
            }
        }
    }

    /// The socket inodes among the descriptors of process `pid`, when this is `/proc`; and
    /// whether the process was there.
    pub fn socket_inodes(&self, pid: i32, into: &mut Vec<u64>) -> bool {
        let mut name = [0u8; 24];
        let Some(fd_dir) = pid_path(pid, b"/fd", &mut name).and_then(|n| self.list_at(n)) else {
            return false;
        };
        let mut link = [0u8; LINK_MAX];
        fd_dir.entries(|name, _| {
            if let Some(inode) = fd_dir.readlink(name, &mut link).and_then(socket_inode) {
                into.push(inode);
            }
        });
        true
    }

    /// The `ns/net` link of process `pid`, when this is `/proc`.
    pub fn net_namespace<'b>(&self, pid: i32, link: &'b mut [u8; LINK_MAX]) -> Option<&'b [u8]> {
        let mut name = [0u8; 24];
        self.readlink(pid_path(pid, b"/ns/net", &mut name)?, link)
    }

    /// Calls `f` with every name in this directory (opened with [`Dir::list`]) but `.` and
    /// `..`, and its `d_type`.
    pub fn entries(&self, mut f: impl FnMut(&CStr, u8)) {
        // 8-byte aligned, as linux_dirent64 records are.
        let mut buffer = [0u64; 1024];
        let size = std::mem::size_of_val(&buffer);
        loop {
            // SAFETY: the buffer is writable for its whole length in bytes.
            let n = unsafe {
                libc::syscall(
                    libc::SYS_getdents64,
                    self.0.as_raw_fd(),
                    buffer.as_mut_ptr(),
                    size,
                )
            };
            if n <= 0 {
                return;
            }
            // SAFETY: the kernel filled `n` bytes of the buffer, which is plain memory.
            let bytes =
                unsafe { std::slice::from_raw_parts(buffer.as_ptr().cast::<u8>(), n as usize) };
            for_each_dirent(bytes, &mut f);
            // procfs and cgroupfs fill the buffer until no entry is left: room for one more
            // record means the end, and saves the call that would return 0.
            if n as usize + DIRENT_MAX <= size {
                return;
            }
        }
    }
}

/// The names in a block of `linux_dirent64` records (`d_ino` u64, `d_off` i64, `d_reclen`
/// u16, `d_type` u8, then the NUL-terminated name).
fn for_each_dirent(bytes: &[u8], f: &mut impl FnMut(&CStr, u8)) {
    const NAME: usize = 19;
    let mut offset = 0;
    while offset + NAME < bytes.len() {
        let reclen = u16::from_ne_bytes([bytes[offset + 16], bytes[offset + 17]]) as usize;
        if reclen <= NAME || offset + reclen > bytes.len() {
            return;
        }
        if let Ok(name) = CStr::from_bytes_until_nul(&bytes[offset + NAME..offset + reclen]) {
            if name.to_bytes() != b"." && name.to_bytes() != b".." {
                f(name, bytes[offset + 18]);
            }
        }
        offset += reclen;
    }
}

/// `<pid><suffix>` NUL-terminated in `buffer`; none for a negative pid.
fn pid_path<'b>(pid: i32, suffix: &[u8], buffer: &'b mut [u8; 24]) -> Option<&'b CStr> {
    let mut value = u32::try_from(pid).ok()?;
    let mut digits = [0u8; 10];
    let mut n = 0;
    loop {
        digits[n] = b'0' + (value % 10) as u8;
        n += 1;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    let end = n + suffix.len();
    if end >= buffer.len() {
        return None;
    }
    for (i, d) in digits[..n].iter().rev().enumerate() {
        buffer[i] = *d;
    }
    buffer[n..end].copy_from_slice(suffix);
    buffer[end] = 0;
    CStr::from_bytes_with_nul(&buffer[..=end]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_paths() {
        let mut b = [0u8; 24];
        assert_eq!(pid_path(0, b"", &mut b).unwrap().to_bytes(), b"0");
        assert_eq!(
            pid_path(4194304, b"/fd", &mut b).unwrap().to_bytes(),
            b"4194304/fd"
        );
        assert_eq!(
            pid_path(i32::MAX, b"/ns/net", &mut b).unwrap().to_bytes(),
            b"2147483647/ns/net"
        );
        assert!(pid_path(-1, b"/fd", &mut b).is_none());
        assert!(pid_path(1, &[b'x'; 23], &mut b).is_none());
    }

    #[test]
    fn own_sockets_and_namespace_link() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let proc = Dir::open(Path::new("/proc")).unwrap();
        let me = std::process::id() as i32;
        let mut inodes = Vec::new();
        assert!(proc.socket_inodes(me, &mut inodes));
        use std::os::unix::fs::MetadataExt;
        let own = std::fs::metadata(format!(
            "/proc/self/fd/{}",
            std::os::fd::AsRawFd::as_raw_fd(&listener)
        ))
        .unwrap()
        .ino();
        assert!(inodes.contains(&own), "{own} not in {inodes:?}");
        let mut link = [0u8; LINK_MAX];
        let ns = proc.net_namespace(me, &mut link).unwrap();
        assert!(ns.starts_with(b"net:["), "{ns:?}");
        assert!(!proc.socket_inodes(i32::MAX, &mut inodes));
    }

    #[test]
    fn lists_many_entries_reads_files_and_short_links_only() {
        let dir = tempfile::tempdir().unwrap();
        // More names than one getdents buffer holds.
        for n in 0..600 {
            std::fs::write(dir.path().join(format!("file-with-a-longish-name-{n}")), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink("x".repeat(100), dir.path().join("long")).unwrap();
        std::os::unix::fs::symlink("socket:[7]", dir.path().join("short")).unwrap();
        std::fs::write(dir.path().join("text"), "a".repeat(10_000)).unwrap();
        let d = Dir::list(dir.path()).unwrap();
        let (mut names, mut dirs) = (0, Vec::new());
        d.entries(|name, kind| {
            names += 1;
            if kind == libc::DT_DIR {
                dirs.push(name.to_owned());
            }
        });
        assert_eq!(names, 604);
        assert_eq!(dirs, [c"sub".to_owned()]);
        let mut link = [0u8; LINK_MAX];
        assert!(d.readlink(c"long", &mut link).is_none());
        assert_eq!(d.readlink(c"short", &mut link), Some(&b"socket:[7]"[..]));
        assert!(d.readlink(c"missing", &mut link).is_none());
        let mut text = Vec::new();
        assert!(d.read(c"text", &mut text));
        assert_eq!(text.len(), 10_000);
        assert!(!d.read(c"missing", &mut text));
        assert!(d.list_at(c"sub").is_some());
        use std::os::unix::fs::MetadataExt;
        let ino = std::fs::metadata(dir.path()).unwrap().ino();
        assert_eq!(d.inode(), Some(ino));
        assert!(d.list_at(c"text").is_none());
    }

    #[test]
    fn dirent_records_with_bad_lengths_stop_the_walk() {
        let mut names = Vec::new();
        for_each_dirent(&[0u8; 40], &mut |n, _| names.push(n.to_owned()));
        assert!(names.is_empty());
    }
}
