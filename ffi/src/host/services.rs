//! The `modkit_host` table a host hands every module: versions, flags, work dir, logging.

use crate::abi::{str_from_ffi, to_ffi, ABI_MAJOR, ABI_MINOR};
use crate::bindings::{modkit_host, modkit_str};
use crate::sdk::Host;
use std::collections::BTreeMap;
use std::ffi::c_void;

/// Owns the strings the table points into. Leaked on creation: the header promises modules the
/// table lives until the host exits.
pub struct HostServices {
    raw: modkit_host,
    _version: String,
    _role: String,
    _work_dir: String,
    _flags_json: String,
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
            },
            _version: version.to_string(),
            _role: role.to_string(),
            _work_dir: work_dir.to_string(),
            _flags_json: serde_json::to_string(flags).unwrap_or_else(|_| "{}".to_string()),
        }));
        services.raw.host_version = to_ffi(&services._version);
        services.raw.host_role = to_ffi(&services._role);
        services.raw.work_dir = to_ffi(&services._work_dir);
        services.raw.flags_json = to_ffi(&services._flags_json);
        services
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
