//! [`Isolator`] over a C `modkit_isolator_vtable`. Absent entries behave as Mesos's defaults.

use super::Handle;
use crate::abi::{str_from_ffi, to_ffi};
use crate::bindings::{modkit_isolator_vtable, modkit_limitation_sink, modkit_str};
use crate::resources::Resources;
use crate::sdk::{Isolator, LimitationSink, ModuleError, Result};
use crate::types::{
    ContainerConfig, ContainerId, ContainerLaunchInfo, ContainerLimitation, ContainerState,
    ContainerStatus, ResourceStatistics,
};
use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::Mutex;

pub(crate) struct ForeignIsolator {
    handle: Handle,
    vt: modkit_isolator_vtable,
    /// Sinks handed to `watch`, kept at a stable address until the container's cleanup returns.
    sinks: Mutex<HashMap<String, Box<SinkBox>>>,
}

/// What a C isolator holds on to: the C sink struct, whose `ctx` points back at this box.
struct SinkBox {
    raw: modkit_limitation_sink,
    module: String,
    sink: LimitationSink,
}

// SAFETY: `raw.ctx` points at the box itself and is only dereferenced by `raise`, which reads the
// `Send + Sync` LimitationSink; nothing else about the raw struct is thread-affine.
unsafe impl Send for SinkBox {}
// SAFETY: as above; the box is never mutated after `watch` stores it.
unsafe impl Sync for SinkBox {}

impl ForeignIsolator {
    pub(crate) fn new(handle: Handle, vt: modkit_isolator_vtable) -> Self {
        ForeignIsolator {
            handle,
            vt,
            sinks: Mutex::new(HashMap::new()),
        }
    }
}

fn to_json<T: serde::Serialize>(value: &T, what: &str) -> Result<String> {
    serde_json::to_string(value).map_err(|e| ModuleError::failed(format!("encoding {what}: {e}")))
}

unsafe extern "C" fn raise(ctx: *mut c_void, limitation_json: modkit_str) {
    // Called from module frames, maybe on a module thread: never unwind out of here.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: `ctx` is the SinkBox set in `watch`, alive until cleanup returns.
        let this = unsafe { &*ctx.cast::<SinkBox>() };
        // SAFETY: the module passes a string valid for the call.
        let parsed = unsafe { str_from_ffi(limitation_json, "limitation_json") }
            .map_err(|e| e.to_string())
            .and_then(|t| {
                serde_json::from_str::<ContainerLimitation>(t).map_err(|e| e.to_string())
            });
        // The module did see a limit even if it described it badly: still honour it.
        let limitation = parsed.unwrap_or_else(|e| ContainerLimitation {
            message: format!(
                "isolator {} raised a limitation the host could not read: {e}",
                this.module
            ),
            ..ContainerLimitation::default()
        });
        this.sink.raise(limitation);
    });
}

impl Isolator for ForeignIsolator {
    fn recover(&self, states: &[ContainerState], orphans: &[ContainerId]) -> Result<()> {
        let Some(f) = self.vt.recover else {
            return Ok(());
        };
        let (states, orphans) = (to_json(&states, "states")?, to_json(&orphans, "orphans")?);
        // SAFETY (every call below): live instance, arguments borrowed for the call, writers valid.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(&states), to_ffi(&orphans), e) })
    }

    fn prepare(
        &self,
        container_id: &str,
        config: &ContainerConfig,
    ) -> Result<Option<ContainerLaunchInfo>> {
        let Some(f) = self.vt.prepare else {
            return Ok(None);
        };
        let config = to_json(config, "container config")?;
        self.handle
            .call_json("prepare's ContainerLaunchInfo", |i, o, e| {
                // SAFETY: see recover.
                unsafe { f(i, to_ffi(container_id), to_ffi(&config), o, e) }
            })
    }

    fn isolate(&self, container_id: &str, pid: i32) -> Result<()> {
        let Some(f) = self.vt.isolate else {
            return Ok(());
        };
        // SAFETY: see recover.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(container_id), pid, e) })
    }

    fn watch(&self, container_id: &str, sink: LimitationSink) -> Result<()> {
        let Some(f) = self.vt.watch else {
            return Ok(());
        };
        let mut boxed = Box::new(SinkBox {
            raw: modkit_limitation_sink {
                size: std::mem::size_of::<modkit_limitation_sink>() as u32,
                ctx: std::ptr::null_mut(),
                raise: Some(raise),
            },
            module: self.handle.module.clone(),
            sink,
        });
        boxed.raw.ctx = (&*boxed as *const SinkBox).cast_mut().cast::<c_void>();
        let raw: *const modkit_limitation_sink = &boxed.raw;
        // Stored before the call: the module may raise from another thread at once.
        self.sinks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(container_id.to_string(), boxed);
        // SAFETY: see recover; the sink lives in `sinks` until cleanup of this container returns.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(container_id), raw, e) })
    }

    fn update(&self, container_id: &str, resources: &Resources) -> Result<()> {
        let Some(f) = self.vt.update else {
            return Ok(());
        };
        let resources = to_json(resources, "resources")?;
        // SAFETY: see recover.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(container_id), to_ffi(&resources), e) })
    }

    fn usage(&self, container_id: &str) -> Result<ResourceStatistics> {
        let Some(f) = self.vt.usage else {
            return Ok(ResourceStatistics::default());
        };
        self.handle
            // SAFETY: see recover.
            .call_json("usage's ResourceStatistics", |i, o, e| unsafe {
                f(i, to_ffi(container_id), o, e)
            })
            .map(Option::unwrap_or_default)
    }

    fn status(&self, container_id: &str) -> Result<ContainerStatus> {
        let Some(f) = self.vt.status else {
            return Ok(ContainerStatus::default());
        };
        self.handle
            // SAFETY: see recover.
            .call_json("status's ContainerStatus", |i, o, e| unsafe {
                f(i, to_ffi(container_id), o, e)
            })
            .map(Option::unwrap_or_default)
    }

    fn cleanup(&self, container_id: &str) -> Result<()> {
        let result = match self.vt.cleanup {
            // SAFETY: see recover.
            Some(f) => self
                .handle
                .call(|i, e| unsafe { f(i, to_ffi(container_id), e) }),
            None => Ok(()),
        };
        // After cleanup returns the module may no longer raise: the sink can go.
        self.sinks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(container_id);
        result
    }
}
