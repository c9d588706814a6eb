//! `modkit bench disk`: disk/du's in-process walk of a large sandbox against `du -s` (what
//! Mesos forks every watch interval) on the same tree.

use super::{time, Figure};
use clap::Args;
use modkit_isolators::disk::{disk_usage, WalkError, Walker};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The target: the walk at least twice as fast as `du -s`.
pub const TARGET_RATIO: f64 = 2.0;

#[derive(Args, Debug, Clone)]
pub struct DiskBenchArgs {
    /// Files in the tree (in directories of 100).
    #[arg(long = "files", env = "MODKIT_FILES", default_value_t = 100_000)]
    pub files: usize,
    /// Timed runs of each (the median is reported), after one warm-up run each.
    #[arg(long = "runs", env = "MODKIT_RUNS", default_value_t = 5)]
    pub runs: usize,
    /// Where the tree is built (a fresh directory inside it, removed afterwards).
    #[arg(long = "dir", env = "MODKIT_DIR", default_value_os_t = std::env::temp_dir())]
    pub dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum DiskBenchError {
    #[error("cannot build the tree under {}: {source}", path.display())]
    Build {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Walk(#[from] WalkError),
    #[error("du -s -k {}: {reason}", path.display())]
    Du { path: PathBuf, reason: String },
}

pub struct DiskReport {
    pub files: usize,
    pub build: Duration,
    /// Median of the runs (the walker as the isolator runs it, on up to 4 threads).
    pub walk: Duration,
    /// Median of the same walk on one thread.
    pub walk_one_thread: Duration,
    pub du: Duration,
    pub walk_kib: u64,
    pub du_kib: u64,
}

impl DiskReport {
    pub fn ratio(&self) -> f64 {
        self.du.as_secs_f64() / self.walk.as_secs_f64().max(1e-9)
    }

    pub fn figure(&self) -> Figure {
        Figure {
            name: format!("disk/du walk of {} files (vs du -s)", self.files),
            measured: self.walk,
            mesos: Some(self.du),
            target: None,
        }
    }
}

/// Removes the tree, also when the benchmark fails half way.
struct Tree(PathBuf);

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// 100 files per directory, 100 directories per group; every tenth file holds 1000 bytes so
/// the sizes are not all zero.
fn build(root: &Path, files: usize) -> std::io::Result<()> {
    let payload = [b'x'; 1000];
    for n in 0..files {
        let dir = root
            .join(format!("g{}", n / 10_000))
            .join(format!("d{}", n / 100 % 100));
        if n % 100 == 0 {
            std::fs::create_dir_all(&dir)?;
        }
        let content: &[u8] = if n % 10 == 0 { &payload } else { &[] };
        std::fs::write(dir.join(format!("f{n}")), content)?;
    }
    Ok(())
}

fn du_s(path: &Path) -> Result<u64, DiskBenchError> {
    let error = |reason: String| DiskBenchError::Du {
        path: path.to_path_buf(),
        reason,
    };
    let out = Command::new("du")
        .args(["-s", "-k"])
        .arg(path)
        .output()
        .map_err(|e| error(e.to_string()))?;
    if !out.status.success() {
        return Err(error(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| error("no size in its output".into()))
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort_unstable();
    runs.get(runs.len() / 2).copied().unwrap_or_default()
}

pub fn run_disk_benchmark(args: &DiskBenchArgs) -> Result<DiskReport, DiskBenchError> {
    let root = args
        .dir
        .join(format!("modkit-bench-disk-{}", std::process::id()));
    let tree = Tree(root.clone());
    let build_error = |source| DiskBenchError::Build {
        path: root.clone(),
        source,
    };
    std::fs::create_dir_all(&tree.0).map_err(build_error)?;
    let (built, build_time) = time(|| build(&tree.0, args.files));
    built.map_err(build_error)?;
    // Warm the dentry and inode caches for both.
    let walk_kib = disk_usage(&tree.0)?.bytes.div_ceil(1024);
    let du_kib = du_s(&tree.0)?;
    let one_thread = Walker::default().with_threads(1);
    let (mut walks, mut ones, mut dus) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..args.runs.max(1) {
        let (walked, t) = time(|| disk_usage(&tree.0));
        walked?;
        walks.push(t);
        let (walked, t) = time(|| one_thread.measure(&tree.0));
        walked?;
        ones.push(t);
        let (counted, t) = time(|| du_s(&tree.0));
        counted?;
        dus.push(t);
    }
    Ok(DiskReport {
        files: args.files,
        build: build_time,
        walk: median(walks),
        walk_one_thread: median(ones),
        du: median(dus),
        walk_kib,
        du_kib,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_tree_measures_like_du() {
        let dir = tempfile::tempdir().unwrap();
        let args = DiskBenchArgs {
            files: 350,
            runs: 1,
            dir: dir.path().to_path_buf(),
        };
        let report = match run_disk_benchmark(&args) {
            Err(DiskBenchError::Du { reason, .. }) if reason.contains("No such file") => {
                eprintln!("skipping: no du here");
                return;
            }
            other => other.unwrap(),
        };
        assert_eq!(report.walk_kib, report.du_kib);
        assert!(report.walk_kib > 0);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "tree left"
        );
    }
}
