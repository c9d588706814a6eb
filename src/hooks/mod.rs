//! Hooks (`--hooks=a,b`, `--hook_error_policy=warn|fail`): the chain of hook modules the agent
//! and the master run their decorators through. Nothing here knows about the agent or the
//! master; each calls the decorators it has.

mod chain;
mod decorators;
mod error;
mod flags;
mod policy;
#[cfg(test)]
mod tests;

pub use chain::HookChain;
pub use error::HookError;
pub use flags::HookArgs;
pub use policy::HookErrorPolicy;
