//! A C module presented as the SDK trait of its kind. Every call: the module's status and message
//! become a [`ModuleError`]; every output is bounded and parsed, so garbage is an error, not a crash.

mod allocator;
mod device_provider;
mod hook;
mod isolator;
mod sorter;

use super::{check_vtable, read_descriptor, read_vtable, DescriptorError};
use crate::abi::{status, ByteSink, Collector, Kind};
use crate::bindings::{modkit_module, modkit_sorter_handle, modkit_status, modkit_writer};
use crate::sdk::{Host, Instance, ModuleError, ModuleFactory, ModuleInfo, Parameters, Sorter};
use serde::de::DeserializeOwned;
use std::ffi::c_void;
use std::sync::{Mutex, MutexGuard};

/// Bound on an error message from a module.
const ERROR_LIMIT: usize = 64 << 10;

/// The factory of a module found in a loaded library.
pub struct ForeignFactory {
    name: String,
    origin: String,
    descriptor: *const modkit_module,
}

// SAFETY: the descriptor is immutable static data of a library that is never unloaded.
unsafe impl Send for ForeignFactory {}
// SAFETY: as above.
unsafe impl Sync for ForeignFactory {}

impl ForeignFactory {
    /// # Safety
    /// `descriptor` must be the address of the exported symbol `name` in a library that stays
    /// loaded for the life of the process, with at least its 4-byte `size` readable.
    pub unsafe fn new(name: &str, origin: &str, descriptor: *const modkit_module) -> Self {
        ForeignFactory {
            name: name.to_string(),
            origin: origin.to_string(),
            descriptor,
        }
    }
}

impl ModuleFactory for ForeignFactory {
    fn name(&self) -> &str {
        &self.name
    }

    fn origin(&self) -> &str {
        &self.origin
    }

    fn describe(&self) -> Result<ModuleInfo, DescriptorError> {
        // SAFETY: constructor contract.
        unsafe { read_descriptor(self.descriptor) }.map(|d| d.info)
    }

    fn compatible(&self, host: &Host) -> Result<(), String> {
        // SAFETY: constructor contract.
        let raw = unsafe { read_descriptor(self.descriptor) }
            .map_err(|e| e.to_string())?
            .raw;
        let Some(compatible) = raw.compatible else {
            return Ok(());
        };
        let mut err = Collector::with_limit(Vec::new(), ERROR_LIMIT);
        let mut w = err.writer();
        // SAFETY: the host table is valid until exit; `w` points at `err`, alive for the call.
        if unsafe { compatible(host.as_ptr(), &mut w) } {
            Ok(())
        } else {
            let why = String::from_utf8_lossy(&err.into_inner())
                .trim()
                .to_string();
            Err(if why.is_empty() {
                "no reason given".to_string()
            } else {
                why
            })
        }
    }

    fn create(&self, host: &Host, params: &Parameters) -> Result<Instance, ModuleError> {
        // SAFETY: constructor contract.
        let d = unsafe { read_descriptor(self.descriptor) }
            .map_err(|e| ModuleError::failed(e.to_string()))?;
        let (Some(create), Some(destroy)) = (d.raw.create, d.raw.destroy) else {
            return Err(ModuleError::failed("create/destroy missing"));
        };
        let kv = params.to_ffi();
        let mut instance: *mut c_void = std::ptr::null_mut();
        let mut err = Collector::with_limit(Vec::new(), ERROR_LIMIT);
        let mut w = err.writer();
        // SAFETY: all pointers are valid for the call: host table (until exit), `kv` borrowing
        // `params`, the out-pointer and the error writer.
        let code = unsafe { create(host.as_ptr(), kv.as_ptr(), kv.len(), &mut instance, &mut w) };
        if code != status::OK {
            return Err(failure(code, err.into_inner()));
        }
        if instance.is_null() && d.info.kind != Kind::Anonymous {
            return Err(ModuleError::failed("create returned OK but no instance"));
        }
        // Sorters and allocators are driven through `&mut self`, which serialises them already.
        let shared_kind = matches!(
            d.info.kind,
            Kind::Isolator | Kind::Hook | Kind::Anonymous | Kind::DeviceProvider
        );
        let serial = (shared_kind && !d.info.thread_safe()).then(|| Mutex::new(()));
        let handle = Handle {
            module: self.name.clone(),
            instance,
            destroy,
            serial,
        };
        let vtable = d.raw.vtable;
        // SAFETY: `read_descriptor` checked the vtable of this kind: non-null, sized, required
        // entries present.
        Ok(unsafe {
            match d.info.kind {
                Kind::Isolator => Instance::Isolator(Box::new(isolator::ForeignIsolator::new(
                    handle,
                    read_vtable(vtable),
                ))),
                Kind::Sorter => Instance::Sorter(Box::new(sorter::ForeignSorter::new(
                    handle,
                    read_vtable(vtable),
                ))),
                Kind::Allocator => Instance::Allocator(Box::new(allocator::ForeignAllocator::new(
                    handle,
                    read_vtable(vtable),
                ))),
                Kind::Hook => Instance::Hook(Box::new(hook::ForeignHook::new(
                    handle,
                    read_vtable(vtable),
                ))),
                Kind::Anonymous => Instance::Anonymous(Box::new(handle)),
                Kind::DeviceProvider => Instance::DeviceProvider(Box::new(
                    device_provider::ForeignDeviceProvider::new(handle, read_vtable(vtable)),
                )),
            }
        })
    }
}

/// Wraps a sorter the host created for a module (`modkit_host.create_sorter`).
///
/// # Safety
/// `handle` must be filled by the host: a live instance, its sorter vtable and its destroy.
pub(crate) unsafe fn foreign_sorter(
    name: &str,
    handle: &modkit_sorter_handle,
) -> Result<Box<dyn Sorter>, ModuleError> {
    // SAFETY: the handle's declared size covers what the host filled.
    let handle = unsafe { crate::abi::read_sized(handle, handle.size as usize) };
    let (Some(destroy), false) = (handle.destroy, handle.instance.is_null()) else {
        return Err(ModuleError::BadOutput(format!(
            "the host returned an empty handle for sorter '{name}'"
        )));
    };
    let vtable = handle.vtable.cast::<c_void>();
    let guard = Handle {
        module: name.to_string(),
        instance: handle.instance,
        destroy,
        serial: None,
    };
    // SAFETY: the host's vtable for this sorter (checked like any module's before use).
    unsafe { check_vtable(Kind::Sorter, vtable) }
        .map_err(|e| ModuleError::BadOutput(format!("sorter '{name}': {e}")))?;
    // SAFETY: checked above.
    Ok(Box::new(sorter::ForeignSorter::new(guard, unsafe {
        read_vtable(vtable)
    })))
}

/// One live instance of a C module; destroyed on drop.
pub(crate) struct Handle {
    module: String,
    instance: *mut c_void,
    destroy: unsafe extern "C" fn(*mut c_void),
    /// Present when the module is not thread safe: every call takes it.
    serial: Option<Mutex<()>>,
}

// SAFETY: calls into a module that is not thread safe are serialised by `serial`; a thread-safe
// module promised (MODKIT_FLAG_THREAD_SAFE) that concurrent calls are fine.
unsafe impl Send for Handle {}
// SAFETY: as above.
unsafe impl Sync for Handle {}

impl crate::sdk::Anonymous for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        if !self.instance.is_null() {
            // SAFETY: the instance came from this module's create and is destroyed once.
            unsafe { (self.destroy)(self.instance) }
        }
    }
}

impl Handle {
    fn lock(&self) -> Option<MutexGuard<'_, ()>> {
        self.serial
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Runs one call with an error writer and turns its status into a result. Inlined: it wraps
    /// every hot-path call.
    #[inline(always)]
    fn call(
        &self,
        f: impl FnOnce(*mut c_void, *mut modkit_writer) -> modkit_status,
    ) -> Result<(), ModuleError> {
        let _serial = self.lock();
        let mut err = Collector::with_limit(Vec::new(), ERROR_LIMIT);
        let mut w = err.writer();
        let code = f(self.instance, &mut w);
        if code == status::OK {
            Ok(())
        } else {
            Err(failure(code, err.into_inner()))
        }
    }

    /// Runs one call with an output writer feeding `sink` (bounded) and an error writer.
    fn call_out<S: ByteSink>(
        &self,
        sink: S,
        f: impl FnOnce(*mut c_void, *mut modkit_writer, *mut modkit_writer) -> modkit_status,
    ) -> Result<S, ModuleError> {
        let mut out = Collector::new(sink);
        let mut wo = out.writer();
        let result = self.call(|instance, err| f(instance, &mut wo, err));
        // A refused output explains the module's failure better than its own message does.
        if let Some(e) = out.error() {
            return Err(ModuleError::BadOutput(format!("{e}")));
        }
        result.map(|()| out.into_inner())
    }

    /// A call whose output is one JSON value; `None` when the module wrote nothing.
    fn call_json<T: DeserializeOwned>(
        &self,
        what: &str,
        f: impl FnOnce(*mut c_void, *mut modkit_writer, *mut modkit_writer) -> modkit_status,
    ) -> Result<Option<T>, ModuleError> {
        let bytes = self.call_out(Vec::new(), f)?;
        parse_output(&bytes, what)
    }
}

/// The error of a failed call, kept out of line so the success path stays small.
#[cold]
#[inline(never)]
fn failure(code: modkit_status, message: Vec<u8>) -> ModuleError {
    ModuleError::from_status(code, String::from_utf8_lossy(&message).into_owned())
}

/// Parses a module's JSON output; the error says what was expected and shows the start of it.
pub(crate) fn parse_output<T: DeserializeOwned>(
    bytes: &[u8],
    what: &str,
) -> Result<Option<T>, ModuleError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(bytes).map(Some).map_err(|e| {
        let text = String::from_utf8_lossy(bytes);
        let start: String = text.chars().take(120).collect();
        ModuleError::BadOutput(format!(
            "{what} is not valid: {e} (output starts: {start:?})"
        ))
    })
}
