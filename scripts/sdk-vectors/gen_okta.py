"""Okta event-hook vectors. Okta signs nothing: the hook's configured
authentication header (default name Authorization) carries a static secret on
every request, and a one-time GET carrying X-Okta-Verification-Challenge must
be answered with JSON {"verification": <header value>}. Okta's SDKs
(okta, @okta/okta-sdk-nodejs) have no receiver helper; nothing is computed."""
import json

from _vectors import NOW, vector, write

SRC = ("developer.okta.com/docs/guides/set-up-event-hook (one-time verification request) and help.okta.com event-hook setup "
       "(authentication field/secret header); X-Okta-Verification-Challenge -> {\"verification\"} corroborated by third parties only; "
       "token equality, nothing computed")
P = "okta"
SECRET = "Basic b2t0YS1ob29rOnM0cFIzc2VjcmV0LWV2ZW50LWhvb2s="
CHALLENGE = "2a0Bv3R_eJ7kQm9xYz1LpS4tUw6NcH8fGdK5"


def H(auth, extra=None):
    h = {"Accept": "application/json", "Content-Type": "application/json"}
    if auth is not None:
        h["Authorization"] = auth
    h.update(extra or {})
    return h


body = ('{"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","cloudEventsVersion":"0.1","source":"https://example.okta.com/api/v1/eventHooks/whoql0HfiLGPWc8Jx0g3",'
        '"eventId":"b5a188b9-5ece-4636-b041-482ffda96311","data":{"events":[{"uuid":"2d5b3f8a-9e1c-11f0-8b2b-6f1c0a9d3e21","published":"2025-11-01T11:59:57.000Z",'
        '"eventType":"user.lifecycle.create","displayMessage":"Create Okta user","severity":"INFO","actor":{"id":"00u1qw1mqitPHM8AJ0g7","type":"User"}}]},'
        '"eventTime":"2025-11-01T11:59:58.000Z","contentType":"application/json"}')
common = dict(provider=P, key=SECRET, url=None, now=NOW, source=SRC)
out = [
    vector(name="verification_handshake", description="One-time GET with X-Okta-Verification-Challenge (and the configured Authorization header): answer 200 JSON {\"verification\": <value>}.",
           method="GET", headers=H(SECRET, {"X-Okta-Verification-Challenge": CHALLENGE}), body="", expected="handshake",
           handshake_response={"status": 200, "content_type": "application/json", "body": json.dumps({"verification": CHALLENGE}, separators=(",", ":"))},
           **common),
    vector(name="event_ok", description="Event delivery POST with the configured Authorization value.", method="POST", headers=H(SECRET), body=body, expected="ok", **common),
    vector(name="event_wrong_secret", description="Authorization header with another value.", method="POST",
           headers=H("Basic b2t0YS1ob29rOndyb25nLXNlY3JldA=="), body=body, expected="bad_signature", **common),
    vector(name="event_missing_secret", description="No Authorization header.", method="POST", headers=H(None), body=body, expected="missing_signature", **common),
]
write("okta.json", out)
