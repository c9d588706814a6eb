//! A module's view of the host services table (`modkit_host`).

use crate::abi::{read_sized, str_from_ffi, to_ffi, Collector};
use crate::bindings::{modkit_host, modkit_sorter_handle, modkit_str};
use crate::sdk::{ModuleError, Parameters, Sorter};

/// Log levels of `modkit_host.log`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
    Trace = 5,
}

/// The host services a module was created with. Everything it points to lives until the host
/// exits (header contract), so a module may keep a `Host` in its instance.
#[derive(Clone, Copy)]
pub struct Host {
    raw: modkit_host,
    ptr: *const modkit_host,
}

// SAFETY: the header requires the host table, its strings and its `log` to be usable from any
// thread for the life of the host; nothing in `Host` is mutated.
unsafe impl Send for Host {}
// SAFETY: as above.
unsafe impl Sync for Host {}

impl Host {
    /// # Safety
    /// `ptr` must point to a host table that follows the header contract (valid until exit).
    pub unsafe fn from_ptr(ptr: *const modkit_host) -> Host {
        // SAFETY: caller contract; the first field is the declared size.
        let raw = unsafe { read_sized(ptr, (*ptr).size as usize) };
        Host { raw, ptr }
    }

    pub fn as_ptr(&self) -> *const modkit_host {
        self.ptr
    }

    /// The host's (major, minor) ABI version.
    pub fn abi(&self) -> (u16, u16) {
        (self.raw.abi_major, self.raw.abi_minor)
    }

    fn text(&self, s: modkit_str) -> &str {
        // SAFETY: host strings live until exit (header contract); a non-UTF-8 one reads as empty.
        unsafe { str_from_ffi(s, "host string") }.unwrap_or("")
    }

    pub fn version(&self) -> &str {
        self.text(self.raw.host_version)
    }

    /// `agent`, `master`, `local`, `simulator` or `check`.
    pub fn role(&self) -> &str {
        self.text(self.raw.host_role)
    }

    pub fn work_dir(&self) -> &str {
        self.text(self.raw.work_dir)
    }

    pub fn flags_json(&self) -> &str {
        self.text(self.raw.flags_json)
    }

    /// The value of one host flag (`isolation`, `work_dir`, ...), if the host set it.
    pub fn flag(&self, name: &str) -> Option<String> {
        let flags: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(self.flags_json()).ok()?;
        match flags.get(name)? {
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    /// Logs into the host's log, attributed to `module`.
    pub fn log(&self, level: LogLevel, module: &str, message: &str) {
        if let Some(log) = self.raw.log {
            // SAFETY: `log` and `ctx` come from the host table, valid until exit; the strings are
            // borrowed for the call only.
            unsafe { log(self.raw.ctx, level as i32, to_ffi(module), to_ffi(message)) }
        }
    }
}

impl Host {
    /// A new instance of the sorter module `name` as this host knows it (`drf`, `random`,
    /// `asset`, or a loaded sorter module), for allocators that compose sorters.
    pub fn create_sorter(
        &self,
        name: &str,
        params: &Parameters,
    ) -> Result<Box<dyn Sorter>, ModuleError> {
        let create = self.raw.create_sorter.ok_or_else(|| {
            ModuleError::Unsupported(format!("this host ({}) offers no sorters", self.role()))
        })?;
        let kv = params.to_ffi();
        let mut handle = modkit_sorter_handle {
            size: std::mem::size_of::<modkit_sorter_handle>() as u32,
            instance: std::ptr::null_mut(),
            vtable: std::ptr::null(),
            destroy: None,
        };
        let mut err = Collector::with_limit(Vec::new(), 64 << 10);
        let mut w = err.writer();
        // SAFETY: the host's function with its ctx; every pointer is valid for the call.
        let code = unsafe {
            create(
                self.raw.ctx,
                to_ffi(name),
                kv.as_ptr(),
                kv.len(),
                &mut handle,
                &mut w,
            )
        };
        if code != crate::abi::status::OK {
            let message = String::from_utf8_lossy(&err.into_inner()).into_owned();
            return Err(ModuleError::from_status(code, message));
        }
        // SAFETY: the host filled the handle with a live instance, its sorter vtable and destroy.
        unsafe { crate::host::foreign_sorter(name, &handle) }
    }
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("abi", &self.abi())
            .field("version", &self.version())
            .field("role", &self.role())
            .field("work_dir", &self.work_dir())
            .finish()
    }
}
