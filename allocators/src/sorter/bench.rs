//! Issue 3's FullSort set-up as an ignored test, to check the targets in release:
//! `cargo test --release -p modkit-allocators full_sort -- --ignored --nocapture`.

use super::testing::q;
use super::{DrfSorter, SorterConfig};
use modkit_ffi::sdk::Sorter;
use std::time::Instant;

#[test]
#[ignore = "timing; run in release"]
fn full_sort_timings() {
    let (agents, clients) = (50_000, 1_000);
    let agent_ids: Vec<String> = (0..agents).map(|i| format!("agent-{i}")).collect();
    let client_ids: Vec<String> = (0..clients).map(|i| format!("framework-{i}")).collect();
    let total = q("cpus:24;mem:4096;disk:4096");
    let used = q("cpus:16;mem:2014;disk:1024");
    let mut s = DrfSorter::new(SorterConfig::default());
    for a in &agent_ids {
        s.add_agent(a, total.view()).unwrap();
    }
    for c in &client_ids {
        s.add_client(c).unwrap();
        s.activate(c).unwrap();
    }
    let mut listed = 0;
    s.sort(&mut |_| listed += 1).unwrap();

    let start = Instant::now();
    for (i, a) in agent_ids.iter().enumerate() {
        s.allocated(&client_ids[i % clients], a, used.view())
            .unwrap();
    }
    let allocate = start.elapsed();

    let start = Instant::now();
    s.sort(&mut |_| listed += 1).unwrap();
    let full = start.elapsed();
    let start = Instant::now();
    s.sort(&mut |_| listed += 1).unwrap();
    let noop = start.elapsed();

    let start = Instant::now();
    for (i, a) in agent_ids.iter().enumerate() {
        s.unallocated(&client_ids[i % clients], a, used.view())
            .unwrap();
    }
    let unallocate = start.elapsed();
    s.sort(&mut |_| listed += 1).unwrap();

    // The allocator's pattern: one allocation, then a sort that reads only the first client.
    let start = Instant::now();
    for a in agent_ids.iter().take(10_000) {
        let mut first = None;
        s.sort(&mut |c| {
            if first.is_none() {
                first = Some(c.to_string());
            }
        })
        .unwrap();
        let first = first.expect("clients are active");
        s.allocated(&first, a, used.view()).unwrap();
    }
    let interleaved = start.elapsed();

    println!(
        "10,000 × (sort + allocate to the first): {interleaved:?} ({:?} each)",
        interleaved / 10_000
    );
    println!(
        "FullSort ({agents} agents, {clients} clients): allocate {allocate:?} (target 20 ms, Mesos \
         94 ms), full sort {full:?}, no-op sort {noop:?}, unallocate {unallocate:?} (target 50 ms, \
         Mesos 5.4 s)"
    );
    assert_eq!(listed, 4 * clients);
    if !cfg!(debug_assertions) {
        assert!(allocate.as_millis() <= 20, "{allocate:?}");
        assert!(unallocate.as_millis() <= 50, "{unallocate:?}");
    }
}
