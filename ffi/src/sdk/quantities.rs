//! Scalar quantities as the sorter hot path passes them: a borrowed C array, no copies.

use super::ModuleError;
use crate::bindings::{modkit_scalar, modkit_scalars};
use std::marker::PhantomData;

/// A borrowed array of `name → quantity`. Invariant: every name is UTF-8 and every value finite,
/// checked once when the view is made, so iterating is free.
#[derive(Clone, Copy, Debug)]
pub struct Quantities<'a> {
    items: &'a [modkit_scalar],
}

impl<'a> Quantities<'a> {
    pub const EMPTY: Quantities<'static> = Quantities { items: &[] };

    /// Views what the host passed. The host guarantees UTF-8 names and finite values (it builds
    /// them with [`QuantityBuf`], which refuses others), so this is O(1) on the hot path; debug
    /// builds still check every item.
    ///
    /// # Safety
    /// `raw.items` must point to `raw.len` valid scalars whose names stay readable for `'a`, and
    /// follow the host contract above.
    pub unsafe fn from_host(raw: modkit_scalars) -> Result<Self, ModuleError> {
        let items: &'a [modkit_scalar] = if raw.items.is_null() || raw.len == 0 {
            &[]
        } else {
            // SAFETY: forwarded caller contract.
            unsafe { std::slice::from_raw_parts(raw.items, raw.len) }
        };
        #[cfg(debug_assertions)]
        for item in items {
            // SAFETY: forwarded caller contract.
            let name = unsafe { crate::abi::str_from_ffi(item.name, "resource name") }?;
            if !item.value.is_finite() {
                return Err(ModuleError::invalid(format!(
                    "quantity of '{name}' is {} (must be finite)",
                    item.value
                )));
            }
        }
        Ok(Quantities { items })
    }

    pub fn to_ffi(self) -> modkit_scalars {
        modkit_scalars {
            items: self.items.as_ptr(),
            len: self.items.len(),
        }
    }

    pub fn len(self) -> usize {
        self.items.len()
    }

    pub fn is_empty(self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(self) -> impl Iterator<Item = (&'a str, f64)> {
        self.items.iter().map(|s| {
            let name = if s.name.len == 0 {
                ""
            } else {
                // SAFETY: the constructor checked that every name is readable UTF-8 for 'a.
                unsafe {
                    std::str::from_utf8_unchecked(std::slice::from_raw_parts(
                        s.name.ptr.cast::<u8>(),
                        s.name.len,
                    ))
                }
            };
            (name, s.value)
        })
    }

    /// The quantity of `name`, summed if listed more than once.
    pub fn get(self, name: &str) -> f64 {
        self.iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .sum()
    }
}

/// Owns the C array behind a [`Quantities`], borrowing the names.
#[derive(Clone, Debug, Default)]
pub struct QuantityBuf<'a> {
    items: Vec<modkit_scalar>,
    names: PhantomData<&'a str>,
}

impl<'a> QuantityBuf<'a> {
    pub fn new() -> Self {
        QuantityBuf {
            items: Vec::new(),
            names: PhantomData,
        }
    }

    /// Adds one quantity; NaN and infinities are refused (they would poison every share).
    pub fn push(&mut self, name: &'a str, value: f64) -> Result<(), ModuleError> {
        if !value.is_finite() {
            return Err(ModuleError::invalid(format!(
                "quantity of '{name}' is {value} (must be finite)"
            )));
        }
        self.items.push(modkit_scalar {
            name: crate::abi::to_ffi(name),
            value,
        });
        Ok(())
    }

    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (&'a str, f64)>,
    ) -> Result<Self, ModuleError> {
        let pairs = pairs.into_iter();
        let mut buf = QuantityBuf {
            items: Vec::with_capacity(pairs.size_hint().0),
            names: PhantomData,
        };
        for (n, v) in pairs {
            buf.push(n, v)?;
        }
        Ok(buf)
    }

    /// The scalar quantities of a resource set (ranges and sets are not quantities).
    pub fn from_resources(resources: &'a crate::resources::Resources) -> Self {
        let mut buf = QuantityBuf::new();
        for (name, value) in resources.scalars() {
            buf.items.push(modkit_scalar {
                name: crate::abi::to_ffi(name),
                value: value.as_f64(),
            });
        }
        buf
    }

    pub fn view(&self) -> Quantities<'_> {
        Quantities { items: &self.items }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_iterates_and_sums() {
        let q = QuantityBuf::from_pairs([("cpus", 1.5), ("mem", 64.0), ("cpus", 0.5)]).unwrap();
        let v = q.view();
        assert_eq!(v.len(), 3);
        assert_eq!(v.get("cpus"), 2.0);
        // SAFETY: `q` outlives the view.
        let back = unsafe { Quantities::from_host(v.to_ffi()) }.unwrap();
        assert_eq!(
            back.iter().collect::<Vec<_>>(),
            v.iter().collect::<Vec<_>>()
        );
    }

    #[test]
    #[cfg(debug_assertions)]
    fn non_finite_is_refused_with_the_name() {
        let e = QuantityBuf::from_pairs([("mem", f64::NAN)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument: quantity of 'mem' is NaN (must be finite)"
        );
        let raw = [modkit_scalar {
            name: crate::abi::to_ffi("cpus"),
            value: f64::INFINITY,
        }];
        let ffi = modkit_scalars {
            items: raw.as_ptr(),
            len: 1,
        };
        // SAFETY: `raw` is alive.
        let e = unsafe { Quantities::from_host(ffi) }.unwrap_err();
        assert!(e.to_string().contains("'cpus' is inf"), "{e}");
    }
}
