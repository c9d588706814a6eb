//! `modkit allocate --scenario FILE`: drives one allocator module on a virtual clock, playing the
//! frameworks' part (accepting, declining) itself.

use super::{read_ops, sorter::line, ScenarioError};
use modkit_ffi::resources::{Attributes, Resources};
use modkit_ffi::sdk::{Allocator, QuantityBuf};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Mesos's default `refuse_seconds` for a decline without filters.
const DEFAULT_REFUSE_SECONDS: f64 = 5.0;

/// One operation of an allocator scenario.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum Op {
    AddAgent {
        agent: String,
        resources: String,
        #[serde(default)]
        attributes: String,
    },
    RemoveAgent {
        agent: String,
    },
    AddFramework {
        framework: String,
        roles: Vec<String>,
    },
    RemoveFramework {
        framework: String,
    },
    SetWeight {
        role: String,
        weight: f64,
    },
    SetQuota {
        role: String,
        #[serde(default)]
        guarantee: String,
        #[serde(default)]
        limit: Option<String>,
    },
    /// Gives back offered resources (all of them when `resources` is absent) with a filter.
    Decline {
        framework: String,
        agent: String,
        #[serde(default)]
        resources: Option<String>,
        #[serde(default)]
        refuse_seconds: Option<f64>,
    },
    /// Gives back offered or launched resources without a filter (a task finished).
    Recover {
        framework: String,
        agent: String,
        #[serde(default)]
        resources: Option<String>,
    },
    /// Accepts part of the framework's offers on an agent; the rest is declined.
    Launch {
        framework: String,
        agent: String,
        resources: String,
        #[serde(default)]
        refuse_seconds: Option<f64>,
    },
    Suppress {
        framework: String,
    },
    Revive {
        framework: String,
    },
    Advance {
        seconds: f64,
    },
    Allocate,
}

/// Resources held by frameworks: offered and not answered yet, or launched.
#[derive(Default)]
struct Ledger {
    now: f64,
    /// (framework, agent) → role → resources.
    offered: BTreeMap<(String, String), BTreeMap<String, Resources>>,
    launched: BTreeMap<(String, String), BTreeMap<String, Resources>>,
}

fn parse(text: &str) -> Result<Resources, String> {
    Resources::parse(text).map_err(|e| e.to_string())
}

/// Takes `wanted` out of `held` role by role; returns what each role gave.
fn take(
    held: &mut BTreeMap<String, Resources>,
    wanted: &Resources,
) -> Result<Vec<(String, Resources)>, String> {
    let mut left = wanted.clone();
    let mut taken = Vec::new();
    for (role, have) in held.iter_mut() {
        if left.is_empty() {
            break;
        }
        // The part of what is still wanted that this role holds.
        let mut part = Resources::default();
        for r in left.iter() {
            let single =
                Resources::from_resources(std::iter::once(r.clone())).map_err(|e| e.to_string())?;
            if have.contains(&single) {
                part += single;
            }
        }
        if !part.is_empty() {
            *have -= part.clone();
            left -= part.clone();
            taken.push((role.clone(), part));
        }
    }
    held.retain(|_, r| !r.is_empty());
    if left.is_empty() {
        Ok(taken)
    } else {
        Err(format!(
            "resources '{left}' are not held by this framework on this agent"
        ))
    }
}

/// Runs the scenario, writing one line per `allocate` to `out`.
pub fn run_allocate(
    allocator: &mut dyn Allocator,
    scenario: &Path,
    out: &mut dyn Write,
) -> Result<(), ScenarioError> {
    let mut ledger = Ledger::default();
    let file = scenario.display().to_string();
    for (index, (raw, op)) in read_ops::<Op>(scenario)?.into_iter().enumerate() {
        let fail = |reason: String| ScenarioError::Op {
            file: file.clone(),
            index: index + 1,
            op: raw.to_string(),
            reason,
        };
        apply(allocator, &mut ledger, op, out).map_err(fail)?;
    }
    Ok(())
}

fn give_back(
    allocator: &mut dyn Allocator,
    framework: &str,
    agent: &str,
    parts: Vec<(String, Resources)>,
    refuse_seconds: f64,
) -> Result<(), String> {
    for (role, resources) in parts {
        if !resources.is_empty() {
            allocator
                .recover_resources(framework, agent, &role, &resources, refuse_seconds)
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn apply(
    allocator: &mut dyn Allocator,
    ledger: &mut Ledger,
    op: Op,
    out: &mut dyn Write,
) -> Result<(), String> {
    let e = |e: modkit_ffi::sdk::ModuleError| e.to_string();
    match op {
        Op::AddAgent {
            agent,
            resources,
            attributes,
        } => {
            let attributes = Attributes::parse(&attributes).map_err(|e| e.to_string())?;
            allocator
                .add_agent(&agent, &parse(&resources)?, &attributes)
                .map_err(e)?;
        }
        Op::RemoveAgent { agent } => {
            allocator.remove_agent(&agent).map_err(e)?;
            ledger.offered.retain(|(_, a), _| *a != agent);
            ledger.launched.retain(|(_, a), _| *a != agent);
        }
        Op::AddFramework { framework, roles } => {
            let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
            allocator
                .add_framework(&framework, &roles, true)
                .map_err(e)?;
        }
        Op::RemoveFramework { framework } => {
            allocator.remove_framework(&framework).map_err(e)?;
            ledger.offered.retain(|(f, _), _| *f != framework);
            ledger.launched.retain(|(f, _), _| *f != framework);
        }
        Op::SetWeight { role, weight } => {
            let weights = QuantityBuf::from_pairs([(role.as_str(), weight)]).map_err(e)?;
            allocator.update_weights(weights.view()).map_err(e)?;
        }
        Op::SetQuota {
            role,
            guarantee,
            limit,
        } => {
            let limit = limit.as_deref().map(parse).transpose()?;
            allocator
                .update_quota(&role, &parse(&guarantee)?, limit.as_ref())
                .map_err(e)?;
        }
        Op::Decline {
            framework,
            agent,
            resources,
            refuse_seconds,
        } => {
            let key = (framework.clone(), agent.clone());
            let held = ledger.offered.entry(key.clone()).or_default();
            let parts = match resources {
                Some(text) => take(held, &parse(&text)?)?,
                None => std::mem::take(held).into_iter().collect(),
            };
            ledger.offered.retain(|_, h| !h.is_empty());
            give_back(
                allocator,
                &framework,
                &agent,
                parts,
                refuse_seconds.unwrap_or(DEFAULT_REFUSE_SECONDS),
            )?;
        }
        Op::Recover {
            framework,
            agent,
            resources,
        } => {
            let key = (framework.clone(), agent.clone());
            let parts = match resources {
                Some(text) => {
                    let wanted = parse(&text)?;
                    let launched = ledger.launched.entry(key.clone()).or_default();
                    match take(launched, &wanted) {
                        Ok(parts) => parts,
                        Err(_) => take(ledger.offered.entry(key.clone()).or_default(), &wanted)?,
                    }
                }
                None => {
                    let mut parts: Vec<_> = ledger
                        .launched
                        .remove(&key)
                        .unwrap_or_default()
                        .into_iter()
                        .collect();
                    parts.extend(ledger.offered.remove(&key).unwrap_or_default());
                    parts
                }
            };
            ledger.offered.retain(|_, h| !h.is_empty());
            ledger.launched.retain(|_, h| !h.is_empty());
            give_back(allocator, &framework, &agent, parts, 0.0)?;
        }
        Op::Launch {
            framework,
            agent,
            resources,
            refuse_seconds,
        } => {
            let key = (framework.clone(), agent.clone());
            let held = ledger.offered.entry(key.clone()).or_default();
            let used = take(held, &parse(&resources)?)?;
            let rest: Vec<_> = std::mem::take(held).into_iter().collect();
            ledger.offered.remove(&key);
            let launched = ledger.launched.entry(key).or_default();
            for (role, r) in used {
                *launched.entry(role).or_default() += r;
            }
            give_back(
                allocator,
                &framework,
                &agent,
                rest,
                refuse_seconds.unwrap_or(DEFAULT_REFUSE_SECONDS),
            )?;
        }
        Op::Suppress { framework } => allocator.suppress(&framework, &[]).map_err(e)?,
        Op::Revive { framework } => allocator.revive(&framework, &[]).map_err(e)?,
        Op::Advance { seconds } => {
            if !(seconds.is_finite() && seconds >= 0.0) {
                return Err(format!("seconds {seconds} must be a non-negative number"));
            }
            ledger.now += seconds;
        }
        Op::Allocate => {
            let mut offers: Vec<(String, String, String, Resources)> = Vec::new();
            allocator
                .allocate(ledger.now, &mut |o| {
                    offers.push((
                        o.framework.into(),
                        o.agent.into(),
                        o.role.into(),
                        o.resources.clone(),
                    ));
                    Ok(())
                })
                .map_err(e)?;
            offers.sort_by(|a, b| (&a.1, &a.0, &a.2).cmp(&(&b.1, &b.0, &b.2)));
            let mut printed = Vec::with_capacity(offers.len());
            for (framework, agent, role, resources) in offers {
                printed.push(serde_json::json!({
                    "framework": framework, "agent": agent, "role": role, "resources": resources.to_string(),
                }));
                *ledger
                    .offered
                    .entry((framework, agent))
                    .or_default()
                    .entry(role)
                    .or_default() += resources;
            }
            line(out, &serde_json::json!({ "offers": printed }))?;
        }
    }
    Ok(())
}
