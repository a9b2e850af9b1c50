"""Plaid webhook vectors. `Plaid-Verification` carries a JWT (compact JWS, ES256):
header {"alg":"ES256","kid":...,"typ":"JWT"}, claims {"iat", "request_body_sha256"}
(the raw body's SHA-256, lowercase hex); the key is the JWK Plaid's
/webhook_verification_key/get returns for the kid; the token at most 5 minutes
old (plaid.com/docs/api/webhooks/webhook-verification/). Plaid ships no verifier
in its SDKs (the docs' sample uses jose).

The first two vectors are a token Plaid sent a customer, with the JWK Plaid
returned for its kid (Stack Overflow question 62117400, 2020; third party); the
customer posted the body parsed, and its bytes were rebuilt as Plaid writes
bodies (2-space indent, keys sorted, no trailing newline), which hash to the
token's claim exactly. The others are computed with PyPI `cryptography`
(deterministic ECDSA, RFC 6979; fixed keys), each checked here by an independent
verification with `cryptography`'s own ECDSA verify before it is written.
`key` is the JWK as Plaid returns it."""
import base64
import hashlib
import hmac
import json
from importlib.metadata import version

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from _vectors import check, vector, write

P = "plaid"
REAL = ("Stack Overflow question 62117400 (2020, third party): a Plaid-Verification token and the JWK "
        "/webhook_verification_key/get returned for its kid, verbatim; body bytes rebuilt as Plaid writes them "
        "(its SHA-256 is the token's claim)")
STD = (f"Python cryptography {version('cryptography')} (deterministic ECDSA P-256) per "
       "plaid.com/docs/api/webhooks/webhook-verification/")
REAL_TOKEN = ("eyJhbGciOiJFUzI1NiIsImtpZCI6IjZjNTUxNmUxLTkyZGMtNDc5ZS1hOGZmLTVhNTE5OTJlMDAwMSIsInR5cCI6IkpXVCJ9."
              "eyJpYXQiOjE1OTA4ODcwMDEsInJlcXVlc3RfYm9keV9zaGEyNTYiOiJiNjNhMDdiNTQ3YjAwZjk5MjU0N2Y2YmJjOGQ5YWNjNjFh"
              "OGNjZWUxMzhiYzgyZjQ0YTZiYWEwOTY4M2E1ZDBmIn0.OOKvIihgqCj7Qrb2bmz7T3t7uK-0JyjiEqL2s1kWeJBM4MMmjaHKK8GmU_"
              "z91QolBWMzvPgs718EElY-rE3cwQ")
REAL_JWK = {"alg": "ES256", "created_at": 1560466143, "crv": "P-256", "expired_at": None,
            "kid": "6c5516e1-92dc-479e-a8ff-5a51992e0001", "kty": "EC", "use": "sig",
            "x": "35lvC8uz2QrWpQJ3TUH8t9o9DURMp7ydU518RKDl20k", "y": "I8BuXB2bvxelzJAd7OKhd-ZwjCst05Fx47Mb_0ugros"}
REAL_BODY = json.dumps({"error": None, "item_id": "yxQbxDjnD8hr69pKbQpbcKeVn3GL9QuyA7NV3", "new_transactions": 390,
                        "webhook_code": "HISTORICAL_UPDATE", "webhook_type": "TRANSACTIONS"}, indent=2)
KID = "3f8b5c2e-9a41-4d6b-8e2f-1c7a9d0b4e65"
IAT = 1700000000
D_MAIN = int.from_bytes(hashlib.sha256(b"webhook-verify plaid vector key 1").digest(), "big")
D_OTHER = int.from_bytes(hashlib.sha256(b"webhook-verify plaid vector key 2 (attacker)").digest(), "big")
BODY = json.dumps({"environment": "sandbox", "historical_update_complete": False, "initial_update_complete": True,
                   "item_id": "wz666MBjYWTp2PDzzggYhM6oWWmBb", "webhook_code": "SYNC_UPDATES_AVAILABLE",
                   "webhook_type": "TRANSACTIONS"}, indent=2)


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def compact(o):
    return json.dumps(o, separators=(",", ":")).encode()


def jwk_of(k, kid):
    n = k.public_key().public_numbers()
    return {"alg": "ES256", "created_at": 1699990000, "crv": "P-256", "expired_at": None, "kid": kid, "kty": "EC",
            "use": "sig", "x": b64u(n.x.to_bytes(32, "big")), "y": b64u(n.y.to_bytes(32, "big"))}


def sign(k, header, claims):
    si = b64u(compact(header)) + "." + b64u(compact(claims))
    r, s = decode_dss_signature(k.sign(si.encode(), ec.ECDSA(hashes.SHA256(), deterministic_signing=True)))
    return si + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def signature_verifies(jwk, token):
    h, p, s = token.split(".")
    x, y = (int.from_bytes(base64.urlsafe_b64decode(jwk[c] + "=="), "big") for c in ("x", "y"))
    public = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    raw = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    if len(raw) != 64:
        return False
    try:
        public.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
                      f"{h}.{p}".encode(), ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def claims_of(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def header_of(token):
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def judge(jwk, token, body, now):
    """The verdict per Plaid's docs: ES256 only, the signature under the key, iat at
    most 300 s old (and not more than 300 s ahead), the body's SHA-256 equal to the claim."""
    if token is None:
        return "missing_signature"
    if header_of(token).get("alg") != "ES256":
        return "malformed"
    claims = claims_of(token)
    digest = claims.get("request_body_sha256", "")
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        return "malformed"
    if abs(now - claims["iat"]) > 300:
        return "timestamp_out_of_window"
    if not signature_verifies(jwk, token):
        return "bad_signature"
    ok = hmac.compare_digest(hashlib.sha256(body.encode()).hexdigest(), digest)
    return "ok" if ok else "bad_signature"


main, other = ec.derive_private_key(D_MAIN, ec.SECP256R1()), ec.derive_private_key(D_OTHER, ec.SECP256R1())
JWK = jwk_of(main, KID)
HEADER = {"alg": "ES256", "kid": KID, "typ": "JWT"}
DIGEST = hashlib.sha256(BODY.encode()).hexdigest()
CLAIMS = {"iat": IAT, "request_body_sha256": DIGEST}
GOOD = sign(main, HEADER, CLAIMS)
assert hashlib.sha256(REAL_BODY.encode()).hexdigest() == claims_of(REAL_TOKEN)["request_body_sha256"]
out = []


def add(name, description, source, jwk, token, body, now, expected):
    got = judge(jwk, token, body, now)
    check(got == expected, f"{name}: {got}, expected {expected}")
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Plaid-Verification"] = token
    out.append(vector(provider=P, name=name, description=description, source=source, key=json.dumps(jwk),
                      method="POST", url=None, headers=headers, body=body, now=now, expected=expected))


add("real_token", "A token Plaid sent, under the key Plaid served for its kid, 10 s after iat.", REAL, REAL_JWK,
    REAL_TOKEN, REAL_BODY, 1590887001 + 10, "ok")
add("real_token_reindented_body", "The same token with the body re-indented by four spaces: not the bytes Plaid "
    "hashed.", REAL, REAL_JWK, REAL_TOKEN, REAL_BODY.replace("\n  ", "\n    "), 1590887001 + 10, "bad_signature")
add("sync_updates_available", "A transactions webhook, 10 s after iat.", STD, JWK, GOOD, BODY, IAT + 10, "ok")
add("five_minutes_old_ok", "At the docs' edge: 300 s after iat.", STD, JWK, GOOD, BODY, IAT + 300, "ok")
add("stale_301_seconds", "301 s after iat: more than 5 minutes old.", STD, JWK, GOOD, BODY, IAT + 301,
    "timestamp_out_of_window")
add("future_601_seconds", "iat 601 s ahead of the clock.", STD, JWK, sign(main, HEADER, dict(CLAIMS, iat=IAT + 601)),
    BODY, IAT, "timestamp_out_of_window")
add("tampered_body", "The body changed after signing (initial_update_complete): its SHA-256 is not the claim.", STD,
    JWK, GOOD, BODY.replace('"initial_update_complete": true', '"initial_update_complete": false'), IAT + 10,
    "bad_signature")
add("wrong_key", "Same kid and claims, signed by another key.", STD, JWK, sign(other, HEADER, CLAIMS), BODY,
    IAT + 10, "bad_signature")
add("no_typ_ok", "A header without typ (only alg and kid matter).", STD, JWK,
    sign(main, {"alg": "ES256", "kid": KID}, CLAIMS), BODY, IAT + 10, "ok")
hs256_input = b64u(compact({"alg": "HS256", "kid": KID, "typ": "JWT"})) + "." + b64u(compact(CLAIMS))
add("alg_hs256", "alg HS256, HMAC-keyed with the JWK's text: the header may not choose the algorithm.", STD, JWK,
    hs256_input + "." + b64u(hmac.new(compact(JWK), hs256_input.encode(), hashlib.sha256).digest()), BODY, IAT + 10,
    "malformed")
add("alg_none", "alg none, no signature.", STD, JWK,
    b64u(compact({"alg": "none", "kid": KID, "typ": "JWT"})) + "." + b64u(compact(CLAIMS)) + ".", BODY, IAT + 10,
    "malformed")
add("uppercase_body_digest", "The claim in upper-case hex (Plaid writes lower case; its samples compare exactly).",
    STD, JWK, sign(main, HEADER, dict(CLAIMS, request_body_sha256=DIGEST.upper())), BODY, IAT + 10, "malformed")
add("no_header", "No Plaid-Verification header.", STD, JWK, None, BODY, IAT + 10, "missing_signature")
write("plaid.json", out)
