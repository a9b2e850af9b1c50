"""Intercom vectors. Intercom's official SDKs (PyPI python-intercom, npm
intercom-client 7.0.3) have no webhook verifier, so signatures are computed with
the standard library per Intercom's 'Signed Notifications' reference:
X-Hub-Signature: sha1=<hex HMAC-SHA1(secret, raw body)>."""
import hashlib
import hmac

from _vectors import NOW, vector, write

SRC = ("Python hmac/hashlib per developers.intercom.com/intercom-api-reference/v1.0/reference/signed-notifications "
       "(no official SDK verifier exists)")
P = "intercom"
KEY = "8f3c1a9e-2b7d-4c6f-9e1a-5d3b7c9f1e2a"  # app client_secret (Developer Hub > Basic information)
OTHER = "0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d"


def sig(k, b):
    return "sha1=" + hmac.new(k.encode(), b.encode(), hashlib.sha1).hexdigest()


def H(s):
    return {"Content-Type": "application/json", "User-Agent": "intercom-parrot-service-client/1.0", **({"X-Hub-Signature": s} if s is not None else {})}


body = ('{"type":"notification_event","app_id":"a86dr8yl","data":{"type":"notification_event_data","item":{"type":"conversation",'
        '"id":"147","created_at":1761998390,"state":"open"}},"links":{},"id":"notif_ccd8a4d2-3a8b-4e1c-9b71-2f0c6f5b8a3e",'
        '"topic":"conversation.user.created","delivery_status":"pending","delivery_attempts":1,"delivered_at":0,'
        '"first_sent_at":1761998395,"created_at":1761998394,"self":null}')
s = sig(KEY, body)
common = dict(provider=P, key=KEY, method="POST", url=None, now=NOW)
out = [
    vector(name="ok", description="conversation.user.created; sha1=<hex HMAC-SHA1(client secret, raw body)>.", source=SRC, headers=H(s), body=body, expected="ok", **common),
    vector(name="tampered_body", description="state changed after signing.", source=SRC, headers=H(s), body=body.replace('"open"', '"closed"'),
           expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another app's client secret.", source=SRC, headers=H(sig(OTHER, body)), body=body,
           expected="bad_signature", **common),
    vector(name="missing_signature", description="No X-Hub-Signature header.", source=SRC, headers=H(None), body=body, expected="missing_signature", **common),
    vector(name="missing_sha1_prefix", description="The right hex digest without the 'sha1=' prefix.", source=SRC, headers=H(s[len('sha1='):]), body=body,
           expected="malformed", **common),
]
write("intercom.json", out)
