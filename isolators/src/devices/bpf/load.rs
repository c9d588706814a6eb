//! `bpf(BPF_PROG_LOAD)` and `bpf(BPF_PROG_ATTACH)` of a device program to a cgroup v2
//! directory. Only reachable on a unified hierarchy.

use super::asm::{encode_all, Insn};
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_ATTACH: libc::c_long = 8;
const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
const BPF_CGROUP_DEVICE: u32 = 6;
/// Lets nested cgroups attach their own programs (all must allow), as runc and systemd do.
const BPF_F_ALLOW_MULTI: u32 = 2;
const LOG_SIZE: usize = 64 << 10;

/// The `BPF_PROG_LOAD` member of `union bpf_attr`, zero-padded as the kernel requires.
#[repr(C)]
#[derive(Default)]
struct ProgLoad {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; 16],
    _pad: [u64; 8],
}

/// The `BPF_PROG_ATTACH` member of `union bpf_attr`.
#[repr(C)]
#[derive(Default)]
struct ProgAttach {
    target_fd: u32,
    attach_bpf_fd: u32,
    attach_type: u32,
    attach_flags: u32,
    replace_bpf_fd: u32,
    _pad: [u32; 3],
}

fn bpf<T>(cmd: libc::c_long, attr: &mut T) -> Result<libc::c_long, std::io::Error> {
    // SAFETY: `attr` is a live, zero-padded bpf_attr member of its declared size.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            cmd,
            attr as *mut T,
            std::mem::size_of::<T>() as libc::c_uint,
        )
    };
    if rc < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// Loads `program` and attaches it to the cgroup directory `cgroup`; the cgroup keeps the
/// program alive, so the program's fd is closed on return. Errors carry the verifier's log.
pub fn attach(program: &[Insn], cgroup: &Path) -> Result<(), String> {
    let bytes = encode_all(program);
    let license = c"Apache-2.0";
    let mut log = vec![0u8; LOG_SIZE];
    let mut name = [0u8; 16];
    name[..6].copy_from_slice(b"modkit");
    let mut load = ProgLoad {
        prog_type: BPF_PROG_TYPE_CGROUP_DEVICE,
        insn_cnt: program.len() as u32,
        insns: bytes.as_ptr() as u64,
        license: license.as_ptr() as u64,
        log_level: 1,
        log_size: LOG_SIZE as u32,
        log_buf: log.as_mut_ptr() as u64,
        prog_name: name,
        ..ProgLoad::default()
    };
    let prog = match bpf(BPF_PROG_LOAD, &mut load) {
        // SAFETY: a new fd the kernel just gave us.
        Ok(fd) => unsafe { OwnedFd::from_raw_fd(fd as i32) },
        Err(e) => {
            let end = log.iter().position(|b| *b == 0).unwrap_or(0);
            let verifier = String::from_utf8_lossy(&log[..end]);
            return Err(format!(
                "loading the device program: {e}{}{}",
                if verifier.is_empty() {
                    ""
                } else {
                    "; verifier: "
                },
                verifier.trim()
            ));
        }
    };
    let path = CString::new(cgroup.as_os_str().as_bytes())
        .map_err(|_| "the cgroup path contains a NUL byte".to_string())?;
    // SAFETY: a NUL-terminated path; the fd is owned right after.
    let dir = unsafe {
        libc::open(
            path.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if dir < 0 {
        return Err(format!(
            "opening the cgroup: {}",
            std::io::Error::last_os_error()
        ));
    }
    // SAFETY: a new fd from open.
    let dir = unsafe { OwnedFd::from_raw_fd(dir) };
    let mut attach = ProgAttach {
        target_fd: dir.as_raw_fd() as u32,
        attach_bpf_fd: prog.as_raw_fd() as u32,
        attach_type: BPF_CGROUP_DEVICE,
        attach_flags: BPF_F_ALLOW_MULTI,
        ..ProgAttach::default()
    };
    bpf(BPF_PROG_ATTACH, &mut attach)
        .map(|_| ())
        .map_err(|e| format!("attaching the device program: {e}"))
}
