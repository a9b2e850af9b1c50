//! RSA key pairs of the PayPal preset's tests (RSA keys take too long to make per
//! test): PKCS#8 private keys and their SPKI public keys, PEM, beside the PayPal
//! vectors. Test keys only.

#![allow(dead_code, reason = "each test binary uses a part")]

pub const RSA_CURRENT_PRIVATE: &str =
    include_str!("../../crates/webhook-gate/tests/data/providers/paypal/test_key.pem");
pub const RSA_CURRENT_PUBLIC: &str =
    include_str!("../../crates/webhook-gate/tests/data/providers/paypal/test_public_key.pem");
pub const RSA_NEXT_PRIVATE: &str =
    include_str!("../../crates/webhook-gate/tests/data/providers/paypal/next_key.pem");
pub const RSA_NEXT_PUBLIC: &str =
    include_str!("../../crates/webhook-gate/tests/data/providers/paypal/next_public_key.pem");
pub const RSA_RETIRED_PRIVATE: &str =
    include_str!("../../crates/webhook-gate/tests/data/providers/paypal/attacker_key.pem");
pub const RSA_RETIRED_PUBLIC: &str =
    include_str!("../../crates/webhook-gate/tests/data/providers/paypal/attacker_public_key.pem");
