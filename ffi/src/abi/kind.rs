//! Module kinds and the kind-version window a host accepts.

use crate::bindings as b;
use std::fmt;

/// A module kind (`modkit_module.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Isolator,
    Sorter,
    Allocator,
    Hook,
    Anonymous,
    DeviceProvider,
}

/// Raised for a `kind` value this host does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown module kind {0}")]
pub struct UnknownKind(pub u32);

/// The kind versions a host accepts: `min ..= current`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindVersions {
    pub min: u32,
    pub current: u32,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Isolator,
        Kind::Sorter,
        Kind::Allocator,
        Kind::Hook,
        Kind::Anonymous,
        Kind::DeviceProvider,
    ];

    pub fn from_raw(raw: u32) -> Result<Kind, UnknownKind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.raw() == raw)
            .ok_or(UnknownKind(raw))
    }

    pub const fn raw(self) -> u32 {
        (match self {
            Kind::Isolator => b::MODKIT_KIND_ISOLATOR,
            Kind::Sorter => b::MODKIT_KIND_SORTER,
            Kind::Allocator => b::MODKIT_KIND_ALLOCATOR,
            Kind::Hook => b::MODKIT_KIND_HOOK,
            Kind::Anonymous => b::MODKIT_KIND_ANONYMOUS,
            Kind::DeviceProvider => b::MODKIT_KIND_DEVICE_PROVIDER,
        }) as u32
    }

    pub const fn versions(self) -> KindVersions {
        let (min, current) = match self {
            Kind::Isolator => (b::MODKIT_ISOLATOR_MIN_VERSION, b::MODKIT_ISOLATOR_VERSION),
            Kind::Sorter => (b::MODKIT_SORTER_MIN_VERSION, b::MODKIT_SORTER_VERSION),
            Kind::Allocator => (b::MODKIT_ALLOCATOR_MIN_VERSION, b::MODKIT_ALLOCATOR_VERSION),
            Kind::Hook => (b::MODKIT_HOOK_MIN_VERSION, b::MODKIT_HOOK_VERSION),
            Kind::Anonymous => (b::MODKIT_ANONYMOUS_MIN_VERSION, b::MODKIT_ANONYMOUS_VERSION),
            Kind::DeviceProvider => (
                b::MODKIT_DEVICE_PROVIDER_MIN_VERSION,
                b::MODKIT_DEVICE_PROVIDER_VERSION,
            ),
        };
        KindVersions {
            min: min as u32,
            current: current as u32,
        }
    }

    /// The name used in tables and messages.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Isolator => "isolator",
            Kind::Sorter => "sorter",
            Kind::Allocator => "allocator",
            Kind::Hook => "hook",
            Kind::Anonymous => "anonymous",
            Kind::DeviceProvider => "device_provider",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_values_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_raw(kind.raw()), Ok(kind));
        }
        assert_eq!(Kind::from_raw(0), Err(UnknownKind(0)));
        assert_eq!(
            Kind::from_raw(99).unwrap_err().to_string(),
            "unknown module kind 99"
        );
    }

    #[test]
    fn versions_window_is_not_empty() {
        for kind in Kind::ALL {
            let v = kind.versions();
            assert!(v.min >= 1 && v.min <= v.current, "{kind}: {v:?}");
        }
    }
}
