//! `modkit master`: the Mesos v1 scheduler HTTP API over the allocator module, agents that
//! register over HTTP (`modkit agent --master`), operator endpoints and metrics.
//!
//! [`start`] runs a master in the background (for `modkit local` and tests); [`run`] is the
//! CLI, serving until SIGINT or SIGTERM.

mod agents;
mod core;
mod error;
mod events;
mod flags;
mod frameworks;
mod http;
mod metrics;
mod offers;
mod operator;
mod refusal;
mod scheduler;
mod state;
pub mod wire;

pub use error::MasterError;
pub use flags::{AuthFlags, MasterFlags, OfferFlags};
pub use scheduler::{validate_task_id, STREAM_ID_HEADER};

use core::{Config, Master};
use modkit_ffi::abi::Kind;
use modkit_ffi::sdk::Instance;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// A master serving in the background; stops when stopped or dropped.
pub struct RunningMaster {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    runtime: Option<tokio::runtime::Runtime>,
    master: Arc<Master>,
}

impl RunningMaster {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ip:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The master's id (agent and framework ids start with it).
    pub fn id(&self) -> &str {
        &self.master.config.id
    }

    pub fn stop(mut self) {
        self.shutdown_now();
    }

    fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(rt) = self.runtime.take() {
            // Open scheduler streams would hold a graceful shutdown forever.
            rt.shutdown_background();
        }
    }
}

impl Drop for RunningMaster {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

/// Loads the modules, creates the allocator and hooks, binds `--ip:--port` and serves in
/// the background.
pub fn start(flags: MasterFlags) -> Result<RunningMaster, MasterError> {
    let timing = flags.timing()?;
    let weights =
        modkit_ffi::sdk::parse_weights(&flags.sharing.weights).map_err(|e| MasterError::Flag {
            flag: "weights",
            reason: e.to_string(),
        })?;
    std::fs::create_dir_all(&flags.work_dir).map_err(|source| MasterError::WorkDir {
        path: flags.work_dir.clone(),
        source,
    })?;
    let auth = flags.auth.policy()?;
    let modules = crate::cli::load_modules("master", &flags.spec, flags.host_flags())?;
    let allocator = match modules
        .registry()
        .create(Kind::Allocator, &flags.allocator.name)?
    {
        Instance::Allocator(a) => a,
        other => {
            return Err(MasterError::Allocator {
                name: flags.allocator.name.clone(),
                reason: format!("created a {}, not an allocator", other.kind()),
            })
        }
    };
    let hooks = flags.hooks.chain(modules.registry())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("master")
        .enable_all()
        .build()
        .map_err(|e| MasterError::Runtime(e.to_string()))?;
    let address = format!("{}:{}", flags.ip, flags.port);
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(&address))
        .map_err(|source| MasterError::Listen {
            address: address.clone(),
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| MasterError::Listen { address, source })?;
    let mut host_flags = flags.host_flags();
    host_flags.insert("port".into(), addr.port().to_string());
    let config = Config {
        id: wire::new_id(),
        hostname: crate::host::hostname(),
        ip: flags.ip.clone(),
        port: addr.port(),
        timing,
        max_agent_ping_timeouts: flags.max_agent_ping_timeouts,
        roles: flags.role_whitelist(),
        flags: host_flags,
        allocator: flags.allocator.name.clone(),
    };
    let state = state::State::new(allocator, weights.into_iter().collect());
    let master = Arc::new(Master::new(state, config, hooks, auth, modules));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = http::router(master.clone());
    runtime.spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!("master: {e}");
        }
    });
    runtime.spawn(background(master.clone()));
    Ok(RunningMaster {
        addr,
        shutdown: Some(tx),
        runtime: Some(runtime),
        master,
    })
}

/// Allocation each interval and soon after changes; resends, offer timeouts, agent health.
async fn background(master: Arc<Master>) {
    let timing = master.config.timing.clone();
    let allocation = {
        let master = master.clone();
        async move {
            let mut ticks = tokio::time::interval(timing.allocation_interval);
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    _ = master.wake.notified() => {
                        // Let a burst of changes settle into one allocation.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
                master.allocate();
            }
        }
    };
    let housekeeping = {
        let check = (timing.agent_ping_timeout / 4)
            .clamp(Duration::from_millis(20), Duration::from_millis(500));
        async move {
            let mut ticks = tokio::time::interval(check);
            loop {
                ticks.tick().await;
                master.resend_updates();
                master.rescind_expired();
                master.check_agents();
            }
        }
    };
    tokio::join!(allocation, housekeeping);
}

/// `modkit master`: serves until SIGINT or SIGTERM.
pub fn run(flags: MasterFlags) -> Result<(), MasterError> {
    let master = start(flags)?;
    // Tests and scripts wait for this line.
    crate::host::serve_until_signal(|| eprintln!("modkit master listening on {}", master.addr()))
        .map_err(|e| MasterError::Runtime(e.to_string()))?;
    master.stop();
    Ok(())
}
