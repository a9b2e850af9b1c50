"""Square webhook vectors. The official SDK (PyPI `squareup`) only verifies
(square.utils.webhooks_helper.verify_signature); signatures are computed with
the standard library (hmac/hashlib/base64) and proven against the SDK."""
import base64
import hashlib
import hmac
from importlib.metadata import version

from square.utils.webhooks_helper import verify_signature

from _vectors import NOW, check, vector, write

SDK = f"squareup {version('squareup')} (PyPI), square.utils.webhooks_helper.verify_signature"
P = "square"
KEY = "5Fh3kQvR9mXw2ZtL8nYcBa"  # signature keys in the Developer Console are 22-character URL-safe strings
OTHER = "Ibq7_2WcXk4nR0tVm9LzAg"
URL = "https://hooks.example.com/square/events"


def sign(key, url, body):
    return base64.b64encode(hmac.new(key.encode(), (url + body).encode(), hashlib.sha256).digest()).decode()


def sdk(body, sig, key=KEY, url=URL):
    return verify_signature(request_body=body, signature_header=sig, signature_key=key, notification_url=url)


H = lambda s: {"Content-Type": "application/json", **({"x-square-hmacsha256-signature": s} if s else {})}
body = ('{"merchant_id":"6SSW7HV8K2ST5","type":"payment.updated","event_id":"13b867cf-db3d-4b1c-90b6-2f32a9d78124",'
        '"created_at":"2025-11-01T11:59:58.214Z","data":{"type":"payment","id":"KkAkhdMsgzn59SM8A89WgKwekxLZY",'
        '"object":{"payment":{"id":"KkAkhdMsgzn59SM8A89WgKwekxLZY","amount_money":{"amount":1250,"currency":"USD"},"status":"COMPLETED"}}}}')
sig = sign(KEY, URL, body)
out = []
check(sdk(body, sig), "ok: SDK verify_signature accepts")
out.append(vector(provider=P, name="ok", description="payment.updated; signature = b64 HMAC-SHA256(key, notification URL + raw body).",
                  source="Python hmac/hashlib/base64; accepted by " + SDK, key=KEY, method="POST", url=URL,
                  headers=H(sig), body=body, now=NOW, expected="ok"))

esc = '{"data":{"type":"webhooks","id":">id<"},"note":"caf\u00e9 \\u00e9 & <b>"}'
esig = sign(KEY, URL, esc)
check(sdk(esc, esig), "non-ascii/html chars: SDK accepts (raw bytes, no re-escaping)")
out.append(vector(provider=P, name="ok_html_and_non_ascii", description="Body with <, >, & and a raw UTF-8 'é' next to an escaped \\u00e9: signed as the raw bytes.",
                  source="Python hmac/hashlib/base64; accepted by " + SDK, key=KEY, method="POST", url=URL,
                  headers=H(esig), body=esc, now=NOW, expected="ok"))

t = body.replace('"amount":1250', '"amount":125000')
check(not sdk(t, sig), "tampered: SDK rejects")
out.append(vector(provider=P, name="tampered_body", description="amount changed after signing.", source=SDK + " returns False",
                  key=KEY, method="POST", url=URL, headers=H(sig), body=t, now=NOW, expected="bad_signature"))

w = sign(OTHER, URL, body)
check(not sdk(body, w), "wrong key: SDK rejects")
out.append(vector(provider=P, name="wrong_key", description="Signed with another subscription's signature key.", source=SDK + " returns False",
                  key=KEY, method="POST", url=URL, headers=H(w), body=body, now=NOW, expected="bad_signature"))

URL2 = "https://hooks.example.com/square/events/"
check(not sdk(body, sig, url=URL2), "url differs (trailing slash): SDK rejects")
out.append(vector(provider=P, name="notification_url_differs", description="Delivered to (and judged against) a URL differing only by a trailing slash from the signed one.",
                  source=SDK + " returns False", key=KEY, method="POST", url=URL2, headers=H(sig), body=body, now=NOW,
                  expected="bad_signature"))

out.append(vector(provider=P, name="missing_signature", description="No x-square-hmacsha256-signature header.", source=SDK + " (nothing to compare)",
                  key=KEY, method="POST", url=URL, headers=H(None), body=body, now=NOW, expected="missing_signature"))
write("square.json", out)
