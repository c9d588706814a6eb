//! Starting a real `modkit agent` process the way every agent-driving test does.

use super::wait::ready_line;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Resources an agent offers unless a test names `--resources`.
pub const AGENT_RESOURCES: &str = "cpus:2;mem:1024;disk:1024";

/// Starts `modkit agent` on a free loopback port with its own work dir and cgroup root (and
/// [`AGENT_RESOURCES`] unless `extra` names `--resources`), and waits until it listens.
/// Returns the child and its `HOST:PORT`; the error says why it did not start, with its log.
pub fn start_agent(
    work_dir: &Path,
    cgroups_root: &str,
    isolation: &str,
    extra: &[&str],
) -> Result<(Child, String), String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_modkit"))
        .arg("agent")
        .arg("--work_dir")
        .arg(work_dir)
        .args(["--port", "0", "--cgroups_root", cgroups_root])
        .args(["--isolation", isolation])
        .args(if extra.contains(&"--resources") {
            &[][..]
        } else {
            &["--resources", AGENT_RESOURCES][..]
        })
        .args(extra)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("spawn agent: {e}"))?;
    let stderr = child.stderr.take().expect("piped stderr");
    match ready_line(stderr, "modkit agent listening on ", "agent") {
        Ok(address) => Ok((child, address)),
        Err(log) => {
            let status = child.wait().map_err(|e| e.to_string())?;
            Err(format!("agent exited ({status}) before listening:\n{log}"))
        }
    }
}
