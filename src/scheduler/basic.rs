//! The HTTP Basic `Authorization` header for `--principal`/`--secret`.

use base64::Engine;

/// `Basic base64(principal:secret)`, standard base64 with padding (RFC 4648) as HTTP Basic uses.
pub fn authorization(principal: &str, secret: &str) -> String {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{principal}:{secret}"));
    format!("Basic {token}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_rfc4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(
                base64::engine::general_purpose::STANDARD.encode(input),
                expected
            );
        }
        assert_eq!(authorization("ops", "s3cret"), "Basic b3BzOnMzY3JldA==");
    }
}
