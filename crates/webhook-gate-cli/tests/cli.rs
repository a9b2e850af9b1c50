//! The `webhook-gate` binary, run as a user runs it: against files in the repository
//! and against the example axum receiver on a loopback port.

#[allow(dead_code, unreachable_pub)]
#[path = "../../../examples/axum_receiver.rs"]
mod axum_receiver;

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use webhook_gate::Preset;

/// Valid for every preset (Standard Webhooks needs base64 after `whsec_`).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// The time every explained request is judged at.
const NOW: &str = "1705314600";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `args`, the secret in `$WV_SECRET`, and `stdin`.
fn run_with(args: &[&str], secret: &str, stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_webhook-gate"))
        .args(args)
        .env("WV_SECRET", secret)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn run(args: &[&str]) -> Run {
    run_with(args, SECRET, b"")
}

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// A file in this test process's scratch folder.
fn scratch(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("webhook-gate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The headers `sign` prints for `body_file`.
fn sign(scheme: &str, secret: &str, body_file: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "sign",
        "--scheme",
        scheme,
        "--secret-env",
        "WV_SECRET",
        "--body",
        body_file,
    ];
    args.extend_from_slice(extra);
    let signed = run_with(&args, secret, b"");
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    signed.stdout
}

/// `verify --explain` of `headers` and `body` at [`NOW`].
fn explain(scheme: &str, secret: &str, headers: &str, body: &[u8], name: &str) -> Run {
    let headers = scratch(&format!("{name}.headers"), headers.as_bytes());
    let body = scratch(&format!("{name}.body"), body);
    let args = [
        "verify",
        "--scheme",
        scheme,
        "--secret-env",
        "WV_SECRET",
        "--headers",
        &headers,
        "--body",
        &body,
        "--now",
        NOW,
        "--explain",
    ];
    let explained = run_with(&args, secret, b"");
    assert_eq!(
        explained.code, 1,
        "{}{}",
        explained.stdout, explained.stderr
    );
    explained
}

/// `verify --explain` (GitHub) of a request signed over `signed` that arrived as
/// `received`.
fn explain_body(signed: &[u8], received: &[u8], name: &str) -> Run {
    let headers = sign(
        "github",
        SECRET,
        &scratch(&format!("{name}.signed"), signed),
        &[],
    );
    explain("github", SECRET, &headers, received, name)
}

fn assert_matched(explained: &Run, wording: &str) {
    let line = format!("  matched    {wording}\n");
    assert!(explained.stdout.contains(&line), "{}", explained.stdout);
    let explained_by = format!("explained by: {wording}\n");
    assert!(
        explained.stdout.contains(&explained_by),
        "{}",
        explained.stdout
    );
    assert!(!explained.stdout.contains(SECRET), "the secret was printed");
}

fn replace_header(headers: &str, name: &str, value: &str) -> String {
    headers
        .lines()
        .map(|line| match line.split_once(": ") {
            Some((header, _)) if header.eq_ignore_ascii_case(name) => format!("{header}: {value}"),
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn header<'a>(headers: &'a str, name: &str) -> &'a str {
    headers
        .lines()
        .find_map(|line| {
            let (header, value) = line.split_once(": ")?;
            header.eq_ignore_ascii_case(name).then_some(value)
        })
        .unwrap_or_else(|| panic!("no {name} in {headers}"))
}

#[test]
fn verifies_a_request_captured_in_the_repository() {
    // The signature in the file was computed with openssl, not with this crate.
    let args = |secret_flag: &'static str| {
        [
            "verify",
            "--scheme",
            "github",
            secret_flag,
            "It's a Secret to Everybody",
            "--headers",
            &data("github-headers.txt"),
            "--body",
            &data("event.json"),
        ]
        .map(str::to_owned)
    };
    let valid = run(&args("--secret").each_ref().map(String::as_str));
    assert_eq!(valid.code, 0, "{}{}", valid.stdout, valid.stderr);
    assert_eq!(
        valid.stdout,
        "valid: the github signature matches\ndelivery id: 72d3162e-cc78-11e3-81ab-4c9367dc0958\n"
    );

    let mut wrong = args("--secret");
    wrong[4] = "It's a secret to everybody".to_owned();
    let invalid = run(&wrong.each_ref().map(String::as_str));
    assert_eq!(invalid.code, 1);
    assert_eq!(
        invalid.stdout,
        "invalid: no signature matches (a receiver answers 401)\n"
    );
}

#[test]
fn verifies_a_request_captured_with_curl_verbose() {
    // `curl -v` output as curl 7.88 prints it: `*` lines, `> ` request lines, the
    // `} [236 bytes data]` marker and the response, which is not read.
    let verified = run(&[
        "verify",
        "--scheme",
        "github",
        "--secret-env",
        "WV_SECRET",
        "--headers",
        &data("curl-verbose.txt"),
        "--body",
        &data("curl-verbose-body.json"),
    ]);
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
    assert_eq!(
        verified.stdout,
        "valid: the github signature matches\ndelivery id: 1847b52a-279d-4e7b-8c38-868a0cfcbedb\n"
    );
}

/// The URL every URL-bound scheme is signed for and verified at.
const URL: &str = "https://hooks.example.com/webhooks/x?a=1";

#[test]
fn sign_then_verify_round_trips_for_every_preset() {
    // Every field a preset takes its delivery id from (Coinbase's `event.id`,
    // Mailgun's `event-data.id`), Linear's timestamp, and an item with the tenant
    // Microsoft Graph's validation tokens are for.
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let body = scratch(
        "round-trip.json",
        format!(
            r#"{{"id":"evt_1","event_id":"evt_1","eventId":"evt_1","notification_id":"ntf_1","webhookTimestamp":{millis},"event":{{"id":"evt_1"}},"event-data":{{"id":"evt_1"}},"data":{{"id":"evt_1","amount":4200}},"value":[{{"tenantId":"84bd8158-6d4d-4958-8b9f-9d6445542f95"}}]}}"#
        )
        .as_bytes(),
    );
    // Microsoft Graph's token is written into a body of its shape: below.
    for &preset in Preset::ALL
        .iter()
        .filter(|&&preset| preset != Preset::MicrosoftGraph)
    {
        let scheme = preset.name();
        let signing = axum_receiver::signing_key(preset, SECRET);
        let verifying = axum_receiver::key_material(preset, SECRET);
        // PayPal signs its webhook ID.
        let params = settings(preset);
        let mut extra = vec!["--signed-url", URL];
        extra.extend(params.iter().map(String::as_str));
        let printed = sign(scheme, &signing, &body, &extra);
        // A signature carried in the body (Mailgun): the command prints the body it
        // wrote it into, after the headers and a blank line.
        let (headers, sent) = match printed.split_once("\n\n") {
            Some((head, sent)) => (
                head.to_owned(),
                scratch(
                    &format!("round-trip-{scheme}.json"),
                    sent.strip_suffix('\n').unwrap().as_bytes(),
                ),
            ),
            None => (printed, body.clone()),
        };
        let headers = scratch(&format!("round-trip-{scheme}.headers"), headers.as_bytes());
        // Twilio signs a JSON body's SHA-256 in the URL it calls.
        let url = if scheme == "twilio" {
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(std::fs::read(&body).unwrap());
            let hex = digest.iter().fold(String::new(), |mut hex, byte| {
                let _ = write!(hex, "{byte:02x}");
                hex
            });
            let separator = if URL.contains('?') { '&' } else { '?' };
            format!("{URL}{separator}bodySHA256={hex}")
        } else {
            URL.to_owned()
        };
        let verify = |body: &str| {
            let mut args = vec![
                "verify",
                "--scheme",
                scheme,
                "--secret-env",
                "WV_SECRET",
                "--headers",
                &headers,
                "--body",
                body,
                "--url",
                &url,
            ];
            args.extend(params.iter().map(String::as_str));
            run_with(&args, &verifying, b"")
        };
        let verified = verify(&sent);
        assert_eq!(
            verified.code, 0,
            "{scheme}: {}{}",
            verified.stdout, verified.stderr
        );
        assert!(
            verified
                .stdout
                .starts_with(&format!("valid: the {scheme} signature matches\n"))
        );

        let original = std::fs::read_to_string(&sent).unwrap();
        let tampered = scratch("tampered.json", original.replace("4200", "4201").as_bytes());
        let mut refused = verify(&tampered);
        if body_unbound(preset) {
            // A token signs nothing, and Graph's validation tokens say who sent the
            // body, not what it says: the body is not covered.
            assert_eq!(refused.code, 0, "{scheme}: {}", refused.stdout);
            continue;
        }
        if matches!(
            preset.scheme().format(),
            webhook_gate::scheme::SignatureFormat::BodyField { .. }
        ) {
            // Mailgun signs its timestamp and token, not the event.
            assert_eq!(refused.code, 0, "{scheme}: {}", refused.stdout);
            let token = original.replacen("\"token\":\"", "\"token\":\"x", 1);
            assert_ne!(token, original);
            refused = verify(&scratch("tampered.json", token.as_bytes()));
        }
        assert_eq!(refused.code, 1, "{scheme}: {}", refused.stdout);
        assert!(
            refused.stdout.starts_with("invalid: "),
            "{}",
            refused.stdout
        );
    }
}

/// Whether nothing `preset` checks covers the body: a token, or Microsoft Graph's
/// validation tokens.
fn body_unbound(preset: Preset) -> bool {
    preset.scheme().algorithm() == webhook_gate::scheme::Algorithm::Token
        || matches!(
            preset.scheme().format(),
            webhook_gate::scheme::SignatureFormat::GraphValidationTokens { .. }
        )
}

/// `--param <setting>=<value>` for each setting the preset's scheme signs, with the
/// example receiver's values.
fn settings(preset: Preset) -> Vec<String> {
    preset
        .scheme()
        .settings()
        .flat_map(|name| {
            [
                "--param".to_owned(),
                format!("{name}={}", axum_receiver::setting(preset, name)),
            ]
        })
        .collect()
}

#[test]
fn signed_sample_events_verify_for_every_preset() {
    for &preset in Preset::ALL {
        let scheme = preset.name();
        let signing = axum_receiver::signing_key(preset, SECRET);
        let params = settings(preset);
        let mut args = vec![
            "sign",
            "--scheme",
            scheme,
            "--secret-env",
            "WV_SECRET",
            "--signed-url",
            URL,
        ];
        args.extend(params.iter().map(String::as_str));
        let signed = run_with(&args, &signing, b"");
        assert_eq!(signed.code, 0, "{}", signed.stderr);
        // Headers, a blank line, the body (the sample), as in an HTTP message.
        let (headers, body) = signed.stdout.split_once("\n\n").unwrap();
        let body = body.strip_suffix('\n').unwrap();
        // JSON, but for Twilio's form.
        assert!(
            serde_json::from_str::<serde_json::Value>(body).is_ok() || scheme == "twilio",
            "{body}"
        );
        let headers = scratch(&format!("sample-{scheme}.headers"), headers.as_bytes());
        let body = scratch(&format!("sample-{scheme}.body"), body.as_bytes());
        let mut args = vec![
            "verify",
            "--scheme",
            scheme,
            "--secret-env",
            "WV_SECRET",
            "--headers",
            &headers,
            "--body",
            &body,
            "--url",
            URL,
        ];
        args.extend(params.iter().map(String::as_str));
        let verified = run_with(&args, &axum_receiver::key_material(preset, SECRET), b"");
        assert_eq!(verified.code, 0, "{scheme}: {}", verified.stdout);
    }
}

#[test]
fn sign_prints_a_curl_command_that_carries_the_exact_body() {
    let signed = run(&[
        "sign",
        "--scheme",
        "stripe",
        "--secret-env",
        "WV_SECRET",
        "--timestamp",
        NOW,
        "--id",
        "evt_it's",
        "--curl",
        "http://127.0.0.1:3000/webhooks/stripe",
    ]);
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    assert!(signed.stdout.starts_with("curl -sS -X POST 'http://127.0.0.1:3000/webhooks/stripe' \\\n  -H 'Content-Type: application/json' \\\n  -H 'Stripe-Signature: t=1705314600,v1="), "{}", signed.stdout);
    // The quote in the id is closed, escaped and reopened for the shell.
    assert!(
        signed
            .stdout
            .contains(r#"--data-binary '{"id":"evt_it'\''s","#),
        "{}",
        signed.stdout
    );

    let from_file = run(&[
        "sign",
        "--scheme",
        "github",
        "--secret-env",
        "WV_SECRET",
        "--body",
        &data("event.json"),
        "--curl",
        "http://127.0.0.1:3000/webhooks/github",
    ]);
    assert!(
        from_file
            .stdout
            .ends_with(&format!("--data-binary '@{}'\n", data("event.json"))),
        "{}",
        from_file.stdout
    );
}

#[test]
fn usage_and_input_errors_exit_2_with_one_line() {
    let no_secret = run(&["sign", "--scheme", "github"]);
    assert_eq!(no_secret.code, 2);
    let unknown = run(&["sign", "--scheme", "bitbucket-server", "--secret", "x"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains("invalid value 'bitbucket-server' for '--scheme <SCHEME>'")
    );

    let missing = run(&[
        "verify",
        "--scheme",
        "github",
        "--secret",
        "x",
        "--headers",
        "/nonexistent/headers",
        "--body",
        "/nonexistent/body",
    ]);
    assert_eq!(missing.code, 2);
    assert_eq!(
        missing.stderr,
        "webhook-gate: error: cannot read the headers file /nonexistent/headers: No such file or directory (os error 2)\n"
    );

    let unset = run(&[
        "sign",
        "--scheme",
        "github",
        "--secret-env",
        "WV_UNSET_VARIABLE",
    ]);
    assert_eq!(unset.code, 2);
    assert_eq!(
        unset.stderr,
        "webhook-gate: error: the environment variable WV_UNSET_VARIABLE is not set (or not UTF-8)\n"
    );

    let bad_secret = run_with(
        &["sign", "--scheme", "standard", "--secret-env", "WV_SECRET"],
        "whsec_not base64!",
        b"",
    );
    assert_eq!(bad_secret.code, 2);
    assert!(
        !bad_secret.stderr.contains("not base64!"),
        "the secret was printed"
    );
    assert_eq!(
        bad_secret.stderr,
        "webhook-gate: error: the secret does not suit the standard scheme: a Standard Webhooks secret must be base64 after the `whsec_` prefix\n"
    );
}

#[test]
fn schemes_lists_every_preset() {
    let listed = run(&["schemes"]);
    assert_eq!(listed.code, 0);
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert_eq!(lines.len(), Preset::ALL.len() + 1);
    assert!(lines[0].starts_with("PRESET"));
    let stripe = lines
        .iter()
        .find(|line| line.starts_with("stripe "))
        .unwrap();
    let columns: Vec<&str> = stripe
        .split("  ")
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .collect();
    assert_eq!(
        columns,
        [
            "stripe",
            "Stripe-Signature",
            "t=<unix>,v1=<hex>",
            "{ts}.{body}",
            "t= in the signature",
            "body .id",
            "secret text"
        ]
    );
}

// --explain: one test per usual mistake, with the wording a user reads.

/// A body whose keys are not sorted and which holds a non-ASCII character.
const COMPACT: &[u8] =
    "{\"type\":\"invoice.paid\",\"id\":\"evt_1\",\"data\":{\"customer\":\"Zoë\",\"amount\":4200}}"
        .as_bytes();

#[test]
fn explain_names_a_body_reserialized_with_whitespace() {
    // Received with Python's separators (what `json.dumps` of the parsed body gives).
    let spaced = "{\"type\": \"invoice.paid\", \"id\": \"evt_1\", \"data\": {\"customer\": \"Zoë\", \"amount\": 4200}}";
    let explained = explain_body(COMPACT, spaced.as_bytes(), "spaced");
    assert!(
        explained.stdout.starts_with(
            "invalid: no signature matches (a receiver answers 401)\nfailed step: signature\n"
        ),
        "{}",
        explained.stdout
    );
    assert_matched(
        &explained,
        "body re-serialized without whitespace instead of the raw bytes",
    );
}

#[test]
fn explain_names_a_body_with_reordered_keys() {
    let sorted = "{\"data\":{\"amount\":4200,\"customer\":\"Zoë\"},\"id\":\"evt_1\",\"type\":\"invoice.paid\"}";
    let explained = explain_body(sorted.as_bytes(), COMPACT, "reordered");
    assert_matched(
        &explained,
        "body re-serialized with its keys sorted instead of the raw bytes",
    );
}

#[test]
fn explain_names_a_body_with_escaped_unicode() {
    let escaped = "{\"type\":\"invoice.paid\",\"id\":\"evt_1\",\"data\":{\"customer\":\"Zo\\u00eb\",\"amount\":4200}}";
    let explained = explain_body(escaped.as_bytes(), COMPACT, "escaped");
    assert_matched(
        &explained,
        "body re-serialized with non-ASCII characters escaped as \\uXXXX instead of the raw bytes",
    );

    // And the reverse: signed with the character, received escaped.
    let explained = explain_body(COMPACT, escaped.as_bytes(), "unescaped");
    assert_matched(
        &explained,
        "body re-serialized with \\uXXXX escapes decoded instead of the raw bytes",
    );
}

#[test]
fn explain_names_a_trailing_newline() {
    let with_newline = [COMPACT, b"\n"].concat();
    let explained = explain_body(&with_newline, COMPACT, "newline-lost");
    assert_matched(&explained, "body with a trailing newline added");

    let explained = explain_body(COMPACT, &with_newline, "newline-gained");
    assert_matched(&explained, "body with its trailing newline removed");
}

#[test]
fn explain_names_the_whsec_prefix() {
    // Stripe's key is the whole `whsec_...` string; this sender dropped the prefix.
    let body = scratch("prefix.json", COMPACT);
    let headers = sign(
        "stripe",
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        &body,
        &["--timestamp", NOW],
    );
    let explained = explain("stripe", SECRET, &headers, COMPACT, "without-prefix");
    assert_matched(&explained, "secret used without its `whsec_` prefix");

    // And the reverse: the receiver was given the secret without its prefix.
    let headers = sign("stripe", SECRET, &body, &["--timestamp", NOW]);
    let explained = explain(
        "stripe",
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        &headers,
        COMPACT,
        "with-prefix",
    );
    assert_matched(&explained, "secret used with a `whsec_` prefix");
}

#[test]
fn explain_names_a_base64_decoded_secret() {
    // "cGxhaW4tdGV4dC1rZXk=" is base64 for "plain-text-key": this sender decoded it.
    let body = scratch("decoded.json", COMPACT);
    let headers = sign("github", "plain-text-key", &body, &[]);
    let explained = explain(
        "github",
        "whsec_cGxhaW4tdGV4dC1rZXk=",
        &headers,
        COMPACT,
        "decoded",
    );
    assert_matched(
        &explained,
        "secret base64-decoded where the scheme uses its text",
    );
}

#[test]
fn explain_names_a_secret_that_should_have_been_base64_decoded() {
    // A Standard Webhooks sender that used the secret's text as the key, computed here
    // with the hmac crate.
    let (id, timestamp) = ("msg_2b1", NOW);
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(COMPACT);
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let headers = format!(
        "webhook-id: {id}\nwebhook-timestamp: {timestamp}\nwebhook-signature: v1,{signature}\n"
    );
    let explained = explain("standard", SECRET, &headers, COMPACT, "not-decoded");
    assert_matched(
        &explained,
        "secret used as text where the scheme base64-decodes it",
    );
}

fn hex_to_base64(hex: &str) -> String {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).unwrap())
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn explain_names_hex_and_base64_swapped() {
    let body = scratch("encoding.json", COMPACT);
    let headers = sign("github", SECRET, &body, &[]);
    let hex = header(&headers, "X-Hub-Signature-256")
        .strip_prefix("sha256=")
        .unwrap();
    let as_base64 = replace_header(
        &headers,
        "X-Hub-Signature-256",
        &format!("sha256={}", hex_to_base64(hex)),
    );
    let explained = explain("github", SECRET, &as_base64, COMPACT, "base64-for-hex");
    assert!(
        explained.stdout.contains("failed step: signature header\n"),
        "{}",
        explained.stdout
    );
    assert_matched(&explained, "digest in base64 where the scheme expects hex");

    // Shopify writes base64; this sender wrote hex.
    let shopify = sign("shopify", SECRET, &body, &[]);
    let as_hex = replace_header(&shopify, "X-Shopify-Hmac-Sha256", hex);
    let github_digest_is_shopify_digest =
        header(&shopify, "X-Shopify-Hmac-Sha256") == hex_to_base64(hex);
    assert!(
        github_digest_is_shopify_digest,
        "both sign the body alone with the same key"
    );
    let explained = explain("shopify", SECRET, &as_hex, COMPACT, "hex-for-base64");
    assert_matched(&explained, "digest in hex where the scheme expects base64");
}

#[test]
fn explain_names_the_signature_prefix() {
    let body = scratch("prefix-sig.json", COMPACT);
    let headers = sign("github", SECRET, &body, &[]);
    let bare = header(&headers, "X-Hub-Signature-256")
        .strip_prefix("sha256=")
        .unwrap()
        .to_owned();
    let without = replace_header(&headers, "X-Hub-Signature-256", &bare);
    let explained = explain("github", SECRET, &without, COMPACT, "prefix-missing");
    assert_matched(&explained, "signature without its `sha256=` prefix");

    // The Proposal Generator sends bare hex; this sender added `sha256=`.
    let proposals = sign("proposals", SECRET, &body, &[]);
    let with = replace_header(&proposals, "X-Webhook-Signature", &format!("sha256={bare}"));
    let explained = explain("proposals", SECRET, &with, COMPACT, "prefix-added");
    assert_matched(
        &explained,
        "signature with a `sha256=` prefix the scheme does not use",
    );
}

#[test]
fn explain_names_a_timestamp_in_milliseconds_and_the_clock_skew() {
    let body = scratch("millis.json", COMPACT);
    let headers = sign(
        "dcisionai",
        SECRET,
        &body,
        &["--timestamp", "1705314598000"],
    );
    let explained = explain("dcisionai", SECRET, &headers, COMPACT, "millis");
    assert!(
        explained.stdout.contains(
            "failed step: tolerance window\nclock skew: the timestamp is 2 s behind this clock\n"
        ),
        "{}",
        explained.stdout
    );
    assert_matched(&explained, "timestamp in milliseconds instead of seconds");

    // Seconds, but ten minutes old: the window, and the skew in figures.
    let headers = sign("dcisionai", SECRET, &body, &["--timestamp", "1705314000"]);
    let explained = explain("dcisionai", SECRET, &headers, COMPACT, "stale");
    assert!(
        explained.stdout.starts_with("invalid: timestamp is 600 s old, beyond the 300 s tolerance (a receiver answers 401)\nfailed step: tolerance window\nclock skew: the timestamp is 600 s behind this clock\n"),
        "{}",
        explained.stdout
    );
    assert!(
        explained
            .stdout
            .contains("  tried      timestamp in milliseconds instead of seconds\n")
    );
    assert!(
        !explained.stdout.contains("explained by"),
        "{}",
        explained.stdout
    );
}

#[test]
fn explain_says_when_no_usual_mistake_explains_it() {
    let body = scratch("wrong-secret.json", COMPACT);
    let headers = sign("github", "another secret", &body, &[]);
    let explained = explain("github", SECRET, &headers, COMPACT, "wrong-secret");
    assert!(
        !explained.stdout.contains("  matched"),
        "{}",
        explained.stdout
    );
    assert!(explained.stdout.ends_with("no usual mistake explains it: check the secret, and that the body was captured before anything parsed it\n"), "{}", explained.stdout);

    // Another provider's headers: the scheme is wrong.
    let explained = explain("stripe", SECRET, &headers, COMPACT, "wrong-scheme");
    assert!(explained.stdout.starts_with("invalid: missing signature header `Stripe-Signature` (a receiver answers 401)\nfailed step: signature header\n"), "{}", explained.stdout);
    assert!(
        explained.stdout.ends_with(
            "the request carries the signature header of: github, meta (is --scheme right?)\n"
        ),
        "{}",
        explained.stdout
    );
}

// `send`, against the example receiver.

fn start_receiver() -> SocketAddr {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            // The URL the command posts to is the URL it signs.
            let public = format!("http://{address}");
            let app = axum_receiver::app(SECRET, None, false, Some(&public), None).unwrap();
            sender.send(address).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    receiver.recv().unwrap()
}

/// `GET /stats`'s `processed`.
fn processed(address: SocketAddr) -> u64 {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .write_all(b"GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (_, body) = response.split_once("\r\n\r\n").unwrap();
    let stats: serde_json::Value = serde_json::from_str(body).unwrap();
    stats["processed"].as_u64().unwrap()
}

#[test]
fn send_delivers_each_preset_sample_to_the_receiver_once() {
    let address = start_receiver();
    for (count, &preset) in (1..).zip(Preset::ALL) {
        let scheme = preset.name();
        let url = format!("http://{address}/webhooks/{scheme}");
        let params = settings(preset);
        let mut args = vec![
            "send",
            "--scheme",
            scheme,
            "--secret-env",
            "WV_SECRET",
            "--url",
            &url,
        ];
        args.extend(params.iter().map(String::as_str));
        let sent = run_with(&args, &axum_receiver::signing_key(preset, SECRET), b"");
        assert_eq!(sent.code, 0, "{scheme}: {}{}", sent.stdout, sent.stderr);
        assert!(sent.stdout.contains("\n#1: 200 OK in "), "{}", sent.stdout);
        assert_eq!(processed(address), count, "{scheme}");
    }
}

#[test]
fn send_replay_is_processed_once() {
    let address = start_receiver();
    let url = format!("http://{address}/webhooks/stripe");
    let sent = run(&[
        "send",
        "--scheme",
        "stripe",
        "--secret-env",
        "WV_SECRET",
        "--url",
        &url,
        "--replay",
        "3",
    ]);
    assert_eq!(sent.code, 0, "{}{}", sent.stdout, sent.stderr);
    let first = sent.stdout.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("POST {url} (stripe delivery, "))
            && first.contains(" bytes, deduplicated by id evt_"),
        "{first}"
    );
    let statuses: Vec<&str> = sent
        .stdout
        .lines()
        .filter(|line| line.starts_with('#'))
        .collect();
    assert_eq!(statuses.len(), 4, "{}", sent.stdout);
    assert!(statuses[0].starts_with("#1: 200 OK in ") && !statuses[0].ends_with("duplicate"));
    for (index, status) in statuses[1..].iter().enumerate() {
        assert!(
            status.starts_with(&format!("#{}: 200 OK in ", index + 2)),
            "{status}"
        );
        assert!(status.ends_with(" ms, duplicate"), "{status}");
    }
    assert_eq!(processed(address), 1);
}

#[test]
fn send_stale_is_refused_by_the_window() {
    let address = start_receiver();
    let url = format!("http://{address}/webhooks/slack");
    let sent = run(&[
        "send",
        "--scheme",
        "slack",
        "--secret-env",
        "WV_SECRET",
        "--url",
        &url,
        "--stale",
        "400",
    ]);
    assert_eq!(sent.code, 1, "{}{}", sent.stdout, sent.stderr);
    assert!(
        sent.stdout.contains("\n#1: 401 Unauthorized in "),
        "{}",
        sent.stdout
    );
    assert!(sent.stdout.contains("\"status\":401"), "{}", sent.stdout);
    assert_eq!(processed(address), 0);

    let unreachable = run(&[
        "send",
        "--scheme",
        "slack",
        "--secret-env",
        "WV_SECRET",
        "--url",
        "http://127.0.0.1:9/webhooks/slack",
    ]);
    assert_eq!(unreachable.code, 2);
    assert_eq!(
        unreachable.stderr.lines().count(),
        1,
        "{}",
        unreachable.stderr
    );
    assert!(
        unreachable
            .stderr
            .starts_with("webhook-gate: error: cannot POST to http://127.0.0.1:9/webhooks/slack: ")
    );
}

#[test]
fn explain_separates_a_valid_signature_from_a_refused_delivery() {
    // Stripe deduplicates by the body's `id`: a correctly signed body without one is
    // refused after verification.
    let body = br#"{"type":"invoice.paid"}"#;
    let headers = sign(
        "stripe",
        SECRET,
        &scratch("no-id.json", body),
        &["--timestamp", NOW],
    );
    let explained = explain("stripe", SECRET, &headers, body, "no-id");
    assert_eq!(
        explained.stdout,
        "invalid: missing delivery id (delivery id field of the JSON body) (a receiver answers 400)\nthe signature is valid: the delivery is refused after verification\n"
    );
}

#[test]
fn send_handshake_is_answered_for_every_preset_with_one() {
    let address = start_receiver();
    let mut sent_any = 0;
    for &preset in Preset::ALL {
        let scheme = preset.name();
        let Some(challenge) = preset.scheme().challenge().cloned() else {
            continue;
        };
        let url = format!("http://{address}/webhooks/{scheme}");
        let sent = run_with(
            &[
                "send",
                "--scheme",
                scheme,
                "--secret-env",
                "WV_SECRET",
                "--url",
                &url,
                "--handshake",
                "--param",
                "verify-token=not-the-receivers",
            ],
            &axum_receiver::signing_key(preset, SECRET),
            b"",
        );
        // The example receiver has no verify token configured: Meta's handshake,
        // guarded by one, is refused.
        let guarded = matches!(
            challenge,
            webhook_gate::challenge::Challenge::QueryEcho {
                token_param: Some(_),
                ..
            }
        );
        // The verify token travels in the query, never into the output.
        assert!(
            !sent.stdout.contains("not-the-receivers")
                && !sent.stderr.contains("not-the-receivers"),
            "{scheme}: {}{}",
            sent.stdout,
            sent.stderr
        );
        if guarded {
            assert_eq!(sent.code, 1, "{scheme}: {}{}", sent.stdout, sent.stderr);
            assert!(sent.stdout.contains("403 Forbidden"), "{}", sent.stdout);
        } else {
            assert_eq!(sent.code, 0, "{scheme}: {}{}", sent.stdout, sent.stderr);
            assert!(sent.stdout.contains("\n200 OK in "), "{}", sent.stdout);
        }
        sent_any += 1;
    }
    // Proposal Generator, Slack, Discord, Zoom, X, Meta, Twitch, Dropbox, Okta,
    // Microsoft Graph (basic and rich), Asana, Notion, WooCommerce.
    assert_eq!(sent_any, 14);
    // Handshakes never reach the handler.
    assert_eq!(processed(address), 0);
}

#[test]
fn send_handshake_refuses_a_scheme_without_one() {
    let sent = run(&[
        "send",
        "--scheme",
        "github",
        "--secret-env",
        "WV_SECRET",
        "--url",
        "http://127.0.0.1:9/",
        "--handshake",
    ]);
    assert_eq!(sent.code, 2);
    assert!(
        sent.stderr.contains("the github scheme has no handshake"),
        "{}",
        sent.stderr
    );
}

#[test]
fn verify_accepts_any_of_several_secrets() {
    let body = scratch("rotation-body.json", br#"{"id":"evt_rotation"}"#);
    let headers = sign("github", "new-secret", &body, &[]);
    let headers = scratch("rotation-headers.txt", headers.as_bytes());
    for (secrets, code) in [
        (&["--secret", "old-secret", "--secret", "new-secret"][..], 0),
        (&["--secret", "old-secret"][..], 1),
    ] {
        let mut args = vec!["verify", "--scheme", "github"];
        args.extend_from_slice(secrets);
        args.extend_from_slice(&["--headers", &headers, "--body", &body]);
        let verified = run(&args);
        assert_eq!(verified.code, code, "{secrets:?}: {}", verified.stdout);
    }
}

#[test]
fn verify_prints_one_json_object() {
    let body = scratch("json-body.json", br#"{"id":"evt_json"}"#);
    let headers = sign("github", SECRET, &body, &[]);
    let headers_file = scratch("json-headers.txt", headers.as_bytes());
    let json = |args: &[&str]| {
        let mut all = vec!["verify", "--format", "json", "--secret-env", "WV_SECRET"];
        all.extend_from_slice(args);
        let verified = run(&all);
        let object: serde_json::Value = serde_json::from_str(&verified.stdout).unwrap();
        (verified.code, object)
    };

    let (code, object) = json(&[
        "--scheme",
        "github",
        "--headers",
        &headers_file,
        "--body",
        &body,
    ]);
    assert_eq!(code, 0);
    assert_eq!(object["outcome"], "verified");
    assert!(object["status"].is_null() && object["reason"].is_null());

    let tampered = scratch("json-tampered.json", br#"{"id":"evt_jsoN"}"#);
    let (code, object) = json(&[
        "--scheme",
        "github",
        "--headers",
        &headers_file,
        "--body",
        &tampered,
    ]);
    assert_eq!(code, 1);
    assert_eq!(object["outcome"], "rejected");
    assert_eq!(object["status"], 401);
    assert_eq!(object["content_type"], "application/problem+json");
    assert_eq!(object["reason"], "no signature matches");
    let problem: serde_json::Value =
        serde_json::from_str(object["body"].as_str().unwrap()).unwrap();
    assert_eq!(problem["status"], 401);

    // Meta's GET handshake, with and without the verify token.
    let empty = scratch("json-empty.txt", b"");
    let url = "https://hooks.example.com/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meta-token";
    let handshake = |token: &str| {
        json(&[
            "--scheme",
            "meta",
            "--method",
            "GET",
            "--url",
            url,
            "--headers",
            &empty,
            "--body",
            &empty,
            "--param",
            token,
        ])
    };
    let (code, object) = handshake("verify-token=meta-token");
    assert_eq!(code, 0);
    assert_eq!(object["outcome"], "handshake");
    assert_eq!(object["status"], 200);
    assert_eq!(object["body"], "1158201444");
    assert_eq!(object["headers"]["x-content-type-options"], "nosniff");
    let (code, object) = handshake("verify-token=another");
    assert_eq!(code, 1);
    assert_eq!(object["outcome"], "rejected");
    assert_eq!(object["status"], 403);
}

#[test]
fn a_param_without_a_name_is_refused_without_echoing_it() {
    let refused = run(&[
        "verify",
        "--scheme",
        "meta",
        "--secret-env",
        "WV_SECRET",
        "--headers",
        "x",
        "--body",
        "y",
        "--param",
        "my-verify-token-value",
    ]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("a --param is NAME=VALUE"),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stderr.contains("my-verify-token-value"),
        "{}",
        refused.stderr
    );
}

#[test]
fn param_names_are_checked() {
    let refused = run(&[
        "verify",
        "--scheme",
        "meta",
        "--secret-env",
        "WV_SECRET",
        "--headers",
        "x",
        "--body",
        "y",
        "--param",
        "verify_tokn=1",
    ]);
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("unknown parameter `verify_tokn`; known: verify-token"),
        "{}",
        refused.stderr
    );
}

#[test]
fn sign_writes_the_token_into_a_graph_body_and_prints_it() {
    let body = scratch(
        "graph.json",
        br#"{"value":[{"subscriptionId":"7f105c7d","changeType":"created"},{"subscriptionId":"7f105c7d","changeType":"updated"}]}"#,
    );
    let signed = run_with(
        &[
            "sign",
            "--scheme",
            "msgraph",
            "--secret-env",
            "WV_SECRET",
            "--body",
            &body,
        ],
        "client-state-1",
        b"",
    );
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    let (headers, printed) = signed.stdout.split_once("\n\n").unwrap();
    let printed: serde_json::Value = serde_json::from_str(printed.trim_end()).unwrap();
    for item in printed["value"].as_array().unwrap() {
        assert_eq!(item["clientState"], "client-state-1");
    }
    let carried = scratch("graph-carried.json", printed.to_string().as_bytes());
    let headers = scratch("graph.headers", headers.as_bytes());
    let verify = |secret: &str, body: &str| {
        run_with(
            &[
                "verify",
                "--scheme",
                "msgraph",
                "--secret-env",
                "WV_SECRET",
                "--headers",
                &headers,
                "--body",
                body,
            ],
            secret,
            b"",
        )
        .code
    };
    assert_eq!(verify("client-state-1", &carried), 0);
    assert_eq!(verify("client-state-2", &carried), 1);
    // The file as it was carries no token.
    assert_eq!(verify("client-state-1", &body), 1);
}

#[test]
fn explain_names_the_url_a_proxy_changed_for_a_url_bound_scheme() {
    let body = scratch("twilio-proxy.body", b"CallSid=CA1&From=%2B14158675310");
    let headers = sign(
        "twilio",
        "12345",
        &body,
        &["--signed-url", "https://api.example.com/webhooks/twilio"],
    );
    let headers = scratch("twilio-proxy.headers", headers.as_bytes());
    // Behind a proxy that ends TLS, the receiver rebuilt the URL with `http`.
    let args = [
        "verify",
        "--scheme",
        "twilio",
        "--secret-env",
        "WV_SECRET",
        "--headers",
        &headers,
        "--body",
        &body,
        "--url",
        "http://api.example.com/webhooks/twilio",
        "--now",
        NOW,
        "--explain",
    ];
    let explained = run_with(&args, "12345", b"");
    assert_eq!(explained.code, 1, "{}", explained.stderr);
    assert_matched(
        &explained,
        "URL signed with `http` and `https` the other way round",
    );
}

#[test]
fn explain_tries_public_key_schemes_by_verifying() {
    // RFC 8032's first Ed25519 test key: signed compact, received spaced.
    let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    let public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    let signed = scratch("discord-spaced.signed", br#"{"type":2,"id":"1"}"#);
    let headers = sign("discord", seed, &signed, &["--timestamp", NOW]);
    let explained = explain(
        "discord",
        public,
        &headers,
        br#"{"type": 2, "id": "1"}"#,
        "discord-spaced",
    );
    assert_matched(
        &explained,
        "body re-serialized without whitespace instead of the raw bytes",
    );
}
