"""Dropbox webhook vectors. The official SDK (PyPI `dropbox`) has no webhook
helper; signatures are computed with the standard library exactly as Dropbox's
official sample app does (github.com/dropbox/mdwebhook app.py:
hmac.new(APP_SECRET, request.data, sha256).hexdigest() vs X-Dropbox-Signature;
GET ?challenge= echoed as text/plain with X-Content-Type-Options: nosniff)."""
import hashlib
import hmac

from _vectors import NOW, vector, write

SRC = ("Python hmac/hashlib as in Dropbox's sample app github.com/dropbox/mdwebhook app.py and "
       "dropbox.com/developers/reference/webhooks; the dropbox SDK has no webhook verifier")
P = "dropbox"
KEY = "k3v9q2x7m1p8w4z"  # app secret (15 chars, App Console)
OTHER = "a1b2c3d4e5f6g7h"
URL = "https://hooks.example.com/dropbox/webhook"
CHALLENGE = "Hcr8Bq0sWmZ3tY6uL1aN5xKd9fJg2vP4"


def sig(k, b):
    return hmac.new(k.encode(), b.encode(), hashlib.sha256).hexdigest()


def H(s):
    return {"Content-Type": "application/json", "User-Agent": "DropboxWebhooks/1.0", **({"X-Dropbox-Signature": s} if s is not None else {})}


body = '{"list_folder": {"accounts": ["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc", "dbid:AAA-AdT84WzkyLw5s590DbYF1HNe2P4jpWY"]}, "delta": {"users": [12345, 67890]}}'
s = sig(KEY, body)
common = dict(provider=P, key=KEY, now=NOW)
out = [
    vector(name="challenge_handshake", description="Endpoint verification: GET ?challenge=<value>; answer 200 text/plain echoing it (Dropbox's sample also sets X-Content-Type-Options: nosniff).",
           source=SRC, method="GET", url=URL + "?challenge=" + CHALLENGE, headers={}, body="", expected="handshake",
           handshake_response={"status": 200, "content_type": "text/plain", "body": CHALLENGE}, **common),
    vector(name="ok", description="Notification POST; X-Dropbox-Signature = hex HMAC-SHA256(app secret, raw body).", source=SRC, method="POST", url=None,
           headers=H(s), body=body, expected="ok", **common),
    vector(name="tampered_body", description="Account list changed after signing.", source=SRC, method="POST", url=None, headers=H(s),
           body=body.replace("12345", "12346"), expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another app's secret.", source=SRC, method="POST", url=None, headers=H(sig(OTHER, body)),
           body=body, expected="bad_signature", **common),
    vector(name="missing_signature", description="No X-Dropbox-Signature header.", source=SRC, method="POST", url=None, headers=H(None), body=body,
           expected="missing_signature", **common),
]
write("dropbox.json", out)
