//! JSON Web Tokens as signatures ([`SignatureFormat::Jwt`](crate::scheme::SignatureFormat::Jwt),
//! Plaid's `Plaid-Verification`): a compact JWS whose header names the algorithm and
//! the key, and whose claims carry the time it was issued and the body's SHA-256.
//! Bounded and never panicking, like every parser here.

use base64::Engine as _;

use crate::error::VerifyError;
use crate::scheme::Algorithm;
use crate::signature::SignatureBytes;

/// The longest key id kept from a token's header.
pub(crate) const MAX_KEY_ID_LEN: usize = 256;

/// What a token says besides its signature.
#[derive(Debug)]
pub(crate) struct Claims<'h> {
    /// The token's header and claims as sent (`<header>.<claims>`): what is signed.
    pub(crate) signing_input: &'h [u8],
    /// The header's `kid`.
    pub(crate) key_id: Option<String>,
    /// `iat`, unix seconds.
    pub(crate) issued_at: i64,
    /// The claim that binds the body: its SHA-256.
    pub(crate) body_sha256: SignatureBytes,
}

const fn malformed(reason: &'static str) -> VerifyError {
    VerifyError::MalformedSignature { reason }
}

/// The JWS name of the algorithm a scheme verifies with.
pub(crate) fn jws_name(algorithm: Algorithm) -> Option<&'static str> {
    match algorithm {
        Algorithm::EcdsaP256Sha256 => Some("ES256"),
        _ => None,
    }
}

/// Reads a compact JWS: its claims, and its signature in the form the algorithm's
/// verifier takes (DER for ECDSA). The header must name the scheme's algorithm (a
/// token cannot choose its own) and carry no critical extension; the claims must
/// hold `iat` (an integer) and `body_claim` (the body's SHA-256, 64 lowercase hex
/// digits).
pub(crate) fn parse<'h>(
    text: &'h [u8],
    algorithm: Algorithm,
    body_claim: &str,
) -> Result<(Claims<'h>, SignatureBytes), VerifyError> {
    let mut parts = text.split(|&byte| byte == b'.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("not a compact JWT (three dot-separated parts)"));
    };
    let signing_input = &text[..header.len() + 1 + claims.len()];
    let header = json_object(header).ok_or(malformed("the JWT header is not base64url JSON"))?;
    if header.get("alg").and_then(serde_json::Value::as_str) != jws_name(algorithm) {
        return Err(malformed("the JWT's algorithm is not the scheme's"));
    }
    if header.contains_key("crit") {
        return Err(malformed("the JWT has critical extensions"));
    }
    let key_id = match header.get("kid") {
        None => None,
        Some(serde_json::Value::String(id)) if id.len() <= MAX_KEY_ID_LEN => Some(id.clone()),
        Some(_) => return Err(malformed("the JWT's kid is not a short string")),
    };
    let claims_object =
        json_object(claims).ok_or(malformed("the JWT claims are not base64url JSON"))?;
    let issued_at = claims_object
        .get("iat")
        .and_then(serde_json::Value::as_i64)
        .ok_or(malformed("the JWT has no integer iat"))?;
    let body_sha256 = claims_object
        .get(body_claim)
        .and_then(serde_json::Value::as_str)
        .filter(|hex| {
            hex.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
        .and_then(|hex| {
            crate::signature::decode(hex.as_bytes(), crate::scheme::Encoding::Hex, Some(32))
        })
        .ok_or(malformed(
            "the JWT's body digest is not 64 lowercase hex digits",
        ))?;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| malformed("the JWT signature is not base64url"))?;
    let signature = der_signature(algorithm, &raw)
        .ok_or(malformed("the JWT signature is not one of the algorithm's"))?;
    Ok((
        Claims {
            signing_input,
            key_id,
            issued_at,
            body_sha256,
        },
        signature,
    ))
}

fn json_object(part: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(object) => Some(object),
        _ => None,
    }
}

/// A JWS signature (`r || s` for ECDSA) as the verifier takes it (DER).
#[cfg_attr(not(feature = "p256"), allow(unused_variables))]
fn der_signature(algorithm: Algorithm, raw: &[u8]) -> Option<SignatureBytes> {
    match algorithm {
        #[cfg(feature = "p256")]
        Algorithm::EcdsaP256Sha256 => {
            let signature = p256::ecdsa::Signature::from_slice(raw).ok()?;
            SignatureBytes::from_slice(signature.to_der().as_bytes())
        }
        _ => None,
    }
}

/// The compact JWS of `claims` under `header`, signed by `sign` (which returns the
/// JWS signature bytes).
#[cfg(feature = "p256")]
pub(crate) fn encode(
    header: &serde_json::Value,
    claims: &serde_json::Value,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let signing_input = format!(
        "{}.{}",
        engine.encode(header.to_string()),
        engine.encode(claims.to_string())
    );
    let signature = sign(signing_input.as_bytes());
    format!("{signing_input}.{}", engine.encode(signature))
}

#[cfg(all(test, feature = "p256"))]
mod tests {
    use super::*;

    // Plaid's key and token as a Plaid customer received them (Stack Overflow
    // question 62117400, 2020); the token verifies under the key with PyJWT and jose.
    const TOKEN: &str = "eyJhbGciOiJFUzI1NiIsImtpZCI6IjZjNTUxNmUxLTkyZGMtNDc5ZS1hOGZmLTVhNTE5OTJlMDAwMSIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE1OTA4ODcwMDEsInJlcXVlc3RfYm9keV9zaGEyNTYiOiJiNjNhMDdiNTQ3YjAwZjk5MjU0N2Y2YmJjOGQ5YWNjNjFhOGNjZWUxMzhiYzgyZjQ0YTZiYWEwOTY4M2E1ZDBmIn0.OOKvIihgqCj7Qrb2bmz7T3t7uK-0JyjiEqL2s1kWeJBM4MMmjaHKK8GmU_z91QolBWMzvPgs718EElY-rE3cwQ";

    #[test]
    fn reads_plaids_token() {
        let (claims, signature) = parse(
            TOKEN.as_bytes(),
            Algorithm::EcdsaP256Sha256,
            "request_body_sha256",
        )
        .unwrap();
        assert_eq!(claims.issued_at, 1_590_887_001);
        assert_eq!(
            claims.key_id.as_deref(),
            Some("6c5516e1-92dc-479e-a8ff-5a51992e0001")
        );
        assert_eq!(
            crate::signature::encode(claims.body_sha256.as_slice(), crate::scheme::Encoding::Hex),
            "b63a07b547b00f992547f6bbc8d9acc61a8ccee138bc82f44a6baa09683a5d0f"
        );
        assert_eq!(
            claims.signing_input,
            &TOKEN.as_bytes()[..TOKEN.rfind('.').unwrap()]
        );
        // DER: a SEQUENCE of two INTEGERs.
        assert_eq!(signature.as_slice()[0], 0x30);
    }

    #[test]
    fn refuses_what_is_not_an_es256_token() {
        let refused = |text: &str| {
            parse(
                text.as_bytes(),
                Algorithm::EcdsaP256Sha256,
                "request_body_sha256",
            )
            .is_err()
        };
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let token = |header: &str, claims: &str, signature: &[u8]| {
            format!(
                "{}.{}.{}",
                engine.encode(header),
                engine.encode(claims),
                engine.encode(signature)
            )
        };
        let claims = r#"{"iat":1,"request_body_sha256":"b63a07b547b00f992547f6bbc8d9acc61a8ccee138bc82f44a6baa09683a5d0f"}"#;
        let signature = [1u8; 64];
        assert!(!refused(&token(r#"{"alg":"ES256"}"#, claims, &signature)));
        assert!(refused(&token(r#"{"alg":"HS256"}"#, claims, &signature)));
        assert!(refused(&token(r#"{"alg":"none"}"#, claims, &signature)));
        assert!(refused(&token(
            r#"{"alg":"ES256","crit":["b64"]}"#,
            claims,
            &signature
        )));
        assert!(refused(&token(r#"{"alg":"ES256"}"#, claims, &[1u8; 63])));
        assert!(refused(&token(
            r#"{"alg":"ES256"}"#,
            r#"{"iat":"1"}"#,
            &signature
        )));
        assert!(refused(&token(
            r#"{"alg":"ES256"}"#,
            &claims.replace("b63a07", "B63A07"),
            &signature
        )));
        assert!(refused("a.b"));
        assert!(refused("a.b.c.d"));
        assert!(refused(&TOKEN.replace('.', "..")));
    }
}
