// Notion webhook vectors. The official SDK (npm @notionhq/client, src/webhooks.ts)
// signs with signWebhookPayload() and judges with verifyWebhookSignature():
// X-Notion-Signature = "sha256=" + hex HMAC-SHA256(verification_token, raw body).
// The docs_example vector is the worked example of developers.notion.com/reference/webhooks
// (Step 3) verbatim: token, body and signature. The verification request (unsigned POST
// {"verification_token": ...}) is answered 200 with an empty body; the token is then
// pasted back in Notion's UI and signs every later event.
import { createHmac } from "node:crypto";
import { signWebhookPayload, verifyWebhookSignature } from "@notionhq/client";
import { NOW, check, pkgVersion, vector, write } from "./_vectors.mjs";

const SDK = `@notionhq/client ${pkgVersion("@notionhq/client")} (npm), verifyWebhookSignature`;
const SIGNED = `signed by @notionhq/client ${pkgVersion("@notionhq/client")} (npm) signWebhookPayload; accepted by its verifyWebhookSignature`;
const DOCS = "developers.notion.com/reference/webhooks";
const P = "notion";
// The token and signature of Notion's documentation example.
const DOC_TOKEN = "secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl";
const DOC_SIG = "sha256=461e8cbcba8a75c3edd866f0e71280f5a85cbf21eff040ebd10fe266df38a735";
const TOKEN = "secret_Q8vN2kX5pR7tW1zY4bC6dF9hJ3mL0sA2eG5iK8nP1qT";
const OTHER = "secret_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v";

const sdk = async (body, signature, verificationToken) => verifyWebhookSignature({ body, signature, verificationToken });
const sign = (body, verificationToken) => signWebhookPayload({ body, verificationToken });
const H = (sig) => ({ "Content-Type": "application/json", ...(sig === null ? {} : { "X-Notion-Signature": sig }) });

const out = [];
const common = { provider: P, method: "POST", url: null, now: NOW };

// 1. The verification request, with the documentation's token (compact JSON).
const verification = JSON.stringify({ verification_token: DOC_TOKEN });
out.push(vector({ ...common, name: "verification_token_handshake", key: DOC_TOKEN,
  description: "Subscription verification: unsigned POST whose JSON body carries verification_token; answer 200 with an empty body and keep the token (it is pasted back in Notion's UI and keys every later event).",
  source: DOCS + " (Step 2: Verifying the subscription; token verbatim); no signature on this request is documented", headers: { "Content-Type": "application/json" }, body: verification,
  expected: "handshake", handshake_response: { status: 200, content_type: "text/plain", body: "" } }));

// 2. The documentation's worked signature example, verbatim.
check(await sign(verification, DOC_TOKEN) === DOC_SIG, "docs example: SDK signWebhookPayload reproduces the documented signature");
check(await sdk(verification, DOC_SIG, DOC_TOKEN) === true, "docs example: SDK verifyWebhookSignature accepts it");
check("sha256=" + createHmac("sha256", DOC_TOKEN).update(verification).digest("hex") === DOC_SIG, "docs example: node:crypto agrees");
out.push(vector({ ...common, name: "docs_example", key: DOC_TOKEN,
  description: "Notion's documented sample: X-Notion-Signature over the compact JSON {\"verification_token\":...} keyed by that token (the docs use the verification payload as the sample body; a signed request is judged as a delivery, not a handshake).",
  source: DOCS + " (Step 3: Validating event payloads) verbatim: token, body (compact, as the sample code JSON.stringify()s it), signature; accepted by " + SDK, headers: H(DOC_SIG), body: verification, expected: "ok" }));

// 3. An event: the docs' page.created sample (Event types & delivery) as compact JSON, with the
//    api_version field of the SDK's BaseWebhookPayload and a timestamp near NOW.
const body = JSON.stringify({ id: "367cba44-b6f3-4c92-81e7-6a2e9659efd4", timestamp: "2025-11-01T11:59:34.285Z",
  workspace_id: "13950b26-c203-4f3b-b97d-93ec06319565", workspace_name: "Quantify Labs", subscription_id: "29d75c0d-5546-4414-8459-7b7a92f1fc4b",
  integration_id: "0ef2e755-4912-8096-91c1-00376a88a5ca", type: "page.created", authors: [{ id: "c7c11cca-1d73-471d-9b6e-bdef51470190", type: "person" }],
  attempt_number: 1, api_version: "2025-09-03", entity: { id: "153104cd-477e-809d-8dc4-ff2d96ae3090", type: "page" },
  data: { parent: { id: "0ef104cd-477e-80e1-8571-cfd10e92339a", type: "page" } } });
const s = await sign(body, TOKEN);
check(await sdk(body, s, TOKEN) === true, "ok: SDK accepts");
check(s === "sha256=" + createHmac("sha256", TOKEN).update(body).digest("hex"), "ok: node:crypto agrees with signWebhookPayload");
out.push(vector({ ...common, name: "ok", key: TOKEN, description: "page.created; X-Notion-Signature = sha256=<hex HMAC-SHA256(verification_token, raw body)>.",
  source: SIGNED, headers: H(s), body, expected: "ok" }));

const tampered = body.replace('"attempt_number":1', '"attempt_number":2');
check(await sdk(tampered, s, TOKEN) === false, "tampered: SDK rejects");
out.push(vector({ ...common, name: "tampered_body", key: TOKEN, description: "attempt_number changed after signing.", source: SDK + " returns false",
  headers: H(s), body: tampered, expected: "bad_signature" }));

const ws = await sign(body, OTHER);
check(await sdk(body, ws, TOKEN) === false, "wrong key: SDK rejects");
out.push(vector({ ...common, name: "wrong_key", key: TOKEN, description: "Signed with another subscription's verification_token.", source: SDK + " returns false",
  headers: H(ws), body, expected: "bad_signature" }));

check(await sdk(body, undefined, TOKEN) === false, "missing signature: SDK rejects");
out.push(vector({ ...common, name: "missing_signature", key: TOKEN, description: "No X-Notion-Signature header; the body carries no verification_token, so it is no handshake either.",
  source: SDK + " returns false for a missing signature", headers: H(null), body, expected: "missing_signature" }));

const bare = s.slice("sha256=".length);
check(await sdk(body, bare, TOKEN) === false, "no sha256= prefix: SDK rejects");
out.push(vector({ ...common, name: "missing_sha256_prefix", key: TOKEN, description: "The right hex digest without the 'sha256=' prefix.",
  source: SDK + " returns false (signature must start with 'sha256=')", headers: H(bare), body, expected: "malformed" }));

write("notion.json", out);
