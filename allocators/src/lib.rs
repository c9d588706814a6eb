//! modkit-allocators: built-in modules of this kind, also exported from this crate's cdylib.

pub mod fast_hash;
pub mod hierarchical;
pub mod name_index;
pub mod sorter;

use modkit_ffi::sdk::{native_named, ModuleFactory};

/// The built-in modules of this crate, for the host's registry, under the names operators pass
/// to `--role_sorter`, `--framework_sorter` and `--allocator`. The cdylib exports the same
/// modules as `org_modkit_*` symbols.
pub fn builtins() -> Vec<Box<dyn ModuleFactory>> {
    vec![
        native_named::<sorter::DrfSorter>("drf"),
        native_named::<sorter::AssetSorter>("asset"),
        native_named::<sorter::RandomSorter>("random"),
        native_named::<hierarchical::HierarchicalAllocator>("hierarchical"),
    ]
}
