// Linear webhook vectors. The official SDK (npm @linear/sdk, LinearWebhookClient)
// only verifies; signatures are computed with node:crypto and every vector is
// judged by LinearWebhookClient.verify() with the clock frozen at `now`.
// verify(): Linear-Signature = hex HMAC-SHA256(secret, raw body); then the
// signed body's webhookTimestamp (ms) must be within 60 s of now (both ways).
import { createHmac } from "node:crypto";
import { LinearWebhookClient } from "@linear/sdk/webhooks";
import { NOW, atTime, check, pkgVersion, vector, write } from "./_vectors.mjs";

const SDK = `@linear/sdk ${pkgVersion("@linear/sdk")} (npm), LinearWebhookClient.verify`;
const P = "linear";
const SECRET = "lin_wh_7Qm2Xv9Kp4Rt8Zc1Nw6Bd3Yh5Lf0Gs2Ja";
const OTHER = "lin_wh_0Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0Kk1";

const sign = (k, body) => createHmac("sha256", k).update(body).digest("hex");
async function sdk(body, sig) {
  return atTime(NOW, () => {
    try { return new LinearWebhookClient(SECRET).verify(Buffer.from(body), sig) === true; } catch (e) { return e.message; }
  });
}
const H = (sig, headerTs) => {
  const h = { "Content-Type": "application/json; charset=utf-8", "Linear-Delivery": "234d1a4e-b617-4388-90fe-adc3633d6b72",
    "Linear-Event": "Issue", "User-Agent": "Linear-Webhook" };
  if (headerTs !== undefined) h["Linear-Timestamp"] = String(headerTs);
  if (sig !== null) h["Linear-Signature"] = sig;
  return h;
};
const body = (tsMs) => JSON.stringify({ action: "update", actor: { id: "2e6eea91-1111-0000-9486-acea0603064b", type: "user", name: "Jane" },
  createdAt: new Date(tsMs - 500).toISOString(), data: { id: "2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9", identifier: "ENG-42", title: "Fix login", priority: 2 },
  url: "https://linear.app/acme/issue/ENG-42/fix-login", type: "Issue", organizationId: "8a6a2b61-3f4e-4b7a-9c0d-1e2f3a4b5c6d",
  webhookTimestamp: tsMs, webhookId: "000042e3-d123-4980-b49f-8e140eef9329" });

const out = [];
const common = { provider: P, key: SECRET, method: "POST", url: null, now: NOW };
const ms = NOW * 1000;

const b = body(ms - 3000), s = sign(SECRET, b);
check(await sdk(b, s) === true, "ok: SDK verify at now");
out.push(vector({ ...common, name: "ok", description: "Issue update; Linear-Signature = hex HMAC-SHA256(secret, raw body); webhookTimestamp (ms, in the signed body) 3 s old.",
  source: "node:crypto; accepted by " + SDK + " at now", headers: H(s, ms - 3000), body: b, expected: "ok" }));

const t = b.replace('"priority":2', '"priority":1');
check(await sdk(t, s) === "Invalid webhook signature", "tampered: SDK rejects");
out.push(vector({ ...common, name: "tampered_body", description: "priority changed after signing.", source: SDK + " throws 'Invalid webhook signature'", headers: H(s, ms - 3000), body: t, expected: "bad_signature" }));

const ws = sign(OTHER, b);
check(await sdk(b, ws) === "Invalid webhook signature", "wrong key: SDK rejects");
out.push(vector({ ...common, name: "wrong_key", description: "Signed with another webhook's secret.", source: SDK + " throws 'Invalid webhook signature'", headers: H(ws, ms - 3000), body: b, expected: "bad_signature" }));

const edge = body(ms - 60000), es = sign(SECRET, edge);
check(await sdk(edge, es) === true, "exactly 60 s old: SDK accepts (rejects only when |now - ts| > 60 s)");
out.push(vector({ ...common, name: "sixty_seconds_old_ok", description: "webhookTimestamp exactly 60 000 ms before now: accepted (the SDK rejects only beyond 60 s).",
  source: SDK + " at now", headers: H(es, ms - 60000), body: edge, expected: "ok" }));

const old = body(ms - 90000), os = sign(SECRET, old);
check(await sdk(old, os) === "Invalid webhook timestamp", "90 s old: SDK rejects the timestamp");
out.push(vector({ ...common, name: "stale_timestamp", description: "Correctly signed; webhookTimestamp 90 s old.", source: SDK + " throws 'Invalid webhook timestamp'",
  headers: H(os, ms - 90000), body: old, expected: "timestamp_out_of_window" }));

const fut = body(ms + 90000), fs = sign(SECRET, fut);
check(await sdk(fut, fs) === "Invalid webhook timestamp", "90 s in the future: SDK rejects the timestamp");
out.push(vector({ ...common, name: "future_timestamp", description: "Correctly signed; webhookTimestamp 90 s in the future (the window is two-sided).", source: SDK + " throws 'Invalid webhook timestamp'",
  headers: H(fs, ms + 90000), body: fut, expected: "timestamp_out_of_window" }));

check(await sdk(old, os) === "Invalid webhook timestamp", "stale body with a fresh Linear-Timestamp header: SDK still rejects (header ignored)");
out.push(vector({ ...common, name: "stale_body_fresh_header", description: "webhookTimestamp in the signed body 90 s old while the unsigned Linear-Timestamp header says now: the header must not be trusted.",
  source: SDK + " (verify() reads only the signed body field) throws 'Invalid webhook timestamp'", headers: H(os, ms), body: old, expected: "timestamp_out_of_window" }));

out.push(vector({ ...common, name: "missing_signature", description: "No Linear-Signature header.", source: SDK + " cannot be called without a signature",
  headers: H(null, ms - 3000), body: b, expected: "missing_signature" }));
write("linear.json", out);
