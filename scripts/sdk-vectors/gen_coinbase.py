"""Coinbase Commerce webhook vectors. The official SDK (PyPI `coinbase-commerce`,
coinbase_commerce.webhook.WebhookSignature.verify_sig_header) only verifies;
signatures are computed with the standard library per
docs.cdp.coinbase.com/commerce/api-arcitecture/webhooks-security (sic)
(X-CC-Webhook-Signature = "SHA256 HMAC signature of the raw request payload,
computed using your webhook shared secret", hex) and judged by the SDK. No
timestamp; the body's event.id is the event id (attempt_number changes per retry).
sdk_test_example is the test vector of both official SDKs verbatim."""
import hashlib
import hmac
from importlib.metadata import version

from coinbase_commerce.error import SignatureVerificationError
from coinbase_commerce.webhook import Webhook, WebhookSignature

from _vectors import NOW, check, vector, write

SDK = f"coinbase-commerce {version('coinbase-commerce')} (PyPI), WebhookSignature.verify_sig_header"
DOCS = "docs.cdp.coinbase.com/commerce/api-arcitecture/webhooks-security"
P = "coinbase"
KEY = "5c1e7a3f-9b2d-4e8c-a6f0-d4b2c8e1f7a9"  # shared secret (Settings > Notifications)
OTHER = "e2a9c4f1-7d3b-4b6e-8f0a-1c5d9e3b7a2f"
# coinbase-commerce-python tests/test_webhook.py (PAYLOAD_STR, SIG_HEADER, SECRET); identical in
# coinbase-commerce-node test/testWebhook.spec.js, whose second test uses the secret ending in 'bg'.
SDK_KEY, SDK_BAD_KEY = "30291a20-0bd1-4267-9b0f-e6e7b123c0bf", "30291a20-0bd1-4267-9b0f-e6e7b123c0bg"
SDK_SIG = "8be7742c7d372f08a6a3224edadf18a22b65fa9e28f3f2de97376cdaa092590d"
SDK_BODY = ('{"id":1,"scheduled_for":"2017-01-31T20:50:02Z","attempt_number":1,"event":{"id":"24934862-d980-46cb-9402-43c81b0cdba6",'
            '"type":"charge:created","api_version":"2018-03-22","created_at":"2017-01-31T20:49:02Z","data":{"code":"66BEOV2A",'
            '"name":"The Sovereign Individual","description":"Mastering the Transition to the Information Age",'
            '"hosted_url":"https://commerce.coinbase.com/charges/66BEOV2A","created_at":"2017-01-31T20:49:02Z",'
            '"expires_at":"2017-01-31T21:04:02Z","timeline":[{"time":"2017-01-31T20:49:02Z","status":"NEW"}],"metadata":{},'
            '"pricing_type":"no_price","payments":[],"addresses":{"bitcoin":"0000000000000000000000000000000000",'
            '"ethereum":"0x0000000000000000000000000000000000000000","litecoin":"3000000000000000000000000000000000",'
            '"bitcoincash":"bitcoincash:000000000000000000000000000000000000000000"}}}}')
SDK_SRC = ("github.com/coinbase/coinbase-commerce-python tests/test_webhook.py and github.com/coinbase/coinbase-commerce-node "
           "test/testWebhook.spec.js (same secret, payload and signature), verbatim")


def sig(k, b):
    return hmac.new(k.encode("utf-8"), b.encode("utf-8"), hashlib.sha256).hexdigest()


def sdk(body, signature, secret):
    try:
        return WebhookSignature.verify_sig_header(body, signature, secret) is True
    except SignatureVerificationError:
        return False


def H(s):
    return {"Content-Type": "application/json", **({"X-CC-Webhook-Signature": s} if s is not None else {})}


check(len(SDK_BODY) == 816 and sdk(SDK_BODY, SDK_SIG, SDK_KEY), "SDK test vector (816 bytes): SDK accepts")
check(Webhook.construct_event(SDK_BODY, SDK_SIG, SDK_KEY).id == "24934862-d980-46cb-9402-43c81b0cdba6", "SDK test vector: event.id")
check(not sdk(SDK_BODY, SDK_SIG, SDK_BAD_KEY), "SDK test vector with the node test's invalid secret: SDK rejects")
body = ('{"attempt_number":1,"event":{"api_version":"2018-03-22","created_at":"2025-11-01T11:59:57Z","data":{"id":"7a3e1f0c-2b4d-4c8e-9f1a-6d5b3c2e1f0a",'
        '"code":"QZ7K9M2P","name":"Coffee subscription","description":"One month","hosted_url":"https://commerce.coinbase.com/pay/7a3e1f0c-2b4d-4c8e-9f1a-6d5b3c2e1f0a",'
        '"created_at":"2025-11-01T11:50:12Z","expires_at":"2025-11-01T12:50:12Z","pricing_type":"fixed_price",'
        '"pricing":{"local":{"amount":"25.00","currency":"USD"}},"metadata":{"customer_id":"cus_1042"},'
        '"timeline":[{"time":"2025-11-01T11:50:12Z","status":"NEW"},{"time":"2025-11-01T11:59:57Z","status":"COMPLETED"}]},'
        '"id":"f2b7d1e4-8c3a-4f6b-b9e0-3a7c5d1f2e8b","resource":"event","type":"charge:confirmed"},'
        '"id":"9c4e2a7f-1d3b-4e5c-8a6f-0b2d4f6a8c1e","scheduled_for":"2025-11-01T11:59:58Z"}')
s = sig(KEY, body)
check(sdk(body, s, KEY), "ok: SDK accepts")
common = dict(provider=P, method="POST", url=None, now=NOW)
SRC = "Python hmac/hashlib per " + DOCS + "; accepted by " + SDK
out = [
    vector(name="sdk_test_example", description="The official SDKs' webhook test vector: charge:created, secret 30291a20-..., "
           "X-CC-Webhook-Signature 8be7742c....", source=SDK_SRC + "; accepted by " + SDK + " and npm coinbase-commerce-node Webhook.verifySigHeader",
           key=SDK_KEY, headers=H(SDK_SIG), body=SDK_BODY, expected="ok", **common),
    vector(name="sdk_test_invalid_secret", description="The SDK test vector judged with the secret of coinbase-commerce-node's "
           "'invalid secret key' test (last character changed).", source=SDK_SRC + "; " + SDK + " raises SignatureVerificationError",
           key=SDK_BAD_KEY, headers=H(SDK_SIG), body=SDK_BODY, expected="bad_signature", **common),
    vector(name="ok", description="charge:confirmed; X-CC-Webhook-Signature = hex HMAC-SHA256(shared secret, raw body), no prefix.",
           source=SRC, key=KEY, headers=H(s), body=body, expected="ok", **common),
]
t = body.replace('"amount":"25.00"', '"amount":"2.50"')
check(not sdk(t, s, KEY), "tampered: SDK rejects")
out.append(vector(name="tampered_body", description="Charge amount changed after signing.", source=SDK + " raises SignatureVerificationError",
                  key=KEY, headers=H(s), body=t, expected="bad_signature", **common))
ws = sig(OTHER, body)
check(not sdk(body, ws, KEY), "wrong key: SDK rejects")
out.append(vector(name="wrong_key", description="Signed with another account's shared secret.", source=SDK + " raises SignatureVerificationError",
                  key=KEY, headers=H(ws), body=body, expected="bad_signature", **common))
out.append(vector(name="missing_signature", description="No X-CC-Webhook-Signature header.", source=SDK + " (nothing to verify)",
                  key=KEY, headers=H(None), body=body, expected="missing_signature", **common))
check(not sdk(body, "n" * 64, KEY), "not hex: SDK rejects")
out.append(vector(name="signature_not_hex", description="64 characters but not hex.", source=SDK + " raises SignatureVerificationError",
                  key=KEY, headers=H("n" * 64), body=body, expected="malformed", **common))
write("coinbase.json", out)
