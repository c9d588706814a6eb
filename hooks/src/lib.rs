//! modkit-hooks
