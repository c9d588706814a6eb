//! An example sorter module written in Rust with the modkit SDK, built as a cdylib and loaded by
//! `--modules` exactly like a C module.
//!
//! `org_example_LeastCpusSorter` orders active clients by the cpus allocated to them (fewest
//! first), ties by name: a deliberately simple policy to show the shape of a sorter module.
//!
//! ```json
//! {"libraries": [{"file": "target/debug/libmodkit_example_rust_module.so",
//!                 "modules": [{"name": "org_example_LeastCpusSorter"}]}]}
//! ```

use modkit_ffi::sdk::{Create, Host, ModuleError, Parameters, Quantities, Result, Sorter};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default)]
pub struct LeastCpusSorter {
    /// Allocated quantities per client, by resource name.
    allocations: BTreeMap<String, BTreeMap<String, f64>>,
    active: BTreeSet<String>,
    /// The resource compared; `cpus` unless the `resource` parameter says otherwise.
    resource: String,
}

impl Create for LeastCpusSorter {
    fn create(_host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&["resource"])?;
        Ok(LeastCpusSorter {
            resource: params.get("resource").unwrap_or("cpus").to_string(),
            ..Default::default()
        })
    }
}

impl LeastCpusSorter {
    fn client(&mut self, client: &str) -> Result<&mut BTreeMap<String, f64>> {
        self.allocations
            .get_mut(client)
            .ok_or_else(|| ModuleError::not_found(format!("client '{client}'")))
    }

    fn add(&mut self, client: &str, resources: Quantities<'_>, sign: f64) -> Result<()> {
        let allocation = self.client(client)?;
        for (name, value) in resources.iter() {
            *allocation.entry(name.to_string()).or_default() += sign * value;
        }
        Ok(())
    }
}

impl Sorter for LeastCpusSorter {
    fn add_client(&mut self, client: &str) -> Result<()> {
        if self.allocations.contains_key(client) {
            return Err(ModuleError::invalid(format!(
                "client '{client}' already added"
            )));
        }
        self.allocations.insert(client.to_string(), BTreeMap::new());
        Ok(())
    }

    fn remove_client(&mut self, client: &str) -> Result<()> {
        self.active.remove(client);
        self.allocations
            .remove(client)
            .map(drop)
            .ok_or_else(|| ModuleError::not_found(format!("client '{client}'")))
    }

    fn activate(&mut self, client: &str) -> Result<()> {
        self.client(client)?;
        self.active.insert(client.to_string());
        Ok(())
    }

    fn deactivate(&mut self, client: &str) -> Result<()> {
        self.client(client)?;
        self.active.remove(client);
        Ok(())
    }

    fn update_weight(&mut self, _path: &str, _weight: f64) -> Result<()> {
        Ok(()) // this policy ignores weights
    }

    fn add_agent(&mut self, _agent: &str, _total: Quantities<'_>) -> Result<()> {
        Ok(()) // totals do not matter: absolute amounts are compared
    }

    fn remove_agent(&mut self, _agent: &str) -> Result<()> {
        Ok(())
    }

    fn allocated(&mut self, client: &str, _agent: &str, resources: Quantities<'_>) -> Result<()> {
        self.add(client, resources, 1.0)
    }

    fn update(
        &mut self,
        client: &str,
        _agent: &str,
        old: Quantities<'_>,
        new: Quantities<'_>,
    ) -> Result<()> {
        self.add(client, old, -1.0)?;
        self.add(client, new, 1.0)
    }

    fn unallocated(&mut self, client: &str, _agent: &str, resources: Quantities<'_>) -> Result<()> {
        self.add(client, resources, -1.0)
    }

    fn allocation(&mut self, client: &str) -> Result<Vec<(String, f64)>> {
        Ok(self
            .client(client)?
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect())
    }

    fn sort(&mut self, out: &mut dyn FnMut(&str) -> bool) -> Result<()> {
        let amount = |c: &String| {
            self.allocations
                .get(c)
                .and_then(|a| a.get(&self.resource))
                .copied()
                .unwrap_or(0.0)
        };
        let mut order: Vec<&String> = self.active.iter().collect();
        order.sort_by(|a, b| amount(a).total_cmp(&amount(b)).then_with(|| a.cmp(b)));
        for client in order {
            if !out(client) {
                break;
            }
        }
        Ok(())
    }

    fn contains(&mut self, client: &str) -> Result<bool> {
        Ok(self.allocations.contains_key(client))
    }

    fn count(&mut self) -> Result<usize> {
        Ok(self.allocations.len())
    }
}

modkit_ffi::export_module!(org_example_LeastCpusSorter: Sorter = LeastCpusSorter {
    author: "modkit examples",
    email: "",
    description: "Orders clients by allocated cpus, fewest first",
});
