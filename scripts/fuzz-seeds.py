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
    """Mailgun bodies, Plaid tokens and PayPal signatures (then a NUL and the body)
    from the provider vectors, behind the selector of their arm."""
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


if __name__ == "__main__":
    main()
