//! Opening shared libraries. Libraries are never unloaded: unloading a Rust cdylib with
//! thread-locals is unsound, and Mesos never unloads either.

use super::spec::LibraryLocation;
use super::ModuleError;
use libloading::Library;
use std::collections::HashMap;
use std::path::PathBuf;

/// The libraries opened so far, each opened once.
#[derive(Default)]
pub struct Libraries {
    open: HashMap<LibraryKey, &'static Library>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum LibraryKey {
    Path(PathBuf),
    Search(String),
}

impl Libraries {
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens (or reuses) the library; the error names it and says why dlopen refused.
    pub fn open(&mut self, location: &LibraryLocation) -> Result<&'static Library, ModuleError> {
        let key = match location {
            LibraryLocation::Path(p) => {
                LibraryKey::Path(p.canonicalize().map_err(|e| ModuleError::OpenLibrary {
                    library: p.display().to_string(),
                    reason: if e.kind() == std::io::ErrorKind::NotFound {
                        "no such file".to_string()
                    } else {
                        e.to_string()
                    },
                })?)
            }
            LibraryLocation::SearchName(n) => LibraryKey::Search(n.clone()),
        };
        if let Some(lib) = self.open.get(&key) {
            return Ok(lib);
        }
        let target = match &key {
            LibraryKey::Path(p) => p.as_os_str().to_owned(),
            LibraryKey::Search(n) => n.into(),
        };
        // SAFETY: loading a library runs its initialisers; that is the point of --modules, and the
        // operator chose the library. We never unload it (leaked below).
        let lib = unsafe { Library::new(&target) }.map_err(|e| ModuleError::OpenLibrary {
            library: location.to_string(),
            reason: dl_reason(&e),
        })?;
        let lib: &'static Library = Box::leak(Box::new(lib));
        self.open.insert(key, lib);
        Ok(lib)
    }
}

/// dlerror's text without libloading's wrapper.
pub(super) fn dl_reason(e: &libloading::Error) -> String {
    use std::error::Error;
    e.source()
        .map(|s| s.to_string())
        .unwrap_or_else(|| e.to_string())
}
