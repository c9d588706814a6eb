//! Framework authentication (HTTP Basic against `--credentials`) and authorization
//! (`--acls`, Mesos's local authorizer rules), for the master's HTTP APIs.

mod acls;
mod basic;
mod credentials;
mod error;
mod policy;
mod secret;
mod source;

pub use acls::{Acls, Action, Denied};
pub use basic::{decode_base64, parse_basic, BasicCredentials};
pub use credentials::Credentials;
pub use error::{AuthError, FORBIDDEN, UNAUTHORIZED, WWW_AUTHENTICATE};
pub use policy::AuthPolicy;
pub use secret::Secret;
