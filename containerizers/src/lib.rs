//! modkit-containerizers
