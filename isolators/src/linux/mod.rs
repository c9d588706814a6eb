//! Linux process settings isolators: `linux/capabilities`.

pub mod capabilities;
