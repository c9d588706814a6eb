//! Sorter settings, from Rust or from a module spec (parameters first, then the host's flags of
//! the same meaning, as Mesos reads `--fair_sharing_excluded_resource_names` and its seed).

use super::error::SorterError;
use modkit_ffi::sdk::{Host, ModuleError, Parameters};
use std::collections::BTreeSet;

/// Parameter and host flag: resources fair sharing ignores (comma-separated, e.g. `gpus`).
pub const EXCLUDED_PARAM: &str = "fair_sharing_excluded_resource_names";
/// Parameter of the random sorter: its seed.
pub const SEED_PARAM: &str = "seed";
/// Host flag the random sorter's seed falls back to.
pub const SEED_FLAG: &str = "sorter_seed";

/// What every built-in sorter is configured with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SorterConfig {
    /// Resource names left out of shares (Mesos's `--fair_sharing_excluded_resource_names`).
    pub excluded: BTreeSet<String>,
    /// Seed of the random sorter (others ignore it): the same seed gives the same orders.
    pub seed: u64,
}

impl SorterConfig {
    /// Reads a spec's parameters; `takes_seed` says whether `seed` is a known parameter.
    pub(crate) fn from_spec(
        host: &Host,
        params: &Parameters,
        takes_seed: bool,
    ) -> Result<SorterConfig, ModuleError> {
        let known: &[&str] = if takes_seed {
            &[EXCLUDED_PARAM, SEED_PARAM]
        } else {
            &[EXCLUDED_PARAM]
        };
        params.reject_unknown(known)?;
        let excluded = match params.get(EXCLUDED_PARAM) {
            Some(list) => parse_names(list),
            None => host
                .flag(EXCLUDED_PARAM)
                .map(|list| parse_names(&list))
                .unwrap_or_default(),
        };
        let seed = if !takes_seed {
            0
        } else if let Some(seed) = params.parse::<u64>(SEED_PARAM)? {
            seed
        } else if let Some(text) = host.flag(SEED_FLAG) {
            text.trim()
                .parse::<u64>()
                .map_err(|e| SorterError::BadFlag {
                    flag: SEED_FLAG,
                    value: text.clone(),
                    reason: e.to_string(),
                })?
        } else {
            0
        };
        Ok(SorterConfig { excluded, seed })
    }
}

/// `gpus, fpgas` → {gpus, fpgas}; blanks are skipped.
fn parse_names(list: &str) -> BTreeSet<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use modkit_ffi::host::HostServices;
    use std::collections::BTreeMap;

    fn host(flags: &[(&str, &str)]) -> Host {
        let flags: BTreeMap<String, String> = flags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        HostServices::leak("test", "check", "", &flags).host()
    }

    fn params(pairs: &[(&str, &str)]) -> Parameters {
        Parameters::new(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parameters_win_over_host_flags() {
        let h = host(&[(EXCLUDED_PARAM, "gpus"), (SEED_FLAG, "9")]);
        let c = SorterConfig::from_spec(&h, &params(&[]), true).unwrap();
        assert_eq!(
            c,
            SorterConfig {
                excluded: names(&["gpus"]),
                seed: 9
            }
        );
        let p = params(&[(EXCLUDED_PARAM, " fpgas, ,gpus "), (SEED_PARAM, "3")]);
        let c = SorterConfig::from_spec(&h, &p, true).unwrap();
        assert_eq!(
            c,
            SorterConfig {
                excluded: names(&["fpgas", "gpus"]),
                seed: 3
            }
        );
    }

    #[test]
    fn defaults_without_parameters_or_flags() {
        let c = SorterConfig::from_spec(&host(&[]), &params(&[]), true).unwrap();
        assert_eq!(c, SorterConfig::default());
    }

    #[test]
    fn unknown_and_malformed_parameters_are_refused() {
        let h = host(&[]);
        let e = SorterConfig::from_spec(&h, &params(&[(SEED_PARAM, "1")]), false).unwrap_err();
        assert!(e.to_string().contains("unknown parameter 'seed'"), "{e}");
        let e = SorterConfig::from_spec(&h, &params(&[(SEED_PARAM, "x")]), true).unwrap_err();
        assert!(e.to_string().contains("parameter 'seed' = 'x'"), "{e}");
        let e =
            SorterConfig::from_spec(&host(&[(SEED_FLAG, "-1")]), &params(&[]), true).unwrap_err();
        assert!(
            e.to_string().contains("host flag 'sorter_seed' = '-1'"),
            "{e}"
        );
    }
}
