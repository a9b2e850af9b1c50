"""SendGrid Event Webhook vectors. The official SDK (PyPI `sendgrid`,
sendgrid.helpers.eventwebhook.EventWebhook) only verifies; signatures are made
with `cryptography` (the SDK's own dependency) using deterministic ECDSA
(RFC 6979) so regeneration is byte-stable, and every vector is judged by the SDK.
The two `sdk_spec_*` vectors are the signed samples shipped in the npm package
@sendgrid/eventwebhook (src/eventwebhook.spec.js)."""
import base64
import json
from importlib.metadata import version

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sendgrid.helpers.eventwebhook import EventWebhook

from _vectors import NOW, check, vector, write

SDK = f"sendgrid {version('sendgrid')} (PyPI), sendgrid.helpers.eventwebhook.EventWebhook.verify_signature"
SIGNER = f"cryptography {version('cryptography')} ECDSA P-256/SHA-256, deterministic (RFC 6979), DER, base64"
P = "sendgrid"
SIG_H, TS_H = "X-Twilio-Email-Event-Webhook-Signature", "X-Twilio-Email-Event-Webhook-Timestamp"


def keypair(scalar):
    priv = ec.derive_private_key(scalar, ec.SECP256R1())
    spki = priv.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    pkcs8 = priv.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return priv, base64.b64encode(spki).decode(), base64.b64encode(pkcs8).decode()


def sign(priv, ts, body):
    der = priv.sign((ts + body).encode(), ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    return base64.b64encode(der).decode()


def sdk(pub_b64, body, sig, ts):
    try:
        return EventWebhook(pub_b64).verify_signature(body, sig, ts)
    except Exception:  # undecodable base64 / DER
        return False


def H(sig, ts):
    h = {"Content-Type": "application/json"}
    if sig is not None:
        h[SIG_H] = sig
    if ts is not None:
        h[TS_H] = ts
    return h


def js(obj):  # JSON.stringify for these ASCII-only samples
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


out = []

# Samples from the npm package's own spec (signed by SendGrid's key for that test account).
SPEC = "@sendgrid/eventwebhook 8.0.0 (npm) src/eventwebhook.spec.js sample"
pk1 = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g=="
s1 = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM="
t1 = "1600112502"
b1 = js([{"email": "hello@world.com", "event": "dropped", "reason": "Bounced Address",
          "sg_event_id": "ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA",
          "sg_message_id": "LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0",
          "smtp-id": "<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>", "timestamp": 1600112492}]) + "\r\n"
check(sdk(pk1, b1, s1, t1), "spec single-event sample: SDK accepts")
out.append(vector(provider=P, name="sdk_spec_single_event", description="Signed sample from the SDK's tests; the body ends with \\r\\n, which is signed.",
                  source=SPEC + " (quoted exactly); accepted by " + SDK, key=pk1, method="POST", url=None,
                  headers=H(s1, t1), body=b1, now=int(t1) + 1, expected="ok"))

pk2 = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ4LIFtWztlsF7skFqOncjD1lun4H5w8XOhyOArHW9RcIx/FfEzx6cikC/yPfUvwaX/JScE7Fc9CJD2afQ9Ok3Q=="
s2 = "MEYCIQC/I4o6vCgqRYrTljjoVWB/GRWNtxeePlLMHr3x9ETeRQIhAIpV+03nREPTTHWSW0wIOA0EoMPdcNgXa70yCaqDJlu5"
t2 = "1619651159"
ev2 = [{"email": "invalid@gmail.com", "event": "processed", "send_at": 0,
        "sg_event_id": "cHJvY2Vzc2VkLTE5OTQyMTEyLXFOd0JMZ1BRUWpXNkRKdktRd1NBYnctMA",
        "sg_message_id": "qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0",
        "smtp-id": "<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>", "timestamp": 1619651146},
       {"email": "invalid@gmail.com", "event": "bounce", "ip": "167.89.101.76",
        "reason": "552 5.2.2 The email account that you tried to reach is over quota and inactive. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm c17si1130468pgv.34 - gsmtp",
        "sg_event_id": "Ym91bmNlLTAtMTk5NDIxMTItcU53QkxnUFFRalc2REp2S1F3U0Fidy0w",
        "sg_message_id": "qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0",
        "smtp-id": "<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>", "status": "5.2.2",
        "timestamp": 1619651147, "tls": 1, "type": "blocked"}]
b2 = "},\r\n{".join(js(ev2).split("},{")) + "\r\n"
check(sdk(pk2, b2, s2, t2), "spec multi-event sample: SDK accepts")
out.append(vector(provider=P, name="sdk_spec_multi_event", description="Signed two-event sample from the SDK's tests: events separated by \\r\\n, body ends with \\r\\n.",
                  source=SPEC + " (quoted exactly); accepted by " + SDK, key=pk2, method="POST", url=None,
                  headers=H(s2, t2), body=b2, now=int(t2) + 1, expected="ok"))
check(not sdk(pk1, b1, s1, "timestamp"), "spec sample with timestamp 'timestamp': SDK rejects")
out.append(vector(provider=P, name="sdk_spec_timestamp_replaced", description="The single-event sample with its timestamp header replaced by the word 'timestamp' (the SDK test 'should reject for bad timestamp').",
                  source=SPEC + "; rejected by " + SDK, key=pk1, method="POST", url=None, headers=H(s1, "timestamp"),
                  body=b1, now=int(t1) + 1, expected="bad_signature"))

# Own key pair.
priv, PUB, PRIV = keypair(0x5D3C8A1F0E9B7C6D5A4B3C2D1E0F9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F)
opriv, OPUB, _ = keypair(0x1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F809)
TS = str(NOW - 2)
body = js([{"email": "user@example.com", "event": "delivered", "ip": "168.1.1.1",
            "response": "250 OK", "sg_event_id": "ZGVsaXZlcmVkLTAtMTQ3NjQ3ODQtZXhhbXBsZQ",
            "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
            "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>", "timestamp": NOW - 30, "tls": 1}]) + "\r\n"
sig = sign(priv, TS, body)
common = dict(provider=P, key=PUB, private_key=PRIV, method="POST", url=None, now=NOW)
check(sdk(PUB, body, sig, TS), "own ok: SDK accepts")
out.append(vector(name="ok", description="ECDSA P-256 over timestamp || body (body ends with \\r\\n); key = base64 SPKI as shown in Mail Settings.",
                  source=SIGNER + "; accepted by " + SDK, headers=H(sig, TS), body=body, expected="ok", **common))
t = body.replace('"delivered"', '"bounce"')
check(not sdk(PUB, t, sig, TS), "tampered: SDK rejects")
out.append(vector(name="tampered_body", description="event type changed after signing.", source=SDK + " returns False",
                  headers=H(sig, TS), body=t, expected="bad_signature", **common))
nocrlf = body[:-2]
check(not sdk(PUB, nocrlf, sig, TS), "trailing CRLF stripped: SDK rejects")
out.append(vector(name="trailing_crlf_stripped", description="The same request with the trailing \\r\\n removed (e.g. by a body-trimming proxy).",
                  source=SDK + " returns False", headers=H(sig, TS), body=nocrlf, expected="bad_signature", **common))
ws = sign(opriv, TS, body)
check(not sdk(PUB, body, ws, TS), "wrong key: SDK rejects")
out.append(vector(name="wrong_key", description="Signed by another account's key.", source=SIGNER + " (other key); rejected by " + SDK,
                  headers=H(ws, TS), body=body, expected="bad_signature", **common))
check(not sdk(PUB, body, sig, str(NOW - 1)), "timestamp changed: SDK rejects")
out.append(vector(name="timestamp_header_changed", description="Timestamp header altered (it is signed).", source=SDK + " returns False",
                  headers=H(sig, str(NOW - 1)), body=body, expected="bad_signature", **common))
out.append(vector(name="missing_signature", description="No signature header.", source="(no signature to check)",
                  headers=H(None, TS), body=body, expected="missing_signature", **common))
bad_b64 = "!!not-base64!!"
check(not sdk(PUB, body, bad_b64, TS), "garbage signature: SDK rejects")
out.append(vector(name="signature_not_base64_der", description="Signature header that is not base64 DER.", source=SDK + " raises/returns False",
                  headers=H(bad_b64, TS), body=body, expected="malformed", **common))
write("sendgrid.json", out)
