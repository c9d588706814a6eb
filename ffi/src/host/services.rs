//! The `modkit_host` table a host hands every module: versions, flags, work dir, logging.

use crate::abi::{str_from_ffi, to_ffi, write_bytes, ABI_MAJOR, ABI_MINOR};
use crate::bindings::{
    modkit_host, modkit_kv, modkit_sorter_handle, modkit_status, modkit_str, modkit_writer,
};
use crate::sdk::{Host, ModuleError, Parameters, Sorter};
use std::collections::BTreeMap;
use std::ffi::c_void;
use std::sync::RwLock;

/// Where `modkit_host.create_sorter` finds sorters: the host's module registry.
pub trait SorterProvider: Send + Sync {
    fn create_sorter(
        &self,
        name: &str,
        params: &Parameters,
    ) -> Result<Box<dyn Sorter>, ModuleError>;
}

/// Owns the strings the table points into. Leaked on creation: the header promises modules the
/// table lives until the host exits.
pub struct HostServices {
    raw: modkit_host,
    _version: String,
    _role: String,
    _work_dir: String,
    _flags_json: String,
    sorters: RwLock<Option<Box<dyn SorterProvider>>>,
}

// SAFETY: the table is immutable after creation and its pointers target the owned strings;
// `log` is thread safe.
unsafe impl Send for HostServices {}
// SAFETY: as above.
unsafe impl Sync for HostServices {}

impl HostServices {
    /// Builds the table for this process. `role` is `agent`, `master`, `local`, `simulator` or
    /// `check`; `flags` are the host's flags by name.
    pub fn leak(
        version: &str,
        role: &str,
        work_dir: &str,
        flags: &BTreeMap<String, String>,
    ) -> &'static HostServices {
        let services = Box::leak(Box::new(HostServices {
            raw: modkit_host {
                size: std::mem::size_of::<modkit_host>() as u32,
                abi_major: ABI_MAJOR,
                abi_minor: ABI_MINOR,
                host_version: to_ffi(""),
                host_role: to_ffi(""),
                work_dir: to_ffi(""),
                flags_json: to_ffi(""),
                ctx: std::ptr::null_mut(),
                log: Some(log),
                create_sorter: Some(create_sorter),
            },
            _version: version.to_string(),
            _role: role.to_string(),
            _work_dir: work_dir.to_string(),
            _flags_json: serde_json::to_string(flags).unwrap_or_else(|_| "{}".to_string()),
            sorters: RwLock::new(None),
        }));
        services.raw.ctx = (services as *const HostServices)
            .cast_mut()
            .cast::<c_void>();
        services.raw.host_version = to_ffi(&services._version);
        services.raw.host_role = to_ffi(&services._role);
        services.raw.work_dir = to_ffi(&services._work_dir);
        services.raw.flags_json = to_ffi(&services._flags_json);
        services
    }

    /// Installs where `create_sorter` finds sorters (the host's registry); replaces any previous.
    pub fn set_sorter_provider(&self, provider: Box<dyn SorterProvider>) {
        *self.sorters.write().unwrap_or_else(|p| p.into_inner()) = Some(provider);
    }

    /// The same view a loaded module gets.
    pub fn host(&'static self) -> Host {
        // SAFETY: the table is leaked (lives until exit) and fully initialised.
        unsafe { Host::from_ptr(&self.raw) }
    }
}

fn text(s: modkit_str) -> String {
    // SAFETY: modules pass strings valid for the call (header contract).
    match unsafe { str_from_ffi(s, "log text") } {
        Ok(t) => t.to_string(),
        Err(e) => format!("<{e}>"),
    }
}

unsafe extern "C" fn log(_ctx: *mut c_void, level: i32, module: modkit_str, message: modkit_str) {
    // Called from module frames: never unwind out of here.
    let _ = std::panic::catch_unwind(|| {
        let (module, message) = (text(module), text(message));
        match level {
            ..=1 => tracing::error!(target: "modkit::module", module = %module, "{message}"),
            2 => tracing::warn!(target: "modkit::module", module = %module, "{message}"),
            3 => tracing::info!(target: "modkit::module", module = %module, "{message}"),
            4 => tracing::debug!(target: "modkit::module", module = %module, "{message}"),
            _ => tracing::trace!(target: "modkit::module", module = %module, "{message}"),
        }
    });
}

/// `modkit_host.create_sorter`: the provider's sorter, handed out through the SDK's C vtable.
unsafe extern "C" fn create_sorter(
    ctx: *mut c_void,
    name: modkit_str,
    params: *const modkit_kv,
    params_len: usize,
    sorter: *mut modkit_sorter_handle,
    err: *mut modkit_writer,
) -> modkit_status {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(
        || -> Result<(), ModuleError> {
            if ctx.is_null() || sorter.is_null() {
                return Err(ModuleError::invalid(
                    "create_sorter: null context or handle",
                ));
            }
            // SAFETY: `ctx` is the leaked HostServices set in `leak`.
            let services = unsafe { &*ctx.cast::<HostServices>() };
            // SAFETY: the module passes arguments valid for the call.
            let (name, params) = unsafe {
                (
                    str_from_ffi(name, "sorter name")?,
                    Parameters::from_ffi(params, params_len)?,
                )
            };
            // SAFETY: the module set `size` in its handle.
            let declared = unsafe { (*sorter).size } as usize;
            if declared < std::mem::size_of::<modkit_sorter_handle>() {
                return Err(ModuleError::invalid(format!(
                    "sorter handle size {declared} is smaller than the {} bytes of ABI 1.0",
                    std::mem::size_of::<modkit_sorter_handle>()
                )));
            }
            let guard = services.sorters.read().unwrap_or_else(|p| p.into_inner());
            let provider = guard.as_ref().ok_or_else(|| {
                ModuleError::Unsupported("this host has no sorter registry".into())
            })?;
            let instance: Box<Box<dyn Sorter>> = Box::new(provider.create_sorter(name, &params)?);
            let filled = modkit_sorter_handle {
                size: std::mem::size_of::<modkit_sorter_handle>() as u32,
                instance: Box::into_raw(instance).cast::<c_void>(),
                vtable: &crate::sdk::export::sorter::Vtable::<Box<dyn Sorter>>::VTABLE,
                destroy: Some(crate::sdk::export::destroy::<Box<dyn Sorter>>),
            };
            // SAFETY: the module's handle is at least this large (checked above) and writable.
            unsafe { sorter.write(filled) };
            Ok(())
        },
    ));
    let result =
        outcome.unwrap_or_else(|p| Err(ModuleError::Panic(crate::sdk::export::panic_message(&*p))));
    match result {
        Ok(()) => crate::abi::status::OK,
        Err(e) => {
            // SAFETY: the module's error writer, valid for the call.
            let _ = unsafe { write_bytes(err, e.message().as_bytes()) };
            e.status()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::LogLevel;

    #[test]
    fn module_view_reads_what_the_host_set() {
        let flags = BTreeMap::from([("isolation".to_string(), "cgroups/cpu".to_string())]);
        let host = HostServices::leak("0.1.0", "agent", "/var/lib/modkit", &flags).host();
        assert_eq!(host.abi(), (ABI_MAJOR, ABI_MINOR));
        assert_eq!(host.version(), "0.1.0");
        assert_eq!(host.role(), "agent");
        assert_eq!(host.work_dir(), "/var/lib/modkit");
        assert_eq!(host.flag("isolation").as_deref(), Some("cgroups/cpu"));
        assert_eq!(host.flag("nope"), None);
        host.log(LogLevel::Info, "org_test_Module", "hello");
    }
}
