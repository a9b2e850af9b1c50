"""Asana webhook vectors. Asana's SDKs (PyPI asana 5.4.0, npm asana 3.2.0: generated
API clients) have no webhook verifier; signatures are
computed with the standard library exactly as Asana's official example server
does (github.com/Asana/devrel-examples python/webhooks_v5/server.py:
hmac.new(key=secret.encode(), msg=request.data, digestmod=sha256).hexdigest()
compared with X-Hook-Signature; a POST carrying X-Hook-Secret is answered 200
with the same X-Hook-Secret header). The key is the X-Hook-Secret value from
Asana's own handshake example (developers.asana.com/reference/createwebhook)."""
import hashlib
import hmac

from _vectors import NOW, vector, write

SRC = ("Python hmac/hashlib as in Asana's official example github.com/Asana/devrel-examples python/webhooks_v5/server.py "
       "and developers.asana.com/docs/webhooks-guide (X-Hook-Signature = SHA256 HMAC of the request body keyed by X-Hook-Secret); "
       "Asana's SDKs (PyPI asana 5.4.0, npm asana 3.2.0) have no webhook verifier")
SRC_HANDSHAKE = ("developers.asana.com/reference/createwebhook (handshake example, X-Hook-Secret value verbatim) and "
                 "developers.asana.com/docs/webhooks-guide (echo the header with 200 or 204); answered as "
                 "github.com/Asana/devrel-examples python/webhooks_v5/server.py does")
P = "asana"
# X-Hook-Secret of the handshake example in Asana's "Establish a webhook" reference.
KEY = "b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81"
OTHER = "0c1d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c8d9eafb"


def sig(k, b):
    return hmac.new(k.encode(), b.encode(), hashlib.sha256).hexdigest()


def H(s):
    return {"Content-Type": "application/json", **({"X-Hook-Signature": s} if s is not None else {})}


# Compact JSON (no spaces): the official Python example signs the raw bytes, the
# official Node example JSON.stringify()s the parsed body; both agree on this form.
body = ('{"events":[{"user":{"gid":"1201234567890123","resource_type":"user"},"created_at":"2025-11-01T11:59:57.318Z",'
        '"action":"changed","resource":{"gid":"1209876543210987","resource_type":"task","resource_subtype":"default_task"},'
        '"parent":null,"change":{"field":"assignee","action":"changed","new_value":{"gid":"1201234567890124","resource_type":"user"}}}]}')
s = sig(KEY, body)
common = dict(provider=P, key=KEY, url=None, now=NOW)
out = [
    vector(name="hook_secret_handshake",
           description="Webhook creation handshake: unsigned POST carrying X-Hook-Secret; answer 200 (or 204) echoing the same "
                       "X-Hook-Secret header (handshake_response.headers), empty body; the value is the key of later deliveries.",
           source=SRC_HANDSHAKE, method="POST", headers={"X-Hook-Secret": KEY}, body="", expected="handshake",
           handshake_response={"status": 200, "content_type": "text/plain", "body": "", "headers": {"X-Hook-Secret": KEY}}, **common),
    vector(name="ok", description="Task assignee changed; X-Hook-Signature = hex HMAC-SHA256(X-Hook-Secret, raw body).", source=SRC,
           method="POST", headers=H(s), body=body, expected="ok", **common),
    vector(name="tampered_body", description="Assignee gid changed after signing.", source=SRC, method="POST", headers=H(s),
           body=body.replace("1201234567890124", "1201234567890125"), expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another webhook's X-Hook-Secret.", source=SRC, method="POST",
           headers=H(sig(OTHER, body)), body=body, expected="bad_signature", **common),
    vector(name="missing_signature", description="No X-Hook-Signature header (and no X-Hook-Secret: not a handshake).", source=SRC,
           method="POST", headers=H(None), body=body, expected="missing_signature", **common),
]
write("asana.json", out)
