//! One sorter engine for every built-in: the shared [`Tree`] plus an ordering policy. The
//! public sorter types are thin wrappers made by [`tree_sorter!`], so the SDK traits are
//! implemented once.

use super::config::SorterConfig;
use super::tree::Tree;
use modkit_ffi::sdk::{Host, Parameters, Quantities, Result, Sorter};

/// How siblings are ordered; everything else is the tree's.
pub(crate) trait Order: Send + 'static {
    /// Whether the `seed` parameter means something to this ordering.
    const TAKES_SEED: bool;
    fn new(config: &SorterConfig) -> Self;
    /// Hands the active clients of `tree` to `out`, in order, until `out` returns false.
    fn sort(&mut self, tree: &mut Tree, out: &mut dyn FnMut(&str) -> bool);
}

pub(crate) struct Engine<O> {
    tree: Tree,
    order: O,
}

impl<O: Order> Engine<O> {
    pub(crate) fn new(config: SorterConfig) -> Self {
        Engine {
            order: O::new(&config),
            tree: Tree::new(config.excluded),
        }
    }

    pub(crate) fn create(host: &Host, params: &Parameters) -> Result<Self> {
        Ok(Engine::new(SorterConfig::from_spec(
            host,
            params,
            O::TAKES_SEED,
        )?))
    }
}

impl<O: Order> Sorter for Engine<O> {
    fn add_client(&mut self, client: &str) -> Result<()> {
        Ok(self.tree.add_client(client)?)
    }

    fn remove_client(&mut self, client: &str) -> Result<()> {
        Ok(self.tree.remove_client(client)?)
    }

    fn activate(&mut self, client: &str) -> Result<()> {
        Ok(self.tree.set_active(client, true)?)
    }

    fn deactivate(&mut self, client: &str) -> Result<()> {
        Ok(self.tree.set_active(client, false)?)
    }

    fn update_weight(&mut self, path: &str, weight: f64) -> Result<()> {
        Ok(self.tree.update_weight(path, weight)?)
    }

    fn add_agent(&mut self, agent: &str, total: Quantities<'_>) -> Result<()> {
        Ok(self.tree.add_agent(agent, total)?)
    }

    fn remove_agent(&mut self, agent: &str) -> Result<()> {
        Ok(self.tree.remove_agent(agent)?)
    }

    fn allocated(&mut self, client: &str, _agent: &str, resources: Quantities<'_>) -> Result<()> {
        Ok(self.tree.allocated(client, resources)?)
    }

    fn update(
        &mut self,
        client: &str,
        _agent: &str,
        old_resources: Quantities<'_>,
        new_resources: Quantities<'_>,
    ) -> Result<()> {
        Ok(self.tree.update(client, old_resources, new_resources)?)
    }

    fn unallocated(&mut self, client: &str, _agent: &str, resources: Quantities<'_>) -> Result<()> {
        Ok(self.tree.unallocated(client, resources)?)
    }

    fn allocation(&mut self, client: &str) -> Result<Vec<(String, f64)>> {
        Ok(self.tree.allocation(client)?)
    }

    fn sort(&mut self, out: &mut dyn FnMut(&str) -> bool) -> Result<()> {
        self.order.sort(&mut self.tree, out);
        Ok(())
    }

    fn contains(&mut self, client: &str) -> Result<bool> {
        Ok(self.tree.contains(client))
    }

    fn count(&mut self) -> Result<usize> {
        Ok(self.tree.count())
    }
}

/// Defines a public sorter type over `Engine<$order>`: `new(SorterConfig)`, `Create` and
/// `Sorter`, all forwarded.
macro_rules! tree_sorter {
    ($(#[$attr:meta])* $name:ident = $order:ty) => {
        $(#[$attr])*
        pub struct $name($crate::sorter::engine::Engine<$order>);

        impl $name {
            /// Builds the sorter directly, without a module spec.
            pub fn new(config: $crate::sorter::SorterConfig) -> Self {
                $name($crate::sorter::engine::Engine::new(config))
            }
        }

        impl modkit_ffi::sdk::Create for $name {
            fn create(
                host: &modkit_ffi::sdk::Host,
                params: &modkit_ffi::sdk::Parameters,
            ) -> modkit_ffi::sdk::Result<Self> {
                $crate::sorter::engine::Engine::create(host, params).map($name)
            }
        }

        impl modkit_ffi::sdk::Sorter for $name {
            fn add_client(&mut self, c: &str) -> modkit_ffi::sdk::Result<()> {
                self.0.add_client(c)
            }
            fn remove_client(&mut self, c: &str) -> modkit_ffi::sdk::Result<()> {
                self.0.remove_client(c)
            }
            fn activate(&mut self, c: &str) -> modkit_ffi::sdk::Result<()> {
                self.0.activate(c)
            }
            fn deactivate(&mut self, c: &str) -> modkit_ffi::sdk::Result<()> {
                self.0.deactivate(c)
            }
            fn update_weight(&mut self, p: &str, w: f64) -> modkit_ffi::sdk::Result<()> {
                self.0.update_weight(p, w)
            }
            fn add_agent(
                &mut self,
                a: &str,
                t: modkit_ffi::sdk::Quantities<'_>,
            ) -> modkit_ffi::sdk::Result<()> {
                self.0.add_agent(a, t)
            }
            fn remove_agent(&mut self, a: &str) -> modkit_ffi::sdk::Result<()> {
                self.0.remove_agent(a)
            }
            fn allocated(
                &mut self,
                c: &str,
                a: &str,
                r: modkit_ffi::sdk::Quantities<'_>,
            ) -> modkit_ffi::sdk::Result<()> {
                self.0.allocated(c, a, r)
            }
            fn update(
                &mut self,
                c: &str,
                a: &str,
                old: modkit_ffi::sdk::Quantities<'_>,
                new: modkit_ffi::sdk::Quantities<'_>,
            ) -> modkit_ffi::sdk::Result<()> {
                self.0.update(c, a, old, new)
            }
            fn unallocated(
                &mut self,
                c: &str,
                a: &str,
                r: modkit_ffi::sdk::Quantities<'_>,
            ) -> modkit_ffi::sdk::Result<()> {
                self.0.unallocated(c, a, r)
            }
            fn allocation(&mut self, c: &str) -> modkit_ffi::sdk::Result<Vec<(String, f64)>> {
                self.0.allocation(c)
            }
            fn sort(&mut self, out: &mut dyn FnMut(&str) -> bool) -> modkit_ffi::sdk::Result<()> {
                self.0.sort(out)
            }
            fn contains(&mut self, c: &str) -> modkit_ffi::sdk::Result<bool> {
                self.0.contains(c)
            }
            fn count(&mut self) -> modkit_ffi::sdk::Result<usize> {
                self.0.count()
            }
        }
    };
}

pub(crate) use tree_sorter;
