//! Template parts that no preset uses alone, checked against signatures computed
//! outside this crate (Python 3 `hmac`/`hashlib`/`base64`, the commands are beside
//! each value), both in one call and streamed in chunks.

use webhook_gate::scheme::{Algorithm, Encoding, Part, Scheme, SignatureFormat, SignedContent};
use webhook_gate::verify::RequestHead;
use webhook_gate::{Verifier, VerifyError};

const SECRET: &str = "template-secret";
const BODY: &[u8] = "{\"n\":1,\"text\":\"héllo\"}".as_bytes();
const TARGET: &str = "/hooks/in?a=1&b=two%20x";

/// `METHOD path?query\n<hex SHA-256 of the body>`, HMAC-SHA256 in hex.
fn path_bound() -> Verifier {
    let scheme = Scheme::builder("path-bound")
        .signature_header("X-Sig")
        .format(SignatureFormat::prefixed("sha256=", Encoding::Hex))
        .signed_content(SignedContent::parts([
            Part::Method,
            Part::text(" "),
            Part::PathAndQuery,
            Part::text("\n"),
            Part::BodySha256Hex,
        ]))
        .build()
        .unwrap();
    Verifier::new(scheme, SECRET).unwrap()
}

// hmac.new(b"template-secret", b"POST /hooks/in?a=1&b=two%20x\n"
//     + hashlib.sha256('{"n":1,"text":"héllo"}'.encode()).hexdigest().encode(),
//     hashlib.sha256).hexdigest()
const PATH_BOUND_SIGNATURE: &str =
    "sha256=bcb15138933cae34a85e79a8bdb54aeffe81d9b9a4c1ef64dbe57e77d0fd93b8";

fn path_bound_check(method: &str, target: &str, body: &[u8]) -> Result<(), VerifyError> {
    let headers = [("X-Sig", PATH_BOUND_SIGNATURE)];
    let verifier = path_bound();
    let head = RequestHead::new(method, target, &headers[..]);
    let whole = verifier.verify_request(&head, body).map(drop);
    let mut pending = verifier.begin_request(&head)?;
    for chunk in body.chunks(3) {
        pending.update(chunk);
    }
    let streamed = pending.finish().map(drop);
    assert_eq!(whole, streamed, "one call and chunks judge alike");
    whole
}

#[test]
fn path_and_query_and_the_body_digest_are_signed_as_received() {
    // hashlib.sha256('{"n":1,"text":"héllo"}'.encode()).hexdigest()
    assert_eq!(
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(BODY)),
        "302867f85e0cfe630af020145cb48facaeb48bc09ed0fe92d8478800baa0f6f4"
    );
    assert_eq!(path_bound_check("POST", TARGET, BODY), Ok(()));
    // The query as received: not decoded, not reordered.
    for target in [
        "/hooks/in?a=1&b=two x",
        "/hooks/in?b=two%20x&a=1",
        "/hooks/in?a=1&b=two%20y",
        "/hooks/in",
        "/hooks/in/?a=1&b=two%20x",
    ] {
        assert_eq!(
            path_bound_check("POST", target, BODY),
            Err(VerifyError::NoMatchingSignature),
            "{target}"
        );
    }
    assert_eq!(
        path_bound_check("PUT", TARGET, BODY),
        Err(VerifyError::NoMatchingSignature)
    );
    let mut tampered = BODY.to_vec();
    tampered[5] = b'2';
    assert_eq!(
        path_bound_check("POST", TARGET, &tampered),
        Err(VerifyError::NoMatchingSignature)
    );
}

#[test]
fn a_path_bound_scheme_without_the_request_head_is_refused() {
    let headers = [("X-Sig", PATH_BOUND_SIGNATURE)];
    let refused = path_bound().verify(&headers[..], BODY).unwrap_err();
    assert!(
        matches!(refused, VerifyError::MissingHeader { .. }),
        "{refused:?}"
    );
}

/// `<X-Ts>.<body.event>.<body.amount>`, HMAC-SHA512 in base64.
fn json_fields() -> Verifier {
    let scheme = Scheme::builder("json-fields")
        .algorithm(Algorithm::HmacSha512)
        .signature_header("X-Sig")
        .format(SignatureFormat::prefixed("", Encoding::Base64))
        .signed_content(SignedContent::parts([
            Part::Header("X-Ts".into()),
            Part::text("."),
            Part::JsonField("event".into()),
            Part::text("."),
            Part::JsonField("amount".into()),
        ]))
        .build()
        .unwrap();
    Verifier::new(scheme, SECRET).unwrap()
}

// base64.b64encode(hmac.new(b"template-secret", b"1750000000.order.paid.1250",
//     hashlib.sha512).digest())
const JSON_FIELDS_SIGNATURE: &str =
    "W+KwQcXlGB2p7QWmHi1Vlijd4neJ65+BHx1+Xsef8mQW2JxNmyF/GOK/pJNyZa/OHI74nVcHaooIi27PHKLOPA==";

fn json_fields_check(body: &str) -> Result<(), VerifyError> {
    let headers = [("X-Ts", "1750000000"), ("X-Sig", JSON_FIELDS_SIGNATURE)];
    let verifier = json_fields();
    let whole = verifier.verify(&headers[..], body.as_bytes()).map(drop);
    let mut pending = verifier.begin(&headers[..])?;
    for chunk in body.as_bytes().chunks(4) {
        pending.update(chunk);
    }
    assert_eq!(
        whole,
        pending.finish().map(drop),
        "one call and chunks judge alike"
    );
    whole
}

#[test]
fn json_fields_of_the_body_are_signed_as_text() {
    let body = r#"{"event":"order.paid","amount":1250,"note":"x"}"#;
    assert_eq!(json_fields_check(body), Ok(()));
    // Member order and whitespace are not signed; the fields are.
    assert_eq!(
        json_fields_check(r#"{ "amount": 1250, "note": "other", "event": "order.paid" }"#),
        Ok(())
    );
    for tampered in [
        r#"{"event":"order.paid","amount":1251,"note":"x"}"#,
        r#"{"event":"order.refunded","amount":1250,"note":"x"}"#,
        r#"{"event":"order.paid","amount":"1251","note":"x"}"#,
    ] {
        assert_eq!(
            json_fields_check(tampered),
            Err(VerifyError::NoMatchingSignature),
            "{tampered}"
        );
    }
}

#[test]
fn a_signed_json_field_that_is_absent_or_not_json_is_refused() {
    for body in [
        r#"{"event":"order.paid"}"#,
        "event=order.paid&amount=1250",
        "",
    ] {
        let refused = json_fields_check(body).unwrap_err();
        assert_ne!(refused, VerifyError::NoMatchingSignature, "{body}");
        assert!(
            matches!(refused, VerifyError::MalformedBody { .. }),
            "{body}: {refused:?}"
        );
    }
}
