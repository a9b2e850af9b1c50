"""X (Twitter) Account Activity / v2 webhook vectors. X's official SDKs
(PyPI xdk 0.10.6, npm @xdevplatform/xdk 0.6.6) only call the webhook-management
API and have no CRC or signature helper, so values are computed with the
standard library exactly as X's docs show:
  CRC:  GET ?crc_token=T -> {"response_token": "sha256=" + b64 HMAC-SHA256(consumer secret, T)}
  POST: x-twitter-webhooks-signature: sha256=<b64 HMAC-SHA256(consumer secret, raw body)>"""
import base64
import hashlib
import hmac
import json

from _vectors import NOW, vector, write

SRC = ("Python hmac/hashlib/base64 per docs.x.com/x-api/webhooks/quickstart and "
       "developer.x.com/en/docs/x-api/enterprise/account-activity-api/guides/securing-webhooks (no official SDK helper exists)")
P = "x"
SECRET = "kR7uX2pQ9vN4mZ1cT8wL5bY3eH6gJ0sAdF2qW9rE5tY8uI1oP4"  # consumer (API key) secret, 50 chars
OTHER = "aZ3xC5vB7nM9lK1jH2gF4dS6aQ8wE0rT3yU5iO7pL9kJ2hG4fD"
URL = "https://hooks.example.com/x/webhook"
CRC = "9b4507b3-9040-4669-9ca3-6b94edb50553"


def b64mac(k, m):
    return base64.b64encode(hmac.new(k.encode(), m.encode(), hashlib.sha256).digest()).decode()


def H(s):
    return {"Content-Type": "application/json; charset=utf-8", **({"x-twitter-webhooks-signature": s} if s is not None else {})}


body = ('{"for_user_id":"2244994945","favorite_events":[{"id":"a7ba59eab0bfcba386f7acedac279542","created_at":"Sat Nov 01 11:59:55 +0000 2025",'
        '"timestamp_ms":1761998395000,"favorited_status":{"id_str":"1983000000000000000","text":"hello world"},'
        '"user":{"id_str":"783214","screen_name":"X"}}]}')
sig = "sha256=" + b64mac(SECRET, body)
common = dict(provider=P, key=SECRET, now=NOW, source=SRC)
out = [
    vector(name="crc_handshake", description="Challenge-Response Check: GET ?crc_token=...; answer 200 JSON {\"response_token\": \"sha256=\" + b64 HMAC-SHA256(consumer secret, crc_token)}.",
           method="GET", url=URL + "?crc_token=" + CRC, headers={}, body="", expected="handshake",
           handshake_response={"status": 200, "content_type": "application/json",
                               "body": json.dumps({"response_token": "sha256=" + b64mac(SECRET, CRC)}, separators=(",", ":"))}, **common),
    vector(name="ok", description="Event POST; x-twitter-webhooks-signature = 'sha256=' + base64 HMAC-SHA256(consumer secret, raw body).",
           method="POST", url=None, headers=H(sig), body=body, expected="ok", **common),
    vector(name="tampered_body", description="Tweet text changed after signing.", method="POST", url=None, headers=H(sig),
           body=body.replace("hello world", "hello w0rld"), expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another app's consumer secret.", method="POST", url=None,
           headers=H("sha256=" + b64mac(OTHER, body)), body=body, expected="bad_signature", **common),
    vector(name="missing_signature", description="No x-twitter-webhooks-signature header.", method="POST", url=None, headers=H(None), body=body,
           expected="missing_signature", **common),
    vector(name="missing_sha256_prefix", description="The right base64 MAC without 'sha256='.", method="POST", url=None,
           headers=H(sig[len("sha256="):]), body=body, expected="malformed", **common),
]
write("x.json", out)
