"""Twilio request-signature vectors, computed and checked with the official
`twilio` PyPI package (twilio.request_validator.RequestValidator)."""
import hashlib
from importlib.metadata import version
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from _vectors import NOW, check, vector, write

SDK = f"twilio {version('twilio')} (PyPI), twilio.request_validator.RequestValidator"
FORM = "application/x-www-form-urlencoded"
P = "twilio"
out = []


def form_headers(sig):
    h = {"Content-Type": FORM}
    if sig is not None:
        h["X-Twilio-Signature"] = sig
    return h


# 1. Twilio's worked example from the "Webhooks security" guide.
DOC_TOKEN = "12345"
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
doc_params = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
              ("From", "+12349013030"), ("To", "+18005551212")]
DOC_SIG = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
v = RequestValidator(DOC_TOKEN)
check(v.compute_signature(DOC_URL, dict(doc_params)) == DOC_SIG, "docs worked example: SDK computes 0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
check(v.validate(DOC_URL, dict(doc_params), DOC_SIG), "docs worked example: SDK validate() accepts it")
out.append(vector(
    provider=P, name="docs_worked_example",
    description="Twilio's worked example (auth token 12345, POST to myapp.php?foo=1&bar=2 with five form fields), quoted exactly; confirmed by the SDK.",
    source="Twilio security docs worked example (twilio.com/docs/security 'Let's walk through an example request'; twilio.com/docs/usage/security#validating-requests as cited by code quoting it); verified with " + SDK,
    key=DOC_TOKEN, method="POST", url=DOC_URL, headers=form_headers(DOC_SIG), body=urlencode(doc_params),
    now=NOW, expected="ok"))

# 2. The library-documentation example (same request, Caller/From +14158675309).
lib_params = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
              ("From", "+14158675309"), ("To", "+18005551212")]
LIB_SIG = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
check(v.validate(DOC_URL, dict(lib_params), LIB_SIG), "library-docs example RSOYDt4T1cUTdK1PDd93/VVr8B8= accepted by SDK")
out.append(vector(
    provider=P, name="library_docs_example",
    description="Example from Twilio's helper-library docs 'Validate Incoming Requests' (Caller/From +14158675309), quoted exactly; confirmed by the SDK.",
    source="twilio-php docs usage/validation.rst (e.g. twilio-php-atbaker.readthedocs.io/en/latest/usage/validation.html) and github.com/twilio/twilio-java/pull/424; verified with " + SDK,
    key=DOC_TOKEN, method="POST", url=DOC_URL, headers=form_headers(LIB_SIG), body=urlencode(lib_params),
    now=NOW, expected="ok"))

# 3-7. An inbound-SMS form webhook signed by the SDK.
TOKEN = "9f86d081884c7d659a2feaa0c55ad015"
OTHER_TOKEN = "2c26b46b68ffc68ff99b453c1d304134"
URL = "https://hooks.example.com/twilio/sms?tenant=acme"
sms = [("ToCountry", "US"), ("SmsMessageSid", "SM5ef8732a3c49700934481addd5ce1659"), ("NumMedia", "0"),
       ("SmsSid", "SM5ef8732a3c49700934481addd5ce1659"), ("SmsStatus", "received"), ("Body", "Hello world + more"),
       ("To", "+15558675310"), ("NumSegments", "1"), ("MessageSid", "SM5ef8732a3c49700934481addd5ce1659"),
       ("AccountSid", "ACa1b2c3d4e5f60718293a4b5c6d7e8f90"), ("From", "+15017122661"), ("ApiVersion", "2010-04-01")]
v = RequestValidator(TOKEN)
sig = v.compute_signature(URL, dict(sms))
check(v.validate(URL, dict(sms), sig), "sms_ok: SDK validate() accepts its own signature")
out.append(vector(
    provider=P, name="sms_form_ok",
    description="Inbound-SMS form POST; Body has a space (sent as '+') and a literal '+' (sent as %2B): the signature covers the decoded values.",
    source=SDK + ": compute_signature(url, params), then validate() == True",
    key=TOKEN, method="POST", url=URL, headers=form_headers(sig), body=urlencode(sms), now=NOW, expected="ok"))

tampered = [(k, "Hello world + less" if k == "Body" else val) for k, val in sms]
check(not v.validate(URL, dict(tampered), sig), "sms_tampered: SDK validate() rejects")
out.append(vector(
    provider=P, name="sms_form_tampered_param", description="Body field changed after signing.",
    source=SDK + ": validate() == False", key=TOKEN, method="POST", url=URL, headers=form_headers(sig),
    body=urlencode(tampered), now=NOW, expected="bad_signature"))

wrong = RequestValidator(OTHER_TOKEN).compute_signature(URL, dict(sms))
check(not v.validate(URL, dict(sms), wrong), "sms_wrong_key: SDK validate() with the configured token rejects")
out.append(vector(
    provider=P, name="sms_form_wrong_key", description="Signed with a different auth token.",
    source=SDK + ": signed with another token; validate() with `key` == False", key=TOKEN, method="POST", url=URL,
    headers=form_headers(wrong), body=urlencode(sms), now=NOW, expected="bad_signature"))

URL2 = "https://hooks.example.com/twilio/sms?tenant=other"
check(not v.validate(URL2, dict(sms), sig), "sms_other_url: SDK validate() rejects the signature under another query")
out.append(vector(
    provider=P, name="sms_form_url_query_changed", description="Same signature and body delivered to a URL whose query differs from the signed one.",
    source=SDK + ": validate(other url) == False", key=TOKEN, method="POST", url=URL2, headers=form_headers(sig),
    body=urlencode(sms), now=NOW, expected="bad_signature"))

out.append(vector(
    provider=P, name="sms_form_missing_signature", description="No X-Twilio-Signature header.",
    source=SDK + " (a request without the header cannot validate)", key=TOKEN, method="POST", url=URL,
    headers=form_headers(None), body=urlencode(sms), now=NOW, expected="missing_signature"))

# 8-11. JSON-body variant: the URL carries bodySHA256=<hex sha256(body)>; the signature covers the URL only.
jbody = '{"event_type":"com.twilio.messaging.message.delivered","data":{"messageSid":"SM5ef8732a3c49700934481addd5ce1659","to":"+15558675310"}}'
jurl = "https://hooks.example.com/twilio/events?bodySHA256=" + hashlib.sha256(jbody.encode()).hexdigest()
jsig = v.compute_signature(jurl, {})
check(v.validate(jurl, jbody, jsig), "json_ok: SDK validate(url, raw_body_str, sig) accepts")
JH = lambda s: {"Content-Type": "application/json", "X-Twilio-Signature": s}
out.append(vector(
    provider=P, name="json_body_ok",
    description="JSON body: signature over the full URL (which carries bodySHA256 = hex SHA-256 of the raw body) with no form fields.",
    source=SDK + ": compute_signature(url, {}), validate(url, raw body string, sig) == True",
    key=TOKEN, method="POST", url=jurl, headers=JH(jsig), body=jbody, now=NOW, expected="ok"))

jt = jbody.replace("delivered", "undelivered")
check(not v.validate(jurl, jt, jsig), "json_tampered: SDK rejects (body hash mismatch)")
out.append(vector(
    provider=P, name="json_body_tampered", description="Body changed; URL (with the old bodySHA256) and signature unchanged.",
    source=SDK + ": validate() == False (bodySHA256 no longer matches)", key=TOKEN, method="POST", url=jurl,
    headers=JH(jsig), body=jt, now=NOW, expected="bad_signature"))

jurl2 = "https://hooks.example.com/twilio/events?bodySHA256=" + hashlib.sha256(jt.encode()).hexdigest()
check(not v.validate(jurl2, jt, jsig), "json_rehashed: SDK rejects (URL changed, signature old)")
out.append(vector(
    provider=P, name="json_body_tampered_and_rehashed",
    description="Body changed and bodySHA256 in the URL recomputed to match; the signature still covers the original URL.",
    source=SDK + ": validate() == False", key=TOKEN, method="POST", url=jurl2, headers=JH(jsig), body=jt,
    now=NOW, expected="bad_signature"))

jwrong = RequestValidator(OTHER_TOKEN).compute_signature(jurl, {})
check(not v.validate(jurl, jbody, jwrong), "json_wrong_key: SDK rejects")
out.append(vector(
    provider=P, name="json_body_wrong_key", description="JSON variant signed with a different auth token.",
    source=SDK + ": validate() == False", key=TOKEN, method="POST", url=jurl, headers=JH(jwrong), body=jbody,
    now=NOW, expected="bad_signature"))

write("twilio.json", out)
