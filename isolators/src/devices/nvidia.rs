//! `nvidia`: GPUs from NVML, loaded with dlopen so that the agent runs on hosts without the
//! driver. Nodes are `/dev/nvidia<minor>` (major 195); `/dev/nvidiactl` and `/dev/nvidia-uvm*`
//! go to every container holding a GPU.

use super::{dl, stat_node, Access, Device, DeviceError, DeviceProvider, DeviceRule, Inventory};
use std::ffi::{c_char, c_int, c_uint, c_void, CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub const NVML_LIBRARY: &str = "libnvidia-ml.so.1";
pub const NVIDIA_MAJOR: u32 = 195;
/// Always granted with any GPU, when present on the host.
const SHARED_NODES: [&str; 3] = ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"];
/// `NVML_DEVICE_NAME_V2_BUFFER_SIZE`.
const NAME_LEN: usize = 96;

type Init = unsafe extern "C" fn() -> c_int;
type GetCount = unsafe extern "C" fn(*mut c_uint) -> c_int;
type GetHandle = unsafe extern "C" fn(c_uint, *mut *mut c_void) -> c_int;
type GetMinor = unsafe extern "C" fn(*mut c_void, *mut c_uint) -> c_int;
type GetName = unsafe extern "C" fn(*mut c_void, *mut c_char, c_uint) -> c_int;

pub struct NvidiaProvider {
    library: PathBuf,
    only: Option<Vec<u32>>,
}

impl NvidiaProvider {
    /// `library`: `libnvidia-ml.so.1` (search path) or a path; `only`: `--nvidia_gpu_devices`.
    pub fn new(library: PathBuf, only: Option<Vec<u32>>) -> NvidiaProvider {
        NvidiaProvider { library, only }
    }

    fn error(&self, reason: impl Into<String>) -> DeviceError {
        DeviceError::Library {
            library: self.library.display().to_string(),
            reason: reason.into(),
        }
    }

    fn nvml_error(&self, call: &str, code: c_int) -> DeviceError {
        self.error(format!("{call} returned NVML error {code}"))
    }
}

/// A symbol of an open library, as the function type `T` (the NVML signatures above).
fn symbol<T: Copy>(handle: *mut c_void, name: &CStr) -> Result<T, String> {
    let address = dl::symbol(handle, name)?;
    debug_assert_eq!(std::mem::size_of::<T>(), std::mem::size_of::<*mut c_void>());
    // SAFETY: T is one of the extern "C" fn pointer types above, pointer-sized; NVML exports
    // these names with these signatures.
    Ok(unsafe { std::mem::transmute_copy::<*mut c_void, T>(&address) })
}

impl DeviceProvider for NvidiaProvider {
    fn name(&self) -> &str {
        "nvidia"
    }

    fn discover(&self) -> Result<Inventory, DeviceError> {
        let path = CString::new(self.library.as_os_str().as_bytes())
            .map_err(|_| self.error("the path contains a NUL byte"))?;
        let handle = dl::open(&path).map_err(|e| self.error(e))?;
        let init: Init = symbol(handle, c"nvmlInit_v2").map_err(|e| self.error(e))?;
        let count: GetCount =
            symbol(handle, c"nvmlDeviceGetCount_v2").map_err(|e| self.error(e))?;
        let by_index: GetHandle =
            symbol(handle, c"nvmlDeviceGetHandleByIndex_v2").map_err(|e| self.error(e))?;
        let minor_of: GetMinor =
            symbol(handle, c"nvmlDeviceGetMinorNumber").map_err(|e| self.error(e))?;
        let name_of: GetName = symbol(handle, c"nvmlDeviceGetName").map_err(|e| self.error(e))?;
        // SAFETY: NVML's documented signatures; every out-pointer is a live local.
        unsafe {
            let rc = init();
            if rc != 0 {
                return Err(self.nvml_error("nvmlInit_v2", rc));
            }
            let mut n: c_uint = 0;
            let rc = count(&mut n);
            if rc != 0 {
                return Err(self.nvml_error("nvmlDeviceGetCount_v2", rc));
            }
            if let Some(only) = &self.only {
                if let Some(missing) = only.iter().find(|i| **i >= n) {
                    return Err(self.error(format!(
                        "--nvidia_gpu_devices names GPU {missing}, but NVML reports {n} GPUs"
                    )));
                }
            }
            let mut devices = Vec::new();
            for index in 0..n {
                if self
                    .only
                    .as_ref()
                    .is_some_and(|only| !only.contains(&index))
                {
                    continue;
                }
                let mut device: *mut c_void = std::ptr::null_mut();
                let rc = by_index(index, &mut device);
                if rc != 0 {
                    return Err(self.nvml_error("nvmlDeviceGetHandleByIndex_v2", rc));
                }
                let mut minor: c_uint = 0;
                let rc = minor_of(device, &mut minor);
                if rc != 0 {
                    return Err(self.nvml_error("nvmlDeviceGetMinorNumber", rc));
                }
                let mut name = [0 as c_char; NAME_LEN];
                let rc = name_of(device, name.as_mut_ptr(), NAME_LEN as c_uint);
                if rc != 0 {
                    return Err(self.nvml_error("nvmlDeviceGetName", rc));
                }
                name[NAME_LEN - 1] = 0;
                let model = CStr::from_ptr(name.as_ptr()).to_string_lossy().into_owned();
                devices.push(Device {
                    resource: "gpus".into(),
                    index,
                    nodes: vec![PathBuf::from(format!("/dev/nvidia{minor}"))],
                    major: NVIDIA_MAJOR,
                    minor,
                    vendor: "nvidia".into(),
                    model,
                });
            }
            Ok(Inventory {
                devices,
                shared: shared_rules(),
            })
        }
    }
}

/// The control nodes present on this host.
fn shared_rules() -> Vec<DeviceRule> {
    SHARED_NODES
        .iter()
        .filter_map(|node| stat_node(Path::new(node)).ok())
        .map(|(r#type, major, minor)| DeviceRule {
            r#type,
            major: Some(major),
            minor: Some(minor),
            access: Access::RWM,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn a_missing_library_is_named() {
        let p = NvidiaProvider::new("/no/such/libnvidia-ml.so.1".into(), None);
        let e = p.discover().unwrap_err().to_string();
        assert!(
            e.starts_with("cannot load /no/such/libnvidia-ml.so.1: "),
            "{e}"
        );
        assert!(e.contains("No such file"), "{e}");
    }

    /// A fake NVML with two GPUs (minors 0 and 3), built with the system C compiler.
    fn fake_nvml(dir: &Path, broken: bool) -> Option<PathBuf> {
        let source = dir.join("fake_nvml.c");
        let mut code = String::from(
            r#"
#include <string.h>
typedef struct dev { unsigned minor; const char *name; } dev;
static dev devs[2] = {{0, "Fake GPU A"}, {3, "Fake GPU B"}};
static int ready = 0;
int nvmlInit_v2(void) { ready = 1; return 0; }
int nvmlDeviceGetCount_v2(unsigned *n) { if (!ready) return 1; *n = 2; return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned i, void **h) { if (i > 1) return 2; *h = &devs[i]; return 0; }
int nvmlDeviceGetMinorNumber(void *h, unsigned *m) { *m = ((dev *)h)->minor; return 0; }
"#,
        );
        if !broken {
            code.push_str(
                "int nvmlDeviceGetName(void *h, char *out, unsigned len) { strncpy(out, ((dev *)h)->name, len); return 0; }\n",
            );
        }
        std::fs::write(&source, code).ok()?;
        let library = dir.join(if broken {
            "libbroken.so"
        } else {
            "libnvidia-ml.so.1"
        });
        let status = Command::new("cc")
            .args(["-shared", "-fPIC", "-o"])
            .arg(&library)
            .arg(&source)
            .status()
            .ok()?;
        status.success().then_some(library)
    }

    #[test]
    fn reads_gpus_from_a_fake_nvml() {
        let dir = tempfile::tempdir().unwrap();
        let Some(library) = fake_nvml(dir.path(), false) else {
            eprintln!("skipping: no C compiler (cc) to build a fake NVML");
            return;
        };
        let inv = NvidiaProvider::new(library.clone(), None)
            .discover()
            .unwrap();
        let got: Vec<(u32, u32, u32, String, PathBuf)> = inv
            .devices
            .iter()
            .map(|d| {
                (
                    d.index,
                    d.major,
                    d.minor,
                    d.model.clone(),
                    d.nodes[0].clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    0,
                    195,
                    0,
                    "Fake GPU A".to_string(),
                    PathBuf::from("/dev/nvidia0")
                ),
                (
                    1,
                    195,
                    3,
                    "Fake GPU B".to_string(),
                    PathBuf::from("/dev/nvidia3")
                )
            ]
        );
        assert!(inv
            .devices
            .iter()
            .all(|d| d.vendor == "nvidia" && d.resource == "gpus"));
        let only = NvidiaProvider::new(library.clone(), Some(vec![1]))
            .discover()
            .unwrap();
        assert_eq!(only.devices.len(), 1);
        assert_eq!(only.devices[0].minor, 3);
        let e = NvidiaProvider::new(library, Some(vec![2]))
            .discover()
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("--nvidia_gpu_devices names GPU 2, but NVML reports 2 GPUs"),
            "{e}"
        );
    }

    #[test]
    fn a_library_without_a_symbol_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let Some(library) = fake_nvml(dir.path(), true) else {
            eprintln!("skipping: no C compiler (cc) to build a fake NVML");
            return;
        };
        let e = NvidiaProvider::new(library.clone(), None)
            .discover()
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(&format!(
                "cannot load {}: no symbol nvmlDeviceGetName",
                library.display()
            )),
            "{e}"
        );
    }
}
