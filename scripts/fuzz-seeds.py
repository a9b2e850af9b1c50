#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (fuzz/seeds/<target>/) from the test
vectors in crates/webhook-gate/tests/data/schemes.json (and, for provider_tokens,
the provider vectors beside it).

Each seed is laid out the way the target's `arbitrary` input reads it: a leading
selector byte, then the rest of the data as the byte string."""

import base64
import hashlib
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PRESETS = ["sentimatrix", "social", "dataflow", "proposals", "dcisionai",
           "standard", "github", "stripe", "slack", "shopify"]
SIGNATURE_HEADERS = {
    "sentimatrix": "X-Signature-256", "social": "X-Webhook-Signature",
    "dataflow": "X-DataFlow-Signature", "proposals": "X-Webhook-Signature",
    "dcisionai": "X-DcisionAI-Signature", "standard": "webhook-signature",
    "github": "X-Hub-Signature-256", "stripe": "Stripe-Signature",
    "slack": "X-Slack-Signature", "shopify": "X-Shopify-Hmac-Sha256",
}
TIMESTAMP_HEADERS = ["X-Timestamp", "X-DcisionAI-Timestamp", "webhook-timestamp",
                     "X-Slack-Request-Timestamp"]


def write(target, data):
    folder = ROOT / "fuzz" / "seeds" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main():
    vectors = json.loads((ROOT / "crates/webhook-gate/tests/data/schemes.json").read_text())
    for vector in vectors["vectors"]:
        scheme = vector["scheme"]
        headers = {name.lower(): value for name, value in vector["headers"].items()}
        if "body" in vector:
            body = vector["body"].encode()
        else:
            body = base64.b64decode(vector["body_base64"])
        index = bytes([PRESETS.index(scheme)])
        signature = headers.get(SIGNATURE_HEADERS[scheme].lower())
        if signature is not None:
            write("signature_header", index + signature.encode())
            if signature.startswith("t="):
                write("timestamp", b"\x01" + signature.split(",")[0][2:].encode())
        for name in TIMESTAMP_HEADERS:
            if name.lower() in headers:
                write("timestamp", b"\x00" + headers[name.lower()].encode())
        for selector in range(4):
            write("delivery", bytes([selector]) + body)
        write("streaming_verify", index + body)
        write("diagnose", index + body)
    for challenge in (b'{"type":"webhook.verify","challenge":"c_1"}',
                      b'{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}'):
        write("delivery", b"\x00" + challenge)
        write("delivery", b"\x01" + challenge)

    provider_tokens()


def provider_tokens():
    """Mailgun bodies, Plaid tokens, PayPal signatures (then a NUL and the body) and
    Microsoft Graph bodies from the provider vectors, behind the selector of their
    arm; and the Graph bodies the target's own signer makes."""
    providers = ROOT / "crates/webhook-gate/tests/data/providers"
    for vector in json.loads((providers / "mailgun.json").read_text()):
        write("provider_tokens", b"\x00" + vector["body"].encode())
    for vector in json.loads((providers / "plaid.json").read_text()):
        if "Plaid-Verification" in vector["headers"]:
            write("provider_tokens", b"\x01" + vector["headers"]["Plaid-Verification"].encode())
    for vector in json.loads((providers / "paypal.json").read_text()):
        if "PAYPAL-TRANSMISSION-SIG" in vector["headers"]:
            write("provider_tokens", b"\x02" + vector["headers"]["PAYPAL-TRANSMISSION-SIG"].encode()
                  + b"\x00" + vector["body"].encode())
    for vector in json.loads((providers / "msgraph-rich.json").read_text()):
        write("provider_tokens", b"\x03" + vector["body"].encode())
    for body in graph_bodies(providers / "paypal" / "test_key.pem"):
        write("provider_tokens", b"\x03" + body)


def graph_bodies(key_path):
    """The bodies the fuzz target's Graph arm verifies: the tokens its signer makes
    (RS256 under the test key, claims as serde_json writes them: keys sorted, compact),
    made here with `cryptography`. Needs `cryptography` (scripts/sdk-vectors/requirements.txt)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    numbers = key.public_key().public_numbers()
    b64 = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    integer = lambda n: b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))
    compact = lambda value: json.dumps(value, sort_keys=True, separators=(",", ":"))
    kid = b64(hashlib.sha256(compact({"e": integer(numbers.e), "kty": "RSA", "n": integer(numbers.n)}).encode()).digest())
    header = b64(compact({"alg": "RS256", "kid": kid, "typ": "JWT"}).encode())
    app, issued = "8e460676-ae3f-4b1e-8790-ee0fb5d6148f", 1_700_000_000 - 60
    tenants = ["84bd8158-6d4d-4958-8b9f-9d6445542f95", "bbbbcccc-1111-dddd-2222-eeee3333ffff"]

    def token(tenant):
        claims = {"aud": app, "iss": f"https://sts.windows.net/{tenant}/", "iat": issued, "nbf": issued,
                  "exp": issued + 24 * 3600, "appid": "0bf30f3b-4a52-48df-9a82-234910c4a086", "appidacr": "2",
                  "tid": tenant, "ver": "1.0"}
        signing_input = f"{header}.{b64(compact(claims).encode())}"
        return f"{signing_input}.{b64(key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()))}"

    for count in (1, 2):
        items = [{"changeType": "created", "tenantId": tenant} for tenant in tenants[:count]]
        yield compact({"validationTokens": [token(t) for t in tenants[:count]], "value": items}).encode()


if __name__ == "__main__":
    main()
