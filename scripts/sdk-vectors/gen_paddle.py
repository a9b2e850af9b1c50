"""Paddle Billing vectors. The official SDK (PyPI `paddle-python-sdk`,
paddle_billing.Notifications.Verifier) only verifies; signatures are computed
with the standard library and judged by Verifier().verify() with its clock
frozen at `now` (default maximum_variance = 5 s)."""
import hashlib
import hmac
from importlib.metadata import version

import sys

from paddle_billing.Notifications import Secret, Verifier

from _vectors import NOW, check, vector, write

SDK = f"paddle-python-sdk {version('paddle-python-sdk')} (PyPI), paddle_billing.Notifications.Verifier().verify"
P = "paddle"
SECRET = "pdl_ntfset_01jbq8m3k2r7v5x9c4d6f8h1n3_Hq2v8Rk5Wm1Xz7Lc4Np9Bt3Ys6Gd0Jf2"
OTHER = "pdl_ntfset_01jbq8m3k2r7v5x9c4d6f8h1n3_Zx9Cv8Bn7Mq6Wr5Et4Yu3Io2Pa1Sd0Fg"
sys.modules["paddle_billing.Notifications.Verifier"].time = lambda: float(NOW)  # freeze the SDK's clock


class Req:
    def __init__(self, headers, body):
        self.headers, self.body = headers, body.encode()


def h1(secret, ts, body):
    return hmac.new(secret.encode(), f"{ts}:{body}".encode(), hashlib.sha256).hexdigest()


def sdk(header, body, secrets=None):
    headers = {} if header is None else {"Paddle-Signature": header}
    try:
        return Verifier().verify(Req(headers, body), secrets or Secret(SECRET)) is True
    except (ValueError, ConnectionRefusedError):
        return False


def H(sig):
    return {"Content-Type": "application/json", **({"Paddle-Signature": sig} if sig is not None else {})}


body = ('{"event_id":"evt_01jbq9a2b3c4d5e6f7g8h9j0k1","event_type":"transaction.completed","occurred_at":"2025-11-01T11:59:58.912345Z",'
        '"notification_id":"ntf_01jbq9a2b3m4n5p6q7r8s9t0v1","data":{"id":"txn_01jbq99zz8y7x6w5v4u3t2s1r0","status":"completed",'
        '"customer_id":"ctm_01hv8wt8nffez4p2t6typn4a5j","currency_code":"USD","details":{"totals":{"grand_total":"1999"}}}}')
common = dict(provider=P, key=SECRET, method="POST", url=None, now=NOW)
out = []
ts = NOW - 1
sig = f"ts={ts};h1={h1(SECRET, ts, body)}"
check(sdk(sig, body), "ok: SDK verify at now")
out.append(vector(name="ok", description="Paddle-Signature ts=<unix s>;h1=<hex HMAC-SHA256(secret, ts + ':' + body)>; ts 1 s old.",
                  source="Python hmac/hashlib; accepted by " + SDK + " at now", headers=H(sig), body=body, expected="ok", **common))

t = body.replace('"1999"', '"1"')
check(not sdk(sig, t), "tampered: SDK rejects")
out.append(vector(name="tampered_body", description="grand_total changed after signing.", source=SDK + " returns False",
                  headers=H(sig), body=t, expected="bad_signature", **common))

ws = f"ts={ts};h1={h1(OTHER, ts, body)}"
check(not sdk(ws, body), "wrong key: SDK rejects")
out.append(vector(name="wrong_key", description="Signed with another notification destination's secret.", source=SDK + " returns False",
                  headers=H(ws), body=body, expected="bad_signature", **common))

moved = f"ts={ts - 1};h1={h1(SECRET, ts, body)}"
check(not sdk(moved, body), "ts changed: SDK rejects")
out.append(vector(name="ts_changed", description="ts moved by one second (still fresh): it is part of the signed string.", source=SDK + " returns False",
                  headers=H(moved), body=body, expected="bad_signature", **common))

old = NOW - 6
stale = f"ts={old};h1={h1(SECRET, old, body)}"
check(not sdk(stale, body), "stale (6 s): SDK rejects on time drift")
old_ok = Verifier().verify(Req({"Paddle-Signature": stale}, body), Secret(SECRET), verify_time_drift=False)
check(old_ok is True, "stale vector's signature itself is valid (SDK with verify_time_drift=False)")
out.append(vector(name="stale_timestamp", description="Correctly signed, ts 6 s before now (both official SDKs allow 5 s).",
                  source=SDK + ": False at now, True with verify_time_drift=False", headers=H(stale), body=body,
                  expected="timestamp_out_of_window", **common))

edge = NOW - 5
at5 = f"ts={edge};h1={h1(SECRET, edge, body)}"
check(sdk(at5, body), "exactly 5 s old: SDK accepts (now > ts + 5 is the reject rule)")
out.append(vector(name="five_seconds_old_ok", description="ts exactly 5 s before now: accepted (SDK rejects only when now > ts + 5).",
                  source=SDK + " at now; npm @paddle/paddle-node-sdk uses the same rule", headers=H(at5), body=body, expected="ok", **common))

rot = f"ts={ts};h1={h1(OTHER, ts, body)};h1={h1(SECRET, ts, body)}"
check(sdk(rot, body), "two h1 values (rotation), valid one last: SDK accepts")
out.append(vector(name="two_h1_valid_last", description="Two h1 entries (secret rotation): the first from another secret, the last valid. The npm SDK keeps only the last h1, so the valid one is placed last.",
                  source=SDK + " returns True", headers=H(rot), body=body, expected="ok", **common))

out.append(vector(name="missing_signature", description="No Paddle-Signature header.", source=SDK + " returns False",
                  headers=H(None), body=body, expected="missing_signature", **common))
noh1 = f"ts={ts}"
check(not sdk(noh1, body), "no h1: SDK rejects")
out.append(vector(name="no_h1", description="Header with ts but no h1.", source=SDK + " returns False; npm SDK throws 'Invalid webhook signature'",
                  headers=H(noh1), body=body, expected="malformed", **common))
write("paddle.json", out)
