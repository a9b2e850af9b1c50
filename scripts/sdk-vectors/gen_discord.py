"""Discord interactions vectors. Keys are Ed25519 pairs from fixed seeds, signed
with PyNaCl (the dependency of the official `discord-interactions` PyPI package);
every vector is judged by that package's verify_key()."""
from importlib.metadata import version

from discord_interactions import verify_key
from nacl.signing import SigningKey

from _vectors import NOW, check, vector, write

SDK = f"discord-interactions {version('discord-interactions')} (PyPI, github.com/discord/discord-interactions-python), verify_key()"
SIGNER = f"PyNaCl {version('PyNaCl')} SigningKey.sign"
P = "discord"

seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")  # RFC 8032 test 1 seed
other_seed = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")  # RFC 8032 test 2 seed
sk, other = SigningKey(seed), SigningKey(other_seed)
PUB = sk.verify_key.encode().hex()
PRIV = seed.hex()


def sign(k, ts, body):
    return k.sign(ts.encode() + body.encode()).signature.hex()


def sdk(body, sig, ts):
    return verify_key(body.encode(), sig, ts, PUB)


def H(sig, ts):
    h = {"Content-Type": "application/json"}
    if sig is not None:
        h["X-Signature-Ed25519"] = sig
    if ts is not None:
        h["X-Signature-Timestamp"] = ts
    return h


TS = str(NOW - 1)
out = []
common = dict(provider=P, key=PUB, private_key=PRIV, method="POST", url=None, now=NOW)

ping = '{"app_permissions":"0","application_id":"1100000000000000000","entitlements":[],"id":"1300000000000000001","token":"aW50ZXJhY3Rpb246MTMwMDAwMDAwMDAwMDAwMDAwMTpQSU5H","type":1,"user":{"id":"1000000000000000001","username":"discord"},"version":1}'
ps = sign(sk, TS, ping)
check(sdk(ping, ps, TS), "ping: SDK verify_key accepts")
out.append(vector(name="ping_handshake", description="Signed PING (type 1): answer 200 application/json {\"type\":1} (PONG) after verifying the signature.",
                  source=SIGNER + "; accepted by " + SDK + "; response as the SDK's verify_key_decorator / npm verifyKeyMiddleware send it",
                  headers=H(ps, TS), body=ping, expected="handshake",
                  handshake_response={"status": 200, "content_type": "application/json", "body": '{"type":1}'}, **common))

bad_ping = sign(other, TS, ping)
check(not sdk(ping, bad_ping, TS), "ping with foreign signature: SDK rejects")
out.append(vector(name="ping_bad_signature", description="PING signed by another key (Discord's routine probe): must be refused with 401, never PONGed.",
                  source=SIGNER + " (other key); rejected by " + SDK, headers=H(bad_ping, TS), body=ping, expected="bad_signature", **common))

cmd = '{"application_id":"1100000000000000000","channel_id":"1200000000000000002","data":{"id":"1400000000000000003","name":"hello","type":1},"guild_id":"1500000000000000004","id":"1300000000000000005","member":{"user":{"id":"1000000000000000006","username":"alice"}},"token":"aW50ZXJhY3Rpb246MTMwMDAwMDAwMDAwMDAwMDAwNTpDTUQ","type":2,"version":1}'
cs = sign(sk, TS, cmd)
check(sdk(cmd, cs, TS), "command ok: SDK accepts")
out.append(vector(name="command_ok", description="APPLICATION_COMMAND (type 2); Ed25519 over timestamp || body.", source=SIGNER + "; accepted by " + SDK,
                  headers=H(cs, TS), body=cmd, expected="ok", **common))

t = cmd.replace('"name":"hello"', '"name":"ban"')
check(not sdk(t, cs, TS), "tampered: SDK rejects")
out.append(vector(name="tampered_body", description="Command name changed after signing.", source=SDK + " returns False",
                  headers=H(cs, TS), body=t, expected="bad_signature", **common))

ts2 = str(NOW - 2)
check(not sdk(cmd, cs, ts2), "timestamp changed: SDK rejects")
out.append(vector(name="timestamp_header_changed", description="X-Signature-Timestamp altered (it is signed).", source=SDK + " returns False",
                  headers=H(cs, ts2), body=cmd, expected="bad_signature", **common))

ws = sign(other, TS, cmd)
check(not sdk(cmd, ws, TS), "wrong key: SDK rejects")
out.append(vector(name="wrong_key", description="Signed by a different application's key.", source=SIGNER + " (other key); rejected by " + SDK,
                  headers=H(ws, TS), body=cmd, expected="bad_signature", **common))

check(not sdk(cmd, "zz" + cs[2:], TS), "non-hex signature: SDK rejects")
out.append(vector(name="signature_not_hex", description="Signature header with a non-hex character.", source=SDK + " returns False",
                  headers=H("zz" + cs[2:], TS), body=cmd, expected="malformed", **common))

check(not sdk(cmd, cs[:-2], TS), "short signature: SDK rejects")
out.append(vector(name="signature_truncated", description="Signature of 63 bytes (one byte short).", source=SDK + " returns False",
                  headers=H(cs[:-2], TS), body=cmd, expected="malformed", **common))

out.append(vector(name="missing_signature", description="No X-Signature-Ed25519 header.", source="npm discord-interactions verifyKeyMiddleware answers 401 when a header is absent",
                  headers=H(None, TS), body=cmd, expected="missing_signature", **common))
write("discord.json", out)
