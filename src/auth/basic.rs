//! HTTP Basic `Authorization` header parsing (RFC 7617).

use super::error::AuthError;
use super::secret::Secret;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::{DecodeError, Engine};

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

/// Standard base64 (RFC 4648 §4) with optional padding (some clients drop it), canonical
/// trailing bits, no whitespace or other alphabets.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes standard base64; the error says what is wrong without showing the text (it
/// carries a secret).
pub fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    if text.ends_with('=') && text.len() % 4 != 0 {
        return Err(format!(
            "padded length {} is not a multiple of 4",
            text.len()
        ));
    }
    BASE64.decode(text).map_err(|e| match e {
        DecodeError::InvalidByte(_, b'=') => "'=' padding in the middle".to_string(),
        DecodeError::InvalidByte(_, c) => format!("byte 0x{c:02x} is not in the base64 alphabet"),
        DecodeError::InvalidLength(n) => format!("length {n} cannot be base64"),
        DecodeError::InvalidLastSymbol(..) => "trailing bits are not zero".to_string(),
        DecodeError::InvalidPadding => "bad padding".to_string(),
    })
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
