"""Sentry integration-platform (custom integration) webhook vectors. Sentry has
no SDK with a verifier (sentry-sdk / @sentry/* report errors), so signatures are
computed with the standard library exactly as Sentry's server does
(getsentry/sentry src/sentry/sentry_apps/models/sentry_app.py build_signature:
hex HMAC-SHA256(client secret as UTF-8, body)), over the body Sentry sends
(src/sentry/utils/json.py: compact separators, non-ASCII \\uXXXX-escaped; members
action, installation, data, actor). Sentry-Hook-Timestamp and Sentry-Hook-Resource
are sent but not signed (docs.sentry.io/organization/integrations/integration-platform/webhooks)."""
import hashlib
import hmac
import json

from _vectors import NOW, check, vector, write

SRC = ("Python hmac/hashlib as Sentry's server signs (getsentry/sentry sentry_apps/models/sentry_app.py build_signature, "
       "body encoded as sentry/utils/json.py does) per docs.sentry.io/organization/integrations/integration-platform/webhooks "
       "(Sentry-Hook-Signature); no SDK verifier exists")
P = "sentry"
KEY = "3f1d8a6c0b9e4f27a5d2c8b1e7f04a69d3c5b8e2f1a04d7c9b6e3f8a2d5c1b0e"  # Client Secret (Credentials)
OTHER = "a0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def encode(obj):
    # sentry.utils.json: simplejson JSONEncoder(separators=(",", ":")), ensure_ascii left True.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True)


def sig(k, b):
    return hmac.new(key=k.encode("utf-8"), msg=b.encode("utf-8"), digestmod=hashlib.sha256).hexdigest()


def H(s, resource="installation", ts=str(NOW - 1), request_id="0f8fad5bd9cb469fa16570867728950e"):
    h = {"Content-Type": "application/json", "Request-ID": request_id, "Sentry-Hook-Resource": resource, "Sentry-Hook-Timestamp": ts}
    if s is not None:
        h["Sentry-Hook-Signature"] = s
    return h


# installation.created, values from sentry-docs webhooks/installation.mdx, in Sentry's member order.
body = encode({"action": "created", "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
               "data": {"installation": {"status": "pending", "organization": {"slug": "test-org"},
                                         "app": {"uuid": "2ebf071f-28df-4989-aca9-c37c763b278f", "slug": "webhooks-galore"},
                                         "code": "f3c71b491e3949b6b033ae45312a4fcb", "uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"}},
               "actor": {"type": "user", "id": 1, "name": "Meredith Heller"}})
# An issue webhook whose title has non-ASCII characters: Sentry sends them \uXXXX-escaped (surrogate pair for U+1F600).
issue = encode({"action": "created", "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
                "data": {"issue": {"id": "1170820242", "shortId": "WEBHOOKS-GALORE-1", "title": "Zoë 😀: TypeError",
                                   "level": "error", "status": "unresolved", "project": {"id": "1", "slug": "front-end"},
                                   "firstSeen": "2025-11-01T11:59:55.000000Z"}},
                "actor": {"type": "application", "id": "sentry", "name": "Sentry"}})
check(body.isascii() and issue.isascii() and "\\u00eb \\ud83d\\ude00" in issue, "bodies are ASCII, non-ASCII escaped as Sentry sends it")
s, si = sig(KEY, body), sig(KEY, issue)
common = dict(provider=P, key=KEY, method="POST", url=None, now=NOW, source=SRC)
out = [
    vector(name="ok", description="installation created; Sentry-Hook-Signature = hex HMAC-SHA256(client secret, raw body); "
           "Sentry-Hook-Timestamp and Sentry-Hook-Resource are not signed.", headers=H(s), body=body, expected="ok", **common),
    vector(name="ok_escaped_unicode", description="issue created, non-ASCII title \\uXXXX-escaped as Sentry's encoder writes it; "
           "the HMAC is over those raw bytes.", headers=H(si, "issue"), body=issue, expected="ok", **common),
    vector(name="timestamp_header_not_signed", description="The ok request with a different Sentry-Hook-Timestamp: the timestamp is "
           "not part of the signed bytes, so the signature still matches.", headers=H(s, ts=str(NOW - 2)), body=body, expected="ok", **common),
    vector(name="tampered_body", description="Installation status changed after signing.", headers=H(s),
           body=body.replace('"status":"pending"', '"status":"installed"'), expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another integration's client secret.", headers=H(sig(OTHER, body)), body=body,
           expected="bad_signature", **common),
    vector(name="missing_signature", description="No Sentry-Hook-Signature header.", headers=H(None), body=body,
           expected="missing_signature", **common),
    vector(name="signature_not_hex", description="64 characters but not hex.", headers=H("z" * 64), body=body, expected="malformed", **common),
]
write("sentry.json", out)
