"""Zendesk webhook vectors. Zendesk publishes no SDK verifier, so signatures are
computed with the standard library per developer.zendesk.com/documentation/webhooks/verifying:
X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(signing secret as UTF-8 text, TIMESTAMP + BODY)),
TIMESTAMP being the X-Zendesk-Webhook-Signature-Timestamp header text (ISO 8601).
The signing secret is used as the text shown (not base64-decoded). Zendesk
defines no timestamp window.

The order: the current page says base64(HMACSHA256(TIMESTAMP + BODY)); another
copy of the page (documentation/event-connectors/webhooks/verifying) says
(BODY)(TIMESTAMP) and carries the only worked example, which verifies only in
that order. These vectors follow TIMESTAMP + BODY; that worked example is
docs_example_body_then_timestamp, a bad_signature under it."""
import base64
import calendar
import hashlib
import hmac
import time

from _vectors import NOW, check, vector, write

DOCS = "developer.zendesk.com/documentation/webhooks/verifying"
SRC = ("Python hmac/hashlib/base64 per " + DOCS + " (base64(HMACSHA256(TIMESTAMP + BODY)), secret used as text) and "
       "/documentation/webhooks/anatomy-of-a-webhook-request (headers); no official SDK verifier exists")
SRC_DOC = ("developer.zendesk.com/documentation/event-connectors/webhooks/verifying (copy of the page whose formula reads "
           "(BODY)(TIMESTAMP)): secret, body, timestamp and signature verbatim; Python hmac reproduces the signature only over "
           "BODY + TIMESTAMP, not over TIMESTAMP + BODY")
P = "zendesk"
# The signing secret hard-coded in the Express sample of the verifying page, used as text.
KEY = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
OTHER = "c2lnbmluZ19zZWNyZXRfb2ZfYW5vdGhlcl93ZWJob29r"
DOC_KEY = "HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA="
DOC_BODY, DOC_TS, DOC_SIG = '{"say": "hello"}', "2021-07-25T10:00:00Z", "tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw="


def sig(k, ts, b):
    return base64.b64encode(hmac.new(k.encode("utf-8"), (ts + b).encode("utf-8"), hashlib.sha256).digest()).decode()


def iso(unix):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


def H(s, ts, json_body=True):
    h = {"Content-Type": "application/json"} if json_body else {}
    h.update({"x-zendesk-account-id": "22129848", "x-zendesk-webhook-id": "01F1KRFQ6BG29CNWFR60NK5FNY",
              "x-zendesk-webhook-invocation-id": "8350205582"})
    if ts is not None:
        h["x-zendesk-webhook-signature-timestamp"] = ts
    if s is not None:
        h["x-zendesk-webhook-signature"] = s
    return h


doc_body_then_ts = base64.b64encode(hmac.new(DOC_KEY.encode(), (DOC_BODY + DOC_TS).encode(), hashlib.sha256).digest()).decode()
check(doc_body_then_ts == DOC_SIG, "docs example: HMAC over BODY + TIMESTAMP reproduces the published signature")
check(sig(DOC_KEY, DOC_TS, DOC_BODY) != DOC_SIG, "docs example: HMAC over TIMESTAMP + BODY does not")
doc_now = calendar.timegm(time.strptime(DOC_TS, "%Y-%m-%dT%H:%M:%SZ")) + 1

body = ('{"account_id":22129848,"detail":{"created_at":"2025-11-01T11:59:58Z","email":"johnny@example.com","external_id":"",'
        '"default_group_id":"0","id":"8350205582","organization_id":null,"role":"end-user","updated_at":"2025-11-01T11:59:58Z"},'
        '"event":{},"id":"cbe4028c-7239-495d-b020-f22348516046","subject":"zen:user:8350205582","time":"2025-11-01T11:59:58.000000000Z",'
        '"type":"zen:event-type:user.created","zendesk_event_version":"2022-11-06"}')
ts = iso(NOW - 1)
s = sig(KEY, ts, body)
common = dict(provider=P, url=None, source=SRC)
out = [
    vector(name="ok", description="user.created event; X-Zendesk-Webhook-Signature = base64 HMAC-SHA256(secret text, timestamp header + raw body).",
           key=KEY, method="POST", headers=H(s, ts), body=body, now=NOW, expected="ok", **common),
    vector(name="get_empty_body_ok", description="A trigger webhook sent as GET with no body: the signed bytes are the timestamp alone.",
           key=KEY, method="GET", headers=H(sig(KEY, ts, ""), ts, json_body=False), body="", now=NOW, expected="ok", **common),
    vector(name="tampered_body", description="User role changed after signing.", key=KEY, method="POST", headers=H(s, ts),
           body=body.replace('"role":"end-user"', '"role":"admin"'), now=NOW, expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another webhook's signing secret.", key=KEY, method="POST",
           headers=H(sig(OTHER, ts, body), ts), body=body, now=NOW, expected="bad_signature", **common),
    vector(name="timestamp_header_changed", description="Timestamp header moved by one second: it is part of the signed bytes.", key=KEY,
           method="POST", headers=H(s, iso(NOW - 2)), body=body, now=NOW, expected="bad_signature", **common),
    vector(name="missing_signature", description="Timestamp present, no X-Zendesk-Webhook-Signature header.", key=KEY, method="POST",
           headers=H(None, ts), body=body, now=NOW, expected="missing_signature", **common),
    vector(name="signature_not_base64", description="A signature header that is not base64.", key=KEY, method="POST",
           headers=H("!!not-base64!!", ts), body=body, now=NOW, expected="malformed", **common),
    vector(name="docs_example_body_then_timestamp",
           description="The worked example of Zendesk's page copy that reads (BODY)(TIMESTAMP): its signature is HMAC over body + timestamp, "
                       "so under the current TIMESTAMP + BODY rule it does not match. Judged 1 s after its timestamp.",
           key=DOC_KEY, method="POST", headers={"Content-Type": "application/json", "x-zendesk-webhook-signature-timestamp": DOC_TS,
                                                "x-zendesk-webhook-signature": DOC_SIG},
           body=DOC_BODY, now=doc_now, expected="bad_signature", **{**common, "source": SRC_DOC}),
]
write("zendesk.json", out)
