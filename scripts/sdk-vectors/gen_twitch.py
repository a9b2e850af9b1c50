"""Twitch EventSub (webhook transport) vectors. Twitch publishes no official
PyPI/npm SDK (its official tool, twitchdev/twitch-cli, is Go); signatures are
computed with the standard library per dev.twitch.tv/docs/eventsub/handling-webhook-events
('Verifying the event message'): sha256=<hex HMAC-SHA256(secret,
message_id + timestamp + raw body)>, the same bytes twitch-cli signs
(internal/events/trigger/forward_event.go)."""
import hashlib
import hmac
from datetime import datetime, timezone

from _vectors import NOW, vector, write

SRC = ("Python hmac/hashlib per dev.twitch.tv/docs/eventsub/handling-webhook-events (verifying the event message; "
       "responding to a challenge request) and dev.twitch.tv/docs/eventsub (guarding against replay attacks: 10 minutes); "
       "no official PyPI/npm SDK exists")
P = "twitch"
SECRET = "s3cre7-eventsub-4f8a1c9e2b7d5a3c"
OTHER = "other-eventsub-secret-0123456789"


def rfc3339(unix, frac="123456789"):
    return datetime.fromtimestamp(unix, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "." + frac + "Z"


def sign(k, mid, ts, body):
    return "sha256=" + hmac.new(k.encode(), (mid + ts + body).encode(), hashlib.sha256).hexdigest()


def H(mid, ts, sig, mtype="notification", sub="channel.follow", ver="2"):
    h = {"Content-Type": "application/json", "Twitch-Eventsub-Message-Id": mid, "Twitch-Eventsub-Message-Retry": "0",
         "Twitch-Eventsub-Message-Type": mtype, "Twitch-Eventsub-Message-Timestamp": ts,
         "Twitch-Eventsub-Subscription-Type": sub, "Twitch-Eventsub-Subscription-Version": ver}
    if sig is not None:
        h["Twitch-Eventsub-Message-Signature"] = sig
    return h


sub = ('{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"enabled","type":"channel.follow","version":"2",'
       '"condition":{"broadcaster_user_id":"1337","moderator_user_id":"1337"},"transport":{"method":"webhook","callback":"https://hooks.example.com/twitch/eventsub"},'
       '"created_at":"2025-11-01T11:00:00.000000000Z","cost":0}')
body = ('{"subscription":' + sub + ',"event":{"user_id":"1234","user_login":"cool_user","user_name":"Cool_User","broadcaster_user_id":"1337",'
        '"broadcaster_user_login":"cooler_user","broadcaster_user_name":"Cooler_User","followed_at":"2025-11-01T11:59:57.123456789Z"}}')
challenge = "pogchamp-kappa-360noscope-vohiyo"
vsub = sub.replace('"status":"enabled"', '"status":"webhook_callback_verification_pending"')
vbody = '{"challenge":"' + challenge + '","subscription":' + vsub + "}"

MID, VMID = "befa7b53-d79d-478f-86b9-120f112b044e", "e76c6bd4-55c9-4987-8304-da1588d8988b"
TS = rfc3339(NOW - 2)
sig = sign(SECRET, MID, TS, body)
common = dict(provider=P, key=SECRET, method="POST", url=None, now=NOW, source=SRC)
out = [
    vector(name="verification_handshake", description="webhook_callback_verification, correctly signed: answer 200 text/plain with the raw challenge string.",
           headers=H(VMID, TS, sign(SECRET, VMID, TS, vbody), "webhook_callback_verification"), body=vbody, expected="handshake",
           handshake_response={"status": 200, "content_type": "text/plain", "body": challenge}, **common),
    vector(name="verification_bad_signature", description="webhook_callback_verification signed with another secret: no challenge echo.",
           headers=H(VMID, TS, sign(OTHER, VMID, TS, vbody), "webhook_callback_verification"), body=vbody, expected="bad_signature", **common),
    vector(name="notification_ok", description="channel.follow notification, timestamp 2 s old (RFC 3339, nanoseconds).",
           headers=H(MID, TS, sig), body=body, expected="ok", **common),
    vector(name="tampered_body", description="user_login changed after signing.", headers=H(MID, TS, sig), body=body.replace("cool_user", "evil_user"),
           expected="bad_signature", **common),
    vector(name="message_id_changed", description="A different Twitch-Eventsub-Message-Id with the original signature (the id is signed).",
           headers=H("0a3e8c2d-1b4f-4e6a-9c8d-7f5e3a1b2c4d", TS, sig), body=body, expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another subscription's secret.", headers=H(MID, TS, sign(OTHER, MID, TS, body)), body=body,
           expected="bad_signature", **common),
    vector(name="stale_timestamp", description="Correctly signed, timestamp 11 minutes old (Twitch: reject older than 10 minutes).",
           headers=H(MID, rfc3339(NOW - 660), sign(SECRET, MID, rfc3339(NOW - 660), body)), body=body, expected="timestamp_out_of_window", **common),
    vector(name="missing_signature", description="No Twitch-Eventsub-Message-Signature header.", headers=H(MID, TS, None), body=body,
           expected="missing_signature", **common),
    vector(name="missing_sha256_prefix", description="The right hex HMAC without 'sha256='.", headers=H(MID, TS, sig[len("sha256="):]), body=body,
           expected="malformed", **common),
]
write("twitch.json", out)
