//! `modkit_str` and `modkit_kv` to and from Rust strings.

use crate::bindings::{modkit_kv, modkit_str};

/// A string from the other side was not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FfiStrError {
    #[error("{what} is not valid UTF-8 ({source})")]
    NotUtf8 {
        what: &'static str,
        source: std::str::Utf8Error,
    },
    #[error("{what} is a null pointer with length {len}")]
    Null { what: &'static str, len: usize },
}

/// Borrows a Rust string as a `modkit_str` (valid while `s` lives).
pub fn to_ffi(s: &str) -> modkit_str {
    modkit_str {
        ptr: s.as_ptr().cast(),
        len: s.len(),
    }
}

/// Views a `modkit_str` as `&str`, checking UTF-8. `what` names the argument in the error.
///
/// # Safety
/// `s.ptr` must point to `s.len` readable bytes that stay valid and unchanged for `'a`.
pub unsafe fn str_from_ffi<'a>(s: modkit_str, what: &'static str) -> Result<&'a str, FfiStrError> {
    if s.len == 0 {
        return Ok("");
    }
    if s.ptr.is_null() {
        return Err(FfiStrError::Null { what, len: s.len });
    }
    // SAFETY: non-null and `len` readable bytes, per the caller's contract.
    let bytes = unsafe { std::slice::from_raw_parts(s.ptr.cast::<u8>(), s.len) };
    // Ids and resource names are nearly always ASCII: checking that word by word is several
    // times cheaper than full UTF-8 validation on the short strings of the sorter hot path.
    if bytes.is_ascii() {
        // SAFETY: ASCII is valid UTF-8.
        return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).map_err(|source| FfiStrError::NotUtf8 { what, source })
}

/// Views a string the *host* passed to a module. The header guarantees host strings are UTF-8 (a
/// Rust host passes `&str`), so the hot path skips validation; debug builds still check.
///
/// # Safety
/// As [`str_from_ffi`], and the bytes must be UTF-8 (host contract).
#[inline(always)]
pub unsafe fn str_from_host<'a>(s: modkit_str, what: &'static str) -> Result<&'a str, FfiStrError> {
    if s.len == 0 {
        return Ok("");
    }
    if s.ptr.is_null() {
        return Err(FfiStrError::Null { what, len: s.len });
    }
    // SAFETY: non-null and `len` readable bytes, per the caller's contract.
    let bytes = unsafe { std::slice::from_raw_parts(s.ptr.cast::<u8>(), s.len) };
    debug_assert!(
        std::str::from_utf8(bytes).is_ok(),
        "host passed non-UTF-8 {what}"
    );
    // SAFETY: UTF-8 per the host contract.
    Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
}

/// Views a C array (`ptr`, `len`) as a slice; a null pointer is an empty slice.
///
/// # Safety
/// `ptr` must point to `len` valid elements that stay valid for `'a`.
pub unsafe fn str_slice<'a>(ptr: *const modkit_str, len: usize) -> &'a [modkit_str] {
    if ptr.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: per the caller's contract.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// Same as [`str_slice`] for key/value arrays.
///
/// # Safety
/// `ptr` must point to `len` valid elements that stay valid for `'a`.
pub unsafe fn kv_slice<'a>(ptr: *const modkit_kv, len: usize) -> &'a [modkit_kv] {
    if ptr.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: per the caller's contract.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let s = "org_example_Foo";
        // SAFETY: `s` outlives the borrow.
        assert_eq!(unsafe { str_from_ffi(to_ffi(s), "name") }, Ok(s));
        let empty = modkit_str {
            ptr: std::ptr::null(),
            len: 0,
        };
        // SAFETY: a zero-length string is never read.
        assert_eq!(unsafe { str_from_ffi(empty, "name") }, Ok(""));
        let null = modkit_str {
            ptr: std::ptr::null(),
            len: 3,
        };
        // SAFETY: the null pointer is rejected before any read.
        let err = unsafe { str_from_ffi(null, "client") }.unwrap_err();
        assert_eq!(err.to_string(), "client is a null pointer with length 3");
        let bad = [0xffu8, 0xfe];
        let raw = modkit_str {
            ptr: bad.as_ptr().cast(),
            len: bad.len(),
        };
        // SAFETY: `bad` outlives the borrow.
        let err = unsafe { str_from_ffi(raw, "agent") }.unwrap_err();
        assert!(
            err.to_string().starts_with("agent is not valid UTF-8"),
            "{err}"
        );
    }
}
