//! dlopen and dlsym for the providers that load a library (vendor modules and NVML), with
//! dlerror's text as the reason. Libraries are never closed, as with modules.

use std::ffi::{c_void, CStr};

/// dlerror's text, copied at once (it is thread-local and overwritten by the next call).
fn last_error() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated thread-local string.
    let e = unsafe { libc::dlerror() };
    if e.is_null() {
        "unknown dlopen error".into()
    } else {
        // SAFETY: as above; copied before any other dl call.
        unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
    }
}

/// Opens `path` (a path or a name for the search path); the handle is never closed.
pub(super) fn open(path: &CStr) -> Result<*mut c_void, String> {
    // SAFETY: a NUL-terminated path; the library stays loaded while the host runs.
    let handle = unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    if handle.is_null() {
        return Err(last_error());
    }
    Ok(handle)
}

/// The address of `name` in an open library, or why there is none.
pub(super) fn symbol(handle: *mut c_void, name: &CStr) -> Result<*mut c_void, String> {
    // SAFETY: a handle from `open` (never closed) and a NUL-terminated name.
    let address = unsafe { libc::dlsym(handle, name.as_ptr()) };
    if address.is_null() {
        return Err(format!(
            "no symbol {}: {}",
            name.to_string_lossy(),
            last_error()
        ));
    }
    Ok(address)
}
