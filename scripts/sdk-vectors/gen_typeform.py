"""Typeform webhook vectors. Typeform's released SDKs (npm @typeform/api-client
2.10.4, PyPI typeform 1.1.0) have no verifier, so signatures are computed with the
standard library per typeform.com/developers/webhooks/secure-your-webhooks:
Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, entire raw body)>. No
timestamp; the body's event_id identifies the event. The js_api_client_test_example
vector is the unit test of the verifier in Typeform's own JS SDK repository
(github.com/Typeform/js-api-client commit 187327c, branch `middleware`, not released)."""
import base64
import hashlib
import hmac

from _vectors import NOW, check, vector, write

SRC = ("Python hmac/hashlib/base64 per typeform.com/developers/webhooks/secure-your-webhooks "
       "(Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, raw body)>); the released SDKs have no verifier")
SRC_SDK = ("github.com/Typeform/js-api-client tests/unit/verify-signature.test.ts at commit 187327c25dbb62ea28b06288d702b3bd5a7a077f "
           "(branch `middleware`, not in the released npm package): secret, payload JSON.stringify({foo:'bar'}) and signature "
           "verbatim; its verifySignature (src/verify-signature.ts) returns true; reproduced with Python hmac/hashlib/base64")
P = "typeform"
KEY = "7d1f0c9a4e2b8d6f3a5c1e9b7d2f4a6c8e0b3d5f"  # webhook secret you set (docs suggest SecureRandom.hex(20))
OTHER = "e4c2a0f8d6b4c2e0a8f6d4b2c0e8a6f4d2b0c8e6"
SDK_KEY, SDK_BODY, SDK_SIG = "my-webook-secret", '{"foo":"bar"}', "sha256=X2b3nUhiGjaWHxmPO/YQzUvHXBNac4gPjZ5/bjXrhQY="


def sig(k, b):
    return "sha256=" + base64.b64encode(hmac.new(k.encode(), b.encode(), hashlib.sha256).digest()).decode()


def H(s):
    return {"Content-Type": "application/json", **({"Typeform-Signature": s} if s is not None else {})}


check(sig(SDK_KEY, SDK_BODY) == SDK_SIG, "SDK test example: hmac reproduces the test's signature")
body = ('{"event_id":"01JBQ9A2B3C4D5E6F7G8H9J0K1","event_type":"form_response","form_response":{"form_id":"lT4Z3j",'
        '"token":"a3a12ec67a1365927098a606107fac15","landed_at":"2025-11-01T11:58:40Z","submitted_at":"2025-11-01T11:59:58Z",'
        '"definition":{"id":"lT4Z3j","title":"Webhooks example","fields":[{"id":"DlXFaesGBpoF","ref":"readable_ref_short_text",'
        '"type":"short_text","title":"What is your name?"}]},"answers":[{"type":"text","text":"Renée",'
        '"field":{"id":"DlXFaesGBpoF","type":"short_text","ref":"readable_ref_short_text"}}]}}')
s = sig(KEY, body)
common = dict(provider=P, method="POST", url=None, now=NOW)
out = [
    vector(name="js_api_client_test_example", description="The verifier test of Typeform's JS SDK repository: secret 'my-webook-secret' (sic), "
           "body {\"foo\":\"bar\"}, Typeform-Signature sha256=X2b3nUhi...", source=SRC_SDK, key=SDK_KEY, headers=H(SDK_SIG), body=SDK_BODY,
           expected="ok", **common),
    vector(name="ok", description="form_response (non-ASCII answer, raw UTF-8); Typeform-Signature sha256=<base64 HMAC-SHA256(secret, raw body)>.",
           source=SRC, key=KEY, headers=H(s), body=body, expected="ok", **common),
    vector(name="tampered_body", description="Answer text changed after signing.", source=SRC, key=KEY, headers=H(s),
           body=body.replace("Renée", "Renee"), expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another webhook's secret.", source=SRC, key=KEY, headers=H(sig(OTHER, body)), body=body,
           expected="bad_signature", **common),
    vector(name="missing_signature", description="No Typeform-Signature header (what a webhook without a secret sends).", source=SRC, key=KEY,
           headers=H(None), body=body, expected="missing_signature", **common),
    vector(name="missing_sha256_prefix", description="The right base64 digest without the 'sha256=' prefix.", source=SRC, key=KEY,
           headers=H(s[len("sha256="):]), body=body, expected="malformed", **common),
]
write("typeform.json", out)
