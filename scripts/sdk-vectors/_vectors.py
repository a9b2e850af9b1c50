"""Shared helpers for the provider vector generators (see README.md in
crates/webhook-gate/tests/data/providers/). Standard library only."""
import json
import os
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "crates", "webhook-gate", "tests", "data", "providers"))

# One fixed judging instant for every generated vector: 2025-11-01T12:00:00Z.
NOW = 1761998400

FIELD_ORDER = [
    "provider", "name", "description", "source", "key", "second_key", "verify_token", "private_key", "settings",
    "method", "url", "headers", "body", "body_base64", "now", "expected", "handshake_response",
]

EXPECTED = {"ok", "bad_signature", "missing_signature", "malformed", "timestamp_out_of_window", "handshake"}


def vector(**fields):
    missing = [f for f in ("provider", "name", "source", "key", "method", "url", "headers", "now", "expected") if f not in fields]
    if missing:
        raise ValueError(f"vector {fields.get('name')}: missing {missing}")
    if ("body" in fields) == ("body_base64" in fields):
        raise ValueError(f"vector {fields['name']}: exactly one of body/body_base64")
    if fields["expected"] not in EXPECTED:
        raise ValueError(f"vector {fields['name']}: bad expected {fields['expected']}")
    if (fields["expected"] == "handshake") != ("handshake_response" in fields):
        raise ValueError(f"vector {fields['name']}: handshake_response iff expected == handshake")
    extra = set(fields) - set(FIELD_ORDER)
    if extra:
        raise ValueError(f"vector {fields['name']}: unknown fields {extra}")
    return OrderedDict((k, fields[k]) for k in FIELD_ORDER if k in fields)


def write(provider_file, vectors):
    names = [v["name"] for v in vectors]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"duplicate vector names {dup}")
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, provider_file)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(vectors, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(vectors)} vectors to {path}")


def check(cond, what):
    """Abort the generator (no file written) when an SDK check disagrees."""
    if not cond:
        raise SystemExit(f"SDK CHECK FAILED: {what}")
    print(f"  checked: {what}")
