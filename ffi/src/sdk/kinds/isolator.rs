//! Isolators: the Mesos container lifecycle.

use crate::resources::Resources;
use crate::sdk::Result;
use crate::types::{
    ContainerConfig, ContainerId, ContainerLaunchInfo, ContainerLimitation, ContainerState,
    ContainerStatus, ResourceStatistics,
};
use std::sync::Arc;

/// Where an isolator reports that a container hit a limit. Cheap to clone; keep it until the
/// container's `cleanup`.
#[derive(Clone)]
pub struct LimitationSink(Arc<dyn Fn(ContainerLimitation) + Send + Sync>);

impl LimitationSink {
    pub fn new(f: impl Fn(ContainerLimitation) + Send + Sync + 'static) -> Self {
        LimitationSink(Arc::new(f))
    }

    pub fn raise(&self, limitation: ContainerLimitation) {
        (self.0)(limitation)
    }
}

impl std::fmt::Debug for LimitationSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LimitationSink")
    }
}

/// See `modkit_isolator_vtable` in modkit.h. Every call has a default, as in Mesos; calls for
/// different containers may overlap, hence `&self` and `Sync`.
pub trait Isolator: Send + Sync {
    fn recover(&self, _states: &[ContainerState], _orphans: &[ContainerId]) -> Result<()> {
        Ok(())
    }
    fn prepare(
        &self,
        _container_id: &str,
        _config: &ContainerConfig,
    ) -> Result<Option<ContainerLaunchInfo>> {
        Ok(None)
    }
    fn isolate(&self, _container_id: &str, _pid: i32) -> Result<()> {
        Ok(())
    }
    fn watch(&self, _container_id: &str, _sink: LimitationSink) -> Result<()> {
        Ok(())
    }
    fn update(&self, _container_id: &str, _resources: &Resources) -> Result<()> {
        Ok(())
    }
    /// Partial statistics; the host merges those of all isolators.
    fn usage(&self, _container_id: &str) -> Result<ResourceStatistics> {
        Ok(ResourceStatistics::default())
    }
    fn status(&self, _container_id: &str) -> Result<ContainerStatus> {
        Ok(ContainerStatus::default())
    }
    /// Must accept unknown ids.
    fn cleanup(&self, _container_id: &str) -> Result<()> {
        Ok(())
    }
}
