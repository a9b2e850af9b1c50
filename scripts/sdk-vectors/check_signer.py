"""Checks OUR signer with the providers' official Python SDKs (PyPI), the Python
counterpart of check_signer.mjs: for every preset with an official verifier,
`webhook-gate sign` signs a delivery (its sample body, then a body file of ours),
the SDK must accept exactly the printed headers and body bytes, and must reject
the same request with one body byte changed.

    python scripts/sdk-vectors/check_signer.py [path/to/webhook-gate]   (default: <repo>/target/debug/webhook-gate)

Prints `ok <preset> (<package>@<version>)` or `FAIL <preset>: <reason>` per preset;
exits 1 on any failure. Needs the packages of requirements.txt. Signs at the current
time: the SDKs judge timestamps with the real clock."""
import base64
import contextlib
import hashlib
import io
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from urllib.parse import parse_qsl

# Default: the repository's debug build, wherever this is run from.
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "target", "debug", "webhook-gate"))

# Discord and SendGrid: the development key pairs of examples/support/keys.rs
# DEVELOPMENT_KEYS (private key to sign with, public key as the provider shows it).
DISCORD_PRIVATE = "0ff661089f52fab609ad709ff0beb787d5f1067983b99fce48d82448651d0854"
DISCORD_PUBLIC = "76c5d20e12156e503af21974df82dc104afaf98cbea5b0601995b69223c89a2f"
SENDGRID_PRIVATE = "0dadce1cb63d5485191e7d625c1e5ec8dfa7cf10878799994e16eac84926bc65"
SENDGRID_PUBLIC = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMmWMu4SjW3cL2zFW42y9z/6Sr6xqtLXzsV9U1IbmU8DJn0hKMtKu+9trdb0atiqsXkQo294PG3ztRAZBpdIIpQ=="

logging.disable(logging.CRITICAL)  # the Paddle SDK logs every rejection at CRITICAL


class Headers(dict):
    """name -> value with case-insensitive lookup, as web frameworks hand headers over."""

    def __getitem__(self, name):
        return dict.__getitem__(self, name.lower())

    def get(self, name, default=None):
        return dict.get(self, name.lower(), default)

    def __contains__(self, name):
        return dict.__contains__(self, name.lower())


def url(name):
    return f"https://hooks.example.com/webhooks/{name}?a=1"


def sign(scheme, key, timestamp, signed_url=None, body_file=None):
    """`webhook-gate sign`: (headers, body bytes, argv). The body is the file's when
    one is given (only headers are printed), else the printed sample body (the output
    ends with one newline the CLI adds after it)."""
    args = ["sign", "--scheme", scheme, "--secret-env", "WG_KEY", "--timestamp", str(timestamp)]
    if signed_url:
        args += ["--signed-url", signed_url]
    if body_file:
        args += ["--body", body_file[0]]
    run = subprocess.run([BIN, *args], env={**os.environ, "WG_KEY": key}, capture_output=True)
    if run.returncode != 0:
        raise RuntimeError(f"{BIN} {' '.join(args)} exited {run.returncode}: {run.stderr.decode().strip()}")
    out = run.stdout
    if body_file:
        head, body = out.decode(), body_file[1]
        if "\n\n" in head:
            raise RuntimeError("sign --body printed a body")
    else:
        at = out.find(b"\n\n")
        if at < 0 or not out.endswith(b"\n"):
            raise RuntimeError(f"unexpected sign output {out!r}")
        head, body = out[:at].decode(), out[at + 2:-1]
    headers = Headers()
    for line in filter(None, head.split("\n")):
        name, sep, value = line.partition(": ")
        if not sep or not name or " " in name:
            raise RuntimeError(f"not a header line: {line!r}")
        if name.lower() in headers:
            raise RuntimeError(f"header {name} printed twice")
        dict.__setitem__(headers, name.lower(), value)
    body.decode("utf-8")  # every SDK here takes the body as text
    return headers, body, args


def tamper(body):
    """One byte changed: the case of the first ASCII letter after the first ':' (JSON)
    or '=' (form), so the body stays parseable and only the signature can reject it."""
    starts = [i for i in (body.find(b":"), body.find(b"=")) if i >= 0]
    for i in range(min(starts) + 1, len(body)):
        if chr(body[i]).isascii() and chr(body[i]).isalpha():
            t = bytearray(body)
            t[i] ^= 0x20
            return bytes(t), f"byte {i} {chr(body[i])!r} -> {chr(t[i])!r}"
    raise RuntimeError("no letter to change in the body")


def file_body(**extra):
    """A compact JSON body with non-ASCII and HTML-ish characters, signed from a file."""
    obj = {"id": "evt_file_0001", "note": "café ☕ <b>&amp;</b> \\u00e9 +%2B", "n": [1, 2.5, None, True], **extra}
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


CHECKS = []


def check(name, package, key, cases, tamper_with=tamper):
    def register(accepts):
        CHECKS.append((name, package, key, cases, accepts, tamper_with))
        return accepts
    return register


# --- twilio (PyPI twilio): form POST (sample) and JSON with bodySHA256 in the URL
from twilio.request_validator import RequestValidator

TWILIO_TOKEN = "9f86d081884c7d659a2feaa0c55ad015"


@check("twilio", "twilio", TWILIO_TOKEN, lambda now: [
    {"signed_url": url("twilio")},
    {"body": file_body(), "signed_url": lambda b: f"{url('twilio')}&bodySHA256={hashlib.sha256(b).hexdigest()}"},
])
def _(headers, body, signed_url):
    v = RequestValidator(TWILIO_TOKEN)
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        params = {}
        for k, val in parse_qsl(body.decode(), keep_blank_values=True):
            params.setdefault(k, []).append(val)
        params = {k: vs[0] if len(vs) == 1 else vs for k, vs in params.items()}
        return v.validate(signed_url, params, headers["x-twilio-signature"])
    return v.validate(signed_url, body.decode(), headers["x-twilio-signature"])


# --- square (PyPI squareup)
from square.utils.webhooks_helper import verify_signature as square_verify

SQUARE_KEY = "5Fh3kQvR9mXw2ZtL8nYcBa"


@check("square", "squareup", SQUARE_KEY, lambda now: [{"signed_url": url("square")}, {"signed_url": url("square"), "body": file_body()}])
def _(headers, body, signed_url):
    return square_verify(request_body=body.decode(), signature_header=headers["x-square-hmacsha256-signature"],
                         signature_key=SQUARE_KEY, notification_url=signed_url)


# --- hubspot v3 (PyPI hubspot-api-client)
from hubspot.utils.signature import Signature as HubSpotSignature

HUBSPOT_SECRET = "3b5f2f44-8c1d-4e6a-9b7e-2f0d9c4a6e11"


@check("hubspot", "hubspot-api-client", HUBSPOT_SECRET, lambda now: [{"signed_url": url("hubspot")}, {"signed_url": url("hubspot"), "body": file_body()}])
def _(headers, body, signed_url):
    return HubSpotSignature.is_valid(headers["x-hubspot-signature-v3"], HUBSPOT_SECRET, body.decode(), http_uri=signed_url,
                                     http_method="POST", signature_version="v3", timestamp=headers["x-hubspot-request-timestamp"])


# --- discord (PyPI discord-interactions)
from discord_interactions import verify_key


@check("discord", "discord-interactions", DISCORD_PRIVATE, lambda now: [{}, {"body": file_body(type=2)}])
def _(headers, body, signed_url):
    return verify_key(body, headers["x-signature-ed25519"], headers["x-signature-timestamp"], DISCORD_PUBLIC)


# --- sendgrid (PyPI sendgrid): a JSON array ending with \r\n, which is signed
from sendgrid.helpers.eventwebhook import EventWebhook

SENDGRID_FILE = json.dumps([{"email": "zoë@example.com", "event": "processed", "sg_event_id": "ZmlsZS0x", "timestamp": 1}],
                           separators=(",", ":"), ensure_ascii=False).encode() + b"\r\n"


@check("sendgrid", "sendgrid", SENDGRID_PRIVATE, lambda now: [{}, {"body": SENDGRID_FILE}])
def _(headers, body, signed_url):
    return EventWebhook(SENDGRID_PUBLIC).verify_signature(body.decode(), headers["x-twilio-email-event-webhook-signature"],
                                                          headers["x-twilio-email-event-webhook-timestamp"])


# --- paddle (PyPI paddle-python-sdk)
from paddle_billing.Notifications import Secret, Verifier

PADDLE_SECRET = "pdl_ntfset_01jbq8m3k2r7v5x9c4d6f8h1n3_Hq2v8Rk5Wm1Xz7Lc4Np9Bt3Ys6Gd0Jf2"


class _Request:
    def __init__(self, headers, body):
        self.headers, self.body = headers, body


@check("paddle", "paddle-python-sdk", PADDLE_SECRET, lambda now: [{}, {"body": file_body()}])
def _(headers, body, signed_url):
    return Verifier().verify(_Request(headers, body), Secret(PADDLE_SECRET))


# --- standard webhooks (PyPI standardwebhooks, the spec's reference library); raises on failure
from standardwebhooks.webhooks import Webhook as StandardWebhook

STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@check("standard", "standardwebhooks", STANDARD_SECRET, lambda now: [{}, {"body": file_body()}])
def _(headers, body, signed_url):
    StandardWebhook(STANDARD_SECRET).verify(body, dict(headers))
    return True


# --- slack (PyPI slack-sdk, slack_sdk.signature.SignatureVerifier)
from slack_sdk.signature import SignatureVerifier

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # Slack's docs example signing secret


@check("slack", "slack-sdk", SLACK_SECRET, lambda now: [{}, {"body": file_body()}])
def _(headers, body, signed_url):
    return SignatureVerifier(SLACK_SECRET).is_valid_request(body, dict(headers))


# --- razorpay (PyPI razorpay, client.utility.verify_webhook_signature); raises on failure
import razorpay

RAZORPAY_SECRET = "Rz9wH4kP2mX7vQ1t"


@check("razorpay", "razorpay", RAZORPAY_SECRET, lambda now: [{}, {"body": file_body()}])
def _(headers, body, signed_url):
    client = razorpay.Client(auth=("rzp_test_unused", "unused_key_secret"))  # the key pair is not used to verify
    return client.utility.verify_webhook_signature(body.decode(), headers["x-razorpay-signature"], RAZORPAY_SECRET)


# --- coinbase commerce (PyPI coinbase-commerce, WebhookSignature.verify_sig_header); raises on failure
from coinbase_commerce.webhook import WebhookSignature

COINBASE_SECRET = "5c1e7a3f-9b2d-4e8c-a6f0-d4b2c8e1f7a9"


@check("coinbase", "coinbase-commerce", COINBASE_SECRET, lambda now: [{}, {"body": file_body()}])
def _(headers, body, signed_url):
    return WebhookSignature.verify_sig_header(body.decode(), headers["x-cc-webhook-signature"], COINBASE_SECRET)


# --- box (PyPI box-sdk-gen, WebhooksManager.validate_message: primary key, 600 s max age)
from box_sdk_gen.managers.webhooks import WebhooksManager

BOX_PRIMARY = "Bx7pQ2mW9rT4vK1s"


@check("box", "box-sdk-gen", BOX_PRIMARY, lambda now: [{}, {"body": file_body()}])
def _(headers, body, signed_url):
    # Box always sends these two beside the signatures; the SDK requires them.
    sent = {"box-signature-version": "1", "box-signature-algorithm": "HmacSHA256", **dict(headers)}
    return WebhooksManager.validate_message(body.decode(), sent, BOX_PRIMARY)


# --- mailgun (PyPI mailgun, SecurityGuard.verify_webhook: 900 s both ways). The
# signature is in the body and covers its timestamp and token, not the event: the
# tampered copy changes the token.
from mailgun.security import SecurityGuard

MAILGUN_KEY = "key-7c3e9a1f5b2d8e4a6c0f3b7d9e1a5c2f"


def tamper_token(body):
    fields = json.loads(body)
    token = fields["signature"]["token"]
    fields["signature"]["token"] = token[:-1] + ("A" if token[-1] != "A" else "B")
    return json.dumps(fields, separators=(",", ":")).encode(), "the last character of signature.token"


@check("mailgun", "mailgun", MAILGUN_KEY, lambda now: [{}], tamper_with=tamper_token)
def _(headers, body, signed_url):
    fields = json.loads(body)["signature"]
    return SecurityGuard.verify_webhook(MAILGUN_KEY, fields["token"], fields["timestamp"], fields["signature"])


def judge(accepts, headers, body, signed_url):
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # discord-interactions prints its rejections
            return accepts(headers, body, signed_url) is True, "returned False"
    except Exception as e:  # noqa: BLE001 - an SDK that raises rejects
        return False, f"raised {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"


def main():
    if not os.path.isfile(BIN):
        print(f"no webhook-gate binary at {BIN}: give its path as the first argument", file=sys.stderr)
        sys.exit(2)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="wg-check-signer-") as tmp:
        for name, package, key, cases, accepts, tamper_with in CHECKS:
            now = int(time.time())
            errs = []
            for case in cases(now):
                body_file, what = None, "sample body"
                if "body" in case:
                    path = os.path.join(tmp, f"{name}.body")
                    with open(path, "wb") as f:
                        f.write(case["body"])
                    body_file, what = (path, case["body"]), "--body file"
                signed_url = case.get("signed_url")
                if callable(signed_url):
                    signed_url = signed_url(case["body"])
                try:
                    headers, body, args = sign(name, key, now, signed_url, body_file)
                except Exception as e:  # noqa: BLE001
                    errs.append(f"{what}: {e}")
                    continue
                ok, why = judge(accepts, headers, body, signed_url)
                if not ok:
                    errs.append(f"{what}: the SDK rejects our signed request ({why}); command: WG_KEY=<key> webhook-gate {' '.join(args)}; "
                                f"headers {json.dumps(dict(headers))}; body (base64) {base64.b64encode(body).decode()}")
                    continue
                tampered, change = tamper_with(body)
                if judge(accepts, headers, tampered, signed_url)[0]:
                    errs.append(f"{what}: the SDK still accepts with the body changed ({change})")
            if errs:
                failures += 1
                print(f"FAIL {name}: {' | '.join(errs)}")
            else:
                print(f"ok {name} ({package}@{version(package)})")
            sys.stdout.flush()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
