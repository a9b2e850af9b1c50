"""Microsoft Graph change-notification vectors (basic notifications). Graph
signs nothing: each item of `value` carries the subscription's clientState,
compared for equality; subscription validation is a POST with
?validationToken=<form-encoded token> answered 200 text/plain with the decoded
token within 10 s. Nothing is computed; the validation URL is Graph's real
format as logged by a receiver."""
from urllib.parse import unquote_plus

from _vectors import NOW, check, vector, write

SRC = ("learn.microsoft.com/graph/change-notifications-delivery-webhooks (notification endpoint validation; clientState) and "
       "learn.microsoft.com/graph/api/resources/changenotificationcollection; validationToken format as logged in abraunegg/onedrive docs/webhooks.md; "
       "clientState equality, nothing computed")
P = "msgraph"
CLIENT_STATE = "gate-7f3b2a9c-1d4e-4f6a-8b0c-2e5d9a1f3c7b"
BASE = "https://hooks.example.com/graph/notifications"
QTOKEN = "Validation%3a+Testing+client+application+reachability+for+subscription+Request-Id%3a+25460109-0e8b-4521-8090-dd691b407ed8"
decoded = unquote_plus(QTOKEN)
check(decoded == "Validation: Testing client application reachability for subscription Request-Id: 25460109-0e8b-4521-8090-dd691b407ed8",
      "validationToken decodes ('+' is a space, %3a is ':')")


def item(cs, rid):
    s = ('{"subscriptionId":"7f105c7d-2dc5-4530-97cd-4e7ae6534c07","subscriptionExpirationDateTime":"2025-11-03T11:00:00.0000000Z",'
         '"changeType":"created","resource":"Users/8a1c3f2e-5b7d-4e9a-a1c3-5e7f9b1d3a5c/Messages/' + rid + '",'
         '"resourceData":{"@odata.type":"#Microsoft.Graph.Message","@odata.id":"Users/8a1c3f2e-5b7d-4e9a-a1c3-5e7f9b1d3a5c/Messages/' + rid + '",'
         '"@odata.etag":"W/\\"CQAAABYAAADkrWGo7bouTKlsgTZMr9KwAAAUWRHf\\"","id":"' + rid + '"},'
         '"tenantId":"84bd8158-6d4d-4958-8b9f-9d6445542f95"')
    if cs is not None:
        s += ',"clientState":"' + cs + '"'
    return s + "}"


def notif(*items):
    return '{"value":[' + ",".join(items) + "]}"


JH = {"Content-Type": "application/json; charset=utf-8"}
common = dict(provider=P, key=CLIENT_STATE, method="POST", now=NOW, source=SRC)
out = [
    vector(name="validation_handshake", description="Subscription validation: POST with ?validationToken= (form-encoded: '+' = space). Answer 200 text/plain with the decoded token.",
           url=BASE + "?validationToken=" + QTOKEN, headers={"Content-Type": "text/plain; charset=utf-8"}, body="", expected="handshake",
           handshake_response={"status": 200, "content_type": "text/plain", "body": decoded}, **common),
    vector(name="notification_ok", description="One change notification whose clientState matches.", url=None, headers=JH,
           body=notif(item(CLIENT_STATE, "AAMkAGUwNjQ4ZjIxAAA=")), expected="ok", **common),
    vector(name="notification_two_items_ok", description="Two items, both with the right clientState.", url=None, headers=JH,
           body=notif(item(CLIENT_STATE, "AAMkAGUwNjQ4ZjIxAAA="), item(CLIENT_STATE, "AAMkAGUwNjQ4ZjIxAAB=")), expected="ok", **common),
    vector(name="notification_wrong_client_state", description="clientState differs.", url=None, headers=JH,
           body=notif(item("gate-00000000-0000-0000-0000-000000000000", "AAMkAGUwNjQ4ZjIxAAA=")), expected="bad_signature", **common),
    vector(name="notification_missing_client_state", description="Item without a clientState field although the subscription set one.", url=None, headers=JH,
           body=notif(item(None, "AAMkAGUwNjQ4ZjIxAAA=")), expected="missing_signature", **common),
]
write("msgraph.json", out)
