//! The allocation flags every host that builds an allocator or a sorter takes (master, local,
//! `modkit allocate`, `modkit sorter`, `modkit bench allocator`), declared once.

use clap::Args;
use std::collections::{BTreeMap, BTreeSet};

/// The allocator module and the sorters it builds for its two levels.
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct AllocatorArgs {
    /// The allocator module (built-in or from --modules).
    #[arg(
        id = "allocator",
        value_name = "ALLOCATOR",
        long = "allocator",
        env = "MODKIT_ALLOCATOR",
        default_value = "hierarchical"
    )]
    pub name: String,
    /// Sorter of roles (any sorter module).
    #[arg(
        long = "role_sorter",
        env = "MODKIT_ROLE_SORTER",
        default_value = "drf"
    )]
    pub role_sorter: String,
    /// Sorter of each role's frameworks (any sorter module; need not equal --role_sorter).
    #[arg(
        long = "framework_sorter",
        env = "MODKIT_FRAMEWORK_SORTER",
        default_value = "drf"
    )]
    pub framework_sorter: String,
}

impl AllocatorArgs {
    /// The host flags the allocator reads to build its sorters.
    pub fn sorter_flags(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("role_sorter".to_string(), self.role_sorter.clone()),
            (
                "framework_sorter".to_string(),
                self.framework_sorter.clone(),
            ),
        ])
    }
}

/// How shares are weighed: role weights and the resources fair sharing leaves out.
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct SharingArgs {
    /// Role weights, `role=weight,...`.
    #[arg(long = "weights", env = "MODKIT_WEIGHTS", default_value = "")]
    pub weights: String,
    /// Resource names left out of fair sharing, e.g. `gpus`.
    #[arg(
        long = "fair_sharing_excluded_resource_names",
        env = "MODKIT_FAIR_SHARING_EXCLUDED_RESOURCE_NAMES",
        default_value = ""
    )]
    pub fair_sharing_excluded_resource_names: String,
}

impl SharingArgs {
    /// The host flags modules read (the allocator and sorters weigh and exclude with these).
    pub fn host_flags(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("weights".to_string(), self.weights.clone()),
            (
                "fair_sharing_excluded_resource_names".to_string(),
                self.fair_sharing_excluded_resource_names.clone(),
            ),
        ])
    }

    /// `--fair_sharing_excluded_resource_names` as a set.
    pub fn excluded(&self) -> BTreeSet<String> {
        list(&self.fair_sharing_excluded_resource_names).collect()
    }
}

/// The items of a comma-separated flag, trimmed, empty ones dropped.
pub fn list(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        allocator: AllocatorArgs,
        #[command(flatten)]
        sharing: SharingArgs,
    }

    #[test]
    fn defaults_are_mesos_defaults() {
        let p = Probe::parse_from(["probe"]);
        assert_eq!(p.allocator.name, "hierarchical");
        assert_eq!(p.allocator.sorter_flags()["role_sorter"], "drf");
        assert_eq!(p.allocator.sorter_flags()["framework_sorter"], "drf");
        assert!(p.sharing.weights.is_empty() && p.sharing.excluded().is_empty());
    }

    #[test]
    fn flags_keep_their_mesos_names() {
        let p = Probe::parse_from([
            "probe",
            "--allocator",
            "a",
            "--role_sorter",
            "random",
            "--framework_sorter",
            "asset",
            "--weights",
            "web=2",
            "--fair_sharing_excluded_resource_names",
            " gpus, ,fpgas",
        ]);
        assert_eq!(
            (
                p.allocator.name.as_str(),
                p.allocator.role_sorter.as_str(),
                p.allocator.framework_sorter.as_str()
            ),
            ("a", "random", "asset")
        );
        assert_eq!(p.sharing.host_flags()["weights"], "web=2");
        assert_eq!(
            p.sharing.excluded(),
            BTreeSet::from(["gpus".to_string(), "fpgas".to_string()])
        );
    }

    #[test]
    fn an_unknown_sorter_flag_spelling_is_refused() {
        let e = Probe::try_parse_from(["probe", "--role-sorter", "drf"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("--role-sorter"), "{e}");
    }
}
