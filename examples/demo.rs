//! The demo: starts the axum receiver of `examples/axum_receiver.rs` on a free
//! loopback port, sends it, for every preset, a valid delivery, a tampered body, a
//! wrong secret, a stale timestamp (where the scheme has one), a replay of the valid
//! delivery and an endpoint challenge or handshake (where the scheme has one: the
//! signed JSON echo, or the handshake as its provider sends it, `Signer::handshake`),
//! all made with the `Signer`, and prints what happened. Exits non-zero if any
//! outcome is not the expected one.
//!
//! Run: `cargo run --example demo`

#[path = "axum_receiver.rs"]
mod axum_receiver;

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use webhook_gate::challenge::Challenge;
use webhook_gate::receive::DUPLICATE_HEADER;
use webhook_gate::scheme::{Algorithm, SignatureFormat};
use webhook_gate::sign::{SignOptions, SignedHeaders};
use webhook_gate::{Preset, Scheme, Signer};

const CHALLENGE: &str = "c4a1f0e2-7b9d-4e36-9c55-0d2b8e61f7aa";
/// The verify token the demo's receiver is configured with (Meta's handshake).
const VERIFY_TOKEN: &str = "demo-verify-token";
/// What a ping carries where the handshake sends a number (`WooCommerce`'s webhook id).
const PING_NUMBER: &str = "1234";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    Valid,
    TamperedBody,
    WrongSecret,
    StaleTimestamp,
    Replay,
    Challenge,
    Handshake,
}

impl Case {
    fn label(self) -> &'static str {
        match self {
            Self::Valid => "valid delivery",
            Self::TamperedBody => "tampered body",
            Self::WrongSecret => "wrong secret",
            Self::StaleTimestamp => "stale timestamp",
            Self::Replay => "replay of the valid one",
            Self::Challenge => "endpoint challenge",
            Self::Handshake => "handshake",
        }
    }

    /// The expected status and whether the handler runs.
    fn expected(self) -> (u16, bool) {
        match self {
            Self::Valid => (200, true),
            Self::TamperedBody | Self::WrongSecret | Self::StaleTimestamp => (401, false),
            Self::Replay | Self::Challenge | Self::Handshake => (200, false),
        }
    }
}

/// The preset's sample event (the payload shape of its provider's docs), with a
/// fresh delivery id.
fn sample_body(preset: Preset, now: i64) -> Result<String, std::string::FromUtf8Error> {
    let sample = preset.sample(preset.sample_event_type(), &preset.sample_id(), now);
    String::from_utf8(sample.body)
}

fn challenge_body(scheme: &Scheme) -> Option<String> {
    scheme.challenge()?;
    let Some(Challenge::JsonEcho { type_value: kind }) = scheme.challenge() else {
        return None;
    };
    Some(format!(
        r#"{{"type":"{kind}","challenge":"c4a1f0e2-7b9d-4e36-9c55-0d2b8e61f7aa"}}"#
    ))
}

struct Row {
    /// Whether the handler is expected to run for it.
    processes: bool,
    preset: &'static str,
    case: Case,
    status: u16,
    accepted: bool,
    reason: String,
    ok: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("demo failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// One preset's signers, body and target.
struct Target {
    preset: &'static str,
    kind: Preset,
    scheme: Scheme,
    /// The URL the receiver sees (schemes that sign it: Twilio, Square, HubSpot).
    signed_url: String,
    signer: Signer,
    wrong: Signer,
    body: String,
    url: String,
    now: i64,
    run: u64,
}

impl Target {
    fn cases(&self) -> Vec<Case> {
        let mut cases = vec![Case::Valid, Case::TamperedBody, Case::WrongSecret];
        if self.scheme.has_timestamp() {
            cases.push(Case::StaleTimestamp);
        }
        cases.push(Case::Replay);
        match self.scheme.challenge() {
            Some(Challenge::JsonEcho { .. }) => cases.push(Case::Challenge),
            Some(_) => cases.push(Case::Handshake),
            None => {}
        }
        cases
    }

    /// The expected status and whether the handler runs: a token signs nothing, and
    /// Microsoft Graph's validation tokens say who sent a body, not what it says, so
    /// a tampered body under them is accepted (use HTTPS); under the processed
    /// delivery's id it is then answered as a duplicate. A provider that sends no
    /// delivery id (Microsoft Graph) cannot be deduplicated: a replay is processed.
    fn expected(&self, case: Case) -> (u16, bool) {
        let body_unbound = self.scheme.algorithm() == Algorithm::Token
            || matches!(
                self.scheme.format(),
                SignatureFormat::GraphValidationTokens { .. }
            );
        match case {
            Case::TamperedBody if body_unbound => (200, !self.dedupes()),
            Case::Replay if !self.dedupes() => (200, true),
            _ => case.expected(),
        }
    }

    fn dedupes(&self) -> bool {
        self.scheme.delivery_id().is_some()
    }

    /// `body` as `signer`'s provider sends it (Microsoft Graph: the token in it;
    /// Mailgun: the signature in it), and its headers.
    fn signed(signer: &Signer, body: &str, options: &SignOptions) -> (SignedHeaders, String) {
        let body = signer.sign_body(body.as_bytes(), options);
        (
            signer.sign(&body, options),
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    fn options(&self, timestamp: i64, id: String) -> SignOptions {
        SignOptions::new()
            .timestamp(timestamp)
            .id(id)
            .url(&self.signed_url)
    }

    fn request(&self, case: Case) -> (SignedHeaders, String) {
        let (preset, run, now) = (self.preset, self.run, self.now);
        match case {
            Case::Valid | Case::Replay => Self::signed(
                &self.signer,
                &self.body,
                &self.options(now, format!("msg_{preset}_{run}")),
            ),
            // Re-serialized: one space more, as a JSON round trip would add (a form
            // gains a field); where only values of the body are signed (Mailgun),
            // the signed token changed.
            Case::TamperedBody => {
                let (headers, body) = self.request(Case::Valid);
                let tampered = if !self.scheme.signs_body() && body.contains("\"token\":\"") {
                    body.replacen("\"token\":\"", "\"token\":\"x", 1)
                } else if body.contains(':') {
                    body.replacen(':', ": ", 1)
                } else {
                    format!("{body}&tampered=1")
                };
                (headers, tampered)
            }
            Case::WrongSecret => Self::signed(
                &self.wrong,
                &self.body,
                &self.options(now, format!("msg_w_{preset}_{run}")),
            ),
            // Five minutes beyond the scheme's window, the body's own time too.
            Case::StaleTimestamp => {
                let window = i64::try_from(self.scheme.tolerance().as_secs()).unwrap_or(300);
                let stale = now - window - 300;
                let body = sample_body(self.kind, stale).unwrap_or_default();
                let options = self.options(stale, format!("msg_s_{preset}_{run}"));
                Self::signed(&self.signer, &body, &options)
            }
            Case::Challenge => {
                let challenge = challenge_body(&self.scheme).unwrap_or_default();
                (
                    self.signer
                        .sign(challenge.as_bytes(), &SignOptions::new().timestamp(now)),
                    challenge,
                )
            }
            Case::Handshake => unreachable!("sent by `handshake`"),
        }
    }

    /// The value the handshake carries: what the receiver must echo (or keep).
    fn handshake_value(&self) -> &'static str {
        match self.scheme.challenge() {
            Some(Challenge::FormPing { .. }) => PING_NUMBER,
            _ => CHALLENGE,
        }
    }

    /// The handshake as its provider sends it, and whether an answer to it is right.
    fn handshake(&self, client: &reqwest::Client) -> Option<reqwest::RequestBuilder> {
        let options = SignOptions::new().timestamp(self.now).url(&self.signed_url);
        let sent = self
            .signer
            .handshake(self.handshake_value(), Some(VERIFY_TOKEN), &options)?;
        let url = format!("{}{}", self.url, sent.query);
        let mut request = match sent.method.as_ref() {
            "GET" => client.get(url),
            _ => client.post(url),
        };
        for (name, value) in sent.headers.iter() {
            request = request.header(name, value);
        }
        Some(request.body(sent.body))
    }

    /// Whether `text` is the right answer to the handshake: the value echoed (as
    /// text, or in a JSON answer), an HMAC of it (X), Discord's `{"type":1}`, or
    /// nothing for a handshake whose value is kept (Asana, Notion) or a ping.
    fn answers_handshake(&self, text: &str) -> bool {
        match self.scheme.challenge() {
            Some(Challenge::DiscordPing) => text == r#"{"type":1}"#,
            Some(Challenge::CrcToken { .. }) => text.contains("\"response_token\":\"sha256="),
            Some(
                Challenge::CaptureHeader { .. }
                | Challenge::CaptureJsonField { .. }
                | Challenge::FormPing { .. },
            ) => text.is_empty(),
            _ => text.contains(CHALLENGE),
        }
    }

    async fn exercise(&self, client: &reqwest::Client, case: Case) -> Result<Row, reqwest::Error> {
        let request = if case == Case::Handshake {
            self.handshake(client)
                .unwrap_or_else(|| client.post(&self.url))
        } else {
            let (headers, body) = self.request(case);
            let mut request = client.post(&self.url).body(body);
            for (name, value) in headers.iter() {
                request = request.header(name, value);
            }
            request
        };
        let response = request.send().await?;
        let status = response.status().as_u16();
        let duplicate = response.headers().contains_key(DUPLICATE_HEADER);
        let text = response.text().await?;
        let reason = if status >= 400 {
            serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|problem| problem["detail"].as_str().map(str::to_owned))
                .unwrap_or_else(|| text.clone())
        } else if duplicate {
            "duplicate: answered without running the handler".to_owned()
        } else if case == Case::Challenge {
            format!("challenge answered: {text}")
        } else if case == Case::Handshake {
            format!(
                "handshake answered: {}",
                if text.is_empty() { "(empty)" } else { &text }
            )
        } else {
            "verified and processed".to_owned()
        };
        let ok = status == self.expected(case).0
            && (case != Case::Replay || duplicate || !self.dedupes())
            && (case != Case::Challenge || text.contains(CHALLENGE))
            && (case != Case::Handshake || self.answers_handshake(&text));
        Ok(Row {
            preset: self.preset,
            processes: self.expected(case).1,
            case,
            status,
            accepted: status < 300,
            reason,
            ok,
        })
    }
}

async fn run() -> Result<bool, Box<dyn std::error::Error>> {
    let secret = axum_receiver::DEVELOPMENT_SECRET;
    let app = axum_receiver::app(secret, None, true, None, Some(VERIFY_TOKEN))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    println!("receiver listening on {base}");
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = reqwest::Client::new();
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())?;
    let mut rows = Vec::new();
    let host = base.trim_start_matches("http://").to_owned();
    for &kind in Preset::ALL {
        let scheme = kind.scheme();
        let body = sample_body(kind, now)?;
        let preset = kind.name();
        // Another key of the same kind: a secret, or a private key of its own.
        let wrong = match scheme.algorithm() {
            algorithm if algorithm.is_symmetric() => "whsec_d3JvbmctZGVtby1zZWNyZXQ=",
            Algorithm::RsaPkcs1Sha256 => axum_receiver::OTHER_RSA_KEY,
            _ => "1111111111111111111111111111111111111111111111111111111111111111",
        };
        // The values the scheme signs (PayPal's webhook ID), as the receiver has them.
        let settled = |signer: Signer| {
            scheme.settings().fold(signer, |signer, name| {
                signer.setting(name, axum_receiver::setting(kind, name))
            })
        };
        let target = Target {
            preset,
            kind,
            signed_url: format!("https://{host}/webhooks/{preset}"),
            signer: settled(Signer::new(
                scheme.clone(),
                axum_receiver::signing_key(kind, secret),
            )?),
            wrong: settled(Signer::new(scheme.clone(), wrong)?),
            scheme,
            body,
            url: format!("{base}/webhooks/{preset}"),
            now,
            run: now.unsigned_abs(),
        };
        for case in target.cases() {
            rows.push(target.exercise(&client, case).await?);
        }
    }
    print_table(&rows);

    let expected_processed = rows.iter().filter(|row| row.processes).count() as u64;
    let stats: serde_json::Value = serde_json::from_str(
        &client
            .get(format!("{base}/stats"))
            .send()
            .await?
            .text()
            .await?,
    )?;
    let processed = stats["processed"].as_u64().unwrap_or(u64::MAX);
    let failures = rows.iter().filter(|row| !row.ok).count();
    println!();
    println!(
        "{} cases, {} as expected; handler ran {processed} times (expected {expected_processed})",
        rows.len(),
        rows.len() - failures
    );
    Ok(failures == 0 && processed == expected_processed)
}

fn print_table(rows: &[Row]) {
    println!();
    println!(
        "{:<12} {:<26} {:>6}  {:<9} reason",
        "preset", "case", "status", "outcome"
    );
    println!("{}", "-".repeat(110));
    for row in rows {
        println!(
            "{:<12} {:<26} {:>6}  {:<9} {}{}",
            row.preset,
            row.case.label(),
            row.status,
            if row.accepted { "accepted" } else { "rejected" },
            row.reason,
            if row.ok { "" } else { "   <-- UNEXPECTED" }
        );
    }
}
