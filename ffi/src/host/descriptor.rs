//! Reading and checking a module descriptor, in the order Mesos checks and with modkit's
//! compatibility rule (same major, module minor ≤ host minor).

use crate::abi::{read_sized, Kind, ABI_MAJOR, ABI_MINOR};
use crate::bindings::{
    modkit_allocator_vtable, modkit_device_provider_vtable, modkit_module, modkit_sorter_vtable,
};
use crate::sdk::ModuleInfo;
use std::ffi::{c_char, c_void, CStr};
use std::mem::{offset_of, size_of};

/// Size of `modkit_module` in ABI 1.0: no module can be smaller and still be a 1.x module.
pub const DESCRIPTOR_SIZE_1_0: usize = size_of::<modkit_module>();

/// Why a descriptor was refused. Each message names the values that do not match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DescriptorError {
    #[error("descriptor size {size} is smaller than the {min} bytes of ABI 1.0 (not a modkit module descriptor, or a corrupt one)")]
    TooSmall { size: usize, min: usize },
    #[error("ABI major version mismatch: host has {host}, module requires {module} (rebuild the module against modkit.h {host}.x)")]
    AbiMajor { module: u16, host: u16 },
    #[error("module requires ABI {module_major}.{module_minor}, newer than the host's {host_major}.{host_minor} (upgrade the host)")]
    AbiMinorNewer {
        module_major: u16,
        module_minor: u16,
        host_major: u16,
        host_minor: u16,
    },
    #[error(
        "unknown module kind {0} (known: isolator=1, sorter=2, allocator=3, hook=4, anonymous=5, device_provider=6)"
    )]
    UnknownKind(u32),
    #[error("{kind} kind version {version} is too old: this host accepts {min} to {max}")]
    KindVersionTooOld {
        kind: Kind,
        version: u32,
        min: u32,
        max: u32,
    },
    #[error("{kind} kind version {version} is newer than this host's {max}")]
    KindVersionTooNew { kind: Kind, version: u32, max: u32 },
    #[error("descriptor field '{field}' {reason}")]
    BadField { field: &'static str, reason: String },
    #[error("{kind} vtable is missing (null)")]
    VtableMissing { kind: Kind },
    #[error("{kind} vtable size {size} is smaller than the {min} bytes its required entries need")]
    VtableTooSmall { kind: Kind, size: usize, min: usize },
    #[error("{kind} vtable entry '{entry}' is required but null")]
    MissingEntry { kind: Kind, entry: &'static str },
}

/// A checked descriptor: what it says, plus its raw copy for the adaptors.
pub struct Descriptor {
    pub info: ModuleInfo,
    pub raw: modkit_module,
}

fn c_text(
    ptr: *const c_char,
    field: &'static str,
    allow_empty: bool,
) -> Result<String, DescriptorError> {
    if ptr.is_null() {
        return Err(DescriptorError::BadField {
            field,
            reason: "is null".into(),
        });
    }
    // SAFETY: the header requires static NUL-terminated strings for these fields.
    let s = unsafe { CStr::from_ptr(ptr) }
        .to_str()
        .map_err(|e| DescriptorError::BadField {
            field,
            reason: format!("is not UTF-8 ({e})"),
        })?;
    if !allow_empty && s.trim().is_empty() {
        return Err(DescriptorError::BadField {
            field,
            reason: "is empty".into(),
        });
    }
    Ok(s.to_string())
}

/// Minimum vtable size per kind: every required entry lies inside it.
fn vtable_min_size(kind: Kind) -> usize {
    match kind {
        Kind::Isolator | Kind::Hook => size_of::<u32>(),
        Kind::Sorter => size_of::<modkit_sorter_vtable>(),
        Kind::Allocator => offset_of!(modkit_allocator_vtable, metrics),
        Kind::Anonymous => 0,
        Kind::DeviceProvider => size_of::<modkit_device_provider_vtable>(),
    }
}

/// The first required entry that is null in the vtable at `ptr` (the required entries of each
/// kind are listed here and only here).
///
/// # Safety
/// `ptr` must point to a vtable of `kind` with at least `size` readable bytes.
unsafe fn first_missing(kind: Kind, ptr: *const c_void, size: usize) -> Option<&'static str> {
    macro_rules! missing {
        ($ty:ty, $($entry:ident),*) => {{
            // SAFETY: caller contract.
            let vt = unsafe { read_sized(ptr.cast::<$ty>(), size) };
            [$((stringify!($entry), vt.$entry.is_none())),*].into_iter().find(|(_, m)| *m).map(|(n, _)| n)
        }};
    }
    match kind {
        Kind::Sorter => missing!(
            modkit_sorter_vtable,
            add_client,
            remove_client,
            activate,
            deactivate,
            update_weight,
            add_agent,
            remove_agent,
            allocated,
            update,
            unallocated,
            allocation,
            sort,
            contains,
            count
        ),
        Kind::Allocator => missing!(
            modkit_allocator_vtable,
            add_framework,
            remove_framework,
            activate_framework,
            deactivate_framework,
            update_framework,
            add_agent,
            remove_agent,
            update_agent,
            add_used,
            recover_resources,
            suppress,
            revive,
            update_weights,
            update_quota,
            allocate
        ),
        Kind::DeviceProvider => missing!(modkit_device_provider_vtable, devices),
        Kind::Isolator | Kind::Hook | Kind::Anonymous => None,
    }
}

/// Checks a kind's vtable: present, at least as large as its required entries need, none of them
/// null.
///
/// # Safety
/// `vtable` must be null or point to a vtable of `kind` whose first field is its declared size,
/// with that many readable bytes.
pub(crate) unsafe fn check_vtable(
    kind: Kind,
    vtable: *const c_void,
) -> Result<(), DescriptorError> {
    if vtable.is_null() {
        return Err(DescriptorError::VtableMissing { kind });
    }
    // SAFETY: every vtable starts with its `uint32_t size` (header contract).
    let size = unsafe { *vtable.cast::<u32>() } as usize;
    let min = vtable_min_size(kind);
    if size < min {
        return Err(DescriptorError::VtableTooSmall { kind, size, min });
    }
    // SAFETY: the vtable declares `size` readable bytes.
    match unsafe { first_missing(kind, vtable, size) } {
        Some(entry) => Err(DescriptorError::MissingEntry { kind, entry }),
        None => Ok(()),
    }
}

/// Reads the descriptor at `ptr` and checks, in order: size, ABI major, ABI minor, kind, kind
/// version, required fields, vtable size and required entries. `compatible()` is the caller's
/// next step (it needs the host services).
///
/// # Safety
/// `ptr` must point to at least 4 readable bytes (the `size` field) and, if that size is
/// plausible, to that many bytes of a descriptor whose pointers follow the header contract.
pub unsafe fn read_descriptor(ptr: *const modkit_module) -> Result<Descriptor, DescriptorError> {
    // SAFETY: caller contract: the size field is readable.
    let size = unsafe { (*ptr).size } as usize;
    if size < DESCRIPTOR_SIZE_1_0 {
        return Err(DescriptorError::TooSmall {
            size,
            min: DESCRIPTOR_SIZE_1_0,
        });
    }
    // SAFETY: `size` bytes are readable per the caller contract.
    let raw = unsafe { read_sized(ptr, size) };
    if raw.abi_major != ABI_MAJOR {
        return Err(DescriptorError::AbiMajor {
            module: raw.abi_major,
            host: ABI_MAJOR,
        });
    }
    if raw.abi_minor > ABI_MINOR {
        return Err(DescriptorError::AbiMinorNewer {
            module_major: raw.abi_major,
            module_minor: raw.abi_minor,
            host_major: ABI_MAJOR,
            host_minor: ABI_MINOR,
        });
    }
    let kind = Kind::from_raw(raw.kind).map_err(|e| DescriptorError::UnknownKind(e.0))?;
    let versions = kind.versions();
    if raw.kind_version < versions.min {
        return Err(DescriptorError::KindVersionTooOld {
            kind,
            version: raw.kind_version,
            min: versions.min,
            max: versions.current,
        });
    }
    if raw.kind_version > versions.current {
        return Err(DescriptorError::KindVersionTooNew {
            kind,
            version: raw.kind_version,
            max: versions.current,
        });
    }
    let author = c_text(raw.author, "author", false)?;
    let email = c_text(raw.email, "email", true)?;
    let description = c_text(raw.description, "description", false)?;
    if raw.create.is_none() {
        return Err(DescriptorError::BadField {
            field: "create",
            reason: "is null".into(),
        });
    }
    if raw.destroy.is_none() {
        return Err(DescriptorError::BadField {
            field: "destroy",
            reason: "is null".into(),
        });
    }
    if kind != Kind::Anonymous {
        // SAFETY: the descriptor's vtable, per the caller contract.
        unsafe { check_vtable(kind, raw.vtable) }?;
    }
    Ok(Descriptor {
        info: ModuleInfo {
            kind,
            kind_version: raw.kind_version,
            abi_major: raw.abi_major,
            abi_minor: raw.abi_minor,
            author,
            email,
            description,
            flags: raw.flags,
        },
        raw,
    })
}

/// Reads a kind's vtable as this host knows it; entries past its `size` read as absent.
///
/// # Safety
/// `vtable` must be the checked descriptor's vtable, of the kind `T` belongs to.
pub(crate) unsafe fn read_vtable<T: Copy>(vtable: *const c_void) -> T {
    // SAFETY: caller contract; the first field is the vtable's declared size.
    unsafe { read_sized(vtable.cast::<T>(), *vtable.cast::<u32>() as usize) }
}
