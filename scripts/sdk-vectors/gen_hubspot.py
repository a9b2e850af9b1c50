"""HubSpot v3 request-signature vectors (X-HubSpot-Signature-v3), computed with
the official SDK (PyPI `hubspot-api-client`, hubspot.utils.signature.Signature)
and checked with its is_valid(), whose clock is frozen at `now`."""
from datetime import datetime, timezone
from importlib.metadata import version

import hubspot.utils.signature as sigmod
from hubspot.exceptions import InvalidSignatureTimestampError
from hubspot.utils.signature import Signature

from _vectors import NOW, check, vector, write

SDK = f"hubspot-api-client {version('hubspot-api-client')} (PyPI), hubspot.utils.signature.Signature"
P = "hubspot"
SECRET = "3b5f2f44-8c1d-4e6a-9b7e-2f0d9c4a6e11"  # app client secret (UUID format)
OTHER = "7d1e9a20-5b3c-4f8e-a6d2-91c0b4e3f5a7"


class FrozenDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime.fromtimestamp(NOW, tz=tz or timezone.utc)


sigmod.datetime = FrozenDatetime  # the SDK's timestamp check now judges at NOW


def sign(secret, method, uri, body, ts):
    return Signature.get_signature(secret, body, "v3", http_uri=uri, http_method=method, timestamp=ts)


def valid(sig, secret, method, uri, body, ts):
    try:
        return Signature.is_valid(sig, secret, body, http_uri=uri, http_method=method, signature_version="v3", timestamp=ts)
    except InvalidSignatureTimestampError:
        return "stale"


def H(sig, ts):
    h = {"Content-Type": "application/json"}
    if sig is not None:
        h["X-HubSpot-Signature-v3"] = sig
    if ts is not None:
        h["X-HubSpot-Request-Timestamp"] = ts
    return h


URL = "https://hooks.example.com/hubspot/webhook?portal=62515"
body = '[{"eventId":100,"subscriptionId":12345,"portalId":62515,"appId":54321,"occurredAt":1761998396000,"subscriptionType":"contact.propertyChange","attemptNumber":0,"objectId":123,"changeSource":"CRM","propertyName":"email","propertyValue":"new@example.com"}]'
ts = str(NOW * 1000 - 2500)  # 2.5 s old, in milliseconds
sig = sign(SECRET, "POST", URL, body, ts)
out = []
check(valid(sig, SECRET, "POST", URL, body, ts) is True, "ok: SDK is_valid(v3) at now")
out.append(vector(provider=P, name="ok", description="POST; v3 = b64 HMAC-SHA256(client secret, method + URI + body + timestamp ms); timestamp 2.5 s old.",
                  source=SDK + ": get_signature(v3) then is_valid(v3) == True at now", key=SECRET, method="POST", url=URL,
                  headers=H(sig, ts), body=body, now=NOW, expected="ok"))

t = body.replace("new@example.com", "evil@example.com")
check(valid(sig, SECRET, "POST", URL, t, ts) is False, "tampered: SDK rejects")
out.append(vector(provider=P, name="tampered_body", description="propertyValue changed after signing.", source=SDK + ": is_valid == False",
                  key=SECRET, method="POST", url=URL, headers=H(sig, ts), body=t, now=NOW, expected="bad_signature"))

w = sign(OTHER, "POST", URL, body, ts)
check(valid(w, SECRET, "POST", URL, body, ts) is False, "wrong key: SDK rejects")
out.append(vector(provider=P, name="wrong_key", description="Signed with another app's client secret.", source=SDK + ": is_valid == False",
                  key=SECRET, method="POST", url=URL, headers=H(w, ts), body=body, now=NOW, expected="bad_signature"))

ts2 = str(NOW * 1000 - 2000)
check(valid(sig, SECRET, "POST", URL, body, ts2) is False, "timestamp header changed: SDK rejects")
out.append(vector(provider=P, name="timestamp_header_changed", description="X-HubSpot-Request-Timestamp moved 0.5 s (still fresh): it is part of the signed string.",
                  source=SDK + ": is_valid == False", key=SECRET, method="POST", url=URL, headers=H(sig, ts2), body=body,
                  now=NOW, expected="bad_signature"))

old_ts = str((NOW - 360) * 1000)  # 6 minutes old
old_sig = sign(SECRET, "POST", URL, body, old_ts)
check(valid(old_sig, SECRET, "POST", URL, body, old_ts) == "stale", "stale: SDK raises InvalidSignatureTimestampError")
out.append(vector(provider=P, name="stale_timestamp", description="Correctly signed, timestamp 6 minutes old (HubSpot: reject older than 5 minutes).",
                  source=SDK + ": is_valid raises InvalidSignatureTimestampError at now", key=SECRET, method="POST", url=URL,
                  headers=H(old_sig, old_ts), body=body, now=NOW, expected="timestamp_out_of_window"))

gurl = "https://hooks.example.com/hubspot/card?userId=123&portalId=62515"
gts = str(NOW * 1000 - 1000)
gsig = sign(SECRET, "GET", gurl, "", gts)
check(valid(gsig, SECRET, "GET", gurl, "", gts) is True, "GET ok: SDK accepts")
out.append(vector(provider=P, name="get_empty_body_ok", description="GET (CRM-card style fetch): empty body, query string part of the URI.",
                  source=SDK + ": is_valid == True at now", key=SECRET, method="GET", url=gurl, headers=H(gsig, gts),
                  body="", now=NOW, expected="ok"))
check(valid(gsig, SECRET, "POST", gurl, "", gts) is False, "method changed: SDK rejects")
out.append(vector(provider=P, name="method_changed", description="The GET signature presented on a POST to the same URI.",
                  source=SDK + ": is_valid(http_method=POST) == False", key=SECRET, method="POST", url=gurl,
                  headers=H(gsig, gts), body="", now=NOW, expected="bad_signature"))

out.append(vector(provider=P, name="missing_signature", description="Timestamp present, X-HubSpot-Signature-v3 absent.", source="(no signature to check)",
                  key=SECRET, method="POST", url=URL, headers=H(None, ts), body=body, now=NOW, expected="missing_signature"))
write("hubspot.json", out)
