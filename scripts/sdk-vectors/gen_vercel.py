"""Vercel webhook vectors. Vercel's SDK (npm @vercel/sdk) has no verifier, so
signatures are computed with the standard library exactly as Vercel's official
example does (github.com/vercel/example-marketplace-integration app/webhook/route.ts:
crypto.createHmac("sha1", secret).update(raw body).digest("hex") compared with
x-vercel-signature; vercel.com/docs/webhooks 'Securing webhooks'). The key is the
webhook's secret (account webhooks) or the integration's client secret. No
timestamp; the body's `id` is the delivery id (vercel.com/docs/webhooks/webhooks-api)."""
import hashlib
import hmac

from _vectors import NOW, vector, write

SRC = ("Python hmac/hashlib as in Vercel's official example github.com/vercel/example-marketplace-integration "
       "app/webhook/route.ts and vercel.com/docs/webhooks (x-vercel-signature = hex HMAC-SHA1(secret, raw body)); "
       "@vercel/sdk has no verifier")
P = "vercel"
KEY = "Xw7tQ2nB9vL4kR8mZ1pC6yD3"  # webhook secret, shown once at creation
OTHER = "Fh5jK2sN8qT1wV4yA7cE0gJ3"


def sig(k, b):
    return hmac.new(k.encode(), b.encode(), hashlib.sha1).hexdigest()


def H(s):
    return {"content-type": "application/json", **({"x-vercel-signature": s} if s is not None else {})}


body = ('{"id":"uHiNqfGyq8Hg7M0t6gO9tGAp","type":"deployment.created","createdAt":1761998399000,"region":"sfo1",'
        '"payload":{"team":{"id":"team_4FWx5KQoszRi0ZmM9q9IBoKG"},"user":{"id":"kr1PsOIzqEL5Xg6M4VZcZosf"},'
        '"deployment":{"id":"dpl_2fzNkW3HwpvQy7zRkEJrPa6aRMqm","name":"my-app","url":"my-app-5kq9x2ab1.vercel.app","meta":{}},'
        '"links":{"deployment":"https://vercel.com/acme/my-app/2fzNkW3HwpvQy7zRkEJrPa6aRMqm","project":"https://vercel.com/acme/my-app"},'
        '"project":{"id":"prj_ndlgr43fadlPyCtREAqxxdyFK"},"target":"production","plan":"pro","regions":["sfo1"]}}')
s = sig(KEY, body)
common = dict(provider=P, key=KEY, method="POST", url=None, now=NOW, source=SRC)
out = [
    vector(name="ok", description="deployment.created; x-vercel-signature = hex HMAC-SHA1(secret, raw body), 40 digits, no prefix.",
           headers=H(s), body=body, expected="ok", **common),
    vector(name="tampered_body", description="Deployment target changed after signing.", headers=H(s),
           body=body.replace('"target":"production"', '"target":"preview"'), expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another webhook's secret.", headers=H(sig(OTHER, body)), body=body,
           expected="bad_signature", **common),
    vector(name="missing_signature", description="No x-vercel-signature header.", headers=H(None), body=body, expected="missing_signature", **common),
    vector(name="signature_not_hex", description="40 characters but not hex.", headers=H("g" * 40), body=body, expected="malformed", **common),
    vector(name="sha256_digest_instead_of_sha1", description="A 64-digit hex HMAC-SHA256 of the body with the right secret where Vercel "
           "sends a 40-digit SHA-1: not a signature of the scheme's length.",
           headers=H(hmac.new(KEY.encode(), body.encode(), hashlib.sha256).hexdigest()), body=body, expected="malformed", **common),
]
write("vercel.json", out)
