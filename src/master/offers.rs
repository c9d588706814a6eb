//! Offers: made from the allocator's `allocate` (each interval and after changes), sent as
//! OFFERS, rescinded at `--offer_timeout` or when their agent goes, recovered on DECLINE and
//! on what ACCEPT leaves unused.

use super::core::Master;
use super::events;
use super::state::{Offer, State};
use modkit_ffi::resources::Resources;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Instant;

/// How long an agent's resources stay away from a framework that cannot use its gpus.
const GPU_FILTER_SECONDS: f64 = 3600.0;

impl Master {
    /// One batch allocation: asks the allocator for offers and sends them.
    pub fn allocate(&self) {
        let now = self.now();
        let mut st = self.lock();
        st.counters.allocation_runs += 1;
        let mut made: Vec<(String, String, String, Resources)> = Vec::new();
        let result = st.allocator.allocate(now, &mut |o| {
            made.push((
                o.framework.to_string(),
                o.agent.to_string(),
                o.role.to_string(),
                o.resources.clone(),
            ));
            Ok(())
        });
        if let Err(e) = result {
            tracing::error!("allocator '{}': allocate: {e}", self.config.allocator);
        }
        let mut by_framework: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (framework_id, agent_id, role, resources) in made {
            let usable = match (st.frameworks.get(&framework_id), st.agents.get(&agent_id)) {
                (Some(f), Some(a)) if f.connected() => {
                    if a.has_gpus() && !f.gpu_aware() {
                        Some(GPU_FILTER_SECONDS)
                    } else {
                        None
                    }
                }
                _ => Some(0.0),
            };
            if let Some(refuse) = usable {
                if let Err(e) = st.allocator.recover_resources(
                    &framework_id,
                    &agent_id,
                    &role,
                    &resources,
                    refuse,
                ) {
                    tracing::error!("allocator: recover an unusable offer: {e}");
                }
                continue;
            }
            let n = st.next();
            let offer = Offer {
                id: format!("{}-O{n}", self.config.id),
                framework_id: framework_id.clone(),
                agent_id,
                role,
                resources,
                created: Instant::now(),
            };
            by_framework
                .entry(framework_id)
                .or_default()
                .push(offer_json(&st, &offer));
            st.offers.insert(offer.id.clone(), offer);
            st.counters.offers_sent += 1;
        }
        for (framework_id, offers) in by_framework {
            if let Some(stream) = st
                .frameworks
                .get(&framework_id)
                .and_then(|f| f.stream.as_ref())
            {
                stream.send(&events::offers(offers));
            }
        }
    }

    /// Removes an offer and gives its resources back (with a filter of `refuse_seconds`).
    pub fn recover_offer(&self, st: &mut State, offer_id: &str, refuse_seconds: f64) {
        if let Some(offer) = st.offers.remove(offer_id) {
            give_back(st, &offer, refuse_seconds);
        }
    }

    /// Recovers every offer made to `framework_id` (it starts over, goes away or is gone).
    pub fn recover_framework_offers(&self, st: &mut State, framework_id: &str) {
        for offer in offer_ids(st, |o| o.framework_id == framework_id) {
            self.recover_offer(st, &offer, 0.0);
        }
    }

    /// RESCIND: the offer is gone from the framework's point of view too.
    pub fn rescind(&self, st: &mut State, offer_id: &str) {
        if let Some(offer) = withdraw(st, offer_id) {
            give_back(st, &offer, 0.0);
        }
    }

    /// Rescinds the offers on `agent_id` without giving them back: the agent leaves the
    /// allocator (or re-registers afresh) and takes its resources with it.
    pub fn withdraw_agent_offers(&self, st: &mut State, agent_id: &str) {
        for offer in offer_ids(st, |o| o.agent_id == agent_id) {
            withdraw(st, &offer);
        }
    }

    /// Rescinds the offers older than `--offer_timeout`.
    pub fn rescind_expired(&self) {
        let Some(timeout) = self.config.timing.offer_timeout else {
            return;
        };
        let mut st = self.lock();
        let expired = offer_ids(&st, |o| o.created.elapsed() >= timeout);
        for id in &expired {
            self.rescind(&mut st, id);
        }
        drop(st);
        if !expired.is_empty() {
            self.wake.notify_one();
        }
    }
}

/// The ids of the outstanding offers that `keep` selects.
fn offer_ids(st: &State, keep: impl Fn(&Offer) -> bool) -> Vec<String> {
    st.offers
        .values()
        .filter(|o| keep(o))
        .map(|o| o.id.clone())
        .collect()
}

/// Removes an offer and tells its framework (RESCIND); its resources are not given back.
fn withdraw(st: &mut State, offer_id: &str) -> Option<Offer> {
    let offer = st.offers.remove(offer_id)?;
    if let Some(stream) = st
        .frameworks
        .get(&offer.framework_id)
        .and_then(|f| f.stream.as_ref())
    {
        stream.send(&events::rescind(offer_id));
    }
    st.counters.offers_rescinded += 1;
    Some(offer)
}

/// Gives an offer's resources back to the allocator (with a filter of `refuse_seconds`).
fn give_back(st: &mut State, offer: &Offer, refuse_seconds: f64) {
    if let Err(e) = st.allocator.recover_resources(
        &offer.framework_id,
        &offer.agent_id,
        &offer.role,
        &offer.resources,
        refuse_seconds,
    ) {
        tracing::error!(offer = offer.id.as_str(), "allocator: recover: {e}");
    }
}

/// Resources in v1 JSON, each with its `allocation_info.role`.
pub fn allocated_json(resources: &Resources, role: &str) -> Value {
    let mut value = serde_json::to_value(resources).unwrap_or(Value::Array(Vec::new()));
    if let Value::Array(items) = &mut value {
        for item in items {
            if let Value::Object(fields) = item {
                fields.insert("allocation_info".into(), json!({"role": role}));
            }
        }
    }
    value
}

fn offer_json(st: &State, offer: &Offer) -> Value {
    let agent = st.agents.get(&offer.agent_id);
    let mut value = json!({
        "id": {"value": offer.id},
        "framework_id": {"value": offer.framework_id},
        "agent_id": {"value": offer.agent_id},
        "hostname": agent.map(|a| a.info.hostname.clone()).unwrap_or_default(),
        "resources": allocated_json(&offer.resources, &offer.role),
        "allocation_info": {"role": offer.role},
    });
    if let Some(a) = agent {
        if !a.info.attributes.is_empty() {
            value["attributes"] = serde_json::to_value(&a.info.attributes).unwrap_or_default();
        }
        value["url"] = json!({"scheme": "http", "address": {
            "hostname": a.info.hostname, "port": a.info.port_or_default()}, "path": "/agent"});
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_info_on_every_resource() {
        let r: Resources = "cpus:1;mem:64;ports:[31000-31001]".parse().unwrap();
        let v = allocated_json(&r, "web");
        let items = v.as_array().unwrap();
        assert_eq!(items.len(), 3);
        assert!(items.iter().all(|i| i["allocation_info"]["role"] == "web"));
        assert_eq!(items[0]["name"], "cpus");
    }
}
