//! JSON Web Tokens as signatures ([`SignatureFormat::Jwt`](crate::scheme::SignatureFormat::Jwt),
//! Plaid's `Plaid-Verification`): a compact JWS whose header names the algorithm and
//! the key, and whose claims carry the time it was issued and the body's SHA-256.
//! Microsoft Graph's `validationTokens`
//! ([`SignatureFormat::GraphValidationTokens`](crate::scheme::SignatureFormat::GraphValidationTokens)):
//! RS256 tokens in the body, each stating who sent the notification to which app.
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

/// Where Microsoft Graph's tokens are: a top-level array of the body.
pub(crate) const GRAPH_TOKENS: &str = "validationTokens";

/// The setting that names the receiving app (`aud`).
pub(crate) const GRAPH_APP_ID_SETTING: &str = "app_id";

/// The app id of Microsoft Graph's change-notification publisher: every token's
/// `appid` (or `azp`).
pub const GRAPH_PUBLISHER_APP_ID: &str = "0bf30f3b-4a52-48df-9a82-234910c4a086";

/// The issuer of a token for the tenant `tid`.
pub(crate) fn graph_issuer(tid: &str) -> String {
    format!("https://sts.windows.net/{tid}/")
}

/// The most tokens a body may carry (one per app and tenant of its items): a bound
/// on the RSA verifications a request may ask for.
pub const MAX_GRAPH_TOKENS: usize = 64;

/// The longest token read (Microsoft's are about 1.5 KB).
const MAX_GRAPH_TOKEN_LEN: usize = 16 * 1024;

/// How far past `exp` or before `nbf` a token is still taken: clocks differ.
pub(crate) const GRAPH_CLOCK_SKEW: i64 = 300;

/// What one of Microsoft Graph's tokens says besides its signature.
#[derive(Debug)]
pub(crate) struct GraphClaims<'t> {
    /// `<header>.<claims>` as sent: what is signed.
    pub(crate) signing_input: &'t [u8],
    /// The header's `kid`.
    pub(crate) key_id: Option<String>,
    pub(crate) issued_at: i64,
    pub(crate) not_before: Option<i64>,
    pub(crate) expires: i64,
    /// `tid`, the tenant the token is for.
    pub(crate) tenant: String,
    /// Whether `aud`, the publisher and the issuer are the expected ones.
    pub(crate) for_receiver: bool,
}

/// The tokens of a Microsoft Graph body: 1 to [`MAX_GRAPH_TOKENS`] strings.
pub(crate) fn graph_tokens(body: &[u8]) -> Result<Vec<String>, VerifyError> {
    let missing = || VerifyError::MissingSignature {
        header: std::borrow::Cow::Borrowed(GRAPH_TOKENS),
    };
    let tokens = match crate::delivery::json_top_level(body, GRAPH_TOKENS)? {
        None => return Err(missing()),
        Some(serde_json::Value::Array(tokens)) => tokens,
        Some(_) => return Err(malformed("validationTokens is not an array")),
    };
    if tokens.is_empty() {
        return Err(missing());
    }
    if tokens.len() > MAX_GRAPH_TOKENS {
        return Err(malformed(
            "more validation tokens than a notification carries",
        ));
    }
    tokens
        .iter()
        .map(|token| match token {
            serde_json::Value::String(text) if text.len() <= MAX_GRAPH_TOKEN_LEN => {
                Ok(text.clone())
            }
            _ => Err(malformed("a validation token is not a short string")),
        })
        .collect()
}

/// The `tenantId` of every item of a Microsoft Graph body (`value`).
pub(crate) fn graph_item_tenants(body: &[u8]) -> Result<Vec<String>, VerifyError> {
    let malformed_body = |reason| VerifyError::MalformedBody { reason };
    let Some(items) = crate::delivery::json_item_strings(body, "value", "tenantId")? else {
        return Err(malformed_body("no `value` array of notifications"));
    };
    items
        .into_iter()
        .map(|tenant| tenant.ok_or(malformed_body("a notification has no `tenantId`")))
        .collect()
}

/// Reads one of Microsoft Graph's tokens: RS256 (the header cannot choose another
/// algorithm), no critical extension, integer `iat` and `exp` (and `nbf` when
/// present), a short string `tid`. Whether it is for `app_id` from Microsoft
/// Graph (`aud`, `appid` or `azp`, `iss`) is reported, not refused here: a
/// malformed token is told from a foreign one.
pub(crate) fn parse_graph<'t>(
    text: &'t [u8],
    app_id: &str,
) -> Result<(GraphClaims<'t>, Vec<u8>), VerifyError> {
    let Compact {
        signing_input,
        key_id,
        claims,
        signature,
    } = compact(text, "RS256")?;
    let integer = |name: &str| claims.get(name).map(serde_json::Value::as_i64);
    let (Some(Some(issued_at)), Some(Some(expires))) = (integer("iat"), integer("exp")) else {
        return Err(VerifyError::MalformedTimestamp);
    };
    let not_before = match integer("nbf") {
        None => None,
        Some(Some(seconds)) => Some(seconds),
        Some(None) => return Err(VerifyError::MalformedTimestamp),
    };
    let text_claim = |name: &str| claims.get(name).and_then(serde_json::Value::as_str);
    let tenant = text_claim("tid")
        .filter(|tid| !tid.is_empty() && tid.len() <= MAX_KEY_ID_LEN)
        .ok_or(malformed("a validation token has no tenant (tid)"))?
        .to_owned();
    let audience = match claims.get("aud") {
        Some(serde_json::Value::String(aud)) => aud == app_id,
        Some(serde_json::Value::Array(auds)) => auds.iter().any(|aud| aud == app_id),
        _ => false,
    };
    let publisher = ["appid", "azp"]
        .iter()
        .any(|name| text_claim(name) == Some(GRAPH_PUBLISHER_APP_ID));
    let issuer = text_claim("iss") == Some(graph_issuer(&tenant).as_str());
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| malformed("a token signature is not base64url"))?;
    // As long as a modulus the `rsa` crate takes: 1024 to 4096 bits (8192 read, no
    // key verifies it), in whole 512-bit steps.
    if !(128..=1024).contains(&raw.len()) || raw.len() % 64 != 0 {
        return Err(malformed(
            "a token signature is not an RSA signature's length",
        ));
    }
    Ok((
        GraphClaims {
            signing_input,
            key_id,
            issued_at,
            not_before,
            expires,
            tenant,
            for_receiver: audience && publisher && issuer,
        },
        raw,
    ))
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
    let Compact {
        signing_input,
        key_id,
        claims: claims_object,
        signature,
    } = compact(
        text,
        jws_name(algorithm).ok_or(malformed("the scheme's algorithm signs no JWT"))?,
    )?;
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

/// A compact JWS, its header checked: the signed part, the header's `kid`, the
/// claims, and the signature as sent (base64url).
struct Compact<'t> {
    signing_input: &'t [u8],
    key_id: Option<String>,
    claims: serde_json::Map<String, serde_json::Value>,
    signature: &'t [u8],
}

/// Reads a compact JWS whose header names `alg` (a token cannot choose its own) and
/// carries no critical extension.
fn compact<'t>(text: &'t [u8], alg: &str) -> Result<Compact<'t>, VerifyError> {
    let mut parts = text.split(|&byte| byte == b'.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("not a compact JWT (three dot-separated parts)"));
    };
    let signing_input = &text[..header.len() + 1 + claims.len()];
    let header = json_object(header).ok_or(malformed("the JWT header is not base64url JSON"))?;
    if header.get("alg").and_then(serde_json::Value::as_str) != Some(alg) {
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
    let claims = json_object(claims).ok_or(malformed("the JWT claims are not base64url JSON"))?;
    Ok(Compact {
        signing_input,
        key_id,
        claims,
        signature,
    })
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
#[cfg(any(feature = "p256", feature = "rsa"))]
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
