//! `--policies`: each name resolves in the module registry (built-ins and `--modules` alike).
//! A sorter name means the default allocator with that sorter at both levels; `role:framework`
//! names two sorters; an allocator name means that allocator with its default sorters.

use super::SimulateError;
use crate::modules::{ModuleManager, Registry};
use modkit_ffi::abi::Kind;
use modkit_ffi::sdk::{Allocator, Instance};
use std::collections::BTreeMap;

/// One policy to compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// As written in `--policies`.
    pub name: String,
    pub allocator: String,
    /// `None`: the allocator's default.
    pub role_sorter: Option<String>,
    pub framework_sorter: Option<String>,
}

fn known(registry: &Registry, kind: Kind) -> String {
    let names: Vec<&str> = registry.of_kind(kind).map(|e| e.name()).collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

fn unknown(registry: &Registry, name: &str, reason: &str) -> SimulateError {
    SimulateError::Policy {
        policy: name.to_string(),
        reason: format!(
            "{reason} (known sorters: {}; known allocators: {})",
            known(registry, Kind::Sorter),
            known(registry, Kind::Allocator)
        ),
    }
}

fn sorter(registry: &Registry, policy: &str, name: &str) -> Result<String, SimulateError> {
    match registry.get(name) {
        Some(e) if e.info().kind == Kind::Sorter => Ok(name.to_string()),
        Some(e) => Err(unknown(
            registry,
            policy,
            &format!(
                "'{name}' is a module of kind {}, not a sorter",
                e.info().kind
            ),
        )),
        None => Err(unknown(registry, policy, &format!("no sorter '{name}'"))),
    }
}

/// Parses a comma-separated list against `registry`; sorter policies use `default_allocator`.
pub fn parse_policies(
    list: &str,
    registry: &Registry,
    default_allocator: &str,
) -> Result<Vec<Policy>, SimulateError> {
    let mut policies = Vec::new();
    for name in crate::flags::list(list) {
        let name = name.as_str();
        let policy = if let Some((role, framework)) = name.split_once(':') {
            Policy {
                name: name.to_string(),
                allocator: default_allocator.to_string(),
                role_sorter: Some(sorter(registry, name, role.trim())?),
                framework_sorter: Some(sorter(registry, name, framework.trim())?),
            }
        } else {
            match registry.get(name).map(|e| e.info().kind) {
                Some(Kind::Sorter) => Policy {
                    name: name.to_string(),
                    allocator: default_allocator.to_string(),
                    role_sorter: Some(name.to_string()),
                    framework_sorter: Some(name.to_string()),
                },
                Some(Kind::Allocator) => Policy {
                    name: name.to_string(),
                    allocator: name.to_string(),
                    role_sorter: None,
                    framework_sorter: None,
                },
                Some(kind) => {
                    return Err(unknown(
                        registry,
                        name,
                        &format!(
                        "'{name}' is a module of kind {kind}, neither a sorter nor an allocator"
                    ),
                    ))
                }
                None => return Err(unknown(registry, name, "no such sorter or allocator")),
            }
        };
        if policies.iter().any(|p: &Policy| p.name == policy.name) {
            return Err(SimulateError::Policy {
                policy: name.to_string(),
                reason: "named twice in --policies".into(),
            });
        }
        policies.push(policy);
    }
    if policies.is_empty() {
        return Err(SimulateError::Flag {
            flag: "--policies".into(),
            reason: "names no policy".into(),
        });
    }
    Ok(policies)
}

/// The first sorter or allocator module in `registry` that does not declare independent
/// instances: while there is one, policies run one after the other, never side by side.
pub fn shared_instances(registry: &Registry) -> Option<&str> {
    registry
        .of_kind(Kind::Sorter)
        .chain(registry.of_kind(Kind::Allocator))
        .find(|e| !e.info().independent_instances())
        .map(|e| e.name())
}

impl Policy {
    /// The host flags the policy's modules read: its sorters and the random sorter's seed.
    pub fn flags(&self, base: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut flags = base.clone();
        if let Some(s) = &self.role_sorter {
            flags.insert("role_sorter".into(), s.clone());
        }
        if let Some(s) = &self.framework_sorter {
            flags.insert("framework_sorter".into(), s.clone());
        }
        flags
    }

    /// A fresh allocator from a fresh registry made by `modules` with the policy's flags: the
    /// same modules as the registry the policy was resolved in.
    pub fn create(
        &self,
        base: &BTreeMap<String, String>,
        modules: &super::Modules<'_>,
    ) -> Result<(ModuleManager, Box<dyn Allocator>), SimulateError> {
        let manager = modules(self.flags(base))?;
        match manager
            .registry()
            .create(Kind::Allocator, &self.allocator)?
        {
            Instance::Allocator(a) => Ok((manager, a)),
            other => Err(SimulateError::Policy {
                policy: self.name.clone(),
                reason: format!(
                    "'{}' made a {}, not an allocator",
                    self.allocator,
                    other.kind()
                ),
            }),
        }
    }

    /// "hierarchical (drf/random)".
    pub fn describe(&self) -> String {
        match (&self.role_sorter, &self.framework_sorter) {
            (Some(r), Some(f)) => format!("{} ({r}/{f})", self.allocator),
            _ => self.allocator.clone(),
        }
    }

    /// The name as a file-name part: `drf:random` → `drf_random`.
    pub fn file_stem(&self) -> String {
        self.name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use modkit_ffi::host::HostServices;

    fn registry() -> Registry {
        let services = HostServices::leak("0", "simulator", "", &BTreeMap::new());
        Registry::with_builtins(services).unwrap()
    }

    /// A sorter as a C module built before the flag existed would describe itself.
    struct OldSorter;

    impl modkit_ffi::sdk::ModuleFactory for OldSorter {
        fn name(&self) -> &str {
            "org_example_OldSorter"
        }
        fn origin(&self) -> &str {
            "/x/libold.so"
        }
        fn describe(
            &self,
        ) -> Result<modkit_ffi::sdk::ModuleInfo, modkit_ffi::host::DescriptorError> {
            Ok(modkit_ffi::sdk::ModuleInfo {
                kind: Kind::Sorter,
                kind_version: Kind::Sorter.versions().current,
                abi_major: modkit_ffi::abi::ABI_MAJOR,
                abi_minor: 0,
                author: String::new(),
                email: String::new(),
                description: String::new(),
                flags: modkit_ffi::abi::flags::MULTI_INSTANCE,
            })
        }
        fn compatible(&self, _: &modkit_ffi::sdk::Host) -> Result<(), String> {
            Ok(())
        }
        fn create(
            &self,
            _: &modkit_ffi::sdk::Host,
            _: &modkit_ffi::sdk::Parameters,
        ) -> Result<Instance, modkit_ffi::sdk::ModuleError> {
            Err(modkit_ffi::sdk::ModuleError::failed("not in this test"))
        }
    }

    #[test]
    fn policies_run_side_by_side_only_when_every_module_says_its_instances_are_independent() {
        let mut r = registry();
        assert_eq!(shared_instances(&r), None);
        r.register(Box::new(OldSorter), Default::default()).unwrap();
        assert_eq!(shared_instances(&r), Some("org_example_OldSorter"));
    }

    #[test]
    fn sorters_pairs_and_allocators() {
        let r = registry();
        let p = parse_policies("drf, drf:random,hierarchical", &r, "hierarchical").unwrap();
        assert_eq!(p[0].describe(), "hierarchical (drf/drf)");
        assert_eq!(p[1].describe(), "hierarchical (drf/random)");
        assert_eq!(p[1].file_stem(), "drf_random");
        assert_eq!(
            (p[2].allocator.as_str(), p[2].role_sorter.clone()),
            ("hierarchical", None)
        );
    }

    #[test]
    fn unknown_names_list_what_is_known() {
        let r = registry();
        let e = parse_policies("drf,fifo", &r, "hierarchical")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("policy 'fifo': no such sorter or allocator"),
            "{e}"
        );
        assert!(
            e.contains("known sorters: asset, drf, random")
                && e.contains("known allocators: hierarchical"),
            "{e}"
        );
        let e = parse_policies("drf:hierarchical", &r, "hierarchical")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("'hierarchical' is a module of kind allocator, not a sorter"),
            "{e}"
        );
        let e = parse_policies("drf,drf", &r, "hierarchical")
            .unwrap_err()
            .to_string();
        assert!(e.contains("named twice"), "{e}");
    }
}
