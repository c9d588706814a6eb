//! The master's authentication and authorization settings, from its flags
//! `--credentials`, `--authenticate_frameworks` and `--acls`, in one value.

use super::acls::{Acls, Action, Denied};
use super::credentials::Credentials;
use super::error::AuthError;

/// What the scheduler API checks on each request. `AuthPolicy::default()` checks nothing.
#[derive(Debug, Default)]
pub struct AuthPolicy {
    credentials: Option<Credentials>,
    required: bool,
    acls: Acls,
}

impl AuthPolicy {
    /// Loads the flags. `--authenticate_frameworks` without `--credentials` is an error:
    /// no framework could ever subscribe.
    pub fn from_flags(
        credentials: Option<&str>,
        authenticate_frameworks: bool,
        acls: Option<&str>,
    ) -> Result<AuthPolicy, AuthError> {
        let credentials = credentials.map(Credentials::load).transpose()?;
        if authenticate_frameworks && credentials.is_none() {
            return Err(AuthError::NoCredentials);
        }
        let acls = acls.map(Acls::load).transpose()?.unwrap_or_default();
        Ok(AuthPolicy {
            credentials,
            required: authenticate_frameworks,
            acls,
        })
    }

    /// Authenticates one request from its `Authorization` header. `Ok(None)`: no header and
    /// authentication is optional. A header that is given is always checked when credentials
    /// are loaded (a wrong secret is a 401 even when authentication is optional, as in Mesos).
    pub fn authenticate(
        &self,
        authorization_header: Option<&str>,
    ) -> Result<Option<String>, AuthError> {
        match (&self.credentials, authorization_header) {
            (Some(creds), Some(_)) => creds.authenticate(authorization_header).map(Some),
            (Some(_), None) if self.required => Err(AuthError::MissingHeader),
            _ => Ok(None),
        }
    }

    /// The principal ACLs are checked against: the authenticated one, which
    /// `framework_info.principal` must then equal (403 otherwise), else the claimed one.
    pub fn framework_principal(
        authenticated: Option<&str>,
        claimed: Option<&str>,
    ) -> Result<Option<String>, AuthError> {
        match (authenticated, claimed) {
            (Some(a), Some(c)) if a != c => Err(AuthError::PrincipalMismatch {
                claimed: c.to_string(),
                authenticated: a.to_string(),
            }),
            (Some(a), _) => Ok(Some(a.to_string())),
            (None, c) => Ok(c.map(str::to_string)),
        }
    }

    /// Asks the ACLs (see [`Acls::authorize`]).
    pub fn authorize(
        &self,
        action: Action,
        principal: Option<&str>,
        object: &str,
    ) -> Result<(), Denied> {
        self.acls.authorize(action, principal, object)
    }

    /// Whether every request must authenticate (`--authenticate_frameworks`).
    pub fn is_required(&self) -> bool {
        self.required
    }

    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    pub fn acls(&self) -> &Acls {
        &self.acls
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREDS: &str = r#"{"credentials": [{"principal": "ops", "secret": "s3cret"}]}"#;
    const OPS: &str = "Basic b3BzOnMzY3JldA=="; // ops:s3cret
    const OPS_WRONG: &str = "Basic b3BzOmh1bnRlcjI="; // ops:hunter2

    #[test]
    fn required_authentication_needs_a_header_and_credentials() {
        let p = AuthPolicy::from_flags(Some(CREDS), true, None).unwrap();
        assert!(p.is_required());
        assert_eq!(p.authenticate(Some(OPS)).unwrap().as_deref(), Some("ops"));
        assert!(matches!(
            p.authenticate(None),
            Err(AuthError::MissingHeader)
        ));
        assert!(matches!(
            p.authenticate(Some(OPS_WRONG)),
            Err(AuthError::BadCredentials { .. })
        ));
        assert!(matches!(
            AuthPolicy::from_flags(None, true, None),
            Err(AuthError::NoCredentials)
        ));
    }

    #[test]
    fn optional_authentication_still_checks_a_given_header() {
        let p = AuthPolicy::from_flags(Some(CREDS), false, None).unwrap();
        assert_eq!(p.authenticate(None).unwrap(), None);
        assert!(p.authenticate(Some(OPS_WRONG)).is_err());
        let open = AuthPolicy::default();
        assert_eq!(open.authenticate(Some(OPS_WRONG)).unwrap(), None);
        assert!(open.authorize(Action::RunTask, None, "root").is_ok());
    }

    #[test]
    fn claimed_principal_must_match_the_authenticated_one() {
        let f = AuthPolicy::framework_principal;
        assert_eq!(f(Some("ops"), Some("ops")).unwrap().as_deref(), Some("ops"));
        assert_eq!(f(Some("ops"), None).unwrap().as_deref(), Some("ops"));
        assert_eq!(f(None, Some("web")).unwrap().as_deref(), Some("web"));
        assert_eq!(f(None, None).unwrap(), None);
        let err = f(Some("ops"), Some("web")).unwrap_err();
        assert_eq!(err.status_code(), 403);
        assert_eq!(
            err.to_string(),
            "framework principal 'web' does not match the authenticated principal 'ops'"
        );
    }

    #[test]
    fn flag_errors_propagate() {
        let err = AuthPolicy::from_flags(None, false, Some("{\"run_task\": []}")).unwrap_err();
        assert!(err.to_string().contains("unknown key 'run_task'"), "{err}");
        let err = AuthPolicy::from_flags(Some("/nonexistent/c.json"), false, None).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/c.json"), "{err}");
    }
}
