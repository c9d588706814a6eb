//! Cost of one sorter-style call through the C ABI against the same call on the Rust trait
//! object. Prints ns/call for both, the overhead and the ratio; the target is ≤ 5 ns overhead.
//!
//! Run: `cargo bench --bench abi_call`

use modkit_ffi::host::{ForeignFactory, HostServices};
use modkit_ffi::sdk::{
    native, Create, Host, Instance, ModuleFactory, Parameters, Quantities, QuantityBuf, Result,
    Sorter,
};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

/// A sorter that does almost nothing, so the call itself is what is measured.
#[derive(Default)]
struct BenchSorter {
    allocated: f64,
    clients: usize,
}

impl Create for BenchSorter {
    fn create(_host: &Host, _params: &Parameters) -> Result<Self> {
        Ok(BenchSorter::default())
    }
}

impl Sorter for BenchSorter {
    fn add_client(&mut self, _client: &str) -> Result<()> {
        self.clients += 1;
        Ok(())
    }
    fn remove_client(&mut self, _client: &str) -> Result<()> {
        Ok(())
    }
    fn activate(&mut self, _client: &str) -> Result<()> {
        Ok(())
    }
    fn deactivate(&mut self, _client: &str) -> Result<()> {
        Ok(())
    }
    fn update_weight(&mut self, _path: &str, _weight: f64) -> Result<()> {
        Ok(())
    }
    fn add_agent(&mut self, _agent: &str, _total: Quantities<'_>) -> Result<()> {
        Ok(())
    }
    fn remove_agent(&mut self, _agent: &str) -> Result<()> {
        Ok(())
    }
    fn allocated(&mut self, client: &str, _agent: &str, resources: Quantities<'_>) -> Result<()> {
        self.allocated += resources.iter().map(|(_, v)| v).sum::<f64>() + client.len() as f64;
        Ok(())
    }
    fn update(&mut self, _c: &str, _a: &str, _o: Quantities<'_>, _n: Quantities<'_>) -> Result<()> {
        Ok(())
    }
    fn unallocated(&mut self, _c: &str, _a: &str, _r: Quantities<'_>) -> Result<()> {
        Ok(())
    }
    fn allocation(&mut self, _client: &str) -> Result<Vec<(String, f64)>> {
        Ok(Vec::new())
    }
    fn sort(&mut self, _out: &mut dyn FnMut(&str) -> bool) -> Result<()> {
        Ok(())
    }
    fn contains(&mut self, client: &str) -> Result<bool> {
        Ok(client.len() == self.clients)
    }
    fn count(&mut self) -> Result<usize> {
        Ok(self.clients)
    }
}

modkit_ffi::export_module!(bench_Sorter: Sorter = BenchSorter {
    author: "modkit benchmarks",
    email: "",
    description: "Does nearly nothing, to time the call",
});

fn sorter(factory: &dyn ModuleFactory, host: &Host) -> Box<dyn Sorter> {
    match factory.create(host, &Parameters::default()) {
        Ok(Instance::Sorter(s)) => s,
        other => panic!("bench sorter: {other:?}"),
    }
}

/// Median ns per call over `rounds` rounds of `iters` calls.
fn time(rounds: usize, iters: usize, mut f: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iters {
                f();
            }
            start.elapsed().as_nanos() as f64 / iters as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let host = HostServices::leak(env!("CARGO_PKG_VERSION"), "bench", "", &BTreeMap::new()).host();
    let mut direct = sorter(&*native::<BenchSorter>(), &host);
    // SAFETY: the descriptor is a static of this binary, alive for the whole run.
    let foreign_factory =
        unsafe { ForeignFactory::new("bench_Sorter", "in-process", &bench_Sorter.0) };
    let mut through_abi = sorter(&foreign_factory, &host);

    let quantities = QuantityBuf::from_pairs([("cpus", 16.0), ("mem", 2014.0), ("disk", 1024.0)])
        .expect("finite");
    let iters = std::env::var("MODKIT_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let rounds = 31;

    println!("modkit ABI call overhead (median of {rounds} rounds x {iters} calls)");
    println!(
        "{:<28} {:>12} {:>12} {:>12} {:>8}",
        "call", "trait ns", "C ABI ns", "overhead ns", "ratio"
    );
    let report = |name: &str, d: f64, f: f64| {
        println!(
            "{name:<28} {d:>12.2} {f:>12.2} {:>12.2} {:>8.2}",
            f - d,
            f / d
        );
    };
    let d = time(rounds, iters, || {
        black_box(direct.contains(black_box("client-0001")).ok());
    });
    let f = time(rounds, iters, || {
        black_box(through_abi.contains(black_box("client-0001")).ok());
    });
    report("contains(client)", d, f);
    let d = time(rounds, iters, || {
        black_box(
            direct
                .allocated(
                    black_box("client-0001"),
                    black_box("agent-01"),
                    quantities.view(),
                )
                .ok(),
        );
    });
    let f = time(rounds, iters, || {
        black_box(
            through_abi
                .allocated(
                    black_box("client-0001"),
                    black_box("agent-01"),
                    quantities.view(),
                )
                .ok(),
        );
    });
    report("allocated(client,agent,3q)", d, f);
    println!("target: overhead <= 5 ns per call");
}
