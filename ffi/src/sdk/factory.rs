//! How hosts create modules: one factory trait for built-in and loaded modules alike.

use super::{
    Allocator, Anonymous, DeviceProvider, ExportedModule, Hook, Host, Isolator, ModuleError,
    Parameters, Sorter,
};
use crate::abi::Kind;
use crate::host::DescriptorError;

/// What a descriptor says about its module, after the host's checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleInfo {
    pub kind: Kind,
    pub kind_version: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub author: String,
    pub email: String,
    pub description: String,
    pub flags: u64,
}

impl ModuleInfo {
    pub fn thread_safe(&self) -> bool {
        self.flags & crate::abi::flags::THREAD_SAFE != 0
    }

    pub fn multi_instance(&self) -> bool {
        self.flags & crate::abi::flags::MULTI_INSTANCE != 0
    }

    pub fn independent_instances(&self) -> bool {
        self.flags & crate::abi::flags::INDEPENDENT_INSTANCES != 0
    }
}

/// A created module, as the trait object of its kind.
pub enum Instance {
    Isolator(Box<dyn Isolator>),
    Sorter(Box<dyn Sorter>),
    Allocator(Box<dyn Allocator>),
    Hook(Box<dyn Hook>),
    Anonymous(Box<dyn Anonymous>),
    DeviceProvider(Box<dyn DeviceProvider>),
}

impl Instance {
    pub fn kind(&self) -> Kind {
        match self {
            Instance::Isolator(_) => Kind::Isolator,
            Instance::Sorter(_) => Kind::Sorter,
            Instance::Allocator(_) => Kind::Allocator,
            Instance::Hook(_) => Kind::Hook,
            Instance::Anonymous(_) => Kind::Anonymous,
            Instance::DeviceProvider(_) => Kind::DeviceProvider,
        }
    }
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Instance({})", self.kind())
    }
}

/// Makes a module's instance. Module authors implement this beside their kind trait.
pub trait Create: Sized + 'static {
    /// Builds an instance from the spec's parameters; the error says which parameter and why.
    fn create(host: &Host, params: &Parameters) -> Result<Self, ModuleError>;

    /// Says why this module cannot work on this host (a missing kernel feature, library, ...).
    fn compatible(_host: &Host) -> Result<(), String> {
        Ok(())
    }
}

/// Implemented by [`export_module!`](crate::export_module): ties a type to its exported descriptor.
pub trait Exported: Create {
    /// The module name, i.e. the exported symbol.
    const NAME: &'static str;
    fn descriptor() -> &'static ExportedModule;
    fn instantiate(host: &Host, params: &Parameters) -> Result<Instance, ModuleError>;
}

/// Everything a host needs from a module, whether it is linked in or loaded from a library.
pub trait ModuleFactory: Send + Sync {
    /// The module name (its exported symbol).
    fn name(&self) -> &str;
    /// `built-in`, or the path of the library it came from.
    fn origin(&self) -> &str;
    /// Reads and checks the descriptor (ABI, kind, kind version, required entries).
    fn describe(&self) -> Result<ModuleInfo, DescriptorError>;
    /// The module's own `compatible()` verdict.
    fn compatible(&self, host: &Host) -> Result<(), String>;
    fn create(&self, host: &Host, params: &Parameters) -> Result<Instance, ModuleError>;
}

/// The factory of a module linked into the host: same descriptor, same checks, but calls go to
/// the Rust trait directly instead of through the C vtable.
pub fn native<T: Exported>() -> Box<dyn ModuleFactory> {
    native_named::<T>(T::NAME)
}

/// Like [`native`], registered under another name: the flag value operators use (`drf`,
/// `cgroups/mem`), which need not be a C identifier, while the cdylib exports `T::NAME`.
pub fn native_named<T: Exported>(name: &'static str) -> Box<dyn ModuleFactory> {
    Box::new(NativeFactory::<T> {
        name,
        kind: std::marker::PhantomData,
    })
}

struct NativeFactory<T> {
    name: &'static str,
    kind: std::marker::PhantomData<fn() -> T>,
}

impl<T: Exported> ModuleFactory for NativeFactory<T> {
    fn name(&self) -> &str {
        self.name
    }

    fn origin(&self) -> &str {
        "built-in"
    }

    fn describe(&self) -> Result<ModuleInfo, DescriptorError> {
        // SAFETY: the descriptor is a static of this binary, built by export_module!.
        unsafe { crate::host::read_descriptor(&T::descriptor().0) }.map(|d| d.info)
    }

    fn compatible(&self, host: &Host) -> Result<(), String> {
        T::compatible(host)
    }

    fn create(&self, host: &Host, params: &Parameters) -> Result<Instance, ModuleError> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            T::instantiate(host, params)
        }))
        .unwrap_or_else(|p| Err(ModuleError::Panic(super::export::panic_message(&*p))))
    }
}
