//! `modkit bench launch`: launch → exit of `/bin/true` under cgroups/cpu,mem,pids and a pid
//! namespace, side by side with `runc run` of an equivalent bundle in the same run.

use modkit_containerizers::native::{ContainerRequest, NativeContainerizer};
use modkit_ffi::types::{CommandInfo, TaskState};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct LaunchBenchOptions {
    pub runs: usize,
    /// Where runc's bundle is built.
    pub work_dir: PathBuf,
    /// The runc binary; `None` skips the comparison (with the reason printed).
    pub runc: Option<PathBuf>,
    /// A static busybox for runc's rootfs.
    pub busybox: Option<PathBuf>,
}

/// Median and tail of a set of samples.
#[derive(Clone, Copy, Debug)]
pub struct Latency {
    pub median: Duration,
    pub p99: Duration,
}

impl Latency {
    pub fn of(mut samples: Vec<Duration>) -> Option<Latency> {
        if samples.is_empty() {
            return None;
        }
        samples.sort();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        Some(Latency {
            median: at(0.5),
            p99: at(0.99),
        })
    }
}

#[derive(Debug)]
pub struct LaunchReport {
    pub modkit: Latency,
    pub runc: Result<Latency, String>,
    /// Launches per second with two clients launching at once.
    pub concurrent_rate: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum LaunchBenchError {
    #[error("launch {id}: {message}")]
    Launch { id: String, message: String },
}

fn true_request(id: String) -> ContainerRequest {
    ContainerRequest {
        container_id: id,
        command: CommandInfo::exec("/bin/true", Vec::<String>::new()),
        resources: "cpus:0.5;mem:64;pids:32".parse().unwrap_or_default(),
        ..ContainerRequest::default()
    }
}

/// One launch → exit → destroyed container, timed.
fn launch_once(
    containerizer: &NativeContainerizer,
    id: String,
) -> Result<Duration, LaunchBenchError> {
    let start = Instant::now();
    containerizer
        .launch(true_request(id.clone()))
        .map_err(|e| LaunchBenchError::Launch {
            id: id.clone(),
            message: e.to_string(),
        })?;
    let end = containerizer
        .wait(&id, None)
        .map_err(|e| LaunchBenchError::Launch {
            id: id.clone(),
            message: e.to_string(),
        })?;
    let elapsed = start.elapsed();
    match end {
        Some(t) if t.state == TaskState::Finished => Ok(elapsed),
        other => Err(LaunchBenchError::Launch {
            id,
            message: format!("did not finish: {other:?}"),
        }),
    }
}

pub fn run_launch_benchmark(
    containerizer: Arc<NativeContainerizer>,
    options: &LaunchBenchOptions,
) -> Result<LaunchReport, LaunchBenchError> {
    let tag = std::process::id();
    // Warm up page cache and the cgroup roots.
    for i in 0..5 {
        launch_once(&containerizer, format!("bench-{tag}-warm-{i}"))?;
    }
    let mut samples = Vec::with_capacity(options.runs);
    for i in 0..options.runs {
        samples.push(launch_once(&containerizer, format!("bench-{tag}-{i}"))?);
    }
    let modkit = Latency::of(samples).unwrap_or(Latency {
        median: Duration::ZERO,
        p99: Duration::ZERO,
    });

    let start = Instant::now();
    let per_client = options.runs / 2;
    let clients: Vec<_> = (0..2)
        .map(|client| {
            let containerizer = containerizer.clone();
            std::thread::spawn(move || -> Result<(), LaunchBenchError> {
                for i in 0..per_client {
                    launch_once(&containerizer, format!("bench-{tag}-c{client}-{i}"))?;
                }
                Ok(())
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap_or(Ok(()))?;
    }
    let concurrent_rate = (2 * per_client) as f64 / start.elapsed().as_secs_f64().max(1e-9);

    let runc = match (&options.runc, &options.busybox) {
        (Some(runc), Some(busybox)) => runc_latency(runc, busybox, &options.work_dir, options.runs),
        (None, _) => Err("runc not found (scripts/bench installs Debian's runc)".into()),
        (_, None) => Err("no static busybox for runc's rootfs (Debian's busybox-static)".into()),
    };
    Ok(LaunchReport {
        modkit,
        runc,
        concurrent_rate,
    })
}

/// An OCI bundle running `/bin/true` with the same limits and namespaces.
fn runc_bundle(busybox: &Path, work_dir: &Path) -> Result<PathBuf, String> {
    let bundle = work_dir.join("runc-bundle");
    let bin = bundle.join("rootfs/bin");
    std::fs::create_dir_all(&bin).map_err(|e| format!("{}: {e}", bin.display()))?;
    std::fs::create_dir_all(bundle.join("rootfs/proc")).map_err(|e| e.to_string())?;
    std::fs::copy(busybox, bin.join("busybox"))
        .map_err(|e| format!("{}: {e}", busybox.display()))?;
    let link = bin.join("true");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink("busybox", &link).map_err(|e| e.to_string())?;
    let config = json!({
        "ociVersion": "1.0.2",
        "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["/bin/true"],
                    "env": ["PATH=/bin"], "cwd": "/", "noNewPrivileges": true},
        "root": {"path": "rootfs", "readonly": true},
        "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
        "linux": {
            "resources": {"cpu": {"shares": 512}, "memory": {"limit": 64u64 << 20},
                          "pids": {"limit": 32}},
            "namespaces": [{"type": "pid"}, {"type": "mount"}]
        }
    });
    std::fs::write(bundle.join("config.json"), config.to_string()).map_err(|e| e.to_string())?;
    Ok(bundle)
}

fn runc_latency(
    runc: &Path,
    busybox: &Path,
    work_dir: &Path,
    runs: usize,
) -> Result<Latency, String> {
    let bundle = runc_bundle(busybox, work_dir)?;
    let tag = std::process::id();
    let run = |id: String| -> Result<Duration, String> {
        let start = Instant::now();
        let out = Command::new(runc)
            .args(["run", "--bundle"])
            .arg(&bundle)
            .arg(&id)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("{}: {e}", runc.display()))?;
        let elapsed = start.elapsed();
        if !out.status.success() {
            return Err(format!(
                "runc run {id}: {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(elapsed)
    };
    for i in 0..5 {
        run(format!("modkit-bench-{tag}-warm-{i}"))?;
    }
    let samples: Result<Vec<Duration>, String> = (0..runs)
        .map(|i| run(format!("modkit-bench-{tag}-{i}")))
        .collect();
    Latency::of(samples?).ok_or_else(|| "no runs".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_p99() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let l = Latency::of(samples).unwrap();
        assert_eq!(l.median, Duration::from_millis(51));
        assert_eq!(l.p99, Duration::from_millis(99));
        assert!(Latency::of(Vec::new()).is_none());
    }
}
