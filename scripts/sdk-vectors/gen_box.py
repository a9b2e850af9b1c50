"""Box (V2 webhooks) vectors. The first are the official SDK's own test vectors,
verbatim: box/box-python-sdk-gen test/webhooks.py (testWebhookValidation), keys
SamplePrimaryKey / SampleSecondaryKey, timestamp 2020-01-01T00:00:00-07:00, re-run
with PyPI box-sdk-gen 1.17.0 compute_webhook_signature. The others are computed
with the standard library per developer.box.com/guides/webhooks/v2/signatures-v2:
base64 HMAC-SHA256(key, raw body || BOX-DELIVERY-TIMESTAMP), BOX-SIGNATURE-PRIMARY
under the primary key, BOX-SIGNATURE-SECONDARY under the secondary key, the
timestamp at most 600 s old. `key` is the primary key, `second_key` the secondary."""
import base64
import hashlib
import hmac

from _vectors import vector, write

SDK = "PyPI box-sdk-gen 1.17.0 test/webhooks.py testWebhookValidation vector (verbatim; the SDK's compute_webhook_signature reproduces it)"
STD = ("Python hmac per developer.box.com/guides/webhooks/v2/signatures-v2 (body then BOX-DELIVERY-TIMESTAMP, "
       "base64 HMAC-SHA256, one header per key)")
P = "box"
PRIMARY, SECONDARY = "SamplePrimaryKey", "SampleSecondaryKey"
TS = "2020-01-01T00:00:00-07:00"  # 1577862000
NOW = 1577862000 + 60
BODY = ('{"type":"webhook_event","webhook":{"id":"1234567890"},"trigger":"FILE.UPLOADED",'
        '"source":{"id":"1234567890","type":"file","name":"Test.txt"}}')
# The SDK test's escaped Japanese file name, as Box sends it (ASCII on the wire).
ESCAPED = ('{"webhook":{"id":"1234567890"},"trigger":"FILE.UPLOADED","source":{"id":"1234567890","type":"file",'
           '"name":"\\u30b9\\u30af\\u30ea\\u30fc\\u30f3\\u30b7\\u30e7\\u30c3\\u30c8 2020-08-05.txt"}}')


def sig(key, body, ts=TS):
    return base64.b64encode(hmac.new(key.encode(), body.encode() + ts.encode(), hashlib.sha256).digest()).decode()


assert sig(PRIMARY, BODY) == "6TfeAW3A1PASkgboxxA5yqHNKOwFyMWuEXny/FPD5hI="
assert sig(SECONDARY, BODY) == "v+1CD1Jdo3muIcbpv5lxxgPglOqMfsNHPV899xWYydo="
assert sig(PRIMARY, ESCAPED) == "LV2uCu+5NJtIHrCXDYgZ0v/PP5THGRuegw3RtdnEyuE="


def H(primary, secondary=None, ts=TS):
    headers = {"BOX-DELIVERY-ID": "f96bb54b-ee16-4fc5-aa65-8c2d9e5b546f", "BOX-DELIVERY-TIMESTAMP": ts,
               "BOX-SIGNATURE-ALGORITHM": "HmacSHA256", "BOX-SIGNATURE-VERSION": "1", "Content-Type": "application/json"}
    if primary is not None:
        headers["BOX-SIGNATURE-PRIMARY"] = primary
    if secondary is not None:
        headers["BOX-SIGNATURE-SECONDARY"] = secondary
    return headers


common = dict(provider=P, key=PRIMARY, second_key=SECONDARY, method="POST", url=None, now=NOW)
OTHER = "AnotherAppsKey"
out = [
    vector(name="sdk_both_signatures", description="The SDK test's delivery: both headers, each under its key.", source=SDK,
           headers=H("6TfeAW3A1PASkgboxxA5yqHNKOwFyMWuEXny/FPD5hI=", "v+1CD1Jdo3muIcbpv5lxxgPglOqMfsNHPV899xWYydo="),
           body=BODY, expected="ok", **common),
    vector(name="sdk_escaped_unicode", description="The SDK test's Japanese file name, \\u-escaped as Box sends it (primary only).",
           source=SDK, headers=H("LV2uCu+5NJtIHrCXDYgZ0v/PP5THGRuegw3RtdnEyuE="), body=ESCAPED, expected="ok", **common),
    vector(name="unescaped_unicode_body", description="The same file name as raw UTF-8: not the bytes Box signed (the SDK's escape "
           "fallback would accept it; a raw-bytes verifier does not).", source=STD,
           headers=H("LV2uCu+5NJtIHrCXDYgZ0v/PP5THGRuegw3RtdnEyuE="),
           body=ESCAPED.encode().decode("unicode_escape"), expected="bad_signature", **common),
    vector(name="primary_rotated_secondary_valid", description="The primary key was reset in Box and the receiver does not know "
           "the new one yet: the secondary header still verifies.", source=STD,
           headers=H(sig("ResetPrimaryKey", BODY), sig(SECONDARY, BODY)), body=BODY, expected="ok", **common),
    vector(name="tampered_body", description="Trigger changed after signing.", source=STD,
           headers=H(sig(PRIMARY, BODY), sig(SECONDARY, BODY)), body=BODY.replace("UPLOADED", "DELETED"),
           expected="bad_signature", **common),
    vector(name="wrong_keys", description="Signed with another app's keys.", source=STD,
           headers=H(sig(OTHER, BODY), sig(OTHER + "2", BODY)), body=BODY, expected="bad_signature", **common),
    vector(name="timestamp_changed", description="BOX-DELIVERY-TIMESTAMP changed after signing (it is signed).", source=STD,
           headers={**H(sig(PRIMARY, BODY), sig(SECONDARY, BODY)), "BOX-DELIVERY-TIMESTAMP": "2020-01-01T00:00:30-07:00"},
           body=BODY, expected="bad_signature", **common),
    vector(name="stale", description="Signed correctly 11 minutes before now: older than Box's 10 minutes.", source=STD,
           headers=H(sig(PRIMARY, BODY, "2019-12-31T23:49:00-07:00"), None, "2019-12-31T23:49:00-07:00"),
           body=BODY, expected="timestamp_out_of_window", **common),
    vector(name="missing_signatures", description="Neither BOX-SIGNATURE-PRIMARY nor BOX-SIGNATURE-SECONDARY.", source=STD,
           headers=H(None), body=BODY, expected="missing_signature", **common),
    vector(name="signature_not_base64", description="The primary signature in hex instead of base64.", source=STD,
           headers=H(hmac.new(PRIMARY.encode(), (BODY + TS).encode(), hashlib.sha256).hexdigest()), body=BODY,
           expected="malformed", **common),
]
write("box.json", out)
