//! `modkit agent`: runs containers under the isolators named by `--isolation`, answers the v1
//! operator API on loopback, and survives restarts through its checkpoints.

mod api;
mod error;
mod flags;
mod http;
mod resources;
mod setup;
mod state;

pub use error::AgentError;
pub use flags::{AgentFlags, IsolationArgs, RecoverFlag};
pub use setup::{runtime, Runtime};

use modkit_containerizers::{Composing, Containerizer, RecoverMode};
use modkit_ffi::resources::Attributes;
use modkit_ffi::types::AgentInfo;
use state::Agent;
use std::sync::Arc;

/// Starts the agent and serves until SIGINT or SIGTERM. Containers keep running when the
/// agent stops; the next agent recovers them.
pub fn run(flags: AgentFlags) -> Result<(), AgentError> {
    let runtime = setup::runtime("agent", &flags.isolation, &flags.work_dir)?;
    let containerizer = containerizers(&flags, &runtime)?;
    if let Some(hooks) = &flags.hooks {
        for name in hooks.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            runtime
                .modules
                .registry()
                .find(modkit_ffi::abi::Kind::Hook, name)?;
        }
    }
    let resources = resources::agent_resources(flags.resources.as_deref(), &flags.work_dir)?;
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

    let hostname = hostname();
    let info = AgentInfo {
        hostname,
        port: Some(i32::from(flags.port)),
        resources,
        attributes,
        ..AgentInfo::default()
    };
    let mut host_flags = flags.isolation.host_flags(&flags.work_dir);
    host_flags.insert("port".into(), flags.port.to_string());
    host_flags.insert("ip".into(), flags.ip.clone());
    let agent = Arc::new(Agent::new(info, containerizer, host_flags));

    let address = format!("{}:{}", flags.ip, flags.port);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| AgentError::Runtime(e.to_string()))?;
    let result = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&address)
            .await
            .map_err(|source| AgentError::Listen {
                address: address.clone(),
                source,
            })?;
        let bound = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or(address);
        // Tests and scripts wait for this line.
        eprintln!("modkit agent listening on {bound}");
        tokio::select! {
            served = axum::serve(listener, http::router(agent)) => {
                served.map_err(|e| AgentError::Runtime(e.to_string()))
            }
            _ = shutdown_signal() => Ok(()),
        }
    });
    // Waits in flight (WAIT_CONTAINER) would hold a graceful shutdown forever; containers
    // outlive the agent anyway.
    rt.shutdown_background();
    result
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
            other => {
                return Err(AgentError::Flag {
                    flag: "containerizers",
                    reason: format!("unknown containerizer '{other}' (known: mesos)"),
                })
            }
        }
    }
    Ok(Arc::new(Composing::new(members)))
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".to_string())
}
