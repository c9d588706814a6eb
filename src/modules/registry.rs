//! One registry for every module, built-in or loaded: found by kind and name, checked the same
//! way, created through the same factory trait.

use super::ModuleError;
use modkit_ffi::abi::Kind;
use modkit_ffi::host::{HostServices, SorterProvider};
use modkit_ffi::sdk::{self, Host, Instance, ModuleFactory, ModuleInfo, Parameters, Sorter};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

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

    /// Creates an instance with explicit parameters, honouring the single-instance flag.
    pub fn instantiate(&self, host: &Host, params: &Parameters) -> Result<Instance, ModuleError> {
        let previous = self.instances.fetch_add(1, Ordering::SeqCst);
        if previous > 0 && !self.info.multi_instance() {
            self.instances.fetch_sub(1, Ordering::SeqCst);
            return Err(ModuleError::SingleInstance {
                module: self.name().to_string(),
                origin: self.origin().to_string(),
            });
        }
        self.factory.create(host, params).map_err(|source| {
            self.instances.fetch_sub(1, Ordering::SeqCst);
            ModuleError::Create {
                module: self.name().to_string(),
                origin: self.origin().to_string(),
                source,
            }
        })
    }
}

/// The registered sorters, shared with the host services so allocator modules can create them.
type SorterTable = Arc<RwLock<BTreeMap<String, Arc<RegistryEntry>>>>;

pub struct Registry {
    host: Host,
    entries: BTreeMap<String, Arc<RegistryEntry>>,
    sorters: SorterTable,
}

/// Serves `modkit_host.create_sorter` from the registry's sorters.
struct RegistrySorters {
    host: Host,
    sorters: SorterTable,
}

impl SorterProvider for RegistrySorters {
    fn create_sorter(
        &self,
        name: &str,
        params: &Parameters,
    ) -> Result<Box<dyn Sorter>, sdk::ModuleError> {
        let entry = {
            let sorters = self.sorters.read().unwrap_or_else(|p| p.into_inner());
            sorters.get(name).cloned().ok_or_else(|| {
                let known: Vec<&str> = sorters.keys().map(String::as_str).collect();
                sdk::ModuleError::not_found(format!(
                    "sorter '{name}' (known sorters: {})",
                    known.join(", ")
                ))
            })?
        };
        match entry.instantiate(&self.host, params) {
            Ok(Instance::Sorter(sorter)) => Ok(sorter),
            Ok(other) => Err(sdk::ModuleError::failed(format!(
                "module '{name}' made a {}, not a sorter",
                other.kind()
            ))),
            Err(e) => Err(sdk::ModuleError::failed(e.to_string())),
        }
    }
}

impl Registry {
    /// An empty registry whose modules are created with `services`, which it also serves
    /// sorters through.
    pub fn new(services: &'static HostServices) -> Self {
        let host = services.host();
        let sorters = SorterTable::default();
        services.set_sorter_provider(Box::new(RegistrySorters {
            host,
            sorters: sorters.clone(),
        }));
        Registry {
            host,
            entries: BTreeMap::new(),
            sorters,
        }
    }

    /// An empty registry plus every built-in module.
    pub fn with_builtins(services: &'static HostServices) -> Result<Self, ModuleError> {
        let mut registry = Registry::new(services);
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
        let entry = Arc::new(RegistryEntry {
            factory,
            info,
            parameters,
            instances: AtomicUsize::new(0),
        });
        if entry.info.kind == Kind::Sorter {
            self.sorters
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .insert(name.clone(), entry.clone());
        }
        Ok(self.entries.entry(name).or_insert(entry))
    }

    pub fn get(&self, name: &str) -> Option<&RegistryEntry> {
        self.entries.get(name).map(|e| &**e)
    }

    /// Like [`get`](Self::get), with an error naming the module when it is not registered.
    pub fn named(&self, name: &str) -> Result<&RegistryEntry, ModuleError> {
        self.get(name).ok_or_else(|| ModuleError::NotRegistered {
            module: name.to_string(),
        })
    }

    /// Every module, by name.
    pub fn entries(&self) -> impl Iterator<Item = &RegistryEntry> {
        self.entries.values().map(|e| &**e)
    }

    /// The modules of one kind, by name.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &RegistryEntry> {
        self.entries().filter(move |e| e.info.kind == kind)
    }

    /// Looks a module up for a flag such as `--isolation`; the error lists the known ones.
    pub fn find(&self, kind: Kind, name: &str) -> Result<&RegistryEntry, ModuleError> {
        match self.get(name) {
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
        entry.instantiate(&self.host, &entry.parameters)
    }
}
