//! Mesos's allocator benchmarks at full size, timed from outside the allocator. Ignored by
//! default; run with `cargo test --release -p modkit-allocators hierarchical::tests::bench --
//! --ignored --nocapture`.

use super::{r, Sim};
use modkit_ffi::resources::Attributes;
use modkit_ffi::sdk::Allocator;
use std::time::Instant;

fn ports() -> String {
    let ranges: Vec<String> = (0..16)
        .map(|i| {
            let p = 31000 + i * 60;
            format!("{p}-{p}")
        })
        .collect();
    format!("ports:[{}]", ranges.join(","))
}

#[test]
#[ignore]
fn decline_offers() {
    let (agents, frameworks) = (10_000, 1_000);
    let mut s = Sim::new();
    let names: Vec<String> = (0..frameworks).map(|i| format!("framework-{i}")).collect();
    for f in &names {
        s.framework(f, &["*"]);
    }
    let total = r("cpus:24;mem:4096;disk:4096;ports:[31000-32000]");
    let used = r(&format!("cpus:16;mem:2014;disk:1024;{}", ports()));
    let attributes = Attributes::new();
    let start = Instant::now();
    for i in 0..agents {
        let agent = format!("agent-{i}");
        s.a.add_agent(&agent, &total, &attributes).expect("agent");
        s.a.add_used(&agent, &names[i % frameworks], "*", &used)
            .expect("used");
    }
    println!("add {agents} agents: {:?}", start.elapsed());
    // MODKIT_BENCH_ROUNDS shortens the run (for profiling).
    let max_rounds: usize = std::env::var("MODKIT_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let mut rounds = 0;
    let mut offers_total = 0;
    let all = Instant::now();
    while rounds < max_rounds {
        let start = Instant::now();
        let mut offers = Vec::new();
        s.a.allocate(rounds as f64, &mut |o| {
            offers.push((
                o.framework.to_string(),
                o.agent.to_string(),
                o.role.to_string(),
                o.resources.clone(),
            ));
            Ok(())
        })
        .expect("allocate");
        let took = start.elapsed();
        if rounds < 3 || rounds % 100 == 0 {
            println!("round {rounds}: {} offers in {took:?}", offers.len());
        }
        rounds += 1;
        offers_total += offers.len();
        // The last round's offers need no answer.
        if offers.is_empty() || rounds == max_rounds {
            break;
        }
        for (f, a, role, res) in &offers {
            s.a.recover_resources(f, a, role, res, f64::INFINITY)
                .expect("decline");
        }
    }
    println!(
        "{rounds} rounds, {offers_total} offers: {:?}",
        all.elapsed()
    );
}

#[test]
#[ignore]
fn large_and_small_quota() {
    let mut s = Sim::new();
    let setup = Instant::now();
    let total = r("cpus:2;mem:2048;disk:2048");
    for i in 0..3_000 {
        s.a.add_agent(&format!("agent-{i}"), &total, &Attributes::new())
            .expect("agent");
    }
    let small = "cpus:1;mem:1024;disk:1024";
    let large = "cpus:4;mem:4096;disk:4096";
    for i in 0..3_000 {
        let role = format!("role-{i}");
        let q = if i < 2_500 { small } else { large };
        s.quota(&role, q, Some(q));
        s.framework(&format!("framework-{i}"), &[role.as_str()]);
    }
    println!(
        "setup (3,000 framework sorters of 3,000 agents): {:?}",
        setup.elapsed()
    );
    let start = Instant::now();
    let mut offers = 0;
    s.a.allocate(0.0, &mut |_| {
        offers += 1;
        Ok(())
    })
    .expect("allocate");
    println!("one cycle, {offers} offers: {:?}", start.elapsed());
}

#[test]
#[ignore]
fn sorter_floor() {
    use crate::sorter::{DrfSorter, SorterConfig};
    use modkit_ffi::sdk::{QuantityBuf, Sorter};
    let mut s = DrfSorter::new(SorterConfig::default());
    let total = r("cpus:24;mem:4096;disk:4096");
    let q = QuantityBuf::from_resources(&total);
    for i in 0..10_000 {
        s.add_agent(&format!("agent-{i}"), q.view()).expect("agent");
    }
    let names: Vec<String> = (0..1000).map(|i| format!("framework-{i}")).collect();
    for n in &names {
        s.add_client(n).expect("client");
        s.activate(n).expect("activate");
    }
    let used = r("cpus:8;mem:2082;disk:3072");
    let u = QuantityBuf::from_resources(&used);
    let mut n = 0usize;
    s.sort(&mut |_| {
        n += 1;
        true
    })
    .expect("sort");
    let start = Instant::now();
    let mut first = String::new();
    for i in 0..10_000 {
        let mut seen = false;
        s.sort(&mut |name| {
            if !seen {
                seen = true;
                first.clear();
                first.push_str(name);
            }
            false
        })
        .expect("sort");
        s.allocated(&first, &format!("agent-{i}"), u.view())
            .expect("allocated");
    }
    println!("10k sorts of 1000 + allocated: {:?}", start.elapsed());
}
