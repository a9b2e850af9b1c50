"""Meta (Facebook / Instagram / WhatsApp Cloud API) webhook vectors. Meta has
no official PyPI/npm SDK with a webhook verifier; signatures are computed with
the standard library per developers.facebook.com/docs/graph-api/webhooks/getting-started:
X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)> (legacy
X-Hub-Signature: sha1=... sent alongside). `verify_token` is the separate
string configured for the GET verification request."""
import hashlib
import hmac

from _vectors import NOW, vector, write

SRC = ("Python hmac/hashlib per developers.facebook.com/docs/graph-api/webhooks/getting-started and "
       "developers.facebook.com/docs/messenger-platform/webhook-reference (no official SDK verifier exists)")
P = "meta"
SECRET = "b7e2f9c41d8a6e3057c9f1a2d4b6e8f0"  # app secret (32 hex)
OTHER = "0f9e8d7c6b5a49382716f5e4d3c2b1a0"
VERIFY = "meta-verify-3c1e9b7a5f"
URL = "https://hooks.example.com/meta/webhook"


def s256(k, b):
    return "sha256=" + hmac.new(k.encode(), b.encode(), hashlib.sha256).hexdigest()


def s1(k, b):
    return "sha1=" + hmac.new(k.encode(), b.encode(), hashlib.sha1).hexdigest()


def H(sig256, sig1=None):
    h = {"Content-Type": "application/json"}
    if sig1 is not None:
        h["X-Hub-Signature"] = sig1
    if sig256 is not None:
        h["X-Hub-Signature-256"] = sig256
    return h


body = ('{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp",'
        '"metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"messages":[{"from":"16505551234",'
        '"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","timestamp":"1761998390","text":{"body":"Hello"},"type":"text"}]},"field":"messages"}]}]}')
uni = ('{"object":"page","entry":[{"id":"1234567890","time":1761998395000,"messaging":[{"sender":{"id":"6789"},"recipient":{"id":"1234567890"},'
       '"timestamp":1761998394000,"message":{"mid":"m_1457764197618:41d102a3e1ae206a38","text":"\\u00e4\\u00f6\\u00e5 \\ud83d\\ude00"}}]}]}')
common = dict(provider=P, key=SECRET, verify_token=VERIFY, now=NOW, source=SRC)
q = lambda tok: URL + "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=" + tok
out = [
    vector(name="verification_handshake", description="GET verification request: hub.mode=subscribe and hub.verify_token equal to the configured verify token -> 200 echoing hub.challenge.",
           method="GET", url=q(VERIFY), headers={}, body="", expected="handshake",
           handshake_response={"status": 200, "content_type": "text/plain", "body": "1158201444"}, **common),
    vector(name="verification_wrong_verify_token", description="GET verification request with another verify token: refuse (Meta's sample app answers 403).",
           method="GET", url=q("not-the-token"), headers={}, body="", expected="bad_signature", **common),
    vector(name="ok", description="WhatsApp message notification with both headers, as Meta sends them.", method="POST", url=None,
           headers=H(s256(SECRET, body), s1(SECRET, body)), body=body, expected="ok", **common),
    vector(name="ok_escaped_unicode", description="Messenger payload whose non-ASCII text arrives \\u-escaped (lowercase hex), as Meta signs it; the HMAC is over these raw bytes.",
           method="POST", url=None, headers=H(s256(SECRET, uni), s1(SECRET, uni)), body=uni, expected="ok", **common),
    vector(name="tampered_body", description="Message text changed after signing.", method="POST", url=None,
           headers=H(s256(SECRET, body), s1(SECRET, body)), body=body.replace('"Hello"', '"Hellp"'), expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another app's secret.", method="POST", url=None,
           headers=H(s256(OTHER, body), s1(OTHER, body)), body=body, expected="bad_signature", **common),
    vector(name="missing_signature", description="Neither X-Hub-Signature-256 nor X-Hub-Signature.", method="POST", url=None, headers=H(None), body=body,
           expected="missing_signature", **common),
    vector(name="missing_sha256_prefix", description="X-Hub-Signature-256 carries the right hex digest without 'sha256='.", method="POST", url=None,
           headers=H(s256(SECRET, body)[len("sha256="):]), body=body, expected="malformed", **common),
]
write("meta.json", out)
