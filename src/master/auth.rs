//! `--credentials`, `--authenticate_frameworks` and `--acls` as the master applies them
//! (the rules themselves live in `crate::auth`).

use super::MasterError;
use crate::auth::{Action, AuthError, AuthPolicy, Denied};

#[derive(Debug, Default)]
pub struct Auth(AuthPolicy);

impl Auth {
    pub fn load(
        credentials: Option<&str>,
        authenticate: bool,
        acls: Option<&str>,
    ) -> Result<Auth, MasterError> {
        Ok(Auth(AuthPolicy::from_flags(
            credentials,
            authenticate,
            acls,
        )?))
    }

    /// The authenticated principal of a request (None when authentication is off and no
    /// header came). With `--authenticate_frameworks` a missing or bad header is an
    /// error (401); a header that is given is checked either way.
    pub fn principal(&self, header: Option<&str>) -> Result<Option<String>, AuthError> {
        self.0.authenticate(header)
    }

    pub fn authorize(
        &self,
        action: Action,
        principal: Option<&str>,
        object: &str,
    ) -> Result<(), Denied> {
        self.0.authorize(action, principal, object)
    }
}
