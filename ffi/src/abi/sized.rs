//! Reading a struct that the other side may have built with an older, shorter header.

use std::mem::{size_of, MaybeUninit};

/// Copies `*ptr` into a full-size `T`, taking only the first `declared` bytes (the struct's own
/// `size` field) and leaving the rest zeroed: a function pointer past `declared` reads as `None`,
/// a value as zero. This is how "fields past `size` are absent" is implemented, once, for every
/// struct of the ABI.
///
/// # Safety
/// `ptr` must point to at least `min(declared, size_of::<T>())` readable bytes, and `T` must be a
/// `#[repr(C)]` ABI struct for which all-zero bytes are a valid value (true of every bindgen struct
/// in this crate: integers, raw pointers and `Option<extern fn>`).
pub unsafe fn read_sized<T: Copy>(ptr: *const T, declared: usize) -> T {
    let mut out = MaybeUninit::<T>::zeroed();
    let n = declared.min(size_of::<T>());
    // SAFETY: the caller guarantees `n` readable bytes at `ptr`; `out` has size_of::<T>() >= n
    // writable bytes and the two never overlap (out is a fresh local).
    unsafe {
        std::ptr::copy_nonoverlapping(ptr.cast::<u8>(), out.as_mut_ptr().cast::<u8>(), n);
        // SAFETY: zero is valid for T (caller contract) and the prefix comes from a valid T.
        out.assume_init()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::modkit_writer;

    unsafe extern "C" fn write_nothing(
        _ctx: *mut std::ffi::c_void,
        _data: *const std::ffi::c_char,
        _len: usize,
    ) -> i32 {
        0
    }

    #[test]
    fn fields_past_declared_size_read_as_absent() {
        let full = modkit_writer {
            size: size_of::<modkit_writer>() as u32,
            ctx: std::ptr::null_mut(),
            write: Some(write_nothing),
        };
        // SAFETY: `full` is a valid modkit_writer, all its bytes are readable.
        let whole = unsafe { read_sized(&full, full.size as usize) };
        assert!(whole.write.is_some());
        let cut = std::mem::offset_of!(modkit_writer, write);
        // SAFETY: as above, with fewer bytes.
        let older = unsafe { read_sized(&full, cut) };
        assert!(older.write.is_none());
        assert_eq!(older.size, full.size);
    }
}
