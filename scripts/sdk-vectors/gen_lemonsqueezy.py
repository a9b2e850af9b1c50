"""Lemon Squeezy webhook vectors. Lemon Squeezy's official SDK (npm
@lemonsqueezy/lemonsqueezy.js 4.0.0) has no verifier and there is no official
PyPI package; the only official verifier is PHP (lmsqueezy/laravel
VerifyWebhookSignature: hash_hmac('sha256', raw body, signing secret)). Signatures
are computed with the standard library per docs.lemonsqueezy.com/help/webhooks/signing-requests:
X-Signature = hex HMAC-SHA256(signing secret, raw body). No timestamp."""
import hashlib
import hmac

from _vectors import NOW, vector, write

SRC = ("Python hmac/hashlib per docs.lemonsqueezy.com/help/webhooks/signing-requests (X-Signature = HMAC hex digest of the raw body; "
       "SHA-256 as in the official Laravel package lmsqueezy/laravel VerifyWebhookSignature); no PyPI/npm SDK verifier exists")
P = "lemonsqueezy"
KEY = "ls_whsec_4Tq9Vz2Mx7"  # signing secret the merchant types (6 to 40 characters)
OTHER = "ls_whsec_8Kp3Wr6Ny1"


def sig(k, b):
    return hmac.new(k.encode(), b.encode(), hashlib.sha256).hexdigest()


def H(s):
    return {"Content-Type": "application/json", "X-Event-Name": "order_created", **({"X-Signature": s} if s is not None else {})}


body = ('{"meta":{"event_name":"order_created","custom_data":{"customer_id":25}},"data":{"type":"orders","id":"1",'
        '"attributes":{"store_id":1,"customer_id":1,"identifier":"104e18a2-d755-4d4b-80c4-a6c1dcbe1c10","order_number":1,'
        '"user_name":"Darlene Daugherty","user_email":"gernser@yahoo.com","currency":"USD","status":"paid","total":999,'
        '"test_mode":false,"created_at":"2025-11-01T11:59:58.000000Z","updated_at":"2025-11-01T11:59:58.000000Z"},'
        '"links":{"self":"https://api.lemonsqueezy.com/v1/orders/1"}}}')
s = sig(KEY, body)
common = dict(provider=P, key=KEY, method="POST", url=None, now=NOW, source=SRC)
out = [
    vector(name="ok", description="order_created; X-Signature = hex HMAC-SHA256(signing secret, raw body), no prefix.", headers=H(s), body=body,
           expected="ok", **common),
    vector(name="tampered_body", description="Order total changed after signing.", headers=H(s), body=body.replace('"total":999', '"total":9'),
           expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another webhook's signing secret.", headers=H(sig(OTHER, body)), body=body,
           expected="bad_signature", **common),
    vector(name="missing_signature", description="No X-Signature header.", headers=H(None), body=body, expected="missing_signature", **common),
    vector(name="signature_not_hex", description="64 characters but not hex.", headers=H("x" * 64), body=body, expected="malformed", **common),
]
write("lemonsqueezy.json", out)
