//! modkit-allocators
