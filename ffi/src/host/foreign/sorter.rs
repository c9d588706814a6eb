//! [`Sorter`] over a C `modkit_sorter_vtable`.

use super::{parse_output, Handle};
use crate::abi::to_ffi;
use crate::bindings::modkit_sorter_vtable;
use crate::sdk::{ModuleError, Quantities, Result, Sorter};
use std::collections::BTreeMap;

pub(crate) struct ForeignSorter {
    handle: Handle,
    vt: modkit_sorter_vtable,
}

impl ForeignSorter {
    pub(crate) fn new(handle: Handle, vt: modkit_sorter_vtable) -> Self {
        ForeignSorter { handle, vt }
    }
}

/// Calls a required entry (the descriptor check guarantees presence).
macro_rules! entry {
    ($self:ident . $name:ident) => {
        $self
            .vt
            .$name
            .ok_or_else(|| ModuleError::Unsupported(stringify!($name).into()))?
    };
}

impl Sorter for ForeignSorter {
    fn add_client(&mut self, client: &str) -> Result<()> {
        let f = entry!(self.add_client);
        // SAFETY (every call below): live instance, arguments borrowed for the call, writers valid.
        self.handle.call(|i, e| unsafe { f(i, to_ffi(client), e) })
    }

    fn remove_client(&mut self, client: &str) -> Result<()> {
        let f = entry!(self.remove_client);
        // SAFETY: see add_client.
        self.handle.call(|i, e| unsafe { f(i, to_ffi(client), e) })
    }

    fn activate(&mut self, client: &str) -> Result<()> {
        let f = entry!(self.activate);
        // SAFETY: see add_client.
        self.handle.call(|i, e| unsafe { f(i, to_ffi(client), e) })
    }

    fn deactivate(&mut self, client: &str) -> Result<()> {
        let f = entry!(self.deactivate);
        // SAFETY: see add_client.
        self.handle.call(|i, e| unsafe { f(i, to_ffi(client), e) })
    }

    fn update_weight(&mut self, path: &str, weight: f64) -> Result<()> {
        let f = entry!(self.update_weight);
        // SAFETY: see add_client.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(path), weight, e) })
    }

    fn add_agent(&mut self, agent: &str, total: Quantities<'_>) -> Result<()> {
        let f = entry!(self.add_agent);
        // SAFETY: see add_client.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(agent), total.to_ffi(), e) })
    }

    fn remove_agent(&mut self, agent: &str) -> Result<()> {
        let f = entry!(self.remove_agent);
        // SAFETY: see add_client.
        self.handle.call(|i, e| unsafe { f(i, to_ffi(agent), e) })
    }

    fn allocated(&mut self, client: &str, agent: &str, resources: Quantities<'_>) -> Result<()> {
        let f = entry!(self.allocated);
        // SAFETY: see add_client.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(client), to_ffi(agent), resources.to_ffi(), e) })
    }

    fn update(
        &mut self,
        client: &str,
        agent: &str,
        old: Quantities<'_>,
        new: Quantities<'_>,
    ) -> Result<()> {
        let f = entry!(self.update);
        // SAFETY: see add_client.
        self.handle.call(|i, e| unsafe {
            f(
                i,
                to_ffi(client),
                to_ffi(agent),
                old.to_ffi(),
                new.to_ffi(),
                e,
            )
        })
    }

    fn unallocated(&mut self, client: &str, agent: &str, resources: Quantities<'_>) -> Result<()> {
        let f = entry!(self.unallocated);
        // SAFETY: see add_client.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(client), to_ffi(agent), resources.to_ffi(), e) })
    }

    fn allocation(&mut self, client: &str) -> Result<Vec<(String, f64)>> {
        let f = entry!(self.allocation);
        // SAFETY: see add_client.
        let bytes = self
            .handle
            .call_out(Vec::new(), |i, o, e| unsafe { f(i, to_ffi(client), o, e) })?;
        let map: Option<BTreeMap<String, f64>> =
            parse_output(&bytes, "allocation (a JSON object of name to quantity)")?;
        Ok(map.unwrap_or_default().into_iter().collect())
    }

    fn sort(&mut self, out: &mut dyn FnMut(&str) -> bool) -> Result<()> {
        let f = entry!(self.sort);
        let sink = |item: &[u8]| -> std::result::Result<(), crate::abi::WriterError> {
            match std::str::from_utf8(item) {
                Ok(client) if out(client) => Ok(()),
                Ok(_) => Err(crate::abi::WriterError::Stop),
                Err(e) => Err(crate::abi::WriterError::Rejected(format!(
                    "sort wrote a client name that is not UTF-8 ({e})"
                ))),
            }
        };
        // SAFETY: see add_client.
        match self.handle.call_out(sink, |i, o, e| unsafe { f(i, o, e) }) {
            Ok(_) => Ok(()),
            // A module may hand the stop back as its status.
            Err(ModuleError::UnknownStatus { status, .. })
                if status == crate::abi::status::STOP =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn contains(&mut self, client: &str) -> Result<bool> {
        let f = entry!(self.contains);
        let mut out = false;
        // SAFETY: see add_client; `out` lives across the call.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(client), &mut out, e) })?;
        Ok(out)
    }

    fn count(&mut self) -> Result<usize> {
        let f = entry!(self.count);
        let mut out = 0usize;
        // SAFETY: see add_client; `out` lives across the call.
        self.handle.call(|i, e| unsafe { f(i, &mut out, e) })?;
        Ok(out)
    }
}
