//! RecordIO, the framing of Mesos's streaming HTTP responses (SUBSCRIBE, agent streams):
//! each record is its length in bytes as ASCII decimal, a newline, then the record.

use thiserror::Error;

/// A record larger than this is refused rather than buffered (a garbage length must not make
/// the reader allocate gigabytes).
pub const MAX_RECORD_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum RecordIoError {
    #[error("RecordIO: record length {0:?} is not a decimal number")]
    BadLength(String),
    #[error("RecordIO: record length {0} exceeds the limit of {MAX_RECORD_BYTES} bytes")]
    TooLarge(usize),
    #[error("RecordIO: stream ended inside a record ({0} bytes buffered)")]
    Truncated(usize),
}

/// Frames one record.
pub fn encode(record: &[u8]) -> Vec<u8> {
    let mut out = format!("{}\n", record.len()).into_bytes();
    out.extend_from_slice(record);
    out
}

/// Incremental reader: feed bytes as they arrive, take whole records out.
#[derive(Debug, Default)]
pub struct Decoder {
    buffer: Vec<u8>,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Appends `bytes` and returns every record now complete, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, RecordIoError> {
        self.buffer.extend_from_slice(bytes);
        let mut records = Vec::new();
        let mut start = 0;
        loop {
            let rest = &self.buffer[start..];
            let Some(newline) = rest.iter().position(|&b| b == b'\n') else {
                if rest.len() > 20 {
                    return Err(RecordIoError::BadLength(
                        String::from_utf8_lossy(&rest[..20]).into_owned(),
                    ));
                }
                break;
            };
            let text = String::from_utf8_lossy(&rest[..newline]).into_owned();
            let length: usize = text
                .trim()
                .parse()
                .map_err(|_| RecordIoError::BadLength(text.clone()))?;
            if length > MAX_RECORD_BYTES {
                return Err(RecordIoError::TooLarge(length));
            }
            let body = newline + 1;
            if rest.len() < body + length {
                break;
            }
            records.push(rest[body..body + length].to_vec());
            start += body + length;
        }
        self.buffer.drain(..start);
        Ok(records)
    }

    /// Call at end of stream: a partial record left over is an error.
    pub fn finish(&self) -> Result<(), RecordIoError> {
        if self.buffer.is_empty() {
            Ok(())
        } else {
            Err(RecordIoError::Truncated(self.buffer.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_records_split_at_every_byte() {
        let mut stream = encode(br#"{"type":"SUBSCRIBED"}"#);
        stream.extend(encode(b""));
        stream.extend(encode("héllo".as_bytes()));
        for split in 0..stream.len() {
            let mut decoder = Decoder::new();
            let mut records = decoder.feed(&stream[..split]).unwrap();
            records.extend(decoder.feed(&stream[split..]).unwrap());
            decoder.finish().unwrap();
            assert_eq!(
                records,
                vec![
                    br#"{"type":"SUBSCRIBED"}"#.to_vec(),
                    Vec::new(),
                    "héllo".as_bytes().to_vec()
                ]
            );
        }
    }

    #[test]
    fn garbage_length_is_an_error_naming_it() {
        let err = Decoder::new().feed(b"12x\n{}").unwrap_err();
        assert_eq!(err, RecordIoError::BadLength("12x".into()));
        assert!(err.to_string().contains("\"12x\""));
    }

    #[test]
    fn endless_length_line_and_huge_length_are_refused() {
        assert!(matches!(
            Decoder::new().feed(&[b'1'; 64]),
            Err(RecordIoError::BadLength(_))
        ));
        assert_eq!(
            Decoder::new().feed(b"99999999999\n"),
            Err(RecordIoError::TooLarge(99_999_999_999))
        );
    }

    #[test]
    fn truncated_stream_is_reported_at_finish() {
        let mut decoder = Decoder::new();
        assert!(decoder.feed(b"10\nabc").unwrap().is_empty());
        assert_eq!(decoder.finish(), Err(RecordIoError::Truncated(6)));
    }
}
