//! A secret that never prints: `Debug` shows a placeholder, there is no `Display`, the
//! bytes are wiped on drop and compared in constant time.

use std::fmt;

/// A credential's secret bytes (a password). Only [`Secret::expose`] reveals them.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret(bytes)
    }

    /// The raw bytes, for the one comparison that needs them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Compares in time that depends on the lengths only, never on where the bytes differ,
    /// so that a client cannot find a secret byte by byte by timing 401s.
    pub fn constant_time_eq(&self, other: &[u8]) -> bool {
        let mine = &self.0;
        let len = mine.len().max(other.len());
        // A length difference counts as a difference without leaving the loop early.
        let mut diff = u8::from(mine.len() != other.len());
        for i in 0..len {
            let a = mine.get(i).copied().unwrap_or(0);
            let b = other.get(i).copied().unwrap_or(0);
            diff |= std::hint::black_box(a ^ b);
        }
        std::hint::black_box(diff) == 0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Best effort: black_box keeps the wipe from being optimised away as a dead store.
        self.0.fill(0);
        std::hint::black_box(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_bytes() {
        let s = Secret::new(b"hunter2".to_vec());
        let shown = format!("{s:?} {s:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }

    #[test]
    fn compares_equal_only_for_identical_bytes() {
        let s = Secret::new(b"abc".to_vec());
        assert!(s.constant_time_eq(b"abc"));
        assert!(!s.constant_time_eq(b"abd"));
        assert!(!s.constant_time_eq(b"ab"));
        assert!(!s.constant_time_eq(b"abc\0"));
        assert!(!s.constant_time_eq(b""));
        assert!(Secret::new(Vec::new()).constant_time_eq(b""));
    }
}
