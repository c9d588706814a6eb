//! Loads the modules a spec names into the registry, in spec order, stopping at the first error.

use super::spec::{plan, ModuleSpec, PlannedModule};
use super::{library::dl_reason, Libraries, ModuleError, Registry, RegistryEntry};
use modkit_ffi::abi::Kind;
use modkit_ffi::bindings::modkit_module;
use modkit_ffi::host::{ForeignFactory, HostServices};
use modkit_ffi::sdk::{Instance, Parameters};

pub struct ModuleManager {
    registry: Registry,
    libraries: Libraries,
    /// Anonymous modules live as long as the host.
    anonymous: Vec<Instance>,
}

impl ModuleManager {
    /// A manager whose registry holds the built-in modules.
    pub fn new(services: &'static HostServices) -> Result<Self, ModuleError> {
        Ok(ModuleManager {
            registry: Registry::with_builtins(services)?,
            libraries: Libraries::new(),
            anonymous: Vec::new(),
        })
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Loads every module of `specs` and starts the anonymous ones right away (as Mesos does,
    /// before any other component). Stops at the first error.
    pub fn load(&mut self, specs: &[(String, ModuleSpec)]) -> Result<(), ModuleError> {
        for module in &plan(specs)? {
            if self.load_one(module)?.info().kind == Kind::Anonymous {
                let instance = self.registry.create(Kind::Anonymous, &module.name)?;
                self.anonymous.push(instance);
            }
        }
        Ok(())
    }

    /// Opens the module's library, resolves its symbol and registers it (descriptor checks and
    /// `compatible()`), without creating an instance.
    pub fn load_one(&mut self, module: &PlannedModule) -> Result<&RegistryEntry, ModuleError> {
        let origin = module.library_origin.clone();
        self.load_unnamed(module)
            .map_err(|source| ModuleError::Declared {
                origin,
                source: Box::new(source),
            })
    }

    fn load_unnamed(&mut self, module: &PlannedModule) -> Result<&RegistryEntry, ModuleError> {
        let library = self.libraries.open(&module.library)?;
        let origin = module.library.to_string();
        // SAFETY: the symbol is a data object (the descriptor); we only take its address here.
        let symbol = unsafe { library.get::<*const modkit_module>(module.name.as_bytes()) }
            .map_err(|e| ModuleError::MissingSymbol {
                library: origin.clone(),
                module: module.name.clone(),
                reason: dl_reason(&e),
            })?;
        let descriptor: *const modkit_module = *symbol;
        if descriptor.is_null() {
            return Err(ModuleError::MissingSymbol {
                library: origin,
                module: module.name.clone(),
                reason: "the symbol's address is null".into(),
            });
        }
        // SAFETY: the address of an exported object in a library we never unload; the descriptor
        // reader checks its declared size before reading further.
        let factory = unsafe { ForeignFactory::new(&module.name, &origin, descriptor) };
        let params = Parameters::new(
            module
                .parameters
                .iter()
                .map(|p| (p.key.clone(), p.value.clone()))
                .collect(),
        );
        self.registry.register(Box::new(factory), params)
    }
}
