"""Postmark webhook vectors. Postmark signs nothing: a webhook is protected by
HTTP Basic credentials put in its URL (https://<username>:<password>@host/path,
developer.postmarkapp.com/developer/webhooks/webhooks-overview 'Protecting your
webhook') or in the HttpAuth fields (developer/api/webhooks-api), sent as
Authorization: Basic base64(username ":" password) (RFC 7617). The key is
`username:password` as configured; the credentials are compared, nothing is
computed over the body. Credentials `user` / `pass` are those of the Webhooks API
reference example."""
import base64

from _vectors import NOW, vector, write

SRC = ("postmarkapp.com/developer/webhooks/webhooks-overview ('Protecting your webhook': basic auth in the webhook URL) and "
       "postmarkapp.com/developer/api/webhooks-api (HttpAuth example user / pass); Authorization header per RFC 7617 with "
       "Python base64; Postmark signs nothing, no SDK verifier exists")
P = "postmark"
KEY = "user:pass"  # webhook URL https://user:pass@hooks.example.com/webhooks/postmark


def basic(credentials):
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def H(auth):
    return {"Content-Type": "application/json", "User-Agent": "Postmark", **({"Authorization": auth} if auth is not None else {})}


body = ('{"RecordType":"Delivery","ServerID":23,"MessageStream":"outbound","MessageID":"883953f4-6105-42a2-a16a-77a8eac79483",'
        '"Recipient":"john@example.com","Tag":"welcome-email","DeliveredAt":"2025-11-01T11:59:58Z",'
        '"Details":"smtp;250 2.0.0 OK 1761998398 l186si10190883ite.73 - gsmtp","Metadata":{"a_key":"a_value","b_key":"b_value"}}')
common = dict(provider=P, key=KEY, method="POST", url=None, now=NOW, source=SRC)
out = [
    vector(name="ok", description="Delivery webhook to https://user:pass@hooks.example.com/webhooks/postmark: Authorization: Basic dXNlcjpwYXNz.",
           headers=H(basic(KEY)), body=body, expected="ok", **common),
    vector(name="body_not_covered_ok", description="The ok request with the recipient changed: Basic credentials do not cover the body, so "
           "it is still accepted (Postmark offers no body integrity).", headers=H(basic(KEY)),
           body=body.replace("john@example.com", "jane@example.com"), expected="ok", **common),
    vector(name="wrong_password", description="Basic credentials user:wrong.", headers=H(basic("user:wrong")), body=body,
           expected="bad_signature", **common),
    vector(name="missing_authorization", description="No Authorization header.", headers=H(None), body=body, expected="missing_signature", **common),
    vector(name="bearer_scheme", description="Authorization: Bearer with the configured credentials: not Basic credentials.",
           headers=H("Bearer " + KEY), body=body, expected="malformed", **common),
    vector(name="basic_not_base64", description="Authorization: Basic user:pass, the credentials not base64-encoded.",
           headers=H("Basic " + KEY), body=body, expected="malformed", **common),
]
write("postmark.json", out)
