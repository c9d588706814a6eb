//! `modkit agent`: runs containers under the isolators named by `--isolation`, answers the v1
//! operator API on loopback, and survives restarts through its checkpoints.

mod api;
mod device_providers;
mod error;
mod flags;
mod hooks;
mod http;
mod link;
mod resources;
mod setup;
mod state;

pub use error::AgentError;
pub use flags::{AgentFlags, IsolationArgs, RecoverFlag};
pub use setup::{runtime, Runtime};

use hooks::AgentHooks;
use modkit_containerizers::{Composing, Containerizer, RecoverMode};
use modkit_ffi::resources::Attributes;
use modkit_ffi::types::AgentInfo;
use state::Agent;
use std::sync::Arc;

/// An agent serving in the background (for `modkit local` and tests); stops when stopped or
/// dropped. Containers keep running; the next agent recovers them.
pub struct RunningAgent {
    addr: std::net::SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
    agent: Arc<Agent>,
}

impl RunningAgent {
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// `http://ip:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn stop(mut self) {
        self.shutdown_now();
    }

    fn shutdown_now(&mut self) {
        if let Some(link) = self.agent.link.get() {
            link.stop();
        }
        if let Some(rt) = self.runtime.take() {
            // Waits in flight (WAIT_CONTAINER) would hold a graceful shutdown forever.
            rt.shutdown_background();
        }
    }
}

impl Drop for RunningAgent {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

/// Starts the agent and serves until SIGINT or SIGTERM. Containers keep running when the
/// agent stops; the next agent recovers them.
pub fn run(flags: AgentFlags) -> Result<(), AgentError> {
    let agent = start(flags)?;
    // Tests and scripts wait for this line.
    crate::host::serve_until_signal(|| eprintln!("modkit agent listening on {}", agent.addr()))
        .map_err(|e| AgentError::Runtime(e.to_string()))?;
    agent.stop();
    Ok(())
}

/// Builds the containerizer, recovers, binds `--ip:--port` (0: a free port, which the agent
/// then advertises) and serves in the background; with `--master` it registers there.
pub fn start(mut flags: AgentFlags) -> Result<RunningAgent, AgentError> {
    // network/ports with --check_agent_port_range_only reads the agent's ports.
    flags.isolation.agent_resources = flags.resources.clone();
    let runtime = setup::runtime("agent", &flags.isolation, &flags.work_dir)?;
    let containerizer = containerizers(&flags, &runtime)?;
    let hooks = AgentHooks::new(flags.hooks.chain(runtime.modules.registry())?);
    let resources = resources::agent_resources(flags.resources.as_deref(), &flags.work_dir)?;
    let resources = resources::with_devices(
        resources,
        flags.resources.as_deref(),
        &resources::device_counts(
            &flags.isolation,
            &flags.work_dir,
            runtime.modules.registry().host(),
        )?,
    )?;
    let attributes: Attributes = match &flags.attributes {
        Some(text) => text.parse().map_err(|e| AgentError::Flag {
            flag: "attributes",
            reason: format!("{e}"),
        })?,
        None => Attributes::default(),
    };
    let mode = match flags.recover {
        RecoverFlag::Reconnect => RecoverMode::Reconnect,
        RecoverFlag::Cleanup => RecoverMode::Cleanup,
    };
    let report = containerizer
        .recover(mode)
        .map_err(|e| AgentError::Recovery(e.to_string()))?;
    for (id, why) in &report.corrupt {
        tracing::error!(container = %id, "checkpoint unreadable, container cleaned up: {why}");
    }
    tracing::info!(
        adopted = report.adopted.len(),
        ended = report.ended.len(),
        orphans = report.orphans.len(),
        "recovered"
    );

    let address = format!("{}:{}", flags.ip, flags.port);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| AgentError::Runtime(e.to_string()))?;
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(&address))
        .map_err(|source| AgentError::Listen {
            address: address.clone(),
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| AgentError::Listen { address, source })?;
    let hostname = crate::host::hostname();
    let info = hooks.decorate_agent(AgentInfo {
        hostname,
        port: Some(i32::from(addr.port())),
        resources,
        attributes,
        ..AgentInfo::default()
    })?;
    let mut host_flags = flags.isolation.host_flags(&flags.work_dir);
    host_flags.insert("port".into(), addr.port().to_string());
    host_flags.insert("ip".into(), flags.ip.clone());
    host_flags.extend(flags.hooks.host_flags());
    if let Some(master) = &flags.master {
        host_flags.insert("master".into(), master.clone());
    }
    // Containers a previous agent left get their remove-executor hook too.
    for c in containerizer.containers(false) {
        hooks.launched(&containerizer, &c.container_id, c.labels);
    }
    let agent = Arc::new(Agent::new(info, containerizer, host_flags).with_hooks(hooks));
    let app = http::router(agent.clone());
    rt.spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("agent: {e}");
        }
    });
    if let Some(master) = &flags.master {
        let link = link::Link::new(master, addr.to_string(), &flags.work_dir);
        let _ = agent.link.set(link.clone());
        link.start(&agent);
    }
    Ok(RunningAgent {
        addr,
        runtime: Some(rt),
        agent,
    })
}

/// `--containerizers` in order, composed: each container goes to the first that can run it.
fn containerizers(
    flags: &AgentFlags,
    runtime: &Runtime,
) -> Result<Arc<dyn Containerizer>, AgentError> {
    let mut members: Vec<Arc<dyn Containerizer>> = Vec::new();
    for name in flags.containerizers.split(',').map(str::trim) {
        match name {
            "mesos" => members.push(runtime.containerizer.clone()),
            "external" => members.push(external_containerizer(flags)?),
            other => {
                return Err(AgentError::Flag {
                    flag: "containerizers",
                    reason: format!("unknown containerizer '{other}' (known: mesos, external)"),
                })
            }
        }
    }
    Ok(Arc::new(Composing::new(members)))
}

/// The `external` containerizer; its program's `version` handshake runs here, so an
/// incompatible program stops the agent from starting.
fn external_containerizer(flags: &AgentFlags) -> Result<Arc<dyn Containerizer>, AgentError> {
    let program = flags
        .containerizer_path
        .clone()
        .ok_or_else(|| AgentError::Flag {
            flag: "containerizer_path",
            reason: "required by --containerizers=external".into(),
        })?;
    let timeout =
        crate::flags::parse_duration(&flags.external_containerizer_timeout).map_err(|source| {
            AgentError::Duration {
                flag: "external_containerizer_timeout",
                source,
            }
        })?;
    let work_dir = flags
        .work_dir
        .canonicalize()
        .map_err(|source| AgentError::WorkDir {
            path: flags.work_dir.clone(),
            source,
        })?;
    let config = modkit_containerizers::ExternalConfig {
        program,
        work_dir,
        timeout,
        default_container_image: flags.default_container_image.clone(),
        agent_id: crate::host::hostname(),
    };
    let external = modkit_containerizers::ExternalContainerizer::new(config).map_err(|e| {
        AgentError::Flag {
            flag: "containerizer_path",
            reason: e.to_string(),
        }
    })?;
    Ok(Arc::new(external))
}
