// Shared helpers for the .mjs generators; same format and rules as _vectors.py.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
export const OUT_DIR = resolve(HERE, "..", "..", "crates", "webhook-gate", "tests", "data", "providers");
export const NOW = 1761998400; // 2025-11-01T12:00:00Z, as in _vectors.py

const ORDER = ["provider", "name", "description", "source", "key", "verify_token", "private_key",
  "settings", "method", "url", "headers", "body", "body_base64", "now", "expected", "handshake_response"];
const EXPECTED = new Set(["ok", "bad_signature", "missing_signature", "malformed", "timestamp_out_of_window", "handshake"]);

export function vector(f) {
  for (const k of ["provider", "name", "source", "key", "method", "url", "headers", "now", "expected"]) {
    if (!(k in f)) throw new Error(`vector ${f.name}: missing ${k}`);
  }
  if (("body" in f) === ("body_base64" in f)) throw new Error(`vector ${f.name}: exactly one of body/body_base64`);
  if (!EXPECTED.has(f.expected)) throw new Error(`vector ${f.name}: bad expected ${f.expected}`);
  if ((f.expected === "handshake") !== ("handshake_response" in f)) throw new Error(`vector ${f.name}: handshake_response iff handshake`);
  const extra = Object.keys(f).filter((k) => !ORDER.includes(k));
  if (extra.length) throw new Error(`vector ${f.name}: unknown fields ${extra}`);
  const out = {};
  for (const k of ORDER) if (k in f) out[k] = f[k];
  return out;
}

export function write(file, vectors) {
  const names = vectors.map((v) => v.name);
  if (new Set(names).size !== names.length) throw new Error("duplicate vector names");
  mkdirSync(OUT_DIR, { recursive: true });
  const path = join(OUT_DIR, file);
  writeFileSync(path, JSON.stringify(vectors, null, 2) + "\n");
  console.log(`wrote ${vectors.length} vectors to ${path}`);
}

export function check(cond, what) {
  if (!cond) { console.error(`SDK CHECK FAILED: ${what}`); process.exit(1); }
  console.log(`  checked: ${what}`);
}

// Run fn with Date.now() / new Date() frozen at unix seconds `now`.
export async function atTime(now, fn) {
  const RealDate = Date;
  const ms = now * 1000;
  class FrozenDate extends RealDate {
    constructor(...a) { if (a.length === 0) super(ms); else super(...a); }
    static now() { return ms; }
  }
  globalThis.Date = FrozenDate;
  try { return await fn(); } finally { globalThis.Date = RealDate; }
}

// Installed version of an npm package (read from node_modules, whatever its "exports" allow).
import { readFileSync } from "node:fs";
export function pkgVersion(name) {
  return JSON.parse(readFileSync(join(HERE, "node_modules", name, "package.json"), "utf8")).version;
}
