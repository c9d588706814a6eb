//! Role names: validation and the role tree.

/// The name Mesos gives to unreserved resources.
pub const UNRESERVED_ROLE: &str = "*";

/// Checks a role name by Mesos's rules, so reservations written here are accepted there.
///
/// Returns the reason when the role is not valid. `*` is valid (it means unreserved).
pub fn validate_role(role: &str) -> Result<(), String> {
    if role.is_empty() {
        return Err("a role may not be empty".to_string());
    }
    if role == UNRESERVED_ROLE {
        return Ok(());
    }
    if let Some(bad) = role.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("a role may not contain whitespace ({bad:?})"));
    }
    // These would make the text form ambiguous.
    if let Some(bad) = role.chars().find(|c| matches!(c, '(' | ')' | ';' | ':')) {
        return Err(format!("a role may not contain '{bad}'"));
    }
    if role.starts_with('/') || role.ends_with('/') {
        return Err("a role may not start or end with '/'".to_string());
    }
    if role.contains("//") {
        return Err("a role may not contain '//'".to_string());
    }
    for part in role.split('/') {
        if part == "." || part == ".." {
            return Err("a role may not be '.' or '..'".to_string());
        }
        if part.starts_with('-') {
            return Err("a role may not start with '-'".to_string());
        }
        if part == UNRESERVED_ROLE {
            return Err("'*' is only valid as a whole role".to_string());
        }
    }
    Ok(())
}

/// Whether `role` is `root` or lies below it (`root/...`); `ab` is not below `a`.
pub fn is_in_subtree(role: &str, root: &str) -> bool {
    role.strip_prefix(root)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_roles() {
        for role in ["*", "ads", "a/b/c", "eng-team", "a.b", "x_1"] {
            assert_eq!(validate_role(role), Ok(()), "{role}");
        }
    }

    #[test]
    fn invalid_roles() {
        let cases = [
            ("", "a role may not be empty"),
            (".", "a role may not be '.' or '..'"),
            ("..", "a role may not be '.' or '..'"),
            ("a/..", "a role may not be '.' or '..'"),
            ("-a", "a role may not start with '-'"),
            ("a/-b", "a role may not start with '-'"),
            ("a b", "a role may not contain whitespace (' ')"),
            ("/a", "a role may not start or end with '/'"),
            ("a/", "a role may not start or end with '/'"),
            ("a//b", "a role may not contain '//'"),
            ("a/*", "'*' is only valid as a whole role"),
            ("a(b", "a role may not contain '('"),
        ];
        for (role, reason) in cases {
            assert_eq!(validate_role(role), Err(reason.to_string()), "{role}");
        }
    }

    #[test]
    fn subtree() {
        assert!(is_in_subtree("a", "a"));
        assert!(is_in_subtree("a/b/c", "a"));
        assert!(is_in_subtree("a/b", "a/b"));
        assert!(!is_in_subtree("ab", "a"));
        assert!(!is_in_subtree("b/a", "a"));
    }
}
