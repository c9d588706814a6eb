//! `modkit sorter --scenario FILE`: drives one sorter module.

use super::{read_ops, ScenarioError};
use modkit_ffi::resources::Resources;
use modkit_ffi::sdk::{QuantityBuf, Sorter};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

/// One operation of a sorter scenario.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum Op {
    Add {
        client: String,
    },
    Remove {
        client: String,
    },
    Activate {
        client: String,
    },
    Deactivate {
        client: String,
    },
    UpdateWeight {
        client: String,
        weight: f64,
    },
    AddAgent {
        agent: String,
        resources: String,
    },
    RemoveAgent {
        agent: String,
    },
    Allocated {
        client: String,
        agent: String,
        resources: String,
    },
    Unallocated {
        client: String,
        agent: String,
        resources: String,
    },
    Sort,
    Shares,
}

/// What the runner needs besides the sorter.
#[derive(Debug, Default)]
pub struct SorterOptions {
    pub weights: Vec<(String, f64)>,
    /// Left out of the dominant shares `shares` prints (`--fair_sharing_excluded_resource_names`).
    pub excluded: BTreeSet<String>,
}

/// What the runner tracks to print shares: the same DRF formula for any sorter under test.
#[derive(Default)]
struct Book {
    totals: BTreeMap<String, BTreeMap<String, f64>>,
    clients: BTreeSet<String>,
    weights: BTreeMap<String, f64>,
}

impl Book {
    fn total(&self, name: &str) -> f64 {
        self.totals.values().filter_map(|t| t.get(name)).sum()
    }
}

fn resources(text: &str) -> Result<Resources, String> {
    Resources::parse(text).map_err(|e| e.to_string())
}

/// Runs the scenario, writing one line per `sort` and `shares` to `out`.
pub fn run_sorter(
    sorter: &mut dyn Sorter,
    scenario: &Path,
    options: &SorterOptions,
    out: &mut dyn Write,
) -> Result<(), ScenarioError> {
    let mut book = Book::default();
    for (path, weight) in &options.weights {
        sorter
            .update_weight(path, *weight)
            .map_err(|e| ScenarioError::Weight {
                text: format!("{path}={weight}"),
                reason: e.to_string(),
            })?;
        book.weights.insert(path.clone(), *weight);
    }
    let file = scenario.display().to_string();
    for (index, (raw, op)) in read_ops::<Op>(scenario)?.into_iter().enumerate() {
        let fail = |reason: String| ScenarioError::Op {
            file: file.clone(),
            index: index + 1,
            op: raw.to_string(),
            reason,
        };
        apply(sorter, &mut book, options, op, out).map_err(fail)?;
    }
    Ok(())
}

fn apply(
    sorter: &mut dyn Sorter,
    book: &mut Book,
    options: &SorterOptions,
    op: Op,
    out: &mut dyn Write,
) -> Result<(), String> {
    let e = |e: modkit_ffi::sdk::ModuleError| e.to_string();
    match op {
        Op::Add { client } => {
            sorter.add_client(&client).map_err(e)?;
            book.clients.insert(client);
        }
        Op::Remove { client } => {
            sorter.remove_client(&client).map_err(e)?;
            book.clients.remove(&client);
        }
        Op::Activate { client } => sorter.activate(&client).map_err(e)?,
        Op::Deactivate { client } => sorter.deactivate(&client).map_err(e)?,
        Op::UpdateWeight { client, weight } => {
            sorter.update_weight(&client, weight).map_err(e)?;
            book.weights.insert(client, weight);
        }
        Op::AddAgent {
            agent,
            resources: text,
        } => {
            let r = resources(&text)?;
            sorter
                .add_agent(&agent, QuantityBuf::from_resources(&r).view())
                .map_err(e)?;
            book.totals.insert(
                agent,
                r.scalars()
                    .map(|(n, v)| (n.to_string(), v.as_f64()))
                    .collect(),
            );
        }
        Op::RemoveAgent { agent } => {
            sorter.remove_agent(&agent).map_err(e)?;
            book.totals.remove(&agent);
        }
        Op::Allocated {
            client,
            agent,
            resources: text,
        } => {
            let r = resources(&text)?;
            sorter
                .allocated(&client, &agent, QuantityBuf::from_resources(&r).view())
                .map_err(e)?;
        }
        Op::Unallocated {
            client,
            agent,
            resources: text,
        } => {
            let r = resources(&text)?;
            sorter
                .unallocated(&client, &agent, QuantityBuf::from_resources(&r).view())
                .map_err(e)?;
        }
        Op::Sort => {
            let mut order = Vec::new();
            sorter
                .sort(&mut |c| {
                    order.push(c.to_string());
                    true
                })
                .map_err(e)?;
            line(out, &serde_json::json!({ "sort": order }))?;
        }
        Op::Shares => {
            let mut shares = serde_json::Map::new();
            for client in &book.clients {
                let allocation = sorter.allocation(client).map_err(e)?;
                let dominant = allocation
                    .iter()
                    .filter(|(name, _)| !options.excluded.contains(name))
                    .filter_map(|(name, v)| {
                        let total = book.total(name);
                        (total > 0.0).then(|| v / total)
                    })
                    .fold(0.0_f64, f64::max);
                let weight = book.weights.get(client).copied().unwrap_or(1.0);
                shares.insert(client.clone(), serde_json::json!(round(dominant / weight)));
            }
            line(out, &serde_json::json!({ "shares": shares }))?;
        }
    }
    Ok(())
}

/// Six decimals: stable output across platforms' float formatting.
fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

pub(super) fn line(out: &mut dyn Write, value: &serde_json::Value) -> Result<(), String> {
    writeln!(out, "{value}").map_err(|e| format!("writing output: {e}"))
}
