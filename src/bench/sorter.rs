//! Mesos's sorter FullSort benchmark: 50,000 agents, 1,000 clients, allocations on every agent
//! round robin, a full sort, a no-op sort, then unallocating everything.

use super::{time, Figure};
use modkit_ffi::sdk::{ModuleError, QuantityBuf, Sorter};
use std::time::Duration;

pub struct SorterBenchOptions {
    pub agents: usize,
    pub clients: usize,
}

impl Default for SorterBenchOptions {
    fn default() -> Self {
        SorterBenchOptions {
            agents: 50_000,
            clients: 1_000,
        }
    }
}

/// Runs FullSort on `sorter`; `label` names the variant (built-in, through the C ABI).
pub fn run_sorter_benchmarks(
    sorter: &mut dyn Sorter,
    label: &str,
    options: &SorterBenchOptions,
) -> Result<Vec<Figure>, ModuleError> {
    let agent_names: Vec<String> = (0..options.agents).map(|i| format!("agent-{i}")).collect();
    let client_names: Vec<String> = (0..options.clients)
        .map(|i| format!("framework-{i}"))
        .collect();
    let total = QuantityBuf::from_pairs([("cpus", 24.0), ("mem", 4096.0), ("disk", 4096.0)])?;
    // Port fragments are ranges, not quantities: sorters never see them.
    let allocation = QuantityBuf::from_pairs([("cpus", 16.0), ("mem", 2014.0), ("disk", 1024.0)])?;
    for client in &client_names {
        sorter.add_client(client)?;
        sorter.activate(client)?;
    }
    let (r, added_agents) = time(|| -> Result<(), ModuleError> {
        for agent in &agent_names {
            sorter.add_agent(agent, total.view())?;
        }
        Ok(())
    });
    r?;
    let owner = |i: usize| &client_names[i % client_names.len()];
    let (r, allocated) = time(|| -> Result<(), ModuleError> {
        for (i, agent) in agent_names.iter().enumerate() {
            sorter.allocated(owner(i), agent, allocation.view())?;
        }
        Ok(())
    });
    r?;
    let mut listed = 0usize;
    let (r, full_sort) = time(|| {
        sorter.sort(&mut |_| {
            listed += 1;
            true
        })
    });
    r?;
    let (r, noop_sort) = time(|| sorter.sort(&mut |_| true));
    r?;
    let (r, unallocated) = time(|| -> Result<(), ModuleError> {
        for (i, agent) in agent_names.iter().enumerate() {
            sorter.unallocated(owner(i), agent, allocation.view())?;
        }
        Ok(())
    });
    r?;
    if listed != client_names.len() {
        return Err(ModuleError::failed(format!(
            "sort listed {listed} of {} clients",
            client_names.len()
        )));
    }
    let full = options.agents == 50_000 && options.clients == 1_000;
    let mesos = |ms: u64| full.then(|| Duration::from_millis(ms));
    let target = |ms: u64| full.then(|| Duration::from_millis(ms));
    let n = format!("{} agents, {} clients", options.agents, options.clients);
    Ok(vec![
        Figure {
            name: format!("FullSort/{label}: add {n}"),
            measured: added_agents,
            mesos: None,
            target: None,
        },
        Figure {
            name: format!("FullSort/{label}: allocated on every agent"),
            measured: allocated,
            mesos: mesos(94),
            target: target(20),
        },
        Figure {
            name: format!("FullSort/{label}: full sort"),
            measured: full_sort,
            mesos: None,
            target: None,
        },
        Figure {
            name: format!("FullSort/{label}: no-op sort"),
            measured: noop_sort,
            mesos: None,
            target: None,
        },
        Figure {
            name: format!("FullSort/{label}: unallocated everything"),
            measured: unallocated,
            mesos: mesos(5_400),
            target: target(50),
        },
    ])
}
