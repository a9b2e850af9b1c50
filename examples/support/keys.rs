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
pub const DEVELOPMENT_KEYS: [(&str, &str, &str); 5] = [
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
    // PayPal's key is a certificate (PEM), as PAYPAL-CERT-URL serves it: this one is
    // self-signed, for development only.
    (
        "paypal",
        PAYPAL_DEVELOPMENT_CERTIFICATE,
        PAYPAL_DEVELOPMENT_KEY,
    ),
    // Microsoft Graph's keys are JWKs (as the identity platform's key set serves
    // them): the same development RSA key, named by its RFC 7638 thumbprint, which the
    // signer's tokens carry as `kid`.
    (
        "msgraph-rich",
        r#"{"kty":"RSA","use":"sig","kid":"pDaz16lKZkEuSxqPN6vkFM6XLGkoD-WTwYP9DB850XM","n":"qkqUAraZktn5rsj5tveLf4Wd9srUUKrIUDf--yuovRX8QxfgmUUQIGtNlC_-nUV1fjrSFi103gEYsp-136AxQovCKP1vBqp4Xk-sA9zWOMG79W6lmHay3ovpCtYc73v0X664dopqKruWIo5IwMAciM0jn4H_IS6Rq1HgOkUWg98ueD_QhENPZerL_YoycwRaR_X9q8UaqLb_8zbS90ei3sGwHY9IGUqfjpGrskULSOtAXf4tzWge48l6KGoCcBA1LHF9Zf-sFz96rnskiHZi3_av4PiShTqxg3tzSP43yqXfB4RGLlw5V8iL8SB-VYzoiZqLaFAuK0PfvGTDZpeW7Q","e":"AQAB"}"#,
        PAYPAL_DEVELOPMENT_KEY,
    ),
];

const PAYPAL_DEVELOPMENT_CERTIFICATE: &str = "-----BEGIN CERTIFICATE-----
MIIDlTCCAn2gAwIBAgIFXrDA3gEwDQYJKoZIhvcNAQELBQAwZzELMAkGA1UEBhMC
VVMxIjAgBgNVBAoMGVRlc3QgVmVjdG9ycyAoTk9UIFBheVBhbCkxNDAyBgNVBAMM
K21lc3NhZ2V2ZXJpZmljYXRpb25jZXJ0cy5zYW5kYm94LnBheXBhbC5jb20wHhcN
MjMwMTAxMDAwMDAwWhcNMzMwMTAxMDAwMDAwWjBnMQswCQYDVQQGEwJVUzEiMCAG
A1UECgwZVGVzdCBWZWN0b3JzIChOT1QgUGF5UGFsKTE0MDIGA1UEAwwrbWVzc2Fn
ZXZlcmlmaWNhdGlvbmNlcnRzLnNhbmRib3gucGF5cGFsLmNvbTCCASIwDQYJKoZI
hvcNAQEBBQADggEPADCCAQoCggEBAKpKlAK2mZLZ+a7I+bb3i3+FnfbK1FCqyFA3
/vsrqL0V/EMX4JlFECBrTZQv/p1FdX460hYtdN4BGLKftd+gMUKLwij9bwaqeF5P
rAPc1jjBu/VupZh2st6L6QrWHO979F+uuHaKaiq7liKOSMDAHIjNI5+B/yEukatR
4DpFFoPfLng/0IRDT2Xqy/2KMnMEWkf1/avFGqi2//M20vdHot7BsB2PSBlKn46R
q7JFC0jrQF3+Lc1oHuPJeihqAnAQNSxxfWX/rBc/eq57JIh2Yt/2r+D4koU6sYN7
c0j+N8ql3weERi5cOVfIi/EgflWM6Imai2hQLitD37xkw2aXlu0CAwEAAaNIMEYw
NgYDVR0RBC8wLYIrbWVzc2FnZXZlcmlmaWNhdGlvbmNlcnRzLnNhbmRib3gucGF5
cGFsLmNvbTAMBgNVHRMBAf8EAjAAMA0GCSqGSIb3DQEBCwUAA4IBAQAgHa+RBNLx
LsDnXrfFgv6+JBEKslK1fQOew9o35GuTYmrKsawJ0Lf03JAZiQTAXPT3S2Icv6RL
567BVLYCi0YyJY9HUKMlKuLjvt4qUvNuFwbSmzBPDplqXpfGhM2wYquBX5lEhBLj
6S2uCJZB8yFdOcgHdwe3vZJX+1FMHaOTylrRXpB3CdYPP3k6BKXf5senHviCBabl
wesPrxpNUYUQVAbgRi0zbtIiQmJKCt/QjHd2qoNVIkR+0UEuZED/VYNEuLP8gzb/
5BSXVe9HIN2nWGWOM3BFt1dnQDErg0UlmxLggFzYv4fJ1IAeii+et4zmJUhwTLPf
APt2GvKeORvY
-----END CERTIFICATE-----";

const PAYPAL_DEVELOPMENT_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCqSpQCtpmS2fmu
yPm294t/hZ32ytRQqshQN/77K6i9FfxDF+CZRRAga02UL/6dRXV+OtIWLXTeARiy
n7XfoDFCi8Io/W8GqnheT6wD3NY4wbv1bqWYdrLei+kK1hzve/Rfrrh2imoqu5Yi
jkjAwByIzSOfgf8hLpGrUeA6RRaD3y54P9CEQ09l6sv9ijJzBFpH9f2rxRqotv/z
NtL3R6LewbAdj0gZSp+OkauyRQtI60Bd/i3NaB7jyXooagJwEDUscX1l/6wXP3qu
eySIdmLf9q/g+JKFOrGDe3NI/jfKpd8HhEYuXDlXyIvxIH5VjOiJmotoUC4rQ9+8
ZMNml5btAgMBAAECggEAD70OyuVnciwVKHNIqQFd8i4+ODXsw3vVQZy7Qyl40ej7
RJQrXN8GK4jfRafd51kpD76N9iDDYVVGnBOosn9SrizOiA1MOph8wXKpmj3JyrsV
DQzp3xpxU6Ioqqi5SeTx4/n48HPAdiyaJp1x2eanfHlBJpfUJZPxQJ0zlQ8Xkp5i
Mf3GAU1eQyTh22hMIGEejJpF1JCQM0TTR7xbWRnm6I/7Pwgx9gW3KZ/WYweIGyRG
Ph0P0YnRkAURbe+gPPUz7kql9MwlODwHOxzbYo/di+7JHU4EwA+hdXvEQAnawuGy
JnIrn9LhhbycsF4tRcIsWR/PnZVc2UY7mdqs+TpmoQKBgQDge+OBISmmLfj+dgTs
fL98+HQs9aT+f1I29g4AV4A224wqLU4R/L4/bT8DnWXWbdiUTMP+neaVqzs525TD
5xf+UtHlPR52FUK1EVjdowHz5Vcc66340xAYj2B31fehAOTHr7LaMkI0uYvvynoq
r1HoqDJ/7DCTGP1VNuitpTkrJQKBgQDCMvfuN2HeSCsSc5twnwX6GtosZDLtjOKA
L0JOGoGkSkLt6QI8kaLv8bCnXl/bGS/GzgNI5lFvG56hjVPHXWr4Be9haFC/evCU
dBc5hdcpCejGeb6ofEMhrSzJgAn6i4VI3y4Fk5nQLueYxUbHy/RT5BrLkDNIdVdz
0kTPOAiWKQKBgA5yqs/SzJVvfAkUm3iFBuYKL5/9J2Nh2m7DI1+OQihFtR250L6D
n9MBOv8GkFletIPG9Q5cJ00WujcdFNQO+ZJazjuM1XsQHzz8ItYQ+b0y04p++LF9
FBogkDrmQIvSPOdFPaOhfHVcQ89pHrfElOb+fFGTaATvpM5pPEyAx88pAoGAHWpp
Aa1j5q6Zz56xUdrUpfDBUW4QBMmNWYtPCNOdBYy2HKFp1FDfFGdQsdlqvZ5QDVYR
S06P0TumyKPGp/EvjcggXWnWqVpu7J21EuKCF9ZHayDvz0ebR5OasB7z4/6UPtiH
eRLFfrJMJGjlcsgjBz4LDQCXtAcKKyITiCvdqRkCgYAFBckkbbsItgAJ94zoLeP7
ILAjLbFvwBy1tDnfPVBrs5tsDAw9MQX7gi06iAC30onTFWoDL8jUDBXp0rigICNS
aUGL9pLaD/VEi2gjOtjVZMctnrcjj64/zuVj1UWGT3AvVvZLewBHc3YAzpjyUDXz
iBhnUqaE7upP9TMykhb/dw==
-----END PRIVATE KEY-----";

/// Another RSA private key than the development one: what signs the demo's
/// wrong-key deliveries to PayPal's route.
pub const OTHER_RSA_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDbNcZymKpUm/WP
I4GTQlc763CA2RCqfpkbuyFlVTiIxttcN9CBQNflzEVXaHhMeQmO2SXP43hDM3jG
cYTc0ulGVhcO+uzD+wFw8rkuHfjKh02FLBdj9JBYPtzeIBFejccq2O2rGDqy+l/c
eFxVAqfFqvGgKj0ypGxya+hmH/kZtybwz0S45oh4ddPcvD9jfrbp0Q5zgxS+Pmrp
RrtHMuqWwzfPI74i74W8cDxFiluPojDAs26x7wj4xvH26wyxu0+l8lK+Uth9rQoh
WWSLNu6703YmCdWrvBDfAhvDt+fZ+0HdOD66nCS78cH71a53H++fgLP3UU7nHjkA
p4dd0/p5AgMBAAECggEAALKCJxhYDLc0K5aCvOPE5hepKhKVwCnLouLyNPSMNUFK
zKKmdqw0P9hLrVkmUFf1/IdIEWSEjPIsf7UZ6XJiTmdxHTfKafUuNeAe1562by5+
Dzk2F/Q+u6c/EVINf9tDmUdLI6khe2BERzVgc+4vpMpEECVsmod1uGHPfcszxcR0
7Yb85g/T3cKo1FGMUdINCm/sedkvtSElbnOfdDe1kY7xlhv69ajhyhw+HAEDjl8Q
ZX2CWrsQJ+WMwS9eJ14n42cYzMnQHjpoVa8vf87HTv7fm2t1/G5oGI8cVD3qSvNR
lll+504II9yrqRLRgEIhhPUktPoHNkq2uBmmVjlEAQKBgQD/UayNDfindt48sthH
tpqk6f6c9C+xFrb++bGwJOUOYuo896jmBulPt7hOVeOYFxTceoQ7S/agIY24y6Kz
nqugpG/wkbckL4QzzRkAyT2OTrdPRAVYxYnlhwmROon/EO3UzCAjzFaPQDNrMqCO
bbIAaJk+nbdpmPjj6GjQQhTLSQKBgQDby3Jf/GKN3UM36bdD3R9BpxbP061cefvl
yLm1zc5EZchnomntyd8DiShYinGPo5CTcvD7DK5dHacWUPu5Zi85hDNBFlRhClXx
YGXxaxiC8V1vMOL6bmHGVFJ3ZOgNSM6kzlHMgxUlXGjSVTA64t/nqmNkTLUc92kl
uHEtJqMFsQKBgQDS3TNzM6y/Mi8NVm/FmoxR02eTXSDeUvJD1xjnbzE2Fn96Ztg5
Uk/ypLs1Bz525+k0xoLbLju7uLqBer0fN9ZrUCObPd1Rp2S6G5Og0JNkKqK+dmEs
FclzpXlDVmOOIv8ploSczDBZEx7kU+XCe9pc+AZIbp2COvKj19ho14qw8QKBgAy6
PDZItCBI5sKPGxin7k5r8Ys5U7meKrMEq5RWhZI6Xp95rS6i2PIoeBigc7EApLeV
GVVAR7yGog1NxTXYL/XhrOIg++PeqFlg3qZbMEEs3t84cnxT9f95FIlrY3CZfbXX
aK8yDABs2HkNi8xtJNAScsz1ECvMO99+TbdynFARAoGADE4VdwiKcuaccEZ5JOAK
sj805SX5EEaapvHGT4tIwM7LO+V0itTO6+CebRVZoFtIbyGwb2iGaaD/fwAp+m+6
TRL5GfMtvO630FFTjUz8z/Vz+rom8+ejw1MdGgo79MwGTse73CWoAk7jFR+Rdojx
Us2rykOIKT6VcdTpxL4cxKc=
-----END PRIVATE KEY-----";

/// Development values of the settings a scheme needs (PayPal's `webhook_id`,
/// Microsoft Graph's `app_id`), used when `WEBHOOK_SETTING_<NAME>_<SETTING>` is
/// unset: PayPal's webhook simulator signs the literal `WEBHOOK_ID`; the app id is
/// the one of Microsoft's documentation example.
pub const DEVELOPMENT_SETTINGS: [(&str, &str, &str); 2] = [
    ("paypal", "webhook_id", "WEBHOOK_ID"),
    (
        "msgraph-rich",
        "app_id",
        "8e460676-ae3f-4b1e-8790-ee0fb5d6148f",
    ),
];

/// The value of `preset`'s setting `name`: `WEBHOOK_SETTING_<NAME>_<SETTING>`
/// (`WEBHOOK_SETTING_PAYPAL_WEBHOOK_ID`), else its development value.
pub fn setting(preset: Preset, name: &str) -> String {
    let variable = format!(
        "{}_{}",
        variable("WEBHOOK_SETTING", preset),
        name.to_ascii_uppercase()
    );
    std::env::var(variable).unwrap_or_else(|_| {
        DEVELOPMENT_SETTINGS
            .iter()
            .find(|(scheme, setting, _)| *scheme == preset.name() && *setting == name)
            .map(|(_, _, value)| (*value).to_owned())
            .unwrap_or_default()
    })
}

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
    for name in preset.scheme().settings() {
        builder = builder.setting(name, setting(preset, name));
    }
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
