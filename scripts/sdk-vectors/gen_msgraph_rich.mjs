// Microsoft Graph rich-notification vectors (change notifications with resource data).
// The body's `validationTokens` are JWTs, RS256, one per app and tenant of the items in
// `value` (learn.microsoft.com/graph/change-notifications-with-resource-data, "Validating
// the authenticity of notifications"): each must verify under a key of the Microsoft
// identity platform, be unexpired, name the receiving app in `aud`, and carry
// `appid` 0bf30f3b-4a52-48df-9a82-234910c4a086 (Microsoft Graph's change-notification
// publisher); `iss` is https://sts.windows.net/<tenant>/ (the documentation's C# and
// JavaScript samples pass it as `ValidIssuer` / `issuer`).
//
// Tokens are signed here with `jsonwebtoken` (the library of the documentation's JavaScript
// sample) under the repository's RSA test key (tests/data/providers/paypal/test_key.pem;
// the identity platform's private keys are, of course, not public), and every vector is
// judged with `jsonwebtoken.verify` as that sample calls it (algorithms RS256, audience,
// issuer; clock frozen at `now`, 300 s of clock tolerance), plus the `appid` check the
// documentation calls critical, before it is written. This library also requires every
// item's `tenantId` to be the tenant of a token, and `iat` within 24 h: judged here too.
// `key` is the public key as the identity platform's key set serves it (a JWK with `n`
// and `e`), or the certificate (PEM); `settings.app_id` is the receiving app.
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { NOW, OUT_DIR, check, pkgVersion, vector, write } from "./_vectors.mjs";

const require = createRequire(import.meta.url);
const jwt = require("jsonwebtoken");

const P = "msgraph-rich";
const LIB = `jsonwebtoken ${pkgVersion("jsonwebtoken")} (npm)`;
const PUBLISHER = "0bf30f3b-4a52-48df-9a82-234910c4a086";
// The documentation's example app id and tenants.
const APP = "8e460676-ae3f-4b1e-8790-ee0fb5d6148f";
const TENANT = "84bd8158-6d4d-4958-8b9f-9d6445542f95";
const TENANT_2 = "bbbbcccc-1111-dddd-2222-eeee3333ffff";
const KID = "test-key-1";

const read = (name) => readFileSync(join(OUT_DIR, "paypal", name), "utf8");
const PRIVATE = createPrivateKey(read("test_key.pem"));
const ATTACKER = createPrivateKey(read("attacker_key.pem"));
const CERT = read("test_cert.pem");
const PUBLIC = createPublicKey(PRIVATE);
const JWK = JSON.stringify({ kty: "RSA", use: "sig", kid: KID, ...(({ n, e }) => ({ n, e }))(PUBLIC.export({ format: "jwk" })) });
check(new X509Certificate(CERT).publicKey.export({ format: "jwk" }).n === JSON.parse(JWK).n, "the test certificate holds the test key");

const issuer = (tenant) => `https://sts.windows.net/${tenant}/`;
// The claims of the documentation's example token, for `tenant`, issued `age` s before now.
function claims(tenant, age = 60, lifetime = 29100) {
  const iat = NOW - age;
  return { aud: APP, iss: issuer(tenant), iat, nbf: iat, exp: iat + lifetime, aio: "42FgYKhZ+uOZrHa7p+7tfruauq1HAA==", appid: PUBLISHER,
    appidacr: "2", idp: issuer(tenant), tid: tenant, uti: "-KoJHevhgEGnN4kwuixpAA", ver: "1.0" };
}
const sign = (payload, { key = PRIVATE, kid = KID, algorithm = "RS256" } = {}) =>
  jwt.sign(payload, key, { algorithm, keyid: kid }); // keeps the payload's own iat

function body(tenants, tokens) {
  const value = tenants.map((tenant, i) => ({
    subscriptionId: "76619225-ff6b-4489-96ca-4ef547e78b22", subscriptionExpirationDateTime: "2025-11-01T13:00:00.0000000Z",
    changeType: "created", resource: `teams('fbe2bf47-16c8-47cf-b4a5-4b9b187c508b')/channels('19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2')/messages('${1700000000000 + i}')`,
    resourceData: { id: String(1700000000000 + i), "@odata.type": "#Microsoft.Graph.chatMessage" },
    tenantId: tenant,
  }));
  const out = { value };
  if (tokens !== undefined) out.validationTokens = tokens;
  return JSON.stringify(out);
}

// The documentation's check, with jsonwebtoken as its JavaScript sample calls it, then this
// library's two additions (every item's tenant has a token; iat within 24 h).
function judge(key, text, now = NOW) {
  let parsed;
  try { parsed = JSON.parse(text); } catch { return "malformed"; }
  const tokens = parsed.validationTokens;
  if (!Array.isArray(tokens) || tokens.length === 0) return "missing_signature";
  const publicKey = key.startsWith("{") ? createPublicKey({ key: JSON.parse(key), format: "jwk" }) : new X509Certificate(key).publicKey;
  const tenants = [];
  // Malformed first (a token that is no RS256 JWT), then times, then the rest.
  const decoded = tokens.map((token) => jwt.decode(token, { complete: true }));
  if (decoded.some((d) => d === null || d.header.alg !== "RS256")) return "malformed";
  if (decoded.some(({ payload }) => !Number.isInteger(payload.iat) || !Number.isInteger(payload.exp))) return "malformed";
  for (const { payload } of decoded) {
    if (Math.abs(now - payload.iat) > 24 * 3600) return "timestamp_out_of_window";
    if (payload.exp + 300 < now || (payload.nbf !== undefined && payload.nbf - 300 > now)) return "timestamp_out_of_window";
  }
  for (const token of tokens) {
    const tid = jwt.decode(token).tid;
    try {
      const payload = jwt.verify(token, publicKey, { algorithms: ["RS256"], audience: [APP], issuer: [issuer(tid)], clockTimestamp: now, clockTolerance: 300 });
      if (payload.appid !== PUBLISHER && payload.azp !== PUBLISHER) return "bad_signature";
      tenants.push(tid);
    } catch {
      return "bad_signature";
    }
  }
  return parsed.value.every((item) => tenants.includes(item.tenantId)) ? "ok" : "bad_signature";
}

const out = [];
const common = { provider: P, key: JWK, settings: { app_id: APP }, method: "POST", url: null, headers: { "Content-Type": "application/json; charset=utf-8" }, now: NOW };
function add(name, description, text, expected, extra = {}) {
  const got = judge(extra.key ?? common.key, text);
  check(got === expected, `${name}: ${expected} (judged ${got})`);
  out.push(vector({ ...common, ...extra, name, description, source: `signed and judged with ${LIB}, as the documentation's JavaScript sample verifies`, body: text, expected }));
}

const one = body([TENANT], [sign(claims(TENANT))]);
add("one_tenant", "One Teams message for one tenant; the token has the claims of the documentation's example token, issued a minute ago (8 h 5 min of lifetime, as there).", one, "ok");
add("certificate", "The same notification, the key given as the certificate (PEM) holding it.", one, "ok", { key: CERT });
add("two_tenants", "Two items for two tenants of the same app: two tokens, as the documentation's example.", body([TENANT, TENANT_2], [sign(claims(TENANT)), sign(claims(TENANT_2))]), "ok");
const v2 = claims(TENANT); delete v2.appid; v2.azp = PUBLISHER; v2.ver = "2.0";
add("azp_publisher", "A v2.0-style token naming the publisher in azp instead of appid.", body([TENANT], [sign(v2)]), "ok");
add("other_resource_same_token", "A resource changed after the token was made: the tokens do not bind the body, so it verifies.", one.replace("messages('1700000000000')", "messages('1700000000999')"), "ok");
add("other_app", "The token's aud is another app.", body([TENANT], [sign({ ...claims(TENANT), aud: "00000000-0000-0000-0000-000000000001" })]), "bad_signature");
add("other_publisher", "appid is not Microsoft Graph's change-notification publisher (another app of the tenant asked for the token).", body([TENANT], [sign({ ...claims(TENANT), appid: "11111111-2222-3333-4444-555555555555" })]), "bad_signature");
add("issuer_of_another_tenant", "iss names another tenant than tid.", body([TENANT], [sign({ ...claims(TENANT), iss: issuer(TENANT_2) })]), "bad_signature");
add("wrong_key", "Signed with another RSA key under the same kid.", body([TENANT], [sign(claims(TENANT), { key: ATTACKER })]), "bad_signature");
const [h, p, s] = sign(claims(TENANT)).split(".");
const forgedClaims = Buffer.from(JSON.stringify({ ...claims(TENANT), aud: "8e460676-ae3f-4b1e-8790-ee0fb5d6148e" })).toString("base64url");
add("claims_changed", "The claims re-encoded with another aud, the signature kept.", body([TENANT], [`${h}.${forgedClaims}.${s}`]), "bad_signature", { settings: { app_id: "8e460676-ae3f-4b1e-8790-ee0fb5d6148e" } });
add("expired", "exp is 301 s before now (beyond the 300 s of clock tolerance).", body([TENANT], [sign(claims(TENANT, 29401))]), "timestamp_out_of_window");
add("expired_within_skew", "exp is 299 s before now: within the clock tolerance.", body([TENANT], [sign(claims(TENANT, 29399))]), "ok");
add("not_yet_valid", "nbf (and iat) 301 s after now.", body([TENANT], [sign(claims(TENANT, -301))]), "timestamp_out_of_window");
add("issued_over_a_day_ago", "iat 24 h and a minute ago, exp still ahead (a 2-day lifetime): iat is out of the 24 h window.", body([TENANT], [sign(claims(TENANT, 24 * 3600 + 60, 2 * 24 * 3600))]), "timestamp_out_of_window");
add("item_of_another_tenant", "A second item for a tenant no token is for.", body([TENANT, TENANT_2], [sign(claims(TENANT))]), "bad_signature");
add("one_token_of_two_forged", "Two tokens; the second signed with another key.", body([TENANT, TENANT_2], [sign(claims(TENANT)), sign(claims(TENANT_2), { key: ATTACKER })]), "bad_signature");
add("hs256_with_the_public_key", "alg HS256, keyed with the public key's PEM (the algorithm-confusion attack): the header may not choose.", body([TENANT], [sign(claims(TENANT), { key: PUBLIC.export({ format: "pem", type: "spki" }), algorithm: "HS256" })]), "malformed");
const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims(TENANT))).toString("base64url")}.`;
add("alg_none", "An unsigned token (alg none).", body([TENANT], [none]), "malformed");
add("no_tokens", "A notification without validationTokens (a basic notification sent to a rich route).", body([TENANT]), "missing_signature");
write("msgraph-rich.json", out);
