//! Comma-separated name lists, as the hooks' parameters take them (`labels=team,owner`).

use modkit_ffi::sdk::{ModuleError, Parameters, Result};

/// The non-empty, trimmed names of `key`; an empty list or an empty name is an error naming
/// the parameter, since a typo would otherwise disable the hook silently.
pub(crate) fn required_list(params: &Parameters, key: &str) -> Result<Vec<String>> {
    let value = params.require(key)?;
    let names: Vec<String> = value.split(',').map(|n| n.trim().to_string()).collect();
    if names.iter().any(String::is_empty) {
        return Err(ModuleError::invalid(format!(
            "parameter '{key}' = '{value}' has an empty name (expected e.g. 'a,b')"
        )));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::params;

    #[test]
    fn trims_and_rejects_empty_names() {
        let p = params(&[("labels", " team , owner")]);
        assert_eq!(required_list(&p, "labels").unwrap(), ["team", "owner"]);
        let e = required_list(&params(&[("labels", "a,,b")]), "labels").unwrap_err();
        assert!(e.to_string().contains("'a,,b' has an empty name"), "{e}");
        let e = required_list(&params(&[]), "labels").unwrap_err();
        assert!(
            e.to_string()
                .contains("missing required parameter 'labels'"),
            "{e}"
        );
    }
}
