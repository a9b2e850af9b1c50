//! What the commands print.

use std::fmt::Write as _;

use webhook_gate::challenge::ChallengeResponse;
use webhook_gate::delivery::{Delivery as VerifiedDelivery, DeliveryIdSource};
use webhook_gate::diagnose::{Diagnosis, Finding};
use webhook_gate::headers::HeaderSource;
use webhook_gate::receive::Reply;
use webhook_gate::scheme::{Encoding, SignatureFormat};
use webhook_gate::secret::SecretEncoding;
use webhook_gate::verify::{RequestHead, Verified};
use webhook_gate::{Preset, Scheme, Verifier, VerifyError};

use crate::Delivery;

/// The presets as an aligned table.
pub fn schemes_table() -> String {
    let mut rows = vec![[
        "PRESET".to_owned(),
        "SIGNATURE HEADER".to_owned(),
        "FORMAT".to_owned(),
        "SIGNED CONTENT".to_owned(),
        "TIMESTAMP".to_owned(),
        "DELIVERY ID".to_owned(),
        "KEY".to_owned(),
    ]];
    for preset in Preset::ALL {
        let (name, scheme) = (preset.name(), preset.scheme());
        rows.push([
            name.to_owned(),
            scheme.signature_location().into_owned(),
            format_of(&scheme),
            signed_content_of(&scheme),
            timestamp_of(&scheme),
            delivery_id_of(&scheme),
            match scheme.secret_encoding() {
                SecretEncoding::StandardWebhooks => "whsec_ base64-decoded",
                _ => "secret text",
            }
            .to_owned(),
        ]);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|column| rows.iter().map(|row| row[column].len()).max().unwrap_or(0))
        .collect();
    let mut table = String::new();
    for row in rows {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            let _ = write!(line, "{cell:<width$}  ");
        }
        table.push_str(line.trim_end());
        table.push('\n');
    }
    table
}

fn encoding_of(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Hex => "<hex>",
        _ => "<base64>",
    }
}

fn format_of(scheme: &Scheme) -> String {
    match scheme.format() {
        SignatureFormat::Single { prefix, encoding } => {
            format!("{prefix}{}", encoding_of(*encoding))
        }
        SignatureFormat::KeyValue {
            timestamp_key,
            signature_key,
            separator,
        } => format!(
            "{timestamp_key}=<unix>{}{signature_key}=<hex>",
            char::from(*separator)
        ),
        SignatureFormat::VersionedList { version } => format!("{version},<base64> ..."),
        SignatureFormat::Token { prefix } => format!("{prefix}<token>"),
        SignatureFormat::BasicAuth => "Basic <base64 user:password>".to_owned(),
        SignatureFormat::BodyToken { .. } => "<token> in every item".to_owned(),
        _ => "(custom)".to_owned(),
    }
}

fn signed_content_of(scheme: &Scheme) -> String {
    scheme.signed_content().to_string()
}

fn timestamp_of(scheme: &Scheme) -> String {
    match scheme.timestamp_header() {
        Some(header) if scheme.signed_content().signs_timestamp() => header.to_owned(),
        Some(header) => format!("{header} (not signed)"),
        None => match scheme.timestamp_field() {
            Some(field) => format!("body {field}"),
            None if scheme.has_timestamp() => "t= in the signature".to_owned(),
            None => "-".to_owned(),
        },
    }
}

fn delivery_id_of(scheme: &Scheme) -> String {
    match scheme.delivery_id() {
        Some(DeliveryIdSource::Header(name)) => name.into_owned(),
        Some(DeliveryIdSource::JsonField(field)) => format!("body .{field}"),
        Some(DeliveryIdSource::JsonPointer(pointer)) => format!("body {pointer}"),
        Some(DeliveryIdSource::SignatureFingerprint) => "signature fingerprint".to_owned(),
        _ => "-".to_owned(),
    }
}

/// `text` quoted for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A curl command that posts `delivery` to `url`.
pub fn curl_command(url: &str, delivery: &Delivery) -> Result<String, String> {
    let mut command = format!("curl -sS -X POST {}", shell_quote(url));
    for (name, value) in &delivery.headers {
        let _ = write!(
            command,
            " \\\n  -H {}",
            shell_quote(&format!("{name}: {value}"))
        );
    }
    let data = match &delivery.body_file {
        Some(path) => {
            let path = path
                .to_str()
                .ok_or("the body file's path is not UTF-8; use another path for --curl")?;
            format!("@{path}")
        }
        None => String::from_utf8(delivery.body.clone()).map_err(|_| {
            "the body is not UTF-8: write it to a file and pass --body FILE for --curl".to_owned()
        })?,
    };
    let _ = write!(command, " \\\n  --data-binary {}", shell_quote(&data));
    Ok(command)
}

/// An error and its sources, on one line.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

/// The report of a request that verifies.
pub fn valid(verified: &Verified, delivery: &VerifiedDelivery) -> String {
    let mut text = format!("valid: the {} signature matches\n", verified.scheme_name());
    match delivery {
        VerifiedDelivery::Challenge(response) => {
            let _ = writeln!(text, "challenge: answer 200 with {}", response.body());
        }
        VerifiedDelivery::Event {
            delivery_id: Some(id),
        } => {
            let _ = writeln!(text, "delivery id: {}", id.as_str());
        }
        _ => {}
    }
    text
}

/// What the middleware does with a request.
pub enum Judged {
    /// Verified: handed to the handler (or answered, if it is a signed challenge).
    Verified(Verified, VerifiedDelivery),
    /// An endpoint handshake, answered by the middleware.
    Handshake(ChallengeResponse),
    /// Refused.
    Rejected(VerifyError),
}

impl Judged {
    /// Judges a request as the middleware does: an unsigned handshake from the head,
    /// else the signature, then a signed challenge from the verified body, or a
    /// handshake carried in an unsigned body.
    pub fn of<H: HeaderSource + ?Sized>(
        verifier: &Verifier,
        head: &RequestHead<'_, H>,
        body: &[u8],
    ) -> Self {
        if let Some(answer) = verifier.handshake(head) {
            return answer.map_or_else(Self::Rejected, Self::Handshake);
        }
        match verifier.verify_request(head, body) {
            Ok(verified) => match verified.delivery(body) {
                Ok(VerifiedDelivery::Challenge(answer)) => Self::Handshake(answer),
                Ok(delivery) => Self::Verified(verified, delivery),
                Err(error) => Self::Rejected(error),
            },
            Err(error @ VerifyError::MissingSignature { .. }) => {
                match verifier.handshake_body(body) {
                    Some(answer) => answer.map_or_else(Self::Rejected, Self::Handshake),
                    None => Self::Rejected(error),
                }
            }
            Err(error) => Self::Rejected(error),
        }
    }

    /// The report for people.
    pub fn text(&self) -> String {
        match self {
            Self::Verified(verified, delivery) => valid(verified, delivery),
            Self::Handshake(answer) => {
                let mut text = format!(
                    "handshake: the middleware answers {} ({})",
                    answer.status(),
                    answer.content_type()
                );
                for (name, value) in answer.headers() {
                    let _ = write!(text, ", {name}: {value}");
                }
                let _ = writeln!(text, "\n{}", answer.body());
                text
            }
            Self::Rejected(error) => invalid(error),
        }
    }

    /// The report as one JSON object.
    pub fn json(&self) -> serde_json::Value {
        match self {
            Self::Verified(_, delivery) => serde_json::json!({
                "outcome": "verified",
                "reason": null,
                "status": null,
                "content_type": null,
                "body": null,
                "delivery_id": match delivery {
                    VerifiedDelivery::Event { delivery_id: Some(id) } => Some(id.as_str()),
                    _ => None,
                },
            }),
            Self::Handshake(answer) => serde_json::json!({
                "outcome": "handshake",
                "reason": null,
                "status": answer.status(),
                "content_type": answer.content_type(),
                "headers": answer
                    .headers()
                    .iter()
                    .map(|(name, value)| (name.to_string(), serde_json::Value::from(value.as_str())))
                    .collect::<serde_json::Map<_, _>>(),
                "body": answer.body(),
            }),
            Self::Rejected(error) => {
                let reply = Reply::problem(&error.problem(false));
                serde_json::json!({
                    "outcome": "rejected",
                    "reason": error.to_string(),
                    "status": reply.status,
                    "content_type": reply.content_type,
                    "body": reply.body,
                })
            }
        }
    }
}

/// The report of a request that does not verify.
pub fn invalid(error: &VerifyError) -> String {
    format!("invalid: {error} (a receiver answers {})\n", error.status())
}

/// The report of a request that does not verify, explained.
pub fn explain(error: &VerifyError, diagnosis: &Diagnosis) -> String {
    let mut text = invalid(error);
    if diagnosis.result.is_ok() {
        // Verified, then refused: no signature mistake to look for.
        text.push_str("the signature is valid: the delivery is refused after verification\n");
        return text;
    }
    if let Some(step) = diagnosis.failed_step {
        let _ = writeln!(text, "failed step: {step}");
    }
    match diagnosis.clock_skew {
        Some(0) => text.push_str("clock skew: none\n"),
        Some(skew) if skew > 0 => {
            let _ = writeln!(
                text,
                "clock skew: the timestamp is {skew} s behind this clock"
            );
        }
        Some(skew) => {
            let _ = writeln!(
                text,
                "clock skew: the timestamp is {} s ahead of this clock",
                skew.unsigned_abs()
            );
        }
        None => {}
    }
    text.push_str("usual mistakes:\n");
    for check in &diagnosis.checks {
        let _ = match &check.finding {
            Finding::Matched => writeln!(text, "  matched    {}", check.mistake),
            Finding::NoMatch => writeln!(text, "  tried      {}", check.mistake),
            Finding::NotTried(reason) => {
                writeln!(text, "  not tried  {} ({reason})", check.mistake)
            }
            _ => writeln!(text, "  ?          {}", check.mistake),
        };
    }
    let matched: Vec<String> = diagnosis.matched().map(ToString::to_string).collect();
    if !matched.is_empty() {
        let _ = writeln!(text, "explained by: {}", matched.join("; "));
    } else if !diagnosis.other_schemes.is_empty() {
        let _ = writeln!(
            text,
            "the request carries the signature header of: {} (is --scheme right?)",
            diagnosis.other_schemes.join(", ")
        );
    } else if error == &VerifyError::NoMatchingSignature {
        text.push_str(
            "no usual mistake explains it: check the secret, and that the body was captured before anything parsed it\n",
        );
    }
    text
}
