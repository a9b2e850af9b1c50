"""Mailgun webhook vectors. The signature is in the JSON body, not in a header:
{"signature": {"timestamp", "token", "signature"}, "event-data": {...}}, the
signature hex HMAC-SHA256(HTTP webhook signing key, timestamp || token) per
documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
(the event data is not signed). The first vector is the official PHP SDK's test
vector verbatim (mailgun/mailgun-php tests/Api/WebhookTest.php
testVerifyWebhookGood, and testVerifyWebhookBad for the second), wrapped in a
JSON body; the others are computed with the standard library. Every vector is
judged by the official Python SDK (PyPI `mailgun`,
mailgun.security.SecurityGuard.verify_webhook, whose default window is 900 s
both ways)."""
import hashlib
import hmac
import json
import logging
from importlib.metadata import version

from mailgun.security import SecurityGuard

from _vectors import NOW, check, vector, write

logging.disable(logging.WARNING)

SDK = f"mailgun {version('mailgun')} (PyPI), mailgun.security.SecurityGuard.verify_webhook"
PHP = ("mailgun/mailgun-php tests/Api/WebhookTest.php testVerifyWebhookGood (key, timestamp, token, signature verbatim; "
       "the JSON body around them is ours); judged by " + SDK)
PHP_BAD = "mailgun/mailgun-php tests/Api/WebhookTest.php testVerifyWebhookBad (token verbatim); judged by " + SDK
STD = ("Python hmac per documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks "
       "(hex HMAC-SHA256 of timestamp || token); judged by " + SDK)
P = "mailgun"
PHP_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
PHP_TS, PHP_TOKEN = "1403645220", "5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6"
PHP_SIG = "9cfc5c41582e51246e73c88d34db3af0a3a2692a76fbab81492842f000256d33"
PHP_BAD_TOKEN = "owyldpe6nxhmrn78epljl6bj0orrki1u3d2v5e6cnlmmuox8jr"
KEY = "7f1c2a9e4b6d8f0a3c5e7b9d1f2a4c6e-1b2c3d4e-5f6a7b8c"  # an HTTP webhook signing key's shape
OTHER = "0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d-2c3d4e5f-6a7b8c9d"
TOKEN = "c2a4e6b8d0f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9"  # 50 characters, as Mailgun's
EVENT = {"id": "CCXMjJ7nQi2N3BPigGOdgQ", "event": "delivered", "timestamp": 1761998390.5,
         "recipient": "alice@example.com", "delivery-status": {"code": 250, "message": "OK"}}
H = {"Content-Type": "application/json"}


def sig(key, ts, token):
    return hmac.new(key.encode(), (ts + token).encode(), hashlib.sha256).hexdigest()


def body(signature, event=EVENT):
    return json.dumps({"signature": signature, "event-data": event}, separators=(",", ":"))


def sdk(key, text, now):
    """The SDK's verdict on a body, at `now` (its window: 900 s)."""
    fields = json.loads(text)["signature"]
    import time
    real = time.time
    time.time = lambda: now
    try:
        return SecurityGuard.verify_webhook(key, fields["token"], fields["timestamp"], fields["signature"])
    finally:
        time.time = real


assert sig(PHP_KEY, PHP_TS, PHP_TOKEN) == PHP_SIG
TS = str(NOW - 10)
good = {"timestamp": TS, "token": TOKEN, "signature": sig(KEY, TS, TOKEN)}
php_now = int(PHP_TS) + 10
common = dict(provider=P, method="POST", url=None, headers=H)
out = []


def add(name, description, source, key, text, now, expected):
    accepted = sdk(key, text, now) if '"signature":{' in text else False
    check(accepted == (expected == "ok"), f"{name}: SDK accepted={accepted}, expected {expected}")
    out.append(vector(name=name, description=description, source=source, key=key, body=text, now=now,
                      expected=expected, **common))


add("php_sdk_test_good", "The PHP SDK's test vector: its signature over its timestamp and token, under its key.", PHP,
    PHP_KEY, body({"timestamp": PHP_TS, "token": PHP_TOKEN, "signature": PHP_SIG},
                  {"event": "delivered", "id": "CCXMjJ7nQi2N3BPigGOdgQ"}), php_now, "ok")
add("php_sdk_test_bad_token", "The PHP SDK's bad vector: another token under the same signature.", PHP_BAD, PHP_KEY,
    body({"timestamp": PHP_TS, "token": PHP_BAD_TOKEN, "signature": PHP_SIG},
         {"event": "delivered", "id": "CCXMjJ7nQi2N3BPigGOdgQ"}), php_now, "bad_signature")
add("delivered", "A delivered event, signed ten seconds ago.", STD, KEY, body(good), NOW, "ok")
add("event_data_not_covered_ok", "The event data changed after signing: Mailgun signs only timestamp and token, so this "
    "passes (dedupe on the signature stops a replay).", STD, KEY,
    body(good, dict(EVENT, recipient="mallory@example.com")), NOW, "ok")
add("wrong_key", "Signed with another account's signing key.", STD, OTHER, body(good), NOW, "bad_signature")
add("tampered_timestamp", "The timestamp changed by one second after signing.", STD, KEY,
    body(dict(good, timestamp=str(NOW - 9))), NOW, "bad_signature")
stale_ts = str(NOW - 901)
add("stale_901_seconds", "Signed 901 s ago: beyond the SDK's 900 s.", STD, KEY,
    body({"timestamp": stale_ts, "token": TOKEN, "signature": sig(KEY, stale_ts, TOKEN)}), NOW,
    "timestamp_out_of_window")
edge_ts = str(NOW - 900)
add("nine_hundred_seconds_old_ok", "Signed 900 s ago: at the SDK's edge, accepted.", STD, KEY,
    body({"timestamp": edge_ts, "token": TOKEN, "signature": sig(KEY, edge_ts, TOKEN)}), NOW, "ok")
ahead_ts = str(NOW + 901)
add("future_901_seconds", "Signed 901 s in the future: the SDK's window holds both ways.", STD, KEY,
    body({"timestamp": ahead_ts, "token": TOKEN, "signature": sig(KEY, ahead_ts, TOKEN)}), NOW,
    "timestamp_out_of_window")
add("signature_not_hex", "The signature field is not hex.", STD, KEY,
    body(dict(good, signature="z" * 64)), NOW, "malformed")
add("no_signature_object", "An event without the signature object.", STD, KEY,
    json.dumps({"event-data": EVENT}, separators=(",", ":")), NOW, "missing_signature")
write("mailgun.json", out)
