"""Razorpay webhook vectors. The official SDK (PyPI `razorpay`,
client.utility.verify_webhook_signature) only verifies; signatures are computed
with the standard library per razorpay.com/docs/webhooks/validate-test
(X-Razorpay-Signature = hex HMAC-SHA256(webhook secret, raw body); "Do not parse
or cast the webhook request body") and judged by the SDK. No timestamp;
x-razorpay-event-id is the event id (the same for duplicates). Two vectors are the
SDKs' own test vectors verbatim: razorpay-python's fixture (pretty-printed, with a
trailing newline that is signed) and razorpay-node's small body."""
import hashlib
import hmac
from importlib.metadata import version

import razorpay
from razorpay.errors import SignatureVerificationError

from _vectors import NOW, check, vector, write

SDK = f"razorpay {version('razorpay')} (PyPI), client.utility.verify_webhook_signature"
DOCS = "razorpay.com/docs/webhooks/validate-test"
P = "razorpay"
KEY = "Rz9wH4kP2mX7vQ1t"  # webhook Secret typed in Dashboard > Accounts & Settings > Webhooks
OTHER = "Jb3nT8cV5yL0sF6d"
client = razorpay.Client(auth=("rzp_test_unused", "unused_key_secret"))

# razorpay-python tests/test_client_utility.py::test_verify_webhook_signature: secret client.auth[1]
# ('key_secret', tests/helpers.py), body tests/mocks/fake_payment_authorized_webhook.json (971 bytes, ends with \n).
PY_KEY, PY_SIG = "key_secret", "d60e67fd884556c045e9be7dad57903e33efc7172c17c6e3ef77db42d2b366e9"
PY_BODY = """{
  "event": "payment.authorized",
  "entity": "event",
  "contains": [
    "payment"
  ],
  "payload": {
    "payment": {
      "entity": {
        "id": "pay_6koWN7bvxujzxM",
        "entity": "payment",
        "amount": 1000000,
        "currency": "INR",
        "status": "captured",
        "order_id": "order_100000000order",
        "international": false,
        "method": "card",
        "amount_refunded": 0,
        "refund_status": null,
        "captured": true,
        "description": "random description",
        "card_id": "card_6koWNAT6LASUqy",
        "bank": null,
        "wallet": null,
        "vpa": null,
        "email": "a@b.com",
        "contact": "+919999999999",
        "notes": {
          "merchant_order_id": "random order id"
        },
        "fee": 23000,
        "service_tax": 3000,
        "error_code": null,
        "error_description": null,
        "created_at": 1479978483
      }
    }
  },
  "created_at": 1400826760
}
"""
# razorpay-node test/utils/razorpay-utils.spec.js 'validateWebhookSignature'.
NODE_KEY, NODE_BODY = "123456", '{"a":1,"b":2,"c":{"d":3}}'
NODE_SIG = "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc"


def sig(k, b):
    return hmac.new(k.encode(), b.encode(), hashlib.sha256).hexdigest()


def sdk(body, signature, secret):
    try:
        return client.utility.verify_webhook_signature(body, signature, secret) is True
    except SignatureVerificationError:
        return False


def H(s, event_id="EXC8WxzdOL4yqD"):
    h = {"Content-Type": "application/json", "x-razorpay-event-id": event_id}
    if s is not None:
        h["X-Razorpay-Signature"] = s
    return h


check(len(PY_BODY.encode()) == 971 and sdk(PY_BODY, PY_SIG, PY_KEY), "razorpay-python test fixture: 971 bytes, SDK accepts")
check(not sdk(PY_BODY.rstrip("\n"), PY_SIG, PY_KEY), "razorpay-python test fixture without its trailing newline: SDK rejects")
check(sdk(NODE_BODY, NODE_SIG, NODE_KEY), "razorpay-node test vector: SDK accepts")
body = ('{"entity":"event","account_id":"acc_BFQ7uQEaa30GJL","event":"payment.captured","contains":["payment"],'
        '"payload":{"payment":{"entity":{"id":"pay_Qb4fZp1nX8dK2m","entity":"payment","amount":50000,"currency":"INR",'
        '"status":"captured","order_id":"order_Qb4fW9cR3tY6uH","method":"upi","captured":true,"description":"Order #1042",'
        '"email":"gaurav.kumar@example.com","contact":"+919000090000","notes":{"shipping":"Bengaluru"},"fee":1180,"tax":180,'
        '"created_at":1761998391}}},"created_at":1761998399}')
s = sig(KEY, body)
check(sdk(body, s, KEY), "ok: SDK accepts")
common = dict(provider=P, method="POST", url=None, now=NOW)
SRC = "Python hmac/hashlib per " + DOCS + "; accepted by " + SDK
out = [
    vector(name="ok", description="payment.captured; X-Razorpay-Signature = hex HMAC-SHA256(webhook secret, raw body), no prefix.",
           source=SRC, key=KEY, headers=H(s), body=body, expected="ok", **common),
    vector(name="python_sdk_test_fixture", description="razorpay-python's webhook test vector: secret 'key_secret', the pretty-printed "
           "fake_payment_authorized_webhook.json fixture (971 bytes, the trailing newline is signed). The event id header is added here.",
           source="github.com/razorpay/razorpay-python tests/test_client_utility.py test_verify_webhook_signature with tests/mocks/"
                  "fake_payment_authorized_webhook.json, verbatim; accepted by " + SDK,
           key=PY_KEY, headers=H(PY_SIG, "EXC8Wy0ZeTq1sA"), body=PY_BODY, expected="ok", **common),
    vector(name="python_fixture_newline_stripped", description="The razorpay-python fixture without its trailing newline: the signed bytes changed.",
           source=SDK + " raises SignatureVerificationError", key=PY_KEY, headers=H(PY_SIG, "EXC8Wy0ZeTq1sA"), body=PY_BODY.rstrip("\n"),
           expected="bad_signature", **common),
    vector(name="node_sdk_test_example", description="razorpay-node's validateWebhookSignature test: secret '123456', body "
           "{\"a\":1,\"b\":2,\"c\":{\"d\":3}}. The event id header is added here.",
           source="github.com/razorpay/razorpay-node test/utils/razorpay-utils.spec.js 'validateWebhookSignature', verbatim; accepted by " + SDK,
           key=NODE_KEY, headers=H(NODE_SIG, "EXC8Wy1aFuR2tB"), body=NODE_BODY, expected="ok", **common),
]
t = body.replace('"amount":50000', '"amount":500')
check(not sdk(t, s, KEY), "tampered: SDK rejects")
out.append(vector(name="tampered_body", description="Amount changed after signing.", source=SDK + " raises SignatureVerificationError",
                  key=KEY, headers=H(s), body=t, expected="bad_signature", **common))
ws = sig(OTHER, body)
check(not sdk(body, ws, KEY), "wrong key: SDK rejects")
out.append(vector(name="wrong_key", description="Signed with another webhook's secret (e.g. one changed since).",
                  source=SDK + " raises SignatureVerificationError", key=KEY, headers=H(ws), body=body, expected="bad_signature", **common))
out.append(vector(name="missing_signature", description="No X-Razorpay-Signature header.", source=SDK + " (nothing to verify)",
                  key=KEY, headers=H(None), body=body, expected="missing_signature", **common))
check(not sdk(body, "q" * 64, KEY), "not hex: SDK rejects")
out.append(vector(name="signature_not_hex", description="64 characters but not hex.", source=SDK + " raises SignatureVerificationError",
                  key=KEY, headers=H("q" * 64), body=body, expected="malformed", **common))
write("razorpay.json", out)
