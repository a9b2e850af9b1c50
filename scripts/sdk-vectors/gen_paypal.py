"""PayPal REST webhook vectors. PAYPAL-TRANSMISSION-SIG is the base64 RSA PKCS#1 v1.5
SHA-256 signature (`SHA256withRSA`) of
`<PAYPAL-TRANSMISSION-ID>|<PAYPAL-TRANSMISSION-TIME>|<webhook ID>|<CRC-32 of the raw
body, unsigned decimal>` under the key of the certificate at PAYPAL-CERT-URL
(developer.paypal.com/api/rest/webhooks/rest/, "self verification"; PyPI
paypalrestsdk notifications.py `_get_expected_sig`). The webhook ID is the
receiver's (the vectors' `settings`); `key` is the certificate (PEM).

The first vectors are PayPal's own: the transmissions in the official SDKs' tests
(paypal/PayPal-Python-SDK test/unit_tests/notifications_test.py, identical in
PayPal-node-SDK test/notification.js; PayPal-NET-SDK Source/Tests/WebhookEventTest.cs),
signed by PayPal's sandbox, and the sandbox certificate recorded in PayPal-node-SDK
test/mocks/notification.js (expired in 2017: the certificate's dates and chain are the
caller's to judge, not the signature's). The others are signed here with Python
`cryptography` under a self-signed test certificate (tests/data/providers/paypal/test_cert.pem; RSA
PKCS#1 v1.5 is deterministic). Every vector is judged here with `cryptography`'s RSA
verify and zlib's CRC-32 before it is written."""
import base64
import json
import os
import zlib
from datetime import datetime
from importlib.metadata import version

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from _vectors import OUT_DIR, check, vector, write

P = "paypal"
DATA = os.path.join(OUT_DIR, "paypal")
STD = (f"Python cryptography {version('cryptography')} (RSA PKCS#1 v1.5 SHA-256) and zlib.crc32 per "
       "developer.paypal.com/api/rest/webhooks/rest/, under a self-signed test certificate")


def read(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return f.read()


SANDBOX_CERT = read("sandbox_cert_2015.pem")
TEST_CERT = read("test_cert.pem")
TEST_KEY = serialization.load_pem_private_key(read("test_key.pem").encode(), None)
ATTACKER_KEY = serialization.load_pem_private_key(read("attacker_key.pem").encode(), None)
REAL = json.loads(read("real.json"))
WEBHOOK_ID = "1JE4291016473214C"  # the API reference's example webhook ID
BODY = ('{"id":"WH-58D329510W468432D-8HN650336L201105X","event_version":"1.0","create_time":"2023-11-14T22:13:20Z",'
        '"resource_type":"capture","resource_version":"2.0","event_type":"PAYMENT.CAPTURE.COMPLETED",'
        '"summary":"Payment completed for $ 10.0 USD","resource":{"id":"42311647XV020574X","status":"COMPLETED",'
        '"amount":{"currency_code":"USD","value":"10.00"},"final_capture":true}}')
TIME = "2023-11-14T22:13:20Z"
NOW = 1700000000 + 60


def signed_string(headers, webhook_id, body):
    crc = zlib.crc32(body.encode("utf-8")) & 0xFFFFFFFF
    return f"{headers['PAYPAL-TRANSMISSION-ID']}|{headers['PAYPAL-TRANSMISSION-TIME']}|{webhook_id}|{crc}"


def sign(key, headers, webhook_id, body):
    signature = key.sign(signed_string(headers, webhook_id, body).encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def judge(cert_pem, headers, webhook_id, body, now):
    """PayPal's check, with the window this library keeps (72 h both ways)."""
    if "PAYPAL-TRANSMISSION-SIG" not in headers:
        return "missing_signature"
    try:
        signature = base64.b64decode(headers["PAYPAL-TRANSMISSION-SIG"], validate=True)
    except ValueError:
        return "malformed"
    sent = datetime.fromisoformat(headers["PAYPAL-TRANSMISSION-TIME"].replace("Z", "+00:00")).timestamp()
    if abs(now - sent) > 72 * 3600:
        return "timestamp_out_of_window"
    public = x509.load_pem_x509_certificate(cert_pem.encode()).public_key()
    try:
        public.verify(signature, signed_string(headers, webhook_id, body).encode(), padding.PKCS1v15(), hashes.SHA256())
        return "ok"
    except InvalidSignature:
        return "bad_signature"


out = []


def add(name, description, source, cert, headers, webhook_id, body, now, expected):
    got = judge(cert, headers, webhook_id, body, now)
    check(got == expected, f"{name}: {got}, expected {expected}")
    out.append(vector(provider=P, name=name, description=description, source=source, key=cert,
                      settings={"webhook_id": webhook_id}, method="POST", url=None,
                      headers=dict(headers, **{"Content-Type": "application/json"}), body=body, now=now,
                      expected=expected))


def at(stamp):
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())


sdk, net = REAL["python_node_sdk_test"], REAL["net_sdk_test"]
add("sdk_test_transmission", "PayPal's sandbox transmission in the Python and Node SDKs' tests, under the sandbox "
    "certificate of the Node SDK's recorded mock, a minute later.", sdk["source"], SANDBOX_CERT, sdk["headers"],
    sdk["webhook_id"], sdk["body"], at(sdk["headers"]["PAYPAL-TRANSMISSION-TIME"]) + 60, "ok")
add("net_sdk_test_transmission", "PayPal's sandbox transmission in the .NET SDK's tests (same certificate).",
    net["source"], SANDBOX_CERT, net["headers"], net["webhook_id"], net["body"],
    at(net["headers"]["PAYPAL-TRANSMISSION-TIME"]) + 60, "ok")
add("sdk_test_other_webhook_id", "The SDK test's transmission checked under another webhook ID.", sdk["source"],
    SANDBOX_CERT, sdk["headers"], "3RN13029J36659323", sdk["body"], at(sdk["headers"]["PAYPAL-TRANSMISSION-TIME"]) + 60,
    "bad_signature")
add("sdk_test_tampered_body", "The SDK test's transmission with the amount changed.", sdk["source"], SANDBOX_CERT,
    sdk["headers"], sdk["webhook_id"], sdk["body"].replace('"20.00"', '"21.00"', 1),
    at(sdk["headers"]["PAYPAL-TRANSMISSION-TIME"]) + 60, "bad_signature")
H = {"PAYPAL-TRANSMISSION-ID": "69cd13f0-d67a-11e5-baa3-778b53f4ae55", "PAYPAL-TRANSMISSION-TIME": TIME,
     "PAYPAL-CERT-URL": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-test0001",
     "PAYPAL-AUTH-ALGO": "SHA256withRSA"}
add("capture_completed", "A capture event, a minute after its transmission.", STD, TEST_CERT,
    dict(H, **{"PAYPAL-TRANSMISSION-SIG": sign(TEST_KEY, H, WEBHOOK_ID, BODY)}), WEBHOOK_ID, BODY, NOW, "ok")
add("simulator_webhook_id", "The webhook simulator's events sign the literal webhook ID WEBHOOK_ID.", STD, TEST_CERT,
    dict(H, **{"PAYPAL-TRANSMISSION-SIG": sign(TEST_KEY, H, "WEBHOOK_ID", BODY)}), "WEBHOOK_ID", BODY, NOW, "ok")
UTF8 = BODY.replace("Payment completed", "Paiement effectué ✓")
add("utf8_body", "Non-ASCII in the body: the CRC-32 is of its UTF-8 bytes.", STD, TEST_CERT,
    dict(H, **{"PAYPAL-TRANSMISSION-SIG": sign(TEST_KEY, H, WEBHOOK_ID, UTF8)}), WEBHOOK_ID, UTF8, NOW, "ok")
add("wrong_key", "Signed by another key than the certificate's.", STD, TEST_CERT,
    dict(H, **{"PAYPAL-TRANSMISSION-SIG": sign(ATTACKER_KEY, H, WEBHOOK_ID, BODY)}), WEBHOOK_ID, BODY, NOW,
    "bad_signature")
add("trailing_newline", "The body with a newline added after signing: another CRC.", STD, TEST_CERT,
    dict(H, **{"PAYPAL-TRANSMISSION-SIG": sign(TEST_KEY, H, WEBHOOK_ID, BODY)}), WEBHOOK_ID, BODY + "\n", NOW,
    "bad_signature")
add("stale_72_hours", "Checked 72 h and a minute after its transmission time.", STD, TEST_CERT,
    dict(H, **{"PAYPAL-TRANSMISSION-SIG": sign(TEST_KEY, H, WEBHOOK_ID, BODY)}), WEBHOOK_ID, BODY,
    1700000000 + 72 * 3600 + 60, "timestamp_out_of_window")
add("signature_not_base64", "The signature header is not base64.", STD, TEST_CERT,
    dict(H, **{"PAYPAL-TRANSMISSION-SIG": "not base64!"}), WEBHOOK_ID, BODY, NOW, "malformed")
add("no_signature", "No PAYPAL-TRANSMISSION-SIG header.", STD, TEST_CERT, H, WEBHOOK_ID, BODY, NOW,
    "missing_signature")
write("paypal.json", out)
