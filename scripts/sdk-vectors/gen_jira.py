"""Jira Cloud admin-webhook vectors (webhooks registered in Jira's admin UI or
POST /rest/webhooks/1.0/webhook with a `secret`). Atlassian publishes no SDK
verifier, so signatures are computed with the standard library exactly as the
Python example on developer.atlassian.com/cloud/jira/platform/webhooks
('Secure admin webhooks') does: X-Hub-Signature: sha256=<hex HMAC-SHA256(secret
as UTF-8, payload)>. No timestamp. X-Atlassian-Webhook-Identifier is the delivery
id ("the same across retries"); it is not signed. The docs_example vector is the
page's worked example verbatim."""
import hashlib
import hmac

from _vectors import NOW, check, vector, write

DOCS = "developer.atlassian.com/cloud/jira/platform/webhooks ('Secure admin webhooks'; seen through verbatim copies of the page)"
SRC = "Python hmac/hashlib as in the Python example of " + DOCS + "; Atlassian ships no SDK verifier"
SRC_DOC = (DOCS + ": secret, payload and signature verbatim (the page's Java and Python examples hard-code them); "
           "reproduced with Python hmac/hashlib")
P = "jira"
KEY = "G8j4166a5OkXRD4WbqV3"  # the example secret of the page's REST registration example
OTHER = "Tq7Wm2Kx9Lp4Vn8Rc1Zb"
DOC_KEY, DOC_BODY = "It's a Secret to Everybody", "Hello World!"
DOC_SIG = "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"


def sig(k, b):
    return "sha256=" + hmac.new(k.encode("utf-8"), b.encode("utf-8"), hashlib.sha256).hexdigest()


def H(s, identifier="3fa85f64-5717-4562-b3fc-2c963f66afa6"):
    h = {"Content-Type": "application/json", "X-Atlassian-Webhook-Identifier": identifier, "X-Atlassian-Webhook-Flow": "Primary"}
    if s is not None:
        h["X-Hub-Signature"] = s
    return h


check(sig(DOC_KEY, DOC_BODY) == DOC_SIG, "docs example: hmac reproduces the published signature")
body = ('{"timestamp":1761998399512,"webhookEvent":"jira:issue_updated","issue_event_type_name":"issue_generic",'
        '"user":{"accountId":"5b10a2844c20165700ede21g","displayName":"Mia Krystof"},'
        '"issue":{"id":"99291","self":"https://example.atlassian.net/rest/api/2/issue/99291","key":"JRA-20002",'
        '"fields":{"summary":"I feel the need for speed","status":{"name":"In Progress"}}},'
        '"changelog":{"id":"10001","items":[{"field":"status","fieldtype":"jira","from":"10000","fromString":"To Do",'
        '"to":"3","toString":"In Progress"}]}}')
s = sig(KEY, body)
common = dict(provider=P, method="POST", url=None, now=NOW)
out = [
    vector(name="docs_example", description="Atlassian's worked example: secret \"It's a Secret to Everybody\", body 'Hello World!' "
           "(12 bytes, no newline), X-Hub-Signature sha256=a4771c39... (the identifier header is added here; it is not signed).",
           source=SRC_DOC, key=DOC_KEY, headers=H(DOC_SIG, "1a2b3c4d-0000-4000-8000-000000000001"), body=DOC_BODY, expected="ok", **common),
    vector(name="ok", description="jira:issue_updated; X-Hub-Signature sha256=<hex HMAC-SHA256(secret, raw body)>; "
           "X-Atlassian-Webhook-Identifier is the delivery id.", source=SRC, key=KEY, headers=H(s), body=body, expected="ok", **common),
    vector(name="tampered_body", description="Status changed after signing.", source=SRC, key=KEY, headers=H(s),
           body=body.replace('"toString":"In Progress"', '"toString":"Done"'), expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another webhook's secret.", source=SRC, key=KEY, headers=H(sig(OTHER, body)), body=body,
           expected="bad_signature", **common),
    vector(name="missing_signature", description="No X-Hub-Signature header (what a webhook registered without a secret sends).", source=SRC,
           key=KEY, headers=H(None), body=body, expected="missing_signature", **common),
    vector(name="missing_sha256_prefix", description="The right hex digest without the 'sha256=' method prefix.", source=SRC, key=KEY,
           headers=H(s[len("sha256="):]), body=body, expected="malformed", **common),
]
write("jira.json", out)
