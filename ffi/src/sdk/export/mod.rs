//! The module side of the ABI: generic `extern "C"` entry points over the SDK traits, each behind
//! a panic boundary, and the macro that emits a module's descriptor symbol.

pub mod allocator;
pub mod hook;
pub mod isolator;
pub mod sorter;

use super::{Create, Host, ModuleError, Parameters};
use crate::abi::{flags, str_from_host, write_bytes, Kind, ABI_MAJOR, ABI_MINOR};
use crate::bindings::{
    modkit_host, modkit_kv, modkit_module, modkit_status, modkit_str, modkit_writer,
};
use serde::{de::DeserializeOwned, Serialize};
use std::any::Any;
use std::ffi::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The exported descriptor object. `repr(transparent)` so the symbol *is* a `modkit_module`.
#[repr(transparent)]
pub struct ExportedModule(pub modkit_module);

// SAFETY: the descriptor is immutable and only holds pointers to static strings, a static vtable
// and functions; sharing it between threads is sound.
unsafe impl Sync for ExportedModule {}

type CompatibleFn = unsafe extern "C" fn(*const modkit_host, *mut modkit_writer) -> bool;
type CreateFn = unsafe extern "C" fn(
    *const modkit_host,
    *const modkit_kv,
    usize,
    *mut *mut c_void,
    *mut modkit_writer,
) -> modkit_status;
type DestroyFn = unsafe extern "C" fn(*mut c_void);

impl ExportedModule {
    /// Strings must end with a NUL (the macro appends it).
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        kind: Kind,
        author: &'static str,
        email: &'static str,
        description: &'static str,
        flags: u64,
        compatible: CompatibleFn,
        create: CreateFn,
        destroy: DestroyFn,
        vtable: *const c_void,
    ) -> Self {
        ExportedModule(modkit_module {
            size: std::mem::size_of::<modkit_module>() as u32,
            abi_major: ABI_MAJOR,
            abi_minor: ABI_MINOR,
            kind: kind.raw(),
            kind_version: kind.versions().current,
            author: author.as_ptr().cast::<c_char>(),
            email: email.as_ptr().cast::<c_char>(),
            description: description.as_ptr().cast::<c_char>(),
            flags,
            compatible: Some(compatible),
            create: Some(create),
            destroy: Some(destroy),
            vtable,
        })
    }
}

/// Flags a Rust module gets unless it says otherwise: kinds whose trait takes `&self` (and is
/// `Sync`) are thread safe; every Rust module may have several instances, and they are
/// independent (safe Rust cannot share unsynchronised state between them).
pub const fn default_flags(kind: Kind) -> u64 {
    let every = flags::MULTI_INSTANCE | flags::INDEPENDENT_INSTANCES;
    match kind {
        Kind::Sorter | Kind::Allocator => every,
        Kind::Isolator | Kind::Hook | Kind::Anonymous | Kind::DeviceProvider => {
            every | flags::THREAD_SAFE
        }
    }
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-text payload".to_string()
    }
}

/// Runs one entry point: its error or panic becomes a status plus a message in `err`, never an
/// unwind across the C boundary. Inlined: it wraps every hot-path call.
#[inline(always)]
pub(crate) fn guard(
    err: *mut modkit_writer,
    f: impl FnOnce() -> Result<(), ModuleError>,
) -> modkit_status {
    let outcome = catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|p| Err(ModuleError::Panic(panic_message(&*p))));
    match outcome {
        Ok(()) => crate::abi::status::OK,
        Err(e) => {
            // The message is best effort: a host refusing it must not hide the status.
            // SAFETY: `err` is the host's writer for this call (or null).
            let _ = unsafe { write_bytes(err, e.message().as_bytes()) };
            e.status()
        }
    }
}

/// A borrowed string argument from the host as `&str`.
///
/// # Safety
/// Same as [`str_from_host`].
#[inline(always)]
pub unsafe fn arg<'a>(s: modkit_str, what: &'static str) -> Result<&'a str, ModuleError> {
    // SAFETY: forwarded caller contract.
    Ok(unsafe { str_from_host(s, what) }?)
}

/// A JSON argument, typed. The error names the argument and serde's reason.
///
/// # Safety
/// Same as [`str_from_host`].
pub unsafe fn json_arg<T: DeserializeOwned>(
    s: modkit_str,
    what: &'static str,
) -> Result<T, ModuleError> {
    // SAFETY: forwarded caller contract.
    let text = unsafe { arg(s, what) }?;
    serde_json::from_str(text).map_err(|e| ModuleError::invalid(format!("{what}: {e}")))
}

/// Writes `value` as JSON through `out`.
///
/// # Safety
/// `out` must be null or a valid writer for the call.
pub unsafe fn write_json<T: Serialize>(
    out: *mut modkit_writer,
    value: &T,
) -> Result<(), ModuleError> {
    let text = serde_json::to_vec(value)
        .map_err(|e| ModuleError::failed(format!("encoding output: {e}")))?;
    // SAFETY: forwarded caller contract.
    Ok(unsafe { write_bytes(out, &text) }?)
}

/// `compatible` entry point for any [`Create`] type.
///
/// # Safety
/// Called by a host per the header contract.
pub unsafe extern "C" fn compatible<T: Create>(
    host: *const modkit_host,
    err: *mut modkit_writer,
) -> bool {
    let mut ok = false;
    let status = guard(err, || {
        // SAFETY: the host passes its valid services table.
        let host = unsafe { Host::from_ptr(host) };
        T::compatible(&host).map_err(ModuleError::Failed)?;
        ok = true;
        Ok(())
    });
    ok && status == crate::abi::status::OK
}

/// `create` entry point: boxes the instance; the handle is the box's pointer.
///
/// # Safety
/// Called by a host per the header contract.
pub unsafe extern "C" fn create<T: Create>(
    host: *const modkit_host,
    params: *const modkit_kv,
    params_len: usize,
    instance: *mut *mut c_void,
    err: *mut modkit_writer,
) -> modkit_status {
    guard(err, || {
        if instance.is_null() {
            return Err(ModuleError::invalid("create: instance out-pointer is null"));
        }
        // SAFETY: the host passes its valid table and a params array valid for the call.
        let (host, params) = unsafe {
            (
                Host::from_ptr(host),
                Parameters::from_ffi(params, params_len)?,
            )
        };
        let value = T::create(&host, &params)?;
        // SAFETY: checked non-null above; the host owns the out-pointer for the call.
        unsafe { *instance = Box::into_raw(Box::new(value)).cast::<c_void>() };
        Ok(())
    })
}

/// `destroy` entry point.
///
/// # Safety
/// `instance` must be a `Box<T>` turned into a raw pointer (as [`create::<T>`] makes) and not be
/// used again.
pub unsafe extern "C" fn destroy<T>(instance: *mut c_void) {
    if instance.is_null() {
        return;
    }
    // A panicking Drop is swallowed: there is nobody to report it to and unwinding would abort.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the handle is the Box made by create::<T>, handed back exactly once.
        drop(unsafe { Box::from_raw(instance.cast::<T>()) });
    }));
}

/// The instance behind a handle, shared.
///
/// # Safety
/// `instance` must be a live handle made by `create::<T>`.
pub unsafe fn shared<'a, T>(instance: *mut c_void) -> Result<&'a T, ModuleError> {
    if instance.is_null() {
        return Err(ModuleError::invalid("instance handle is null"));
    }
    // SAFETY: per the caller contract.
    Ok(unsafe { &*instance.cast::<T>() })
}

/// The instance behind a handle, exclusive (sorters and allocators: one thread at a time).
///
/// # Safety
/// `instance` must be a live handle made by `create::<T>`, not used by another thread now.
#[inline(always)]
pub unsafe fn exclusive<'a, T>(instance: *mut c_void) -> Result<&'a mut T, ModuleError> {
    if instance.is_null() {
        return Err(ModuleError::invalid("instance handle is null"));
    }
    // SAFETY: per the caller contract.
    Ok(unsafe { &mut *instance.cast::<T>() })
}

/// Exports a Rust type as a module: emits the `#[no_mangle]` descriptor static named like the
/// module and ties the type to it for built-in use ([`native`](crate::sdk::native)).
///
/// ```ignore
/// modkit_ffi::export_module!(org_example_Labels: Hook = Labels {
///     author: "Example Inc.",
///     email: "dev@example.com",
///     description: "Adds labels from its parameters",
/// });
/// ```
/// The kind is one of `Isolator`, `Sorter`, `Allocator`, `Hook`, `Anonymous`. An optional
/// `flags: <u64 expr>` replaces [`default_flags`].
#[macro_export]
macro_rules! export_module {
    ($symbol:ident : $kind:ident = $ty:ty {
        author: $author:literal,
        email: $email:literal,
        description: $desc:literal
        $(, flags: $flags:expr)? $(,)?
    }) => {
        #[no_mangle]
        #[allow(non_upper_case_globals)]
        pub static $symbol: $crate::sdk::ExportedModule = $crate::sdk::ExportedModule::new(
            $crate::abi::Kind::$kind,
            concat!($author, "\0"),
            concat!($email, "\0"),
            concat!($desc, "\0"),
            $crate::export_module!(@flags $kind $(, $flags)?),
            $crate::sdk::export::compatible::<$ty>,
            $crate::sdk::export::create::<$ty>,
            $crate::sdk::export::destroy::<$ty>,
            $crate::export_module!(@vtable $kind, $ty),
        );

        impl $crate::sdk::Exported for $ty {
            const NAME: &'static str = stringify!($symbol);
            fn descriptor() -> &'static $crate::sdk::ExportedModule {
                &$symbol
            }
            fn instantiate(
                host: &$crate::sdk::Host,
                params: &$crate::sdk::Parameters,
            ) -> ::std::result::Result<$crate::sdk::Instance, $crate::sdk::ModuleError> {
                let value = <$ty as $crate::sdk::Create>::create(host, params)?;
                Ok($crate::sdk::Instance::$kind(::std::boxed::Box::new(value)))
            }
        }
    };
    (@flags $kind:ident) => { $crate::sdk::export::default_flags($crate::abi::Kind::$kind) };
    (@flags $kind:ident, $flags:expr) => { $flags };
    (@vtable Isolator, $ty:ty) => {
        &$crate::sdk::export::isolator::Vtable::<$ty>::VTABLE as *const _ as *const ::std::ffi::c_void
    };
    (@vtable Sorter, $ty:ty) => {
        &$crate::sdk::export::sorter::Vtable::<$ty>::VTABLE as *const _ as *const ::std::ffi::c_void
    };
    (@vtable Allocator, $ty:ty) => {
        &$crate::sdk::export::allocator::Vtable::<$ty>::VTABLE as *const _ as *const ::std::ffi::c_void
    };
    (@vtable Hook, $ty:ty) => {
        &$crate::sdk::export::hook::Vtable::<$ty>::VTABLE as *const _ as *const ::std::ffi::c_void
    };
    (@vtable Anonymous, $ty:ty) => {
        ::std::ptr::null()
    };
}
