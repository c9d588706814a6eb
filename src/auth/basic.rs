//! HTTP Basic `Authorization` header parsing (RFC 7617) with a small base64 decoder,
//! so that no crate is needed for the one place the master decodes base64.

use super::error::AuthError;
use super::secret::Secret;

/// The principal and secret a Basic header carries.
pub struct BasicCredentials {
    pub principal: String,
    pub secret: Secret,
}

/// Splits `Basic <base64(principal:secret)>`. The scheme is case-insensitive (RFC 7235);
/// the principal ends at the first `:` (RFC 7617), so the secret may contain colons.
pub fn parse_basic(header: &str) -> Result<BasicCredentials, AuthError> {
    let header = header.trim();
    let (scheme, token) = match header.split_once([' ', '\t']) {
        Some((scheme, token)) => (scheme, token.trim()),
        None => (header, ""),
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(AuthError::NotBasic {
            scheme: scheme.chars().take(32).collect(),
        });
    }
    if token.is_empty() {
        return Err(AuthError::BadBase64 {
            reason: "the token is empty".into(),
        });
    }
    let decoded = decode_base64(token).map_err(|reason| AuthError::BadBase64 { reason })?;
    let colon = decoded
        .iter()
        .position(|&b| b == b':')
        .ok_or(AuthError::NoColon)?;
    let principal =
        String::from_utf8(decoded[..colon].to_vec()).map_err(|_| AuthError::BadBase64 {
            reason: "the principal is not UTF-8".into(),
        })?;
    let secret = Secret::new(decoded[colon + 1..].to_vec());
    // The decoded buffer held the secret too; wipe it before it is freed.
    drop(Secret::new(decoded));
    Ok(BasicCredentials { principal, secret })
}

/// The value of one base64 character of the standard alphabet.
fn sextet(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes standard base64 (RFC 4648 §4). Padding is optional (some clients drop it) but,
/// when present, must be correct; whitespace and other alphabets are refused.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let body = bytes
        .strip_suffix(b"==")
        .or_else(|| bytes.strip_suffix(b"="));
    let (body, padded) = match body {
        Some(body) => (body, true),
        None => (bytes, false),
    };
    if padded && (bytes.len() % 4 != 0) {
        return Err(format!(
            "padded length {} is not a multiple of 4",
            bytes.len()
        ));
    }
    // A stray character is the likelier mistake, so it is reported before a bad length.
    if let Some(&c) = body.iter().find(|&&c| sextet(c).is_none()) {
        return Err(if c == b'=' {
            "'=' padding in the middle".to_string()
        } else {
            format!("byte 0x{c:02x} is not in the base64 alphabet")
        });
    }
    if body.len() % 4 == 1 {
        return Err(format!("length {} cannot be base64", body.len()));
    }
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
    for chunk in body.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            // Checked above: every byte of `body` is in the alphabet.
            acc |= sextet(c).unwrap_or(0) << (18 - 6 * i);
        }
        let full = [(acc >> 16) as u8, (acc >> 8) as u8, acc as u8];
        // 2 characters carry 1 byte, 3 carry 2, 4 carry 3.
        let n = chunk.len() - 1;
        // Bits below the last byte must be zero, else the text is not canonical base64.
        if n < 3 && full[n] != 0 {
            return Err("trailing bits are not zero".into());
        }
        out.extend_from_slice(&full[..n]);
    }
    if padded && (body.len() % 4 == 0) {
        return Err("padding after a complete group".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_rfc4648_vectors_with_and_without_padding() {
        let vectors = [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
            ("Zg", "f"),
            ("Zm8", "fo"),
        ];
        for (text, plain) in vectors {
            assert_eq!(decode_base64(text).unwrap(), plain.as_bytes(), "{text}");
        }
        assert_eq!(decode_base64("+/+/").unwrap(), vec![0xfb, 0xff, 0xbf]);
    }

    #[test]
    fn refuses_bad_base64() {
        for (text, why) in [
            ("Z", "cannot be base64"),
            ("Zm9v!", "0x21"),
            ("Zm=v", "padding in the middle"),
            ("Zm9=", "trailing bits"),
            ("Zm8==", "multiple of 4"),
            ("Zm9v====", "padding"),
            ("Zm 9v", "0x20"),
            ("Zm9v-_", "0x2d"),
        ] {
            let err = decode_base64(text).expect_err(text);
            assert!(err.contains(why), "{text}: {err}");
        }
    }

    /// `Basic base64(plain)`; encoding lives only in tests (the master never encodes).
    fn header(plain: &str) -> String {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(plain)
        )
    }

    #[test]
    fn parses_principal_and_secret_splitting_at_the_first_colon() {
        let creds = parse_basic(&header("ops:s3:cr:et")).unwrap();
        assert_eq!(creds.principal, "ops");
        assert_eq!(creds.secret.expose(), b"s3:cr:et");

        let creds = parse_basic(&header("ops:")).unwrap();
        assert_eq!(creds.secret.expose(), b"");

        let lower = header("a:b").replacen("Basic", "basic", 1);
        assert_eq!(parse_basic(&lower).unwrap().principal, "a");
    }

    #[test]
    fn header_errors_are_distinct() {
        assert!(matches!(
            parse_basic("Bearer abc"),
            Err(AuthError::NotBasic { scheme }) if scheme == "Bearer"
        ));
        assert!(matches!(
            parse_basic("Basic"),
            Err(AuthError::BadBase64 { .. })
        ));
        assert!(matches!(
            parse_basic("Basic %%%"),
            Err(AuthError::BadBase64 { .. })
        ));
        assert!(matches!(
            parse_basic(&header("nocolon")),
            Err(AuthError::NoColon)
        ));
        // 0xff 0xfe ':' 'x' is base64 "//46eA==".
        assert!(matches!(
            parse_basic("Basic //46eA=="),
            Err(AuthError::BadBase64 { reason }) if reason.contains("UTF-8")
        ));
    }
}
