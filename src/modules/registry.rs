//! One registry for every module, built-in or loaded: found by kind and name, checked the same
//! way, created through the same factory trait.

use super::ModuleError;
use modkit_ffi::abi::Kind;
use modkit_ffi::sdk::{Host, Instance, ModuleFactory, ModuleInfo, Parameters};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A registered module: its factory and what its checked descriptor says.
pub struct RegistryEntry {
    factory: Box<dyn ModuleFactory>,
    info: ModuleInfo,
    /// Parameters from the spec, used when the host creates it by name.
    parameters: Parameters,
    instances: AtomicUsize,
}

impl RegistryEntry {
    pub fn name(&self) -> &str {
        self.factory.name()
    }

    /// `built-in` or the library path.
    pub fn origin(&self) -> &str {
        self.factory.origin()
    }

    pub fn info(&self) -> &ModuleInfo {
        &self.info
    }

    pub fn parameters(&self) -> &Parameters {
        &self.parameters
    }

    pub fn instances(&self) -> usize {
        self.instances.load(Ordering::Relaxed)
    }
}

pub struct Registry {
    host: Host,
    entries: BTreeMap<String, RegistryEntry>,
}

impl Registry {
    /// An empty registry whose modules will be created with `host`.
    pub fn new(host: Host) -> Self {
        Registry {
            host,
            entries: BTreeMap::new(),
        }
    }

    /// An empty registry plus every built-in module.
    pub fn with_builtins(host: Host) -> Result<Self, ModuleError> {
        let mut registry = Registry::new(host);
        for factory in super::builtin_factories() {
            registry.register(factory, Parameters::default())?;
        }
        Ok(registry)
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    /// Checks a module (descriptor, then `compatible()`) and adds it. A name already present
    /// with another origin is an error naming both.
    pub fn register(
        &mut self,
        factory: Box<dyn ModuleFactory>,
        parameters: Parameters,
    ) -> Result<&RegistryEntry, ModuleError> {
        let (name, origin) = (factory.name().to_string(), factory.origin().to_string());
        let info = factory
            .describe()
            .map_err(|source| ModuleError::Descriptor {
                library: origin.clone(),
                module: name.clone(),
                source,
            })?;
        if let Some(existing) = self.entries.get(&name) {
            return Err(ModuleError::Duplicate {
                module: name,
                first: existing.origin().to_string(),
                second: origin,
            });
        }
        factory
            .compatible(&self.host)
            .map_err(|reason| ModuleError::Incompatible {
                library: origin.clone(),
                module: name.clone(),
                reason,
            })?;
        let entry = RegistryEntry {
            factory,
            info,
            parameters,
            instances: AtomicUsize::new(0),
        };
        Ok(self.entries.entry(name).or_insert(entry))
    }

    pub fn get(&self, name: &str) -> Option<&RegistryEntry> {
        self.entries.get(name)
    }

    /// Like [`get`](Self::get), with an error naming the module when it is not registered.
    pub fn named(&self, name: &str) -> Result<&RegistryEntry, ModuleError> {
        self.entries
            .get(name)
            .ok_or_else(|| ModuleError::NotRegistered {
                module: name.to_string(),
            })
    }

    /// Every module, by name.
    pub fn entries(&self) -> impl Iterator<Item = &RegistryEntry> {
        self.entries.values()
    }

    /// The modules of one kind, by name.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &RegistryEntry> {
        self.entries.values().filter(move |e| e.info.kind == kind)
    }

    /// Looks a module up for a flag such as `--isolation`; the error lists the known ones.
    pub fn find(&self, kind: Kind, name: &str) -> Result<&RegistryEntry, ModuleError> {
        match self.entries.get(name) {
            Some(e) if e.info.kind == kind => Ok(e),
            Some(e) => Err(ModuleError::WrongKind {
                module: name.to_string(),
                expected: kind,
                actual: e.info.kind,
            }),
            None => Err(ModuleError::Unknown {
                kind,
                name: name.to_string(),
                known: {
                    let known: Vec<&str> = self.of_kind(kind).map(RegistryEntry::name).collect();
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                },
            }),
        }
    }

    /// Creates an instance of `name` (which must be of `kind`) with its spec parameters.
    pub fn create(&self, kind: Kind, name: &str) -> Result<Instance, ModuleError> {
        let entry = self.find(kind, name)?;
        self.instantiate(entry, &entry.parameters)
    }

    /// Creates an instance of `entry` with explicit parameters.
    pub fn instantiate(
        &self,
        entry: &RegistryEntry,
        params: &Parameters,
    ) -> Result<Instance, ModuleError> {
        let previous = entry.instances.fetch_add(1, Ordering::SeqCst);
        if previous > 0 && !entry.info.multi_instance() {
            entry.instances.fetch_sub(1, Ordering::SeqCst);
            return Err(ModuleError::SingleInstance {
                module: entry.name().to_string(),
                origin: entry.origin().to_string(),
            });
        }
        entry.factory.create(&self.host, params).map_err(|source| {
            entry.instances.fetch_sub(1, Ordering::SeqCst);
            ModuleError::Create {
                module: entry.name().to_string(),
                origin: entry.origin().to_string(),
                source,
            }
        })
    }
}
