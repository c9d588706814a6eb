//! `modkit bench`: the Mesos allocator and sorter benchmark setups, timed by the host (modules
//! never read a clock), printed with the published Mesos figure and the ratio to it.

mod allocator;
pub mod disk;
mod launch;
pub mod master;
pub mod ports;
pub mod simulate;
mod sorter;

pub use allocator::{run_allocator_benchmarks, AllocatorBenchOptions, AllocatorBenchmark};
pub use disk::{run_disk_benchmark, DiskBenchArgs};
pub use launch::{
    run_launch_benchmark, Latency, LaunchBenchError, LaunchBenchOptions, LaunchReport,
};
pub use ports::{run_ports_benchmark, PortsBenchArgs};
pub use sorter::{run_sorter_benchmarks, SorterBenchOptions};

use std::time::{Duration, Instant};

/// One measured figure beside its reference.
pub struct Figure {
    pub name: String,
    pub measured: Duration,
    /// The published Mesos figure, when there is one.
    pub mesos: Option<Duration>,
    /// What modkit aims for.
    pub target: Option<Duration>,
}

impl Figure {
    pub fn row(&self) -> Vec<String> {
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
        vec![
            self.name.clone(),
            ms(self.measured),
            self.mesos.map(ms).unwrap_or_else(|| "-".into()),
            self.mesos
                .map(|m| {
                    format!(
                        "{:.1}x faster",
                        m.as_secs_f64() / self.measured.as_secs_f64().max(1e-9)
                    )
                })
                .unwrap_or_else(|| "-".into()),
            self.target
                .map(|t| {
                    format!(
                        "<= {} ({})",
                        ms(t),
                        if self.measured <= t { "met" } else { "missed" }
                    )
                })
                .unwrap_or_else(|| "-".into()),
        ]
    }
}

/// Times `f`.
pub fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

pub const HEADER: [&str; 5] = ["BENCHMARK", "MODKIT", "MESOS", "RATIO", "TARGET"];
