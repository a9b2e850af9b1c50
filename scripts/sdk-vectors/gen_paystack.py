"""Paystack vectors (legacy x-paystack-signature). Paystack publishes no
official SDK with a webhook verifier (checked: npm @paystack/paystack-sdk 1.2.1
has none), so signatures are computed with the standard library exactly as the
documentation snippet does: hex HMAC-SHA512(secret key, raw body)."""
import hashlib
import hmac

from _vectors import NOW, check, vector, write

SRC = ("Python hmac/hashlib per Paystack's documented snippet (paystack.com/docs/payments/webhooks, "
       "PaystackOSS/doc-code-snippets src/doc/payments/webhooks/verifying-transaction/index.js); no official SDK verifier exists")
P = "paystack"
KEY = "sk_test_4c6f0e2b9a8d7c5e3f1a0b9c8d7e6f5a4b3c2d1e"
OTHER = "sk_test_0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"


def sig(k, b):
    return hmac.new(k.encode(), b.encode(), hashlib.sha512).hexdigest()


def H(s):
    return {"Content-Type": "application/json", **({"x-paystack-signature": s} if s is not None else {})}


body = ('{"event":"charge.success","data":{"id":302961,"domain":"live","status":"success","reference":"qTPrJoy9Bx",'
        '"amount":10000,"currency":"NGN","paid_at":"2025-11-01T11:59:50.000Z","channel":"card",'
        '"customer":{"id":68324,"email":"customer@email.com","customer_code":"CUS_qo38as2hpsgk2r0"}}}')
s = sig(KEY, body)
check(len(s) == 128, "hex SHA-512 digest is 128 characters")
common = dict(provider=P, key=KEY, method="POST", url=None, now=NOW)
out = [
    vector(name="ok", description="charge.success; hex HMAC-SHA512(secret key, raw body).", source=SRC, headers=H(s), body=body, expected="ok", **common),
    vector(name="tampered_body", description="amount changed after signing.", source=SRC, headers=H(s),
           body=body.replace('"amount":10000', '"amount":10'), expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another account's secret key.", source=SRC, headers=H(sig(OTHER, body)), body=body,
           expected="bad_signature", **common),
    vector(name="missing_signature", description="No x-paystack-signature header.", source=SRC, headers=H(None), body=body,
           expected="missing_signature", **common),
    vector(name="signature_not_hex", description="128 characters but not hex.", source=SRC, headers=H("g" * 128), body=body,
           expected="malformed", **common),
]
write("paystack.json", out)
