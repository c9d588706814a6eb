//! A module's parameters, as listed in the spec (`"parameters": [{"key": .., "value": ..}]`).

use super::ModuleError;
use crate::abi::{kv_slice, str_from_ffi};
use crate::bindings::modkit_kv;
use std::str::FromStr;

/// Ordered key/value parameters. Keys may repeat (Mesos allows it); `get` returns the last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parameters(Vec<(String, String)>);

impl Parameters {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Parameters(pairs)
    }

    /// Copies the C array handed to `create`.
    ///
    /// # Safety
    /// `ptr` must point to `len` valid `modkit_kv` whose strings are readable for the call.
    pub unsafe fn from_ffi(ptr: *const modkit_kv, len: usize) -> Result<Self, ModuleError> {
        // SAFETY: forwarded caller contract.
        let raw = unsafe { kv_slice(ptr, len) };
        let mut pairs = Vec::with_capacity(raw.len());
        for kv in raw {
            // SAFETY: forwarded caller contract.
            let (k, v) = unsafe {
                (
                    str_from_ffi(kv.key, "parameter key")?,
                    str_from_ffi(kv.value, "parameter value")?,
                )
            };
            pairs.push((k.to_string(), v.to_string()));
        }
        Ok(Parameters(pairs))
    }

    /// The C view of these parameters; valid while `self` lives.
    pub fn to_ffi(&self) -> Vec<modkit_kv> {
        self.0
            .iter()
            .map(|(k, v)| modkit_kv {
                key: crate::abi::to_ffi(k),
                value: crate::abi::to_ffi(v),
            })
            .collect()
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn require(&self, key: &str) -> Result<&str, ModuleError> {
        self.get(key)
            .ok_or_else(|| ModuleError::invalid(format!("missing required parameter '{key}'")))
    }

    /// Parses a parameter; the error names the key, the value and the reason.
    pub fn parse<T>(&self, key: &str) -> Result<Option<T>, ModuleError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        self.get(key)
            .map(|v| {
                v.parse::<T>()
                    .map_err(|e| ModuleError::invalid(format!("parameter '{key}' = '{v}': {e}")))
            })
            .transpose()
    }

    /// Fails on any key not in `known`, so typos in a spec do not pass silently.
    pub fn reject_unknown(&self, known: &[&str]) -> Result<(), ModuleError> {
        match self.0.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            None => Ok(()),
            Some((k, _)) => Err(ModuleError::invalid(format!(
                "unknown parameter '{k}' (known: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Parameters {
        Parameters::new(vec![
            ("limit".into(), "12".into()),
            ("team".into(), "a".into()),
            ("team".into(), "b".into()),
        ])
    }

    #[test]
    fn last_value_wins_and_ffi_round_trip() {
        let p = params();
        assert_eq!(p.get("team"), Some("b"));
        let raw = p.to_ffi();
        // SAFETY: `raw` borrows `p`, alive here.
        let back = unsafe { Parameters::from_ffi(raw.as_ptr(), raw.len()) }.unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn errors_name_key_value_and_reason() {
        let p = params();
        assert_eq!(p.parse::<u32>("limit"), Ok(Some(12)));
        let e = p.parse::<bool>("limit").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument: parameter 'limit' = '12': provided string was not `true` or `false`"
        );
        assert_eq!(
            p.require("x").unwrap_err().to_string(),
            "invalid argument: missing required parameter 'x'"
        );
        assert_eq!(
            p.reject_unknown(&["limit"]).unwrap_err().to_string(),
            "invalid argument: unknown parameter 'team' (known: limit)"
        );
    }
}
