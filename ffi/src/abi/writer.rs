//! `modkit_writer`: the host-supplied sink every output and error message goes through.

use super::read_sized;
use crate::bindings::{modkit_status, modkit_writer};
use std::ffi::{c_char, c_void};

/// A write through a `modkit_writer` failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriterError {
    #[error("the host refused the output (status {0})")]
    Refused(modkit_status),
    #[error("output exceeds the host's bound of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("{0}")]
    Rejected(String),
    /// The host needs no more items (`MODKIT_STOP`); not an error.
    #[error("the host needs no more items")]
    Stop,
}

/// Writes `data` through `w`. A null writer, or one whose `write` is absent, swallows the bytes
/// (the host did not ask for that output).
///
/// # Safety
/// `w` must be null or point to a valid `modkit_writer` for the duration of the call.
pub unsafe fn write_bytes(w: *mut modkit_writer, data: &[u8]) -> Result<(), WriterError> {
    if w.is_null() {
        return Ok(());
    }
    // SAFETY: non-null and valid per the caller's contract; `size` is the writer's first field.
    let writer = unsafe { read_sized(w, (*w).size as usize) };
    let Some(write) = writer.write else {
        return Ok(());
    };
    // SAFETY: `write` came from the host with its matching `ctx`; `data` is valid for the call.
    let status = unsafe { write(writer.ctx, data.as_ptr().cast::<c_char>(), data.len()) };
    match status {
        super::status::OK => Ok(()),
        super::status::STOP => Err(WriterError::Stop),
        _ => Err(WriterError::Refused(status)),
    }
}

/// Where a [`Collector`] sends each write.
pub trait ByteSink {
    fn accept(&mut self, data: &[u8]) -> Result<(), WriterError>;
}

impl ByteSink for Vec<u8> {
    fn accept(&mut self, data: &[u8]) -> Result<(), WriterError> {
        self.extend_from_slice(data);
        Ok(())
    }
}

impl<F: FnMut(&[u8]) -> Result<(), WriterError>> ByteSink for F {
    fn accept(&mut self, data: &[u8]) -> Result<(), WriterError> {
        self(data)
    }
}

/// The host's side of a `modkit_writer`: collects what a module writes into a bounded sink, so a
/// module that writes without end gets a refusal instead of exhausting the host's memory.
pub struct Collector<S: ByteSink> {
    sink: S,
    written: usize,
    limit: usize,
    overflowed: bool,
    refused: Option<WriterError>,
    /// The sink asked for no more items; later writes are answered STOP without reaching it.
    stopped: bool,
}

impl<S: ByteSink> Collector<S> {
    /// Default bound for one output: 16 MiB.
    pub const DEFAULT_LIMIT: usize = 16 << 20;

    pub fn new(sink: S) -> Self {
        Self::with_limit(sink, Self::DEFAULT_LIMIT)
    }

    pub fn with_limit(sink: S, limit: usize) -> Self {
        Self {
            sink,
            written: 0,
            limit,
            overflowed: false,
            refused: None,
            stopped: false,
        }
    }

    /// A `modkit_writer` pointing at this collector; valid while `self` is neither moved nor dropped.
    pub fn writer(&mut self) -> modkit_writer {
        modkit_writer {
            size: std::mem::size_of::<modkit_writer>() as u32,
            ctx: (self as *mut Self).cast::<c_void>(),
            write: Some(Self::write_cb),
        }
    }

    /// The first refusal, if any write was refused (over the limit or by the sink).
    pub fn error(&self) -> Option<&WriterError> {
        self.refused.as_ref()
    }

    pub fn is_empty(&self) -> bool {
        self.written == 0
    }

    pub fn into_inner(self) -> S {
        self.sink
    }

    unsafe extern "C" fn write_cb(
        ctx: *mut c_void,
        data: *const c_char,
        len: usize,
    ) -> modkit_status {
        // A panic here would unwind into the module's C frames: keep this body panic-free.
        // SAFETY: `ctx` is the `&mut Collector` set by `writer()`, alive for the call.
        let this = unsafe { &mut *ctx.cast::<Self>() };
        if this.stopped {
            return super::status::STOP;
        }
        if this.overflowed || this.refused.is_some() {
            return super::status::ERROR;
        }
        if len > this.limit.saturating_sub(this.written) {
            this.overflowed = true;
            this.refused = Some(WriterError::TooLarge { limit: this.limit });
            return super::status::ERROR;
        }
        let bytes = if len == 0 || data.is_null() {
            &[][..]
        } else {
            // SAFETY: the module hands `len` readable bytes at `data` for this call.
            unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) }
        };
        match this.sink.accept(bytes) {
            Ok(()) => {
                this.written += len;
                super::status::OK
            }
            Err(WriterError::Stop) => {
                this.stopped = true;
                super::status::STOP
            }
            Err(e) => {
                this.refused = Some(e);
                super::status::ERROR
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_and_bounds() {
        let mut c = Collector::with_limit(Vec::new(), 8);
        let mut w = c.writer();
        // SAFETY: `w` points at `c`, alive for these calls.
        unsafe {
            assert_eq!(write_bytes(&mut w, b"hello"), Ok(()));
            assert_eq!(write_bytes(&mut w, b" world"), Err(WriterError::Refused(1)));
            assert_eq!(write_bytes(&mut w, b"!"), Err(WriterError::Refused(1)));
        }
        assert_eq!(c.error(), Some(&WriterError::TooLarge { limit: 8 }));
        assert_eq!(c.into_inner(), b"hello");
    }

    #[test]
    fn item_sink_sees_each_write() {
        let mut items = Vec::new();
        let mut c = Collector::new(|d: &[u8]| {
            items.push(String::from_utf8_lossy(d).into_owned());
            Ok(())
        });
        let mut w = c.writer();
        // SAFETY: `w` points at `c`, alive for these calls.
        unsafe {
            write_bytes(&mut w, b"a").unwrap();
            write_bytes(&mut w, b"b/c").unwrap();
        }
        drop(c);
        assert_eq!(items, ["a", "b/c"]);
    }

    #[test]
    fn a_stop_reaches_the_sink_once() {
        let mut seen = 0;
        let mut c = Collector::new(|_: &[u8]| {
            seen += 1;
            Err(WriterError::Stop)
        });
        let mut w = c.writer();
        // SAFETY: `w` points at `c`, alive for these calls.
        unsafe {
            assert_eq!(write_bytes(&mut w, b"a"), Err(WriterError::Stop));
            assert_eq!(write_bytes(&mut w, b"b"), Err(WriterError::Stop));
        }
        assert_eq!(c.error(), None);
        drop(c);
        assert_eq!(seen, 1);
    }

    #[test]
    fn null_writer_swallows() {
        // SAFETY: a null writer is allowed.
        assert_eq!(unsafe { write_bytes(std::ptr::null_mut(), b"x") }, Ok(()));
    }
}
