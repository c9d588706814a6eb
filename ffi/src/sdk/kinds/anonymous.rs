//! Anonymous modules: created when loaded, live beside the host, no callbacks.

/// Marker trait; the work happens in `Create::create` and `Drop`.
pub trait Anonymous: Send + Sync {}
