// Checks OUR signer with the providers' official npm SDKs: for every preset with an
// official verifier, `webhook-gate sign` (the command-line binary) signs a delivery
// (its sample body, then a body file of ours), the SDK must accept exactly the
// printed headers and body bytes, and must reject the same request with one body
// byte changed.
//
//   node scripts/sdk-vectors/check_signer.mjs [path/to/webhook-gate]   (default: <repo>/target/debug/webhook-gate)
//
// Prints `ok <preset> (<package>@<version>)` or `FAIL <preset>: <reason>` per preset;
// exits 1 on any failure. Needs `npm install` in scripts/sdk-vectors. Signs at the
// current time: the SDKs judge timestamps with the real clock.
import { execFileSync } from "node:child_process";
import { createECDH, createPrivateKey, createPublicKey, createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { pkgVersion } from "./_vectors.mjs";

const require = createRequire(import.meta.url);
// Default: the repository's debug build, wherever this is run from.
const BIN = process.argv[2] ? resolve(process.argv[2]) : resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "target", "debug", "webhook-gate");

// Key material. HMAC schemes: the secret as the provider shows it. Discord and
// SendGrid: the development key pairs of examples/support/keys.rs DEVELOPMENT_KEYS
// (private key to sign with, public key as the provider shows it to verify with).
const DISCORD_PRIVATE = "0ff661089f52fab609ad709ff0beb787d5f1067983b99fce48d82448651d0854";
const DISCORD_PUBLIC = "76c5d20e12156e503af21974df82dc104afaf98cbea5b0601995b69223c89a2f";
const SENDGRID_PRIVATE = "0dadce1cb63d5485191e7d625c1e5ec8dfa7cf10878799994e16eac84926bc65";
const SENDGRID_PUBLIC = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMmWMu4SjW3cL2zFW42y9z/6Sr6xqtLXzsV9U1IbmU8DJn0hKMtKu+9trdb0atiqsXkQo294PG3ztRAZBpdIIpQ==";

// The public keys above, derived here from the private keys (node:crypto), so a
// stale pair in this file cannot pass unnoticed.
function derivedPublicKeys() {
  const ed = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(DISCORD_PRIVATE, "hex")]), format: "der", type: "pkcs8" });
  const discord = createPublicKey(ed).export({ format: "der", type: "spki" }).subarray(12).toString("hex");
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(Buffer.from(SENDGRID_PRIVATE, "hex"));
  const sendgrid = Buffer.concat([Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex"), ecdh.getPublicKey()]).toString("base64");
  return { discord, sendgrid };
}

const url = (name) => `https://hooks.example.com/webhooks/${name}?a=1`;

// `webhook-gate sign`; returns the headers (name -> value, names lower-cased, each once)
// and the body bytes: the file's when one is given (only headers are printed), else the
// printed sample body (the output ends with one newline the CLI adds after it). A scheme
// that writes its signature into the body (`printsBody`) prints the body either way.
function sign(scheme, key, { signedUrl, bodyFile, timestamp, params = [], printsBody = false }) {
  const args = ["sign", "--scheme", scheme, "--secret-env", "WG_KEY", "--timestamp", String(timestamp)];
  for (const param of params) args.push("--param", param);
  if (signedUrl) args.push("--signed-url", signedUrl);
  if (bodyFile) args.push("--body", bodyFile.path);
  let out;
  try {
    out = execFileSync(BIN, args, { env: { ...process.env, WG_KEY: key }, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    throw new Error(e.status === null || e.status === undefined ? `cannot run ${BIN}: ${e.message}` : `${BIN} ${args.join(" ")} exited ${e.status}: ${String(e.stderr).trim()}`);
  }
  let head, body;
  if (bodyFile && !printsBody) {
    head = out.toString("utf8");
    if (head.includes("\n\n")) throw new Error("sign --body printed a body");
    body = bodyFile.bytes;
  } else {
    const at = out.indexOf("\n\n");
    if (at < 0 || out[out.length - 1] !== 0x0a) throw new Error(`unexpected sign output ${JSON.stringify(out.toString())}`);
    head = out.subarray(0, at).toString("utf8");
    body = Buffer.from(out.subarray(at + 2, out.length - 1));
  }
  const headers = {};
  for (const line of head.split("\n").filter((l) => l !== "")) {
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+): (.*)$/.exec(line);
    if (!m) throw new Error(`not a header line: ${JSON.stringify(line)}`);
    const name = m[1].toLowerCase();
    if (name in headers) throw new Error(`header ${m[1]} printed twice`);
    headers[name] = m[2];
  }
  if (Buffer.from(body.toString("utf8"), "utf8").compare(body) !== 0) throw new Error("body is not UTF-8");
  return { headers, body, args };
}

// The same body with one byte changed: the case of the first ASCII letter after the
// first ':' (JSON) or '=' (form), so the body stays parseable and only the signature
// can reject it.
function tamper(body) {
  const start = body.findIndex((b) => b === 0x3a || b === 0x3d);
  for (let i = start + 1; i < body.length; i++) {
    const b = body[i];
    if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)) {
      const t = Buffer.from(body);
      t[i] = b ^ 0x20;
      return { body: t, what: `byte ${i} '${String.fromCharCode(b)}' -> '${String.fromCharCode(t[i])}'` };
    }
  }
  throw new Error("no letter to change in the body");
}

const quiet = async (fn) => {
  const saved = [console.log, console.debug, console.info, console.warn, console.error];
  console.log = console.debug = console.info = console.warn = console.error = () => {};
  try { return await fn(); } finally { [console.log, console.debug, console.info, console.warn, console.error] = saved; }
};

// A compact JSON body with non-ASCII, HTML-ish characters, an escape and a number form
// that JSON re-serialisation would keep: signed from a file with --body.
const fileBody = (extra = {}) => JSON.stringify({ id: "evt_file_0001", note: "café ☕ <b>&amp;</b> \\u00e9 +%2B", n: [1, 2.5, null, true], ...extra });

// Each check: the package judging it, the scheme, the key to sign with, how to build
// the cases, and `accepts(req)` -> true when the SDK accepts (false / throw = rejects).
const checks = [];
const add = (c) => checks.push(c);

{
  const twilio = require("twilio");
  const TOKEN = "9f86d081884c7d659a2feaa0c55ad015";
  add({ name: "twilio", pkg: "twilio", key: TOKEN, cases: ({ body }) => [
      { signedUrl: url("twilio") }, // the sample: a form POST
      // JSON: the URL carries bodySHA256 = hex SHA-256 of the body (Twilio's JSON requests)
      { bodyFile: body(), signedUrl: (b) => `${url("twilio")}&bodySHA256=${createHash("sha256").update(b).digest("hex")}` },
    ],
    accepts: ({ headers, body, signedUrl }) => {
      const sig = headers["x-twilio-signature"];
      if ((headers["content-type"] || "").startsWith("application/x-www-form-urlencoded")) {
        const params = {};
        for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params[k] = k in params ? [].concat(params[k], v) : v;
        return twilio.validateRequest(TOKEN, sig, signedUrl, params);
      }
      return twilio.validateRequestWithBody(TOKEN, sig, signedUrl, body.toString("utf8"));
    } });
}
{
  const { WebhooksHelper } = require("square");
  const KEY = "5Fh3kQvR9mXw2ZtL8nYcBa";
  add({ name: "square", pkg: "square", key: KEY, cases: ({ body }) => [{ signedUrl: url("square") }, { signedUrl: url("square"), bodyFile: body() }],
    accepts: ({ headers, body, signedUrl }) => WebhooksHelper.verifySignature({ requestBody: body.toString("utf8"), signatureHeader: headers["x-square-hmacsha256-signature"], signatureKey: KEY, notificationUrl: signedUrl }) });
}
{
  const { Signature } = require("@hubspot/api-client");
  const SECRET = "3b5f2f44-8c1d-4e6a-9b7e-2f0d9c4a6e11";
  add({ name: "hubspot", pkg: "@hubspot/api-client", key: SECRET, cases: ({ body }) => [{ signedUrl: url("hubspot") }, { signedUrl: url("hubspot"), bodyFile: body() }],
    accepts: ({ headers, body, signedUrl }) => Signature.isValid({ signatureVersion: "v3", signature: headers["x-hubspot-signature-v3"], clientSecret: SECRET,
      requestBody: body.toString("utf8"), url: signedUrl, method: "POST", timestamp: Number(headers["x-hubspot-request-timestamp"]) }) });
}
{
  const { verifyKey } = require("discord-interactions");
  add({ name: "discord", pkg: "discord-interactions", key: DISCORD_PRIVATE, cases: ({ body }) => [{}, { bodyFile: body({ type: 2 }) }],
    accepts: ({ headers, body }) => verifyKey(body, headers["x-signature-ed25519"], headers["x-signature-timestamp"], DISCORD_PUBLIC) });
}
{
  const { EventWebhook } = require("@sendgrid/eventwebhook");
  add({ name: "sendgrid", pkg: "@sendgrid/eventwebhook", key: SENDGRID_PRIVATE,
    // SendGrid posts a JSON array ending with \r\n, which is signed.
    cases: () => [{}, { bodyFile: Buffer.from(JSON.stringify([{ email: "zoë@example.com", event: "processed", sg_event_id: "ZmlsZS0x", timestamp: 1 }]) + "\r\n") }],
    accepts: ({ headers, body }) => {
      const ew = new EventWebhook();
      return ew.verifySignature(ew.convertPublicKeyToECDSA(SENDGRID_PUBLIC), body.toString("utf8"), headers["x-twilio-email-event-webhook-signature"], headers["x-twilio-email-event-webhook-timestamp"]);
    } });
}
{
  // Rivet verifies over JSON.stringify(JSON.parse(body)): compact JSON bodies only.
  const { AwsLambdaReceiver } = require("@zoom/rivet/meetings");
  const SECRET = "Qx7vB2nL9kR4tW1mZ8cY5p";
  add({ name: "zoom", pkg: "@zoom/rivet", key: SECRET,
    cases: ({ body, now }) => [{}, { bodyFile: body({ event: "meeting.ended", event_ts: now * 1000, payload: { account_id: "AAAAAABBBB", object: { id: "1", topic: "Réunion ☕" } } }) }],
    accepts: async ({ headers, body }) => {
      const handler = new AwsLambdaReceiver({ webhooksSecretToken: SECRET }).start();
      const res = await quiet(() => handler({ body: body.toString("utf8"), headers, isBase64Encoded: false }, {}));
      if (res.statusCode !== 200) throw new Error(`Rivet answered ${res.statusCode} ${res.body}`);
      return true;
    } });
}
{
  const { LinearWebhookClient } = await import("@linear/sdk/webhooks");
  const SECRET = "lin_wh_7Qm2Xv9Kp4Rt8Zc1Nw6Bd3Yh5Lf0Gs2Ja";
  add({ name: "linear", pkg: "@linear/sdk", key: SECRET,
    // The SDK reads the (signed) body's webhookTimestamp, in ms, within 60 s of now.
    cases: ({ body, now }) => [{}, { bodyFile: body({ type: "Issue", action: "update", webhookTimestamp: now * 1000 }) }],
    accepts: ({ headers, body }) => new LinearWebhookClient(SECRET).verify(body, headers["linear-signature"]) === true });
}
{
  const { Paddle } = await import("@paddle/paddle-node-sdk");
  const SECRET = "pdl_ntfset_01jbq8m3k2r7v5x9c4d6f8h1n3_Hq2v8Rk5Wm1Xz7Lc4Np9Bt3Ys6Gd0Jf2";
  const paddle = new Paddle("pdl_sdbx_apikey_01jbqa0000000000000000000000_dummy");
  add({ name: "paddle", pkg: "@paddle/paddle-node-sdk", key: SECRET, cases: ({ body }) => [{}, { bodyFile: body() }],
    accepts: ({ headers, body }) => paddle.webhooks.isSignatureValid(body.toString("utf8"), SECRET, headers["paddle-signature"]) });
}
{
  const { verifyWebhookSignature } = require("@notionhq/client");
  const TOKEN = "secret_Q8vN2kX5pR7tW1zY4bC6dF9hJ3mL0sA2eG5iK8nP1qT";
  add({ name: "notion", pkg: "@notionhq/client", key: TOKEN, cases: ({ body }) => [{}, { bodyFile: body() }],
    accepts: ({ headers, body }) => verifyWebhookSignature({ body: body.toString("utf8"), signature: headers["x-notion-signature"], verificationToken: TOKEN }) });
}
{
  // The Standard Webhooks reference library (github.com/standard-webhooks); throws on failure.
  const { Webhook } = require("standardwebhooks");
  const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  add({ name: "standard", pkg: "standardwebhooks", key: SECRET, cases: ({ body }) => [{}, { bodyFile: body() }],
    accepts: ({ headers, body }) => { new Webhook(SECRET).verify(body, headers); return true; } });
}
{
  // Stripe keys the HMAC with the whole whsec_ string (not base64-decoded); throws on failure.
  const Stripe = require("stripe");
  const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  add({ name: "stripe", pkg: "stripe", key: SECRET, cases: ({ body }) => [{}, { bodyFile: body({ object: "event", type: "charge.succeeded" }) }],
    accepts: ({ headers, body }) => { Stripe.webhooks.constructEvent(body, headers["stripe-signature"], SECRET); return true; } });
}
{
  // Octokit (GitHub's official JS SDK) webhook verification.
  const { verify } = await import("@octokit/webhooks-methods");
  const SECRET = "It's a Secret to Everybody"; // GitHub's docs example secret
  add({ name: "github", pkg: "@octokit/webhooks-methods", key: SECRET, cases: ({ body }) => [{}, { bodyFile: body() }],
    accepts: ({ headers, body }) => verify(SECRET, body.toString("utf8"), headers["x-hub-signature-256"]) });
}
{
  // Mux: t=<unix s>,v1=<hex>; the SDK also rejects a t more than 300 s old (real clock); throws on failure.
  const { Mux } = require("@mux/mux-node");
  const SECRET = "8h2kq9vmt1r5x7c3bn6pz0wy4dj8lf2s";
  const mux = new Mux({ tokenId: "unused", tokenSecret: "unused" });
  add({ name: "mux", pkg: "@mux/mux-node", key: SECRET, cases: ({ body }) => [{}, { bodyFile: body() }],
    accepts: async ({ headers, body }) => { await mux.webhooks.verifySignature(body.toString("utf8"), headers, SECRET); return true; } });
}
{
  const Razorpay = require("razorpay");
  const SECRET = "Rz9wH4kP2mX7vQ1t";
  add({ name: "razorpay", pkg: "razorpay", key: SECRET, cases: ({ body }) => [{}, { bodyFile: body() }],
    accepts: ({ headers, body }) => Razorpay.validateWebhookSignature(body.toString("utf8"), headers["x-razorpay-signature"], SECRET) });
}
{
  // Coinbase Commerce's official Node SDK; throws SignatureVerificationError on failure.
  const { Webhook } = require("coinbase-commerce-node");
  const SECRET = "5c1e7a3f-9b2d-4e8c-a6f0-d4b2c8e1f7a9";
  add({ name: "coinbase", pkg: "coinbase-commerce-node", key: SECRET, cases: ({ body }) => [{}, { bodyFile: body() }],
    accepts: ({ headers, body }) => { Webhook.verifySigHeader(body.toString("utf8"), headers["x-cc-webhook-signature"], SECRET); return true; } });
}
{
  // shopify.webhooks.validate(): the HMAC, then the headers Shopify always sends.
  await import("@shopify/shopify-api/adapters/web-api");
  const { shopifyApi, ApiVersion, LogSeverity } = await import("@shopify/shopify-api");
  const SECRET = "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";
  const shopify = shopifyApi({ apiKey: "0123456789abcdef0123456789abcdef", apiSecretKey: SECRET, scopes: [], hostName: "hooks.example.com",
    apiVersion: ApiVersion.January26, isEmbeddedApp: false, logger: { level: LogSeverity.Error, log: () => {} } });
  add({ name: "shopify", pkg: "@shopify/shopify-api", key: SECRET, cases: ({ body }) => [{}, { bodyFile: body() }],
    accepts: async ({ headers, body }) => {
      const rawRequest = new Request(url("shopify"), { method: "POST", headers, body });
      const r = await quiet(() => shopify.webhooks.validate({ rawBody: body.toString("utf8"), rawRequest }));
      if (r.valid) return true;
      // validate() checks the HMAC first: missing_headers means the HMAC was accepted.
      throw Object.assign(new Error(`validate() = ${JSON.stringify(r)}`), { signatureOk: r.reason === "missing_headers" });
    } });
}

{
  // Microsoft Graph rich notifications: the command writes validationTokens (RS256) into
  // the body; jsonwebtoken (the library of Microsoft's JavaScript sample) must accept
  // each, called as that sample calls it, with Graph's publisher in appid. The tokens
  // do not bind the body: the "changed body" is an item of a tenant no token is for.
  const jwt = require("jsonwebtoken");
  const PRIVATE = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "crates", "webhook-gate", "tests", "data", "providers", "paypal", "test_key.pem"), "utf8");
  const PUBLIC = createPublicKey(PRIVATE);
  const APP = "8e460676-ae3f-4b1e-8790-ee0fb5d6148f";
  const graphBody = () => Buffer.from(JSON.stringify({ value: [
    { subscriptionId: "76619225-ff6b-4489-96ca-4ef547e78b22", changeType: "created", resource: "teams('t')/channels('c')/messages('1')", tenantId: "84bd8158-6d4d-4958-8b9f-9d6445542f95" },
    { subscriptionId: "5cfe2387-163c-4006-81bb-1b5e1e060afe", changeType: "created", resource: "teams('u')/channels('d')/messages('2')", tenantId: "bbbbcccc-1111-dddd-2222-eeee3333ffff" },
  ] }));
  add({ name: "msgraph-rich", pkg: "jsonwebtoken", key: PRIVATE, params: [`app_id=${APP}`], printsBody: true,
    cases: () => [{}, { bodyFile: graphBody() }],
    accepts: ({ body }) => {
      const parsed = JSON.parse(body.toString("utf8"));
      const tenants = parsed.validationTokens.map((token) => {
        const tid = jwt.decode(token).tid;
        const c = jwt.verify(token, PUBLIC, { algorithms: ["RS256"], audience: [APP], issuer: [`https://sts.windows.net/${tid}/`] });
        if (c.appid !== "0bf30f3b-4a52-48df-9a82-234910c4a086") throw new Error(`appid ${c.appid}`);
        return tid;
      });
      return parsed.value.every((item) => tenants.includes(item.tenantId));
    },
    tamper: (body) => {
      const parsed = JSON.parse(body.toString("utf8"));
      parsed.value[0].tenantId = "cccccccc-2222-eeee-3333-ffff4444aaaa";
      return { body: Buffer.from(JSON.stringify(parsed)), what: "an item moved to a tenant no token is for" };
    } });
}

async function judge(check, req) {
  try { return { ok: (await check.accepts(req)) === true, why: "returned false" }; } catch (e) { return { ok: false, why: `threw: ${String(e.message).split("\n")[0]}`, signatureOk: e.signatureOk === true }; }
}

if (!existsSync(BIN)) { console.error(`no webhook-gate binary at ${BIN}: give its path as the first argument`); process.exit(2); }
let failures = 0;
const dir = mkdtempSync(join(tmpdir(), "wg-check-signer-"));
try {
  const derived = derivedPublicKeys();
  if (derived.discord !== DISCORD_PUBLIC || derived.sendgrid !== SENDGRID_PUBLIC) {
    console.log(`FAIL keys: DEVELOPMENT_KEYS public keys do not match the private keys (derived ${JSON.stringify(derived)})`);
    failures++;
  }
  for (const check of checks) {
    const label = `${check.pkg}@${pkgVersion(check.pkg)}`;
    const now = Math.floor(Date.now() / 1000);
    const body = (extra) => Buffer.from(fileBody(extra));
    const errs = [];
    for (const c of check.cases({ body, now })) {
      let bodyFile = null, what = "sample body";
      if (c.bodyFile) {
        const path = join(dir, `${check.name}.body`);
        writeFileSync(path, c.bodyFile);
        bodyFile = { path, bytes: c.bodyFile };
        what = "--body file";
      }
      const signedUrl = typeof c.signedUrl === "function" ? c.signedUrl(c.bodyFile) : c.signedUrl;
      let signed;
      try { signed = sign(check.name, check.key, { signedUrl, bodyFile, timestamp: now, params: check.params, printsBody: check.printsBody }); } catch (e) { errs.push(`${what}: ${e.message}`); continue; }
      const req = { headers: signed.headers, body: signed.body, signedUrl };
      const good = await judge(check, req);
      if (!good.ok && good.signatureOk) {
        // The signature is accepted, the delivery is not: report it, still check a tampered body.
        errs.push(`${what}: signature accepted, but the SDK refuses the delivery (${good.why}); headers printed: ${Object.keys(signed.headers).join(", ")}`);
      } else if (!good.ok) {
        errs.push(`${what}: the SDK rejects our signed request (${good.why}); command: WG_KEY=<key> webhook-gate ${signed.args.join(" ")}; `
          + `headers ${JSON.stringify(signed.headers)}; body (base64) ${signed.body.toString("base64")}`);
        continue;
      }
      const t = (check.tamper ?? tamper)(signed.body);
      const bad = await judge(check, { ...req, body: t.body });
      if (bad.ok || bad.signatureOk) errs.push(`${what}: the SDK still accepts the signature with the body changed (${t.what})`);
    }
    if (errs.length) { failures++; console.log(`FAIL ${check.name}: ${errs.join(" | ")}`); } else console.log(`ok ${check.name} (${label})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
