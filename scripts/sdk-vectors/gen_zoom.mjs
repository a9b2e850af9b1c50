// Zoom webhook vectors. The official SDK (npm @zoom/rivet) only verifies and
// answers; signatures are computed with node:crypto and every vector is run
// through Rivet's AwsLambdaReceiver, which checks x-zm-signature
// (v0=hex HMAC-SHA256(secret token, "v0:" + timestamp + ":" + body)) and
// answers endpoint.url_validation with {plainToken, encryptedToken}.
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";
import { NOW, check, pkgVersion, vector, write } from "./_vectors.mjs";

const require = createRequire(import.meta.url);
const rivetVersion = pkgVersion("@zoom/rivet");
const { AwsLambdaReceiver } = require("@zoom/rivet/meetings");
const SDK = `@zoom/rivet ${rivetVersion} (npm), AwsLambdaReceiver (CommonHttpRequest.isEventVerified / hashUrlValidationEvent)`;
const P = "zoom";
const SECRET = "Qx7vB2nL9kR4tW1mZ8cY5p"; // app Secret Token (22 chars)
const OTHER = "Ab3dE6gH9jK2mN5pQ8sT1v";

const sign = (k, ts, body) => "v0=" + createHmac("sha256", k).update(`v0:${ts}:${body}`).digest("hex");
const H = (sig, ts) => {
  const h = { "Content-Type": "application/json; charset=utf-8" };
  if (ts !== null) h["x-zm-request-timestamp"] = ts;
  if (sig !== null) h["x-zm-signature"] = sig;
  return h;
};
async function rivet(headers, body) {
  const handler = new AwsLambdaReceiver({ webhooksSecretToken: SECRET }).start();
  const log = console.debug; console.debug = () => {};
  try { return await handler({ body, headers, isBase64Encoded: false }, {}); } finally { console.debug = log; }
}

const out = [];
const common = { provider: P, key: SECRET, method: "POST", url: null, now: NOW };
const TS = String(NOW - 1);

const plainToken = "qgg8vlvZRS6UYooatFL8Aw";
const val = JSON.stringify({ payload: { plainToken }, event_ts: (NOW - 1) * 1000, event: "endpoint.url_validation" });
const vsig = sign(SECRET, TS, val);
const vres = await rivet(H(vsig, TS), val);
const expectedAnswer = { plainToken, encryptedToken: createHmac("sha256", SECRET).update(plainToken).digest("hex") };
check(vres.statusCode === 200 && JSON.parse(vres.body).encryptedToken === expectedAnswer.encryptedToken && JSON.parse(vres.body).plainToken === plainToken,
  "url_validation: Rivet answers 200 {plainToken, encryptedToken = hex HMAC-SHA256(secret, plainToken)}");
out.push(vector({ ...common, name: "url_validation_handshake",
  description: "Signed endpoint.url_validation: answer 200 JSON {plainToken, encryptedToken: hex HMAC-SHA256(secret token, plainToken)} (member order irrelevant).",
  source: "node:crypto; answered by " + SDK, headers: H(vsig, TS), body: val, expected: "handshake",
  handshake_response: { status: 200, content_type: "application/json", body: JSON.stringify(expectedAnswer) } }));

const vbad = sign(OTHER, TS, val);
const vbadres = await rivet(H(vbad, TS), val);
check(vbadres.statusCode === 400, "url_validation signed with another secret: Rivet refuses (400), no token answer");
out.push(vector({ ...common, name: "url_validation_bad_signature", description: "endpoint.url_validation signed with another secret token: no encryptedToken answer.",
  source: SDK + " answers 400 'Failed to verify event originated from Zoom.'", headers: H(vbad, TS), body: val, expected: "bad_signature" }));

const ev = JSON.stringify({ event: "meeting.started", payload: { account_id: "AAAAAABBBB", object: { id: "1234567890", uuid: "4444AAAiAAAAAiAiAiiAii==", host_id: "x1yCzABCDEfg23HiJKl4mN", topic: "My Meeting", type: 2, start_time: "2025-11-01T11:59:55Z", timezone: "UTC" } }, event_ts: (NOW - 1) * 1000 });
const sig = sign(SECRET, TS, ev);
const okres = await rivet(H(sig, TS), ev);
check(okres.statusCode === 200 && JSON.parse(okres.body).message === "Zoom event processed successfully.", "meeting.started: Rivet accepts");
out.push(vector({ ...common, name: "ok", description: "meeting.started; x-zm-signature v0=hex HMAC-SHA256(secret token, 'v0:' + timestamp + ':' + body).",
  source: "node:crypto; accepted by " + SDK, headers: H(sig, TS), body: ev, expected: "ok" }));

const t = ev.replace("My Meeting", "My Meetinh");
check((await rivet(H(sig, TS), t)).statusCode === 400, "tampered: Rivet refuses");
out.push(vector({ ...common, name: "tampered_body", description: "topic changed after signing.", source: SDK + " answers 400", headers: H(sig, TS), body: t, expected: "bad_signature" }));

const ws = sign(OTHER, TS, ev);
check((await rivet(H(ws, TS), ev)).statusCode === 400, "wrong key: Rivet refuses");
out.push(vector({ ...common, name: "wrong_key", description: "Signed with another app's secret token.", source: SDK + " answers 400", headers: H(ws, TS), body: ev, expected: "bad_signature" }));

const TS2 = String(NOW - 2);
check((await rivet(H(sig, TS2), ev)).statusCode === 400, "timestamp changed: Rivet refuses");
out.push(vector({ ...common, name: "timestamp_header_changed", description: "x-zm-request-timestamp altered (it is signed).", source: SDK + " answers 400", headers: H(sig, TS2), body: ev, expected: "bad_signature" }));

check((await rivet(H(null, TS), ev)).statusCode === 400, "no signature header: Rivet refuses");
out.push(vector({ ...common, name: "missing_signature", description: "Timestamp present, x-zm-signature absent.", source: SDK + " refuses (signature undefined)", headers: H(null, TS), body: ev, expected: "missing_signature" }));

check((await rivet(H(sig.slice(3), TS), ev)).statusCode === 400, "no v0= prefix: Rivet refuses");
out.push(vector({ ...common, name: "missing_v0_prefix", description: "The right hex HMAC without 'v0='.", source: SDK + " answers 400", headers: H(sig.slice(3), TS), body: ev, expected: "malformed" }));

write("zoom.json", out);
