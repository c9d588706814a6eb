//! modkit-isolators
