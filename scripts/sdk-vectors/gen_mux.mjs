// Mux webhook vectors. The official SDK (npm @mux/mux-node, mux.webhooks.verifySignature)
// only verifies; signatures are computed with node:crypto per
// mux.com/docs/core/verify-webhook-signatures (Mux-Signature: t=<unix s>,v1=<hex
// HMAC-SHA256(signing secret, t + "." + raw body)>) and every vector is judged by the SDK
// with its clock frozen at `now`. The SDK rejects a timestamp more than 300 s old (exactly
// 300 s passes) and accepts any future one, so there is no future vector. The sdk_test_*
// vectors are the SDK's own test cases (muxinc/mux-node-sdk tests/api-resources/webhooks.test.ts),
// judged at the instant that test mocks (the timestamp itself).
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";
import { NOW, atTime, check, pkgVersion, vector, write } from "./_vectors.mjs";

const require = createRequire(import.meta.url);
const { Mux } = require("@mux/mux-node");
const SDK = `@mux/mux-node ${pkgVersion("@mux/mux-node")} (npm), mux.webhooks.verifySignature`;
const SDK_TEST = "github.com/muxinc/mux-node-sdk tests/api-resources/webhooks.test.ts (commit 0b05091f)";
const P = "mux";
const SECRET = "8h2kq9vmt1r5x7c3bn6pz0wy4dj8lf2s"; // webhook signing secret (Settings > Webhooks), one per endpoint
const OTHER = "3ra7mx0c5vk9qt2nz6bw1yh8pd4jg7fe";
const TEST_SECRET = "SuperSecret123", TEST_BODY = '{"test":"body"}', TEST_T = 1565125718;
const TEST_HASH = "854ece4c22acef7c66b57d4e504153bc512595e8e9c772ece2a68150548c19a7";

const mux = new Mux({ tokenId: "unused", tokenSecret: "unused" });
const v1 = (k, t, body) => createHmac("sha256", k).update(`${t}.${body}`).digest("hex");
const H = (sig) => ({ "Content-Type": "application/json", ...(sig === null ? {} : { "Mux-Signature": sig }) });
// true = the SDK accepts; the message of what it throws otherwise.
async function sdk(headers, body, secret, now) {
  return atTime(now, async () => { try { await mux.webhooks.verifySignature(body, headers, secret); return true; } catch (e) { return e.message; } });
}

const out = [];
const test = { provider: P, key: TEST_SECRET, method: "POST", url: null, now: TEST_T, body: TEST_BODY };
const testSig = `t=${TEST_T},v1=${TEST_HASH}`;
check(v1(TEST_SECRET, TEST_T, TEST_BODY) === TEST_HASH, "SDK test vector: node:crypto reproduces the test's v1");
check(await sdk(H(testSig), TEST_BODY, TEST_SECRET, TEST_T) === true, "SDK test vector: SDK accepts at its timestamp");
out.push(vector({ ...test, name: "sdk_test_example", description: "The SDK's test vector: secret SuperSecret123, body {\"test\":\"body\"}, t=1565125718, judged at t.",
  source: `${SDK_TEST} 'should pass for valid signature', verbatim; accepted by ${SDK}`, headers: H(testSig), expected: "ok" }));
const multi = `t=${TEST_T},v1=invalid-sig,v1=${TEST_HASH}`;
check(await sdk(H(multi), TEST_BODY, TEST_SECRET, TEST_T) === true, "SDK test 'multiple signatures': SDK accepts");
out.push(vector({ ...test, name: "sdk_test_multiple_signatures", description: "Two v1 entries, the first not a signature, the second valid: any v1 may match.",
  source: `${SDK_TEST} 'should pass for multiple signatures', verbatim; accepted by ${SDK}`, headers: H(multi), expected: "ok" }));
const v2only = `t=${TEST_T},v2=${TEST_HASH}`;
const v2res = await sdk(H(v2only), TEST_BODY, TEST_SECRET, TEST_T);
check(v2res === "No v1 signatures found", "SDK test 'different signature version': SDK throws 'No v1 signatures found'");
out.push(vector({ ...test, name: "sdk_test_v2_only", description: "The right digest under v2= instead of v1=: no v1 entry.",
  source: `${SDK_TEST} 'should throw for different signature version', verbatim; ${SDK} throws '${v2res}'`, headers: H(v2only), expected: "malformed" }));
const noT = TEST_HASH;
const noTres = await sdk(H(noT), TEST_BODY, TEST_SECRET, TEST_T);
check(noTres === "Unable to extract timestamp and signatures from header", "SDK test 'timestamp is missing': SDK throws");
out.push(vector({ ...test, name: "sdk_test_no_timestamp", description: "Mux-Signature carrying only the hex digest: no t=, no v1=.",
  source: `${SDK_TEST} 'should throw if signature timestamp is missing', verbatim; ${SDK} throws '${noTres}'`, headers: H(noT), expected: "malformed" }));
const sixRes = await sdk(H(testSig), TEST_BODY, TEST_SECRET, TEST_T + 360);
check(sixRes === "Webhook timestamp is too old", "SDK test 'timestamp outside threshold' (6 minutes): SDK throws");
out.push(vector({ ...test, now: TEST_T + 360, name: "sdk_test_six_minutes_old", description: "The SDK test vector judged 360 s after t.",
  source: `${SDK_TEST} 'should throw for timestamp outside threshold', verbatim; ${SDK} throws '${sixRes}'`, headers: H(testSig), expected: "timestamp_out_of_window" }));

const common = { provider: P, key: SECRET, method: "POST", url: null, now: NOW };
const body = JSON.stringify({ type: "video.asset.ready", object: { type: "asset", id: "Pd4gRzD4ybAAKEpZ4bV02NqmyUYf01xEKBa4zhOxk5Yhw" },
  id: "3a56ac3d-33da-4366-855b-f592d898409d", environment: { name: "Production", id: "j0863n" },
  data: { status: "ready", playback_ids: [{ policy: "public", id: "jxEf6XiJs6JY017pSzpv8Hd6tTbdAOecHTq4FiFAn564" }],
    id: "Pd4gRzD4ybAAKEpZ4bV02NqmyUYf01xEKBa4zhOxk5Yhw", duration: 23.8, max_stored_resolution: "HD", aspect_ratio: "16:9",
    created_at: NOW - 20, passthrough: "Réunion ☕" },
  created_at: "2025-11-01T11:59:59.000000Z", attempts: [], accessor_source: null, accessor: null, request_id: null });
const T = NOW - 1;
const sig = `t=${T},v1=${v1(SECRET, T, body)}`;
check(await sdk(H(sig), body, SECRET, NOW) === true, "ok: SDK accepts at now");
out.push(vector({ ...common, name: "ok", description: "video.asset.ready (non-ASCII passthrough, raw UTF-8); Mux-Signature t=<unix s>,v1=<hex HMAC-SHA256(secret, t + '.' + body)>; t 1 s old.",
  source: `node:crypto per mux.com/docs/core/verify-webhook-signatures; accepted by ${SDK} at now`, headers: H(sig), body, expected: "ok" }));

const tampered = body.replace('"duration":23.8', '"duration":2.38');
const tRes = await sdk(H(sig), tampered, SECRET, NOW);
check(tRes !== true, "tampered: SDK rejects");
out.push(vector({ ...common, name: "tampered_body", description: "Asset duration changed after signing.", source: `${SDK} throws '${tRes}'`, headers: H(sig), body: tampered, expected: "bad_signature" }));

const ws = `t=${T},v1=${v1(OTHER, T, body)}`;
const wRes = await sdk(H(ws), body, SECRET, NOW);
check(wRes !== true, "wrong key: SDK rejects");
out.push(vector({ ...common, name: "wrong_key", description: "Signed with another endpoint's signing secret.", source: `${SDK} throws '${wRes}'`, headers: H(ws), body, expected: "bad_signature" }));

const moved = `t=${T - 1},v1=${v1(SECRET, T, body)}`;
const mRes = await sdk(H(moved), body, SECRET, NOW);
check(mRes !== true, "t changed: SDK rejects");
out.push(vector({ ...common, name: "timestamp_changed", description: "t moved by one second (still fresh): it is part of the signed string.", source: `${SDK} throws '${mRes}'`, headers: H(moved), body, expected: "bad_signature" }));

const edge = NOW - 300;
const atEdge = `t=${edge},v1=${v1(SECRET, edge, body)}`;
check(await sdk(H(atEdge), body, SECRET, NOW) === true, "exactly 300 s old: SDK accepts");
out.push(vector({ ...common, name: "three_hundred_seconds_old_ok", description: "t exactly 300 s before now: accepted (the SDK rejects only an age over 300 s).",
  source: `node:crypto; accepted by ${SDK} at now`, headers: H(atEdge), body, expected: "ok" }));

const old = NOW - 301;
const stale = `t=${old},v1=${v1(SECRET, old, body)}`;
const sRes = await sdk(H(stale), body, SECRET, NOW);
check(sRes === "Webhook timestamp is too old", "301 s old: SDK throws 'Webhook timestamp is too old'");
check(await sdk(H(stale), body, SECRET, old) === true, "stale vector's signature itself is valid (SDK at t)");
out.push(vector({ ...common, name: "stale_timestamp", description: "Correctly signed, t 301 s before now.", source: `${SDK}: throws '${sRes}' at now, accepts at t`,
  headers: H(stale), body, expected: "timestamp_out_of_window" }));

const missRes = await sdk(H(null), body, SECRET, NOW);
check(missRes !== true, "no header: SDK rejects");
out.push(vector({ ...common, name: "missing_signature", description: "No Mux-Signature header.", source: `${SDK} throws '${missRes}'`, headers: H(null), body, expected: "missing_signature" }));

const noV1 = `t=${T}`;
const nRes = await sdk(H(noV1), body, SECRET, NOW);
check(nRes === "No v1 signatures found", "t only: SDK throws 'No v1 signatures found'");
out.push(vector({ ...common, name: "no_v1", description: "Header with t but no v1 entry.", source: `${SDK} throws '${nRes}'`, headers: H(noV1), body, expected: "malformed" }));

write("mux.json", out);
