//! Capability sets of the task, applied between fork and exec with raw syscalls only (no
//! allocation, no lock). Order: bounding set dropped, `SECBIT_NOROOT` (and `KEEP_CAPS` when
//! the user changes) set while we still hold `CAP_SETPCAP`; after the user switch, capset
//! makes effective = permitted = inheritable = the wanted set, and the ambient set is made
//! exactly that set, so that it, and only it, survives exec for root and non-root alike.

use libc::{c_int, c_ulong};

use super::sys::errno;

/// `SECBIT_NOROOT`: uid 0 gains no capabilities at exec (only the ambient set carries over).
const SECBIT_NOROOT: c_ulong = 1 << 0;
/// `SECBIT_KEEP_CAPS`: permitted capabilities survive the switch to a non-root uid.
const SECBIT_KEEP_CAPS: c_ulong = 1 << 4;
/// `_LINUX_CAPABILITY_VERSION_3`: two 32-bit words per set.
const CAPABILITY_VERSION_3: u32 = 0x2008_0522;
/// Capability numbers fit in a u64 mask (the kernel has 41 today).
pub(crate) const MAX_CAP: u32 = 63;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: c_int,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Drops every capability not in `bounding` from the bounding set; stops at the first number
/// the kernel does not know. `Err((errno, capability))`.
pub(crate) fn drop_bounding(bounding: u64) -> Result<(), (c_int, u32)> {
    for cap in 0..=MAX_CAP {
        if bounding & (1 << cap) != 0 {
            continue;
        }
        // SAFETY: integer arguments.
        let rc = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as c_ulong, 0, 0, 0) };
        if rc < 0 {
            let e = errno();
            if e == libc::EINVAL {
                return Ok(());
            }
            return Err((e, cap));
        }
    }
    Ok(())
}

/// Sets the securebits before the user switch (needs `CAP_SETPCAP`, which we still hold).
pub(crate) fn set_securebits(keep_caps: bool) -> Result<(), c_int> {
    let bits = SECBIT_NOROOT | if keep_caps { SECBIT_KEEP_CAPS } else { 0 };
    // SAFETY: integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_SECUREBITS, bits, 0, 0, 0) } < 0 {
        return Err(errno());
    }
    Ok(())
}

/// effective = permitted = inheritable = `set`.
pub(crate) fn capset(set: u64) -> Result<(), c_int> {
    let header = CapHeader {
        version: CAPABILITY_VERSION_3,
        pid: 0,
    };
    let word = |shift: u32| (set >> shift) as u32;
    let data = [
        CapData {
            effective: word(0),
            permitted: word(0),
            inheritable: word(0),
        },
        CapData {
            effective: word(32),
            permitted: word(32),
            inheritable: word(32),
        },
    ];
    // SAFETY: a v3 header and its two data words, both live for the call.
    let rc = unsafe { libc::syscall(libc::SYS_capset, &header as *const CapHeader, data.as_ptr()) };
    if rc < 0 {
        return Err(errno());
    }
    Ok(())
}

/// The ambient set becomes exactly `set`. `Err((errno, capability))`, capability 64 for the
/// clear.
pub(crate) fn set_ambient(set: u64) -> Result<(), (c_int, u32)> {
    // SAFETY: integer arguments.
    let rc = unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as c_ulong,
            0,
            0,
            0,
        )
    };
    if rc < 0 {
        return Err((errno(), MAX_CAP + 1));
    }
    for cap in 0..=MAX_CAP {
        if set & (1 << cap) == 0 {
            continue;
        }
        // SAFETY: integer arguments.
        let rc = unsafe {
            libc::prctl(
                libc::PR_CAP_AMBIENT,
                libc::PR_CAP_AMBIENT_RAISE as c_ulong,
                cap as c_ulong,
                0,
                0,
            )
        };
        if rc < 0 {
            return Err((errno(), cap));
        }
    }
    Ok(())
}
