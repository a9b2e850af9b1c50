"""Calendly webhook vectors. Calendly has no SDK with a verifier (no official
PyPI/npm package), so signatures are computed with the standard library per
developer.calendly.com/docs/webhooks/overview and
developer.calendly.com/api-docs/overview/webhooks/webhook-signatures:
Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(signing key, t + "." + raw body)>.
Calendly's pages read give no tolerance in seconds; the stale vector is 10 minutes
old, outside both the 180 s of Calendly's sample as quoted by third parties and a
300 s window."""
import hashlib
import hmac

from _vectors import NOW, vector, write

SRC = ("Python hmac/hashlib per developer.calendly.com/docs/webhooks/overview and "
       "developer.calendly.com/api-docs/overview/webhooks/webhook-signatures "
       "(t=<unix>,v1=<hex HMAC-SHA256(key, t + '.' + raw body)>); no official SDK verifier exists")
P = "calendly"
KEY = "Wn3vR8xL2qT6zK9bM4cY7pH1dF5sJ0gA"  # webhook signing key (signing_key of POST /webhook_subscriptions)
OTHER = "Pk7sD2fG9hJ4lZ1xC6vB3nM8qW5eR0tY"


def v1(k, t, b):
    return hmac.new(k.encode(), f"{t}.{b}".encode(), hashlib.sha256).hexdigest()


def header(t, *sigs):
    return ",".join([f"t={t}", *(f"v1={s}" for s in sigs)])


def H(value):
    return {"Content-Type": "application/json", **({"Calendly-Webhook-Signature": value} if value is not None else {})}


body = ('{"created_at":"2025-11-01T11:59:58.000000Z","created_by":"https://api.calendly.com/users/AAAAAAAAAAAAAAAA",'
        '"event":"invitee.created","payload":{"uri":"https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/AAAAAAAAAAAAAAAA",'
        '"email":"test@example.com","name":"John Doe","status":"active","timezone":"America/New_York",'
        '"event":"https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2","created_at":"2025-11-01T11:59:58.000000Z",'
        '"rescheduled":false,"cancel_url":"https://calendly.com/cancellations/AAAAAAAAAAAAAAAA"}}')
t = NOW - 1
s = v1(KEY, t, body)
old = NOW - 600
common = dict(provider=P, key=KEY, method="POST", url=None, now=NOW, source=SRC)
out = [
    vector(name="ok", description="invitee.created; Calendly-Webhook-Signature t=<unix s>,v1=<hex HMAC-SHA256(signing key, t + '.' + body)>; t 1 s old.",
           headers=H(header(t, s)), body=body, expected="ok", **common),
    vector(name="tampered_body", description="Invitee email changed after signing.", headers=H(header(t, s)),
           body=body.replace("test@example.com", "evil@example.com"), expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another subscription's signing key.", headers=H(header(t, v1(OTHER, t, body))), body=body,
           expected="bad_signature", **common),
    vector(name="timestamp_changed", description="t moved by one second (still fresh): it is part of the signed string.",
           headers=H(header(t - 1, s)), body=body, expected="bad_signature", **common),
    vector(name="stale_timestamp", description="Correctly signed, t 600 s (10 minutes) before now.", headers=H(header(old, v1(KEY, old, body))),
           body=body, expected="timestamp_out_of_window", **common),
    vector(name="missing_signature", description="No Calendly-Webhook-Signature header.", headers=H(None), body=body,
           expected="missing_signature", **common),
    vector(name="no_v1", description="Header with t but no v1 entry.", headers=H(f"t={t}"), body=body, expected="malformed", **common),
]
write("calendly.json", out)
