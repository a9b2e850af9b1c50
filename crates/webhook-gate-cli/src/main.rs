//! `webhook-gate`: sign and send test webhook deliveries, verify captured ones, and
//! explain why a signature fails.
//!
//! ```text
//! webhook-gate schemes
//! webhook-gate sign   --scheme github --secret-env SECRET [--body FILE|-] [--curl URL]
//! webhook-gate send   --scheme stripe --secret-env SECRET --url URL [--replay N] [--stale S]
//! webhook-gate send   --scheme meta --secret-env SECRET --url URL --handshake --param verify-token=T
//! webhook-gate verify --scheme github --secret-env SECRET --headers FILE --body FILE --explain
//! webhook-gate verify --scheme slack --secret-env OLD --secret-env NEW --headers FILE --body FILE --format json
//! ```
//!
//! Exit codes: 0 success (the request verifies; every response was 2xx), 1 the
//! request does not verify or a response was not 2xx, 2 a usage or I/O error. Errors
//! are one line on standard error; the secret is never printed.

mod captured;
mod report;

use std::fmt::Write as _;
use std::io::{IsTerminal as _, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use webhook_gate::challenge::Challenge;
use webhook_gate::delivery::DeliveryIdSource;
use webhook_gate::sign::SignOptions;
use webhook_gate::verify::{FixedClock, RequestHead};
use webhook_gate::{ConfigError, Preset, Scheme, Secret, Signer, Verifier};

/// Sign, send and verify webhook deliveries; explain why a signature fails.
///
/// Exit codes: 0 success, 1 verification failed (or a response was not 2xx), 2 usage
/// or I/O error.
#[derive(Parser)]
#[command(name = "webhook-gate", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the presets: headers, format, signed content, timestamp, delivery id.
    Schemes,
    /// Print the headers a provider would send with a body (and the sample body when
    /// no --body is given), or a curl command that sends both.
    Sign(SignArgs),
    /// Sign a delivery and POST it; print each status, response body and time taken.
    Send(SendArgs),
    /// Verify a captured request (headers as `Name: value` lines, and the raw body).
    Verify(VerifyArgs),
}

#[derive(Args)]
struct SchemeArgs {
    /// The provider's signature scheme.
    #[arg(long, value_parser = preset_parser())]
    scheme: Preset,
    #[command(flatten)]
    secret: SecretArgs,
    /// A preset's further setting, `NAME=VALUE`; repeatable. Known:
    /// `verify-token` (the token an unsigned handshake carries: Meta's
    /// `hub.verify_token`), and the values a scheme signs (PayPal's `webhook_id`:
    /// `--param webhook_id=1JE4291016473214C`).
    /// Checked by the command, not by the argument parser, whose errors would echo
    /// the value (a verify token is a secret).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
}

/// A preset's further setting.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Param<'a> {
    VerifyToken,
    /// A value the scheme signs ([`Scheme::settings`]).
    Setting(&'a str),
}

fn parse_param<'a>(text: &'a str, scheme: &Scheme) -> Result<(Param<'a>, &'a str), String> {
    let (name, value) = text
        .split_once('=')
        // The value may be a secret (a verify token): never echoed.
        .ok_or_else(|| "a --param is NAME=VALUE".to_owned())?;
    match name {
        "verify-token" => Ok((Param::VerifyToken, value)),
        setting if scheme.settings().any(|own| own == setting) => {
            Ok((Param::Setting(setting), value))
        }
        other => Err(format!(
            "unknown parameter `{other}`; known: {}",
            ["verify-token"]
                .into_iter()
                .chain(scheme.settings())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[derive(Args)]
#[group(required = true, multiple = true)]
struct SecretArgs {
    /// The key material as the provider shows it: the webhook secret (`whsec_...`
    /// as it is), the shared token, or the public key (hex Ed25519, base64 SPKI
    /// P-256; `sign` and `send` take the private key). Repeatable: several keys, as
    /// while rotating. It stays in shell history: prefer --secret-env.
    #[arg(long, value_name = "SECRET")]
    secret: Vec<String>,
    /// Read the key material from this environment variable; repeatable.
    #[arg(long, value_name = "NAME")]
    secret_env: Vec<String>,
}

#[derive(Args)]
struct DeliveryArgs {
    /// The body: a file, or `-` for standard input [default: the preset's sample event,
    /// shaped as its provider documents it].
    #[arg(long, value_name = "FILE|-")]
    body: Option<PathBuf>,
    /// The event type of the sample event.
    #[arg(long, value_name = "TYPE", conflicts_with = "body")]
    event: Option<String>,
    /// The delivery id: the id header's value, or the sample event's id [default: a
    /// fresh one].
    #[arg(long)]
    id: Option<String>,
    /// The unix time (seconds) to sign [default: now].
    #[arg(long, value_name = "UNIX_SECONDS")]
    timestamp: Option<i64>,
    /// The URL the delivery is sent to, for schemes that sign it (Twilio, Square,
    /// HubSpot); default `send`'s --url or `sign`'s --curl URL.
    #[arg(long = "signed-url", value_name = "URL")]
    signed_url: Option<String>,
}

#[derive(Args)]
struct SignArgs {
    #[command(flatten)]
    scheme: SchemeArgs,
    #[command(flatten)]
    delivery: DeliveryArgs,
    /// Print a curl command that posts the delivery to URL instead of the headers.
    #[arg(long, value_name = "URL")]
    curl: Option<String>,
}

#[derive(Args)]
struct SendArgs {
    #[command(flatten)]
    scheme: SchemeArgs,
    #[command(flatten)]
    delivery: DeliveryArgs,
    /// Where to POST the delivery.
    #[arg(long)]
    url: String,
    /// Send the same delivery N more times (to test the receiver's dedupe).
    #[arg(long, value_name = "N", default_value_t = 0)]
    replay: u32,
    /// Back-date the timestamp by this many seconds (to test the receiver's window).
    #[arg(long, value_name = "SECONDS", conflicts_with = "timestamp")]
    stale: Option<u32>,
    /// Give up on a request after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
    /// Send the preset's endpoint handshake instead of a delivery, as its provider
    /// does (signed where the provider signs it; Meta's carries --param
    /// verify-token; Asana's and Notion's hand over the --secret), and check the
    /// answer.
    #[arg(long, conflicts_with_all = ["body", "event", "replay", "stale"])]
    handshake: bool,
}

#[derive(Args)]
struct VerifyArgs {
    #[command(flatten)]
    scheme: SchemeArgs,
    /// The request's headers, one `Name: value` per line (`curl -v` output works), or
    /// `-` for standard input.
    #[arg(long, value_name = "FILE|-")]
    headers: PathBuf,
    /// The raw body, byte for byte, or `-` for standard input.
    #[arg(long, value_name = "FILE|-")]
    body: PathBuf,
    /// Judge the timestamp as of this unix time (seconds) [default: now].
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<i64>,
    /// The tolerance window, in seconds, both ways.
    /// How far the timestamp may be from --now; default the scheme's own window.
    #[arg(long, value_name = "SECONDS")]
    tolerance: Option<u64>,
    /// The URL the provider called, for schemes that sign it (Twilio, Square,
    /// HubSpot), and for handshakes that carry a query.
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The request method.
    #[arg(long, value_name = "METHOD", default_value = "POST")]
    method: String,
    /// When verification fails, say which step failed and try the usual mistakes.
    #[arg(long)]
    explain: bool,
    /// `text`, or `json`: one object `{"outcome": "verified" | "rejected" |
    /// "handshake", "reason", "status", "content_type", "body"}` (for a handshake
    /// or a refusal, the answer the middleware gives).
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    format: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Schemes => std::io::stdout()
            .write_all(report::schemes_table().as_bytes())
            .map(|()| ExitCode::SUCCESS)
            .map_err(stdout_error),
        Command::Sign(args) => sign(&args),
        Command::Send(args) => send(&args),
        Command::Verify(args) => verify(&args),
    };
    result.unwrap_or_else(|message| {
        eprintln!("webhook-gate: error: {message}");
        ExitCode::from(2)
    })
}

/// The presets by name; `--help` lists them.
fn preset_parser() -> impl TypedValueParser<Value = Preset> {
    PossibleValuesParser::new(Preset::ALL.iter().map(|preset| preset.name()))
        .try_map(|name| name.parse::<Preset>())
}

impl SchemeArgs {
    /// The preset's scheme with the values given for its settings (`--param
    /// webhook_id=...`); a setting without one is left for [`Self::settled`].
    fn scheme(&self) -> Scheme {
        let mut scheme = self.scheme.scheme();
        for text in &self.params {
            if let Some((name, value)) = text.split_once('=') {
                scheme = scheme.with_setting(name, value);
            }
        }
        scheme
    }

    /// The scheme, every setting it signs given.
    fn settled(&self) -> Result<Scheme, String> {
        let scheme = self.scheme();
        if let Some(missing) = scheme.settings().next() {
            return Err(format!(
                "the {} scheme needs the setting `{missing}`: give --param {missing}=VALUE",
                self.scheme
            ));
        }
        Ok(scheme)
    }

    /// The error for a secret that cannot make a key for the scheme.
    fn unsuitable(&self, error: &ConfigError) -> String {
        format!(
            "the secret does not suit the {} scheme: {error}",
            self.scheme
        )
    }

    /// Every key given, `--secret`s first, then `--secret-env`s.
    fn secrets(&self) -> Result<Vec<Secret>, String> {
        let mut secrets: Vec<Secret> = self
            .secret
            .secret
            .iter()
            .map(|secret| Secret::from(secret.as_str()))
            .collect();
        for name in &self.secret.secret_env {
            secrets.push(std::env::var(name).map(Secret::from).map_err(|_| {
                format!("the environment variable {name} is not set (or not UTF-8)")
            })?);
        }
        if secrets.is_empty() {
            return Err("give --secret or --secret-env".to_owned());
        }
        Ok(secrets)
    }

    /// The signer: every key, as a provider signs while rotating.
    fn signer(&self) -> Result<Signer, String> {
        Signer::with_secrets(self.settled()?, self.secrets()?)
            .map_err(|error| self.unsuitable(&error))
    }

    /// Every `--param`, checked.
    fn params(&self) -> Result<Vec<(Param<'_>, &str)>, String> {
        let scheme = self.scheme.scheme();
        self.params
            .iter()
            .map(|text| parse_param(text, &scheme))
            .collect()
    }

    /// The last `--param` named `wanted`.
    fn param(&self, wanted: Param<'_>) -> Result<Option<&str>, String> {
        Ok(self
            .params()?
            .into_iter()
            .rev()
            .find(|(param, _)| *param == wanted)
            .map(|(_, value)| value))
    }
}

/// A signed delivery, ready to print or send.
struct Delivery {
    body: Vec<u8>,
    /// Where the body came from, when it is a file (for `curl --data-binary @file`).
    body_file: Option<PathBuf>,
    /// What a receiver deduplicates it by (`id evt_...`, `its signature`).
    dedupe_by: String,
    headers: Vec<(String, String)>,
    /// The URL to send it to, when it is not the one given (Twilio's JSON bodies
    /// add their digest to it).
    url: Option<String>,
}

impl DeliveryArgs {
    fn sign(
        &self,
        args: &SchemeArgs,
        timestamp: i64,
        url: Option<&str>,
    ) -> Result<Delivery, String> {
        let scheme = args.scheme();
        let signer = args.signer()?;
        let id = self.id.clone().unwrap_or_else(|| args.scheme.sample_id());
        let (body, body_file, mut headers) = if let Some(path) = &self.body {
            if self.id.is_some() && scheme.delivery_id_header().is_none() {
                eprintln!(
                    "webhook-gate: warning: --id is not sent: the {} scheme has no id header and the body is yours",
                    args.scheme
                );
            }
            let body = read_input(path, "body")?;
            let content_type = if serde_json::from_slice::<serde_json::Value>(&body).is_ok() {
                "application/json"
            } else if scheme.body_digest_param().is_some() {
                // Twilio signs any other body as form fields.
                "application/x-www-form-urlencoded"
            } else {
                "application/octet-stream"
            };
            let file = (path != Path::new("-")).then(|| path.clone());
            // The headers the provider sends besides the signed ones (the event
            // type, the shop, the API version), as with its sample.
            let mut headers = vec![("Content-Type".to_owned(), content_type.to_owned())];
            let sample = args
                .scheme
                .sample(args.scheme.sample_event_type(), &id, timestamp);
            headers.extend(
                sample
                    .headers
                    .into_iter()
                    .filter(|(name, _)| !name.eq_ignore_ascii_case("Content-Type")),
            );
            (body, file, headers)
        } else {
            let event = self
                .event
                .as_deref()
                .unwrap_or_else(|| args.scheme.sample_event_type());
            let sample = args.scheme.sample(event, &id, timestamp);
            (sample.body, None, sample.headers)
        };
        // Microsoft Graph and Mailgun: the token or signature goes in the body,
        // which is then no longer the file's.
        let mut options = SignOptions::new().timestamp(timestamp).id(id.clone());
        let carried = signer.sign_body(&body, &options);
        let body_file = if carried == body { body_file } else { None };
        let body = carried;
        let mut send_to = None;
        if let Some(given) = self.signed_url.as_deref().or(url) {
            // Twilio: a JSON body's digest goes in the URL, which is then signed.
            let called = signer.url_for(given, &body);
            if called != given {
                send_to = Some(called.clone().into_owned());
            }
            options = options.url(called);
        } else if scheme.signed_content().signs_url() {
            return Err(format!(
                "the {} scheme signs the URL: give --signed-url (or --curl / --url)",
                args.scheme
            ));
        }
        let signed = signer.sign(&body, &options);
        headers.extend(
            signed
                .iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned())),
        );
        // What a receiver deduplicates this delivery by.
        let id = match scheme.delivery_id() {
            Some(DeliveryIdSource::SignatureFingerprint) => "its signature".to_owned(),
            Some(DeliveryIdSource::Header(_)) => format!("id {id}"),
            None => "nothing: the scheme has no delivery id".to_owned(),
            _ if self.body.is_none() => format!("id {id}"),
            _ => "the id in the body".to_owned(),
        };
        Ok(Delivery {
            body,
            body_file,
            dedupe_by: id,
            headers,
            url: send_to,
        })
    }
}

fn sign(args: &SignArgs) -> Result<ExitCode, String> {
    args.scheme.params()?;
    let timestamp = args.delivery.timestamp.unwrap_or_else(now);
    let delivery = args
        .delivery
        .sign(&args.scheme, timestamp, args.curl.as_deref())?;
    let mut out = std::io::stdout().lock();
    let written = match &args.curl {
        Some(url) => writeln!(
            out,
            "{}",
            report::curl_command(delivery.url.as_deref().unwrap_or(url), &delivery)?
        ),
        None => delivery
            .headers
            .iter()
            .try_for_each(|(name, value)| writeln!(out, "{name}: {value}"))
            .and_then(|()| {
                // The sample body is ours, and a body carrying the token is no longer
                // the file's: show it, after a blank line as in HTTP.
                if args.delivery.body.is_none() || delivery.body_file.is_none() {
                    writeln!(out)?;
                    out.write_all(&delivery.body)?;
                    writeln!(out)?;
                }
                Ok(())
            }),
    };
    written.map_err(stdout_error)?;
    if let (Some(url), None) = (&delivery.url, &args.curl) {
        eprintln!("webhook-gate: note: send it to {url} (the body's digest is in the signed URL)");
    }
    Ok(ExitCode::SUCCESS)
}

fn send(args: &SendArgs) -> Result<ExitCode, String> {
    args.scheme.params()?;
    if args.handshake {
        return send_handshake(args);
    }
    let scheme = args.scheme.scheme();
    if args.stale.is_some() && !scheme.has_timestamp() {
        eprintln!(
            "webhook-gate: warning: --stale has no effect: the {} scheme sends no timestamp",
            args.scheme.scheme
        );
    }
    let timestamp = args
        .delivery
        .timestamp
        .unwrap_or_else(|| now() - i64::from(args.stale.unwrap_or(0)));
    let delivery = args
        .delivery
        .sign(&args.scheme, timestamp, Some(&args.url))?;
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(args.timeout))
        .build()
        .map_err(|error| format!("cannot build the HTTP client: {}", report::chain(&error)))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "POST {} ({} delivery, {} bytes, deduplicated by {})",
        delivery.url.as_deref().unwrap_or(&args.url),
        args.scheme.scheme,
        delivery.body.len(),
        delivery.dedupe_by
    )
    .map_err(stdout_error)?;
    let mut all_accepted = true;
    for attempt in 0..=args.replay {
        let url = delivery.url.as_deref().unwrap_or(&args.url);
        let mut request = client.post(url).body(delivery.body.clone());
        for (name, value) in &delivery.headers {
            request = request.header(name, value);
        }
        let started = Instant::now();
        let response = request
            .send()
            .map_err(|error| format!("cannot POST to {}: {}", args.url, report::chain(&error)))?;
        let status = response.status();
        let duplicate = response
            .headers()
            .get(webhook_gate::receive::DUPLICATE_HEADER)
            .is_some();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response
            .bytes()
            .map_err(|error| format!("cannot read the response: {}", report::chain(&error)))?;
        let elapsed = started.elapsed();
        all_accepted &= status.is_success();
        let mut notes = String::new();
        if duplicate {
            notes.push_str(", duplicate");
        }
        if let Some(retry_after) = retry_after {
            let _ = write!(notes, ", retry after {retry_after} s");
        }
        writeln!(
            out,
            "#{}: {status} in {:.1} ms{notes}\n{}",
            attempt + 1,
            elapsed.as_secs_f64() * 1000.0,
            String::from_utf8_lossy(&body)
        )
        .map_err(stdout_error)?;
    }
    Ok(if all_accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Sends the preset's handshake and checks that the answer echoes what it must.
fn send_handshake(args: &SendArgs) -> Result<ExitCode, String> {
    let scheme = args.scheme.scheme();
    let challenge = scheme
        .challenge()
        .ok_or_else(|| format!("the {} scheme has no handshake", args.scheme.scheme))?;
    // A handshake carries no setting (Microsoft Graph's app id is for the tokens of
    // its notifications).
    let signer = Signer::with_secrets(scheme.clone(), args.scheme.secrets()?)
        .map_err(|error| args.scheme.unsuitable(&error))?;
    // A capturing handshake hands the secret over; a ping carries a number (the
    // webhook's id); the others carry a fresh value.
    let value = if challenge.captures() {
        String::from_utf8_lossy(args.scheme.secrets()?[0].expose()).into_owned()
    } else if matches!(
        challenge,
        webhook_gate::challenge::Challenge::FormPing { .. }
    ) {
        (now().unsigned_abs() % 1_000_000).to_string()
    } else {
        format!(
            "wg-{:016x}",
            now().unsigned_abs() ^ (u64::from(std::process::id()) << 32)
        )
    };
    let mut options = SignOptions::new().timestamp(args.delivery.timestamp.unwrap_or_else(now));
    if let Some(id) = &args.delivery.id {
        options = options.id(id.clone());
    }
    let request = signer
        .handshake(&value, args.scheme.param(Param::VerifyToken)?, &options)
        .ok_or_else(|| format!("the {} scheme has no handshake", args.scheme.scheme))?;
    let url = format!("{}{}", args.url, request.query);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(args.timeout))
        .build()
        .map_err(|error| format!("cannot build the HTTP client: {}", report::chain(&error)))?;
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|error| format!("cannot send {}: {error}", request.method))?;
    let mut outgoing = client.request(method, &url).body(request.body.clone());
    for (name, header_value) in request.headers.iter() {
        outgoing = outgoing.header(name, header_value);
    }
    let started = Instant::now();
    let response = outgoing.send().map_err(|error| {
        format!(
            "cannot {} {}: {}",
            request.method,
            args.url,
            report::chain(&error)
        )
    })?;
    let status = response.status();
    let echoed_header = challenge_header(challenge)
        .and_then(|name| response.headers().get(name))
        .and_then(|header| header.to_str().ok())
        .map(str::to_owned);
    let body = response
        .text()
        .map_err(|error| format!("cannot read the response: {}", report::chain(&error)))?;
    let echoed = match challenge {
        Challenge::CaptureHeader { .. } => echoed_header.as_deref() == Some(value.as_str()),
        Challenge::JsonEcho { .. }
        | Challenge::SignedHeaderEcho { .. }
        | Challenge::QueryEcho { .. }
        | Challenge::HeaderEcho { .. }
        | Challenge::ZoomUrlValidation => body.contains(&value),
        _ => true,
    };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        // The query may carry the verify token: the URL is shown without it.
        "{} {} ({} handshake)\n{status} in {:.1} ms{}\n{body}",
        request.method,
        args.url,
        args.scheme.scheme,
        started.elapsed().as_secs_f64() * 1000.0,
        if echoed {
            ""
        } else {
            ", the answer does not echo the handshake"
        },
    )
    .map_err(stdout_error)?;
    Ok(if status.is_success() && echoed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The header a handshake's answer echoes, if it does.
fn challenge_header(challenge: &Challenge) -> Option<&str> {
    match challenge {
        Challenge::CaptureHeader { header } => Some(header),
        _ => None,
    }
}

fn verify(args: &VerifyArgs) -> Result<ExitCode, String> {
    args.scheme.params()?;
    if args.headers == Path::new("-") && args.body == Path::new("-") {
        return Err("--headers and --body cannot both be standard input".to_owned());
    }
    let headers = captured::parse_headers(&read_input(&args.headers, "headers")?)
        .map_err(|error| format!("{}: {error}", args.headers.display()))?;
    let body = read_input(&args.body, "body")?;
    let scheme = args.scheme.settled()?;
    let secrets = args.scheme.secrets()?;
    let now = args.now.unwrap_or_else(now);
    let tolerance_seconds = args
        .tolerance
        .unwrap_or_else(|| scheme.tolerance().as_secs());
    let tolerance = i64::try_from(tolerance_seconds)
        .map(|_| Duration::from_secs(tolerance_seconds))
        .map_err(|_| "--tolerance is too large".to_owned())?;
    let mut builder = Verifier::builder(scheme.clone())
        .secrets(secrets.iter().cloned())
        .tolerance(tolerance)
        .clock(FixedClock(now));
    if let Some(token) = args.scheme.param(Param::VerifyToken)? {
        builder = builder.verify_token(token);
    }
    if scheme.challenge().is_some_and(Challenge::captures) {
        // The middleware hands the value to the receiver's callback; here it is in
        // the file already.
        builder = builder.on_capture(|_| {});
    }
    let target = match &args.url {
        Some(url) => {
            let (base, target) = split_url(url);
            builder = builder.public_url(base);
            target.to_owned()
        }
        None if scheme.signed_content().signs_url() => {
            return Err(format!(
                "the {} scheme signs the URL: give --url, the URL the provider called",
                args.scheme.scheme
            ));
        }
        None => "/".to_owned(),
    };
    let verifier = builder
        .build()
        .map_err(|error| args.scheme.unsuitable(&error))?;
    let head = RequestHead::new(&args.method, &target, &headers);
    let judged = report::Judged::of(&verifier, &head, &body);
    let explanation = match &judged {
        report::Judged::Rejected(error) if args.explain => {
            let diagnosis = webhook_gate::diagnose::diagnose_request(
                &scheme,
                &secrets[0],
                &head,
                args.url.as_deref().map(|url| split_url(url).0),
                &body,
                now,
                tolerance_seconds,
            )
            .map_err(|error| args.scheme.unsuitable(&error))?;
            Some(report::explain(error, &diagnosis))
        }
        _ => None,
    };
    let text = if args.format == "json" {
        let mut object = judged.json();
        if let Some(explanation) = explanation {
            object["explanation"] = explanation.into();
        }
        format!("{object}\n")
    } else {
        explanation.unwrap_or_else(|| judged.text())
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(stdout_error)?;
    Ok(if matches!(judged, report::Judged::Rejected(_)) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The base (`https://host`) and the path and query of a URL.
fn split_url(url: &str) -> (&str, &str) {
    let path_at = url
        .find("://")
        .and_then(|scheme_end| {
            url[scheme_end + 3..]
                .find('/')
                .map(|at| scheme_end + 3 + at)
        })
        .unwrap_or(url.len());
    if path_at == url.len() {
        (url, "/")
    } else {
        (&url[..path_at], &url[path_at..])
    }
}

#[allow(clippy::needless_pass_by_value)] // Takes what `map_err` hands over.
fn stdout_error(error: std::io::Error) -> String {
    format!("cannot write to standard output: {error}")
}

/// The bytes of `path`, or of standard input for `-`.
fn read_input(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    if path == Path::new("-") {
        let mut stdin = std::io::stdin().lock();
        if stdin.is_terminal() {
            eprintln!("(reading the {what} from standard input; end with Ctrl-D)");
        }
        let mut bytes = Vec::new();
        stdin
            .read_to_end(&mut bytes)
            .map_err(|error| format!("cannot read the {what} from standard input: {error}"))?;
        Ok(bytes)
    } else {
        std::fs::read(path)
            .map_err(|error| format!("cannot read the {what} file {}: {error}", path.display()))
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}
