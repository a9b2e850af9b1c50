//! Key material of the example receivers' routes, from the environment: shared by
//! `axum_receiver.rs`, `actix_receiver.rs` and the demo.

#![allow(dead_code, reason = "each example uses a part")]

use webhook_gate::challenge::{Captured, Challenge};
use webhook_gate::{Preset, Verifier};

/// The development secret used when `WEBHOOK_SECRET` is unset. Valid for every
/// HMAC and token scheme, Standard Webhooks included (base64 after `whsec_`).
pub const DEVELOPMENT_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Development key pairs of the public-key presets, used when
/// `WEBHOOK_SECRET_<NAME>` is unset: (preset, public key as the provider shows it,
/// private key for signing test deliveries). Published: never use them in production.
pub const DEVELOPMENT_KEYS: [(&str, &str, &str); 3] = [
    (
        "discord",
        "76c5d20e12156e503af21974df82dc104afaf98cbea5b0601995b69223c89a2f",
        "0ff661089f52fab609ad709ff0beb787d5f1067983b99fce48d82448651d0854",
    ),
    (
        "sendgrid",
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMmWMu4SjW3cL2zFW42y9z/6Sr6xqtLXzsV9U1IbmU8DJn0hKMtKu+9trdb0atiqsXkQo294PG3ztRAZBpdIIpQ==",
        "0dadce1cb63d5485191e7d625c1e5ec8dfa7cf10878799994e16eac84926bc65",
    ),
    // Plaid's keys are JWKs (as `/webhook_verification_key/get` returns them); the
    // private one carries `d` and the `kid` the tokens name.
    (
        "plaid",
        r#"{"alg":"ES256","created_at":1764633600,"crv":"P-256","expired_at":null,"kid":"wg-dev-plaid-1","kty":"EC","use":"sig","x":"JjXYY3tQCvngxQWAlXZuHlxjns7KWXhDE5Ty7hKubrs","y":"hgpVqbBN0QB8qxgnMLuYoXUG3KcM9EoaZjwVjsauLSg"}"#,
        r#"{"kty":"EC","crv":"P-256","kid":"wg-dev-plaid-1","d":"hBw8OpVwU4Irx0ZoBwgZ2ULpaHgWMdxNi1BufLiAFvI","x":"JjXYY3tQCvngxQWAlXZuHlxjns7KWXhDE5Ty7hKubrs","y":"hgpVqbBN0QB8qxgnMLuYoXUG3KcM9EoaZjwVjsauLSg"}"#,
    ),
];

/// The environment variable of `preset`'s setting `base` (`WEBHOOK_SECRET_GITHUB`).
pub fn variable(base: &str, preset: Preset) -> String {
    format!(
        "{base}_{}",
        preset.name().to_ascii_uppercase().replace('-', "_")
    )
}

/// The key material of `preset`'s route: its own variable, a development public
/// key, or `secret`.
pub fn key_material(preset: Preset, secret: &str) -> String {
    if let Ok(own) = std::env::var(variable("WEBHOOK_SECRET", preset)) {
        return own;
    }
    DEVELOPMENT_KEYS
        .iter()
        .find(|(name, _, _)| *name == preset.name())
        .map_or_else(|| secret.to_owned(), |(_, public, _)| (*public).to_owned())
}

/// What signs test deliveries for `preset`: the development private key of a
/// public-key preset, else `secret`.
pub fn signing_key(preset: Preset, secret: &str) -> String {
    DEVELOPMENT_KEYS
        .iter()
        .find(|(name, _, _)| *name == preset.name())
        .map_or_else(
            || secret.to_owned(),
            |(_, _, private)| (*private).to_owned(),
        )
}

/// The verifier of `preset`'s route: its key material, its verify token
/// (`WEBHOOK_VERIFY_TOKEN_<NAME>` or `WEBHOOK_VERIFY_TOKEN`, else `verify_token`) and
/// the public URL (`WEBHOOK_PUBLIC_URL`, or `public_url`).
pub fn verifier(
    preset: Preset,
    secret: &str,
    public_url: Option<&str>,
    verify_token: Option<&str>,
) -> Result<Verifier, String> {
    let mut builder = Verifier::builder(preset.scheme()).secret(key_material(preset, secret));
    if let Some(token) = std::env::var(variable("WEBHOOK_VERIFY_TOKEN", preset))
        .or_else(|_| std::env::var("WEBHOOK_VERIFY_TOKEN"))
        .ok()
        .or_else(|| verify_token.map(str::to_owned))
    {
        builder = builder.verify_token(token);
    }
    if let Some(url) = public_url
        .map(str::to_owned)
        .or_else(|| std::env::var("WEBHOOK_PUBLIC_URL").ok())
    {
        builder = builder.public_url(url);
    }
    if preset.scheme().challenge().is_some_and(Challenge::captures) {
        builder = builder.on_capture(|captured| keep_captured(&captured));
    }
    builder.build().map_err(|error| {
        format!(
            "invalid key for {preset} ({error}): set {} or WEBHOOK_SECRET (Standard Webhooks needs whsec_ followed by base64)",
            variable("WEBHOOK_SECRET", preset)
        )
    })
}

/// Keeps a secret a provider hands over in its handshake (Asana's `X-Hook-Secret`,
/// Notion's `verification_token`) in `$WEBHOOK_CAPTURE_DIR/<preset>` (default
/// `webhook-gate-captured/` in the system's temporary directory), readable by the
/// owner only, off the request's task; logs where, never the value. Set the route's
/// `WEBHOOK_SECRET_<NAME>` from it.
fn keep_captured(captured: &Captured<'_>) {
    let directory = std::env::var_os("WEBHOOK_CAPTURE_DIR").map_or_else(
        || std::env::temp_dir().join("webhook-gate-captured"),
        std::path::PathBuf::from,
    );
    let path = directory.join(captured.scheme());
    let value = captured.value().clone();
    std::thread::spawn(move || {
        let written = std::fs::create_dir_all(&directory).and_then(|()| {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            std::io::Write::write_all(&mut options.open(&path)?, value.expose())
        });
        if let Err(error) = written {
            tracing::error!(path = %path.display(), %error, "could not keep a captured webhook secret");
        } else {
            tracing::info!(path = %path.display(), "captured a webhook secret");
        }
    });
}
