"""Bitbucket Cloud vectors. Bitbucket has no official SDK (PyPI or npm) with a
webhook verifier, so signatures are computed with the standard library:
X-Hub-Signature: sha256=<hex HMAC-SHA256(webhook secret as UTF-8, raw body)>
(support.atlassian.com/bitbucket-cloud/docs/manage-webhooks, bitbucket.org/blog/enhanced-webhook-security;
the header carries SHA-256 although GitHub uses that name for SHA-1). No timestamp.
The atlassian_docs_example vector is the worked example Atlassian prints for the
same X-Hub-Signature scheme (developer.atlassian.com/cloud/jira/platform/webhooks,
'Secure admin webhooks'); third-party guides quote it as Bitbucket's example."""
import hashlib
import hmac

from _vectors import NOW, check, vector, write

SRC = ("Python hmac/hashlib per support.atlassian.com/bitbucket-cloud/docs/manage-webhooks and "
       "bitbucket.org/blog/enhanced-webhook-security (X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>); "
       "no official SDK verifier exists")
SRC_DOC = ("Atlassian's worked example for the X-Hub-Signature scheme, developer.atlassian.com/cloud/jira/platform/webhooks "
           "('Secure admin webhooks': secret, payload and signature verbatim; seen through verbatim copies of the page), "
           "quoted as Bitbucket's documentation example by hookdeck's Bitbucket guide; not seen on a Bitbucket page itself; "
           "reproduced with Python hmac/hashlib")
P = "bitbucket"
KEY = "Q3v9sX2kLm8Rt5Wz1Yb7Nc4Pd6Hf0JgA"  # webhook Secret (Repository settings > Webhooks)
OTHER = "Zp4Kc8Vn2Qx6Lr0Tw3Ym7Bd1Hs5Gf9Ja"
DOC_KEY, DOC_BODY = "It's a Secret to Everybody", "Hello World!"
DOC_SIG = "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"


def sig(k, b):
    return "sha256=" + hmac.new(k.encode(), b.encode(), hashlib.sha256).hexdigest()


def H(s):
    h = {"Content-Type": "application/json", "User-Agent": "Bitbucket-Webhooks/2.0", "X-Event-Key": "repo:push",
         "X-Hook-UUID": "5c8a6b2e-3f1d-4e7a-9b0c-8d2e1f4a6b3c", "X-Request-UUID": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
         "X-Attempt-Number": "1"}
    if s is not None:
        h["X-Hub-Signature"] = s
    return h


check(sig(DOC_KEY, DOC_BODY) == DOC_SIG, "docs example: hmac reproduces the published signature")
body = ('{"push":{"changes":[{"new":{"type":"branch","name":"main","target":{"type":"commit",'
        '"hash":"9fec847784abb10b2fa567ee63b85bd238955d0e","date":"2025-11-01T11:59:50+00:00","message":"Fix typo in README\\n"}},'
        '"old":{"type":"branch","name":"main","target":{"type":"commit","hash":"1e65c05c1d5171631d92438a13901ca7dae9618c"}},'
        '"created":false,"forced":false,"closed":false}]},"repository":{"type":"repository","full_name":"team_name/repo_name",'
        '"name":"repo_name","uuid":"{8a4c1c2e-6f0b-4d3a-9e5f-7b1c2d3e4f5a}"},"actor":{"type":"user","display_name":"Zoë Example",'
        '"uuid":"{d301aafa-d676-4ee0-88be-962be7417567}"}}')
s = sig(KEY, body)
common = dict(provider=P, method="POST", url=None, now=NOW)
out = [
    vector(name="atlassian_docs_example", description="Atlassian's published example: secret \"It's a Secret to Everybody\", body 'Hello World!' "
           "(12 bytes, no newline), X-Hub-Signature sha256=a4771c39...", source=SRC_DOC, key=DOC_KEY,
           headers={"X-Hub-Signature": DOC_SIG}, body=DOC_BODY, expected="ok", **common),
    vector(name="ok", description="repo:push (non-ASCII actor name, raw UTF-8); X-Hub-Signature sha256=<hex HMAC-SHA256(secret, raw body)>.",
           source=SRC, key=KEY, headers=H(s), body=body, expected="ok", **common),
    vector(name="tampered_body", description="Commit message changed after signing.", source=SRC, key=KEY, headers=H(s),
           body=body.replace("Fix typo", "Fix typos"), expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another webhook's secret.", source=SRC, key=KEY, headers=H(sig(OTHER, body)), body=body,
           expected="bad_signature", **common),
    vector(name="missing_signature", description="No X-Hub-Signature header (what a webhook saved without a secret sends).", source=SRC, key=KEY,
           headers=H(None), body=body, expected="missing_signature", **common),
    vector(name="missing_sha256_prefix", description="The right hex digest without the 'sha256=' prefix.", source=SRC, key=KEY,
           headers=H(s[len("sha256="):]), body=body, expected="malformed", **common),
]
write("bitbucket.json", out)
