//! Each preset's sample event, in the payload shape its provider documents.

use super::Preset;

use std::hash::{BuildHasher as _, Hasher as _};
use std::time::{SystemTime, UNIX_EPOCH};

/// A sample delivery of a preset's provider, to sign and send: the body and the
/// headers the provider adds besides the signed ones.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sample {
    /// The body, in the payload shape of the provider's documentation.
    pub body: Vec<u8>,
    /// Headers besides the signed ones (event type, content type).
    pub headers: Vec<(String, String)>,
}

impl Preset {
    /// The event type of the preset's sample, unless another is asked for.
    pub fn sample_event_type(self) -> &'static str {
        match self {
            Self::Sentimatrix | Self::ProposalGenerator => "job.completed",
            Self::SocialMediaPlatform => "post.created",
            Self::DataFlow => "pipeline.run.completed",
            Self::DcisionAi => "project.created",
            Self::StandardWebhooks => "user.created",
            Self::GitHub => "ping",
            Self::Stripe => "payment_intent.succeeded",
            Self::Slack => "app_mention",
            Self::Shopify => "orders/create",
        }
    }

    /// A fresh delivery id in the form the preset's provider uses.
    pub fn sample_id(self) -> String {
        let state = std::collections::hash_map::RandomState::new();
        let mut hasher = state.build_hasher();
        hasher.write_u128(now_nanos());
        let high = hasher.finish();
        hasher.write_u32(std::process::id());
        let low = hasher.finish();
        match self {
            Self::GitHub => format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                high >> 32,
                (high >> 16) & 0xffff,
                high & 0xfff,
                low >> 52,
                low & 0xffff_ffff_ffff
            ),
            Self::StandardWebhooks => format!("msg_{high:016x}{low:08x}"),
            Self::Sentimatrix => format!("del_{high:016x}"),
            Self::SocialMediaPlatform
            | Self::DataFlow
            | Self::ProposalGenerator
            | Self::DcisionAi
            | Self::Stripe
            | Self::Slack
            | Self::Shopify => {
                format!("evt_{high:016x}{low:08x}")
            }
        }
    }

    /// The preset's sample event, of type `event`, identified by `id` (where the
    /// provider puts it in the body), created at `now` (unix seconds).
    pub fn sample(self, event: &str, id: &str, now: i64) -> Sample {
        let quoted = |text: &str| serde_json::Value::from(text).to_string();
        let (event, id, time) = (quoted(event), quoted(id), quoted(&rfc3339(now)));
        let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
        let body = match self {
            Self::Sentimatrix => format!(
                r#"{{"event":{event},"timestamp":{time},"data":{{"job_id":"job_789xyz","project_id":"proj_123","project_name":"iPhone Reviews","status":"completed","targets_scraped":5,"results_count":450,"duration_seconds":120,"summary":{{"positive":280,"neutral":100,"negative":70,"average_sentiment":0.42}}}},"metadata":{{"webhook_id":"wh_123abc","delivery_id":{id}}}}}"#
            ),
            Self::SocialMediaPlatform => format!(
                r#"{{"event":{event},"timestamp":{time},"data":{{"postId":{id},"content":"Check out our new product!","platforms":["instagram","twitter"],"status":"draft"}},"workspaceId":"ws_789"}}"#
            ),
            Self::DataFlow => format!(
                r#"{{"id":{id},"type":{event},"created_at":{time},"data":{{"pipeline_id":"pipe_abc123","run_id":"run_xyz789","status":"completed","records_processed":15420,"duration_seconds":127}},"metadata":{{"environment":"production","triggered_by":"schedule"}}}}"#
            ),
            Self::ProposalGenerator => format!(
                r#"{{"id":{id},"type":{event},"timestamp":{time},"data":{{"job_id":"job_123","proposal_id":"prop_123","document_id":"doc_123","status":"completed"}}}}"#
            ),
            Self::DcisionAi => format!(
                r#"{{"event":{event},"data":{{"id":{id},"name":"My Project","description":"Project description","created_at":{time},"updated_at":{time}}}}}"#
            ),
            Self::StandardWebhooks => format!(
                r#"{{"type":{event},"timestamp":{time},"data":{{"id":"1f81eb52-5198-4599-803e-771906343485","email":"jane@example.com"}}}}"#
            ),
            Self::GitHub => {
                headers.push(("X-GitHub-Event".to_owned(), unquote(&event)));
                r#"{"zen":"Design for failure.","hook_id":12345678,"hook":{"type":"Repository","id":12345678,"active":true,"events":["push","pull_request"]},"repository":{"id":1296269,"full_name":"octocat/Hello-World"},"sender":{"login":"octocat","id":1}}"#.to_owned()
            }
            Self::Stripe => format!(
                r#"{{"id":{id},"object":"event","api_version":"2024-06-20","created":{now},"type":{event},"livemode":false,"data":{{"object":{{"id":"pi_3MtwBwLkdIwHu7ix28a3tqPa","object":"payment_intent","amount":2000,"currency":"usd","status":"succeeded"}}}}}}"#
            ),
            Self::Slack => format!(
                r#"{{"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A123ABC456","event":{{"type":{event},"user":"U123ABC456","text":"<@U0LAN0Z89> is it everything a river should be?","channel":"C123ABC456"}},"type":"event_callback","event_id":{id},"event_time":{now}}}"#
            ),
            Self::Shopify => {
                headers.push(("X-Shopify-Topic".to_owned(), unquote(&event)));
                headers.push((
                    "X-Shopify-Shop-Domain".to_owned(),
                    "example.myshopify.com".to_owned(),
                ));
                format!(
                    r#"{{"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508","email":"jon@example.com","created_at":{time},"total_price":"403.00","currency":"USD"}}"#
                )
            }
        };
        Sample {
            body: body.into_bytes(),
            headers,
        }
    }
}

fn unquote(quoted: &str) -> String {
    serde_json::from_str(quoted).unwrap_or_default()
}

fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos())
}

pub(crate) use crate::time::format_rfc3339 as rfc3339;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_705_314_600), "2024-01-15T10:30:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_614_265_330), "2021-02-25T15:02:10Z");
    }

    #[test]
    fn every_sample_is_json_carrying_its_event() {
        for &preset in Preset::ALL {
            let sample = preset.sample("custom.event", "evt_1", 1_705_314_600);
            let body: serde_json::Value = serde_json::from_slice(&sample.body).unwrap();
            let in_body = body.to_string().contains("\"custom.event\"");
            let in_headers = sample
                .headers
                .iter()
                .any(|(_, value)| value == "custom.event");
            assert!(in_body || in_headers, "{preset}");
        }
    }

    #[test]
    fn ids_differ() {
        assert_ne!(Preset::Stripe.sample_id(), Preset::Stripe.sample_id());
        assert_eq!(Preset::GitHub.sample_id().len(), 36);
    }
}
