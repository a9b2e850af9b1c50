"""WooCommerce webhook vectors. WooCommerce has no SDK verifier (its REST clients,
npm @woocommerce/woocommerce-rest-api and PyPI WooCommerce, only call the API), so
signatures are computed with the standard library exactly as WooCommerce core
signs (woocommerce/woocommerce plugins/woocommerce/includes/class-wc-webhook.php
generate_signature(): base64_encode(hash_hmac('sha256', body, secret, true)), over
the body deliver() sends, trim(wp_json_encode(payload)): PHP json_encode, so '/' is
written '\\/' and non-ASCII '\\uXXXX'). No timestamp.

The ping: when a webhook is created or activated, deliver_ping() POSTs
`webhook_id=<id>` with no signature and no X-WC-Webhook-* header, and the webhook
is saved only if the answer is HTTP 200.

Core's own unit test vector (tests/legacy/unit-tests/webhooks/crud.php
test_generate_signature: secret '', body 'secret' ->
GBDo00G55h6IiV+6CxqivQPLbI//KzaOZm747971tPs=) has an empty secret, which a
verifier refuses to be configured with; it is checked here, not shipped."""
import base64
import hashlib
import hmac

from _vectors import NOW, check, vector, write

SRC = ("Python hmac/hashlib/base64 as WooCommerce core signs (woocommerce/woocommerce plugins/woocommerce/includes/class-wc-webhook.php "
       "generate_signature() and deliver()); github.com/woocommerce/woocommerce-rest-api-docs source/includes/wp-api-v3/_webhooks.md ('a base64 encoded HMAC-SHA256 "
       "hash of the payload'); no SDK verifier exists")
SRC_PING = ("woocommerce/woocommerce plugins/woocommerce/includes/class-wc-webhook.php deliver_ping() (POST body webhook_id=<id>, unsigned, "
            "answer must be HTTP 200) and includes/admin/class-wc-admin-webhooks.php save()")
P = "woocommerce"
# 50 characters with specials, as wp_generate_password(50, true, true) makes them (no '&', '<', '%':
# WooCommerce entity-decodes the secret and sanitize_text_field() would alter those).
KEY = "q7T!mZ2@vR9#pL4$wX8^nK3*bY6(hD1)sF5-gJ0_cW7[eN2]aQ"
OTHER = "Hc4]uB8[jP1_tM6-rS0)xV3(kG9*dN2^zL7$fQ5#wA8@yE4!oR"
UA = "WooCommerce/10.3.0 Hookshot (WordPress/6.8.3)"


def sig(k, b):
    return base64.b64encode(hmac.new(k.encode(), b.encode(), hashlib.sha256).digest()).decode()


def H(s):
    h = {"Content-Type": "application/json", "User-Agent": UA, "X-WC-Webhook-Source": "https://shop.example.com/",
         "X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-Resource": "order", "X-WC-Webhook-Event": "updated",
         "X-WC-Webhook-ID": "7", "X-WC-Webhook-Delivery-ID": "8f1e3c5a7b9d0f2e4a6c8b0d1f3e5a7c"}
    if s is not None:
        h["X-WC-Webhook-Signature"] = s
    return h


check(len(KEY) == 50 and len(OTHER) == 50, "secrets are 50 characters")
check(sig("", "secret") == "GBDo00G55h6IiV+6CxqivQPLbI//KzaOZm747971tPs=",
      "core unit test test_generate_signature (empty secret, body 'secret') reproduced (not shipped: empty secret)")
body = ('{"id":142,"parent_id":0,"status":"processing","currency":"EUR","version":"10.3.0","date_created":"2025-11-01T12:59:41",'
        '"date_modified":"2025-11-01T12:59:58","total":"29.35","customer_id":12,"order_key":"wc_order_a1B2c3D4e5F6g",'
        '"billing":{"first_name":"Zo\\u00eb","last_name":"Martin","email":"zoe@example.com"},"payment_method":"stripe",'
        '"payment_url":"https:\\/\\/shop.example.com\\/checkout\\/order-pay\\/142\\/?pay_for_order=true&key=wc_order_a1B2c3D4e5F6g",'
        '"line_items":[{"id":315,"name":"Caf\\u00e9 mug","product_id":93,"quantity":1,"total":"24.00"}]}')
s = sig(KEY, body)
ping_headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": UA}
ping_answer = {"status": 200, "content_type": "text/plain; charset=utf-8", "body": ""}
common = dict(provider=P, key=KEY, method="POST", url=None, now=NOW)
out = [
    vector(name="ping_handshake", description="The ping WooCommerce sends when the webhook is saved: unsigned form POST webhook_id=<id>, "
           "no X-WC-Webhook-* headers; it must be answered 200 or the webhook cannot be activated.", source=SRC_PING,
           headers=ping_headers, body="webhook_id=7", expected="handshake", handshake_response=ping_answer, **common),
    vector(name="ok", description="order.updated (PHP json_encode body: escaped '/' and \\uXXXX); X-WC-Webhook-Signature = base64 "
           "HMAC-SHA256(secret, raw body).", source=SRC, headers=H(s), body=body, expected="ok", **common),
    vector(name="tampered_body", description="Order status changed after signing.", source=SRC, headers=H(s),
           body=body.replace('"status":"processing"', '"status":"completed"'), expected="bad_signature", **common),
    vector(name="wrong_key", description="Signed with another webhook's secret.", source=SRC, headers=H(sig(OTHER, body)), body=body,
           expected="bad_signature", **common),
    vector(name="missing_signature", description="An unsigned JSON delivery (not a ping).", source=SRC, headers=H(None), body=body,
           expected="missing_signature", **common),
    vector(name="ping_with_extra_field", description="Unsigned form POST that is not exactly webhook_id=<digits>: not a ping, "
           "so an unsigned request.", source=SRC_PING, headers=ping_headers, body="webhook_id=7&status=active",
           expected="missing_signature", **common),
    vector(name="signature_not_base64", description="A signature header that is not base64.", source=SRC, headers=H("!!not-base64!!"),
           body=body, expected="malformed", **common),
]
write("woocommerce.json", out)
