//! Each preset's sample event, in the payload shape its provider documents.

use base64::Engine as _;

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
            Self::Twilio => "message.received",
            Self::Square => "payment.updated",
            Self::HubSpot => "contact.propertyChange",
            Self::Paystack => "charge.success",
            Self::Intercom => "conversation.user.created",
            #[cfg(feature = "ed25519")]
            Self::Discord => "application_command",
            #[cfg(feature = "p256")]
            Self::SendGrid => "delivered",
            Self::GitLab => "Push Hook",
            Self::Zoom => "meeting.started",
            Self::X => "favorite_events",
            Self::Meta => "messages",
            Self::Twitch => "channel.follow",
            Self::Dropbox => "list_folder",
            Self::Okta => "user.session.start",
            Self::Linear => "Issue",
            Self::Paddle => "transaction.completed",
            Self::MicrosoftGraph => "created",
            Self::Asana => "changed",
            Self::Notion => "page.created",
            Self::Bitbucket => "repo:push",
            Self::Jira => "jira:issue_created",
            Self::Sentry => "issue.created",
            Self::Vercel => "deployment.succeeded",
            Self::Typeform => "form_response",
            Self::Calendly => "invitee.created",
            Self::Mux => "video.asset.ready",
            Self::LemonSqueezy => "order_created",
            Self::Razorpay => "payment.captured",
            Self::Coinbase => "charge:confirmed",
            Self::Zendesk => "zen:event-type:ticket.created",
            Self::WooCommerce => "order.created",
            Self::Postmark => "Delivery",
            Self::Box => "FILE.UPLOADED",
            Self::Mailgun => "delivered",
            #[cfg(feature = "p256")]
            Self::Plaid => "SYNC_UPDATES_AVAILABLE",
            #[cfg(feature = "rsa")]
            Self::PayPal => "PAYMENT.CAPTURE.COMPLETED",
            #[cfg(feature = "rsa")]
            Self::MicrosoftGraphRich => "created",
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
            Self::Twitch | Self::GitLab | Self::Linear | Self::Okta | Self::Notion => format!(
                "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
                high >> 32,
                (high >> 16) & 0xffff,
                high & 0xfff,
                low >> 52,
                low & 0xffff_ffff_ffff
            ),
            Self::Paddle => format!("ntf_{high:016x}{low:010x}"),
            Self::Jira
            | Self::Bitbucket
            | Self::Sentry
            | Self::Calendly
            | Self::Coinbase
            | Self::Zendesk
            | Self::Postmark
            | Self::Box => format!(
                "{:08x}-{:04x}-4{:03x}-b{:03x}-{:012x}",
                high >> 32,
                (high >> 16) & 0xffff,
                high & 0xfff,
                low >> 52,
                low & 0xffff_ffff_ffff
            ),
            Self::Vercel | Self::Typeform | Self::Mux | Self::LemonSqueezy | Self::WooCommerce => {
                format!("evt_{high:016x}{low:08x}")
            }
            Self::Razorpay => format!("evt_{:014x}", high >> 8),
            // Mailgun's event ids: 22 characters of URL-safe base64.
            Self::Mailgun => {
                let bytes = [high.to_be_bytes(), low.to_be_bytes()].concat();
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes[..16])
            }
            #[cfg(feature = "ed25519")]
            Self::Discord => format!("{}", high >> 1),
            Self::Paystack => format!("{}", high >> 20),
            Self::Sentimatrix => format!("del_{high:016x}"),
            Self::SocialMediaPlatform
            | Self::DataFlow
            | Self::ProposalGenerator
            | Self::DcisionAi
            | Self::Stripe
            | Self::Slack
            | Self::Shopify
            | Self::Twilio
            | Self::Square
            | Self::HubSpot
            | Self::Intercom
            | Self::Zoom
            | Self::X
            | Self::Meta
            | Self::Dropbox
            | Self::MicrosoftGraph
            | Self::Asana => format!("evt_{high:016x}{low:08x}"),
            #[cfg(feature = "p256")]
            Self::SendGrid => format!("evt_{high:016x}{low:08x}"),
            // An item id: Plaid's webhooks carry no delivery id.
            #[cfg(feature = "p256")]
            Self::Plaid => format!("{high:016x}{low:016x}"),
            // `WH-` and two groups of 17 (PayPal's event ids).
            #[cfg(feature = "rsa")]
            Self::PayPal => format!("WH-{:017X}-{:017X}", high >> 4, low >> 4),
            // A Teams message id: Graph sends no delivery id.
            #[cfg(feature = "rsa")]
            Self::MicrosoftGraphRich => format!("{}", high >> 23),
        }
    }

    /// The preset's sample event, of type `event`, identified by `id` (where the
    /// provider puts it in the body), created at `now` (unix seconds).
    #[allow(
        clippy::too_many_lines,
        reason = "one arm per provider: read as a table"
    )]
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
                headers.push(("X-Shopify-API-Version".to_owned(), "2026-01".to_owned()));
                format!(
                    r#"{{"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508","email":"jon@example.com","created_at":{time},"total_price":"403.00","currency":"USD"}}"#
                )
            }
            Self::Twilio => {
                "application/x-www-form-urlencoded".clone_into(&mut headers[0].1);
                let sid = unquote(&id);
                format!(
                    "AccountSid=AC00000000000000000000000000000000&MessageSid=SM{}&From=%2B14158675309&To=%2B18005551212&Body=Hello+from+a+sample&EventType={}",
                    sid.trim_start_matches("evt_"),
                    unquote(&event).replace('.', "%2E")
                )
            }
            Self::Square => format!(
                r#"{{"merchant_id":"6SSW7HV8K2ST5","type":{event},"event_id":{id},"created_at":{time},"data":{{"type":"payment","id":"KkAkhdMsgzn59SM8A89WgKwekxLZY","object":{{"payment":{{"id":"KkAkhdMsgzn59SM8A89WgKwekxLZY","status":"COMPLETED","amount_money":{{"amount":100,"currency":"USD"}}}}}}}}}}"#
            ),
            Self::HubSpot => format!(
                r#"[{{"eventId":{id},"subscriptionId":1234,"portalId":62515,"appId":54321,"occurredAt":{millis},"subscriptionType":{event},"attemptNumber":0,"objectId":123,"propertyName":"email","propertyValue":"jane@example.com"}}]"#,
                millis = now * 1000
            ),
            Self::Paystack => format!(
                r#"{{"event":{event},"data":{{"id":{id},"domain":"test","status":"success","reference":"ref_sample","amount":10000,"currency":"NGN","paid_at":{time}}}}}"#
            ),
            Self::Intercom => format!(
                r#"{{"type":"notification_event","app_id":"abc123","id":{id},"topic":{event},"created_at":{now},"delivery_attempts":1,"data":{{"item":{{"type":"conversation","id":"1"}}}}}}"#
            ),
            #[cfg(feature = "ed25519")]
            Self::Discord => format!(
                r#"{{"application_id":"1100000000000000000","id":{id},"type":2,"token":"sample-token","version":1,"data":{{"id":"1300000000000000000","name":"ping","type":1}},"event":{event}}}"#
            ),
            #[cfg(feature = "p256")]
            Self::SendGrid => format!(
                "[{{\"email\":\"jane@example.com\",\"event\":{event},\"sg_event_id\":{id},\"sg_message_id\":\"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0\",\"timestamp\":{now}}}]\r\n"
            ),
            Self::GitLab => {
                headers.push(("X-Gitlab-Event".to_owned(), unquote(&event)));
                format!(
                    r#"{{"object_kind":"push","event_name":"push","ref":"refs/heads/main","checkout_sha":"da1560886d4f094c3e6c9ef40349f7d38b5d27d7","project":{{"id":15,"name":"Example"}},"total_commits_count":1,"created_at":{time}}}"#
                )
            }
            Self::Zoom => format!(
                r#"{{"event":{event},"event_ts":{millis},"payload":{{"account_id":"AAAAAABBBB","object":{{"id":"1234567890","uuid":{id},"topic":"Sample meeting","start_time":{time}}}}}}}"#,
                millis = now * 1000
            ),
            Self::X => format!(
                r#"{{"for_user_id":"2244994945","{}":[{{"id":{id},"created_at":{time},"favorited_status":{{"id_str":"1000000000000000000"}}}}]}}"#,
                unquote(&event)
            ),
            Self::Meta => format!(
                r#"{{"object":"page","entry":[{{"id":"102040608","time":{millis},"messaging":[{{"sender":{{"id":"1254459154682919"}},"recipient":{{"id":"102040608"}},"timestamp":{millis},"message":{{"mid":{id},"text":"hello"}}}}],"field":{event}}}]}}"#,
                millis = now * 1000
            ),
            Self::Twitch => {
                headers.push((
                    "Twitch-Eventsub-Message-Type".to_owned(),
                    "notification".to_owned(),
                ));
                headers.push((
                    "Twitch-Eventsub-Subscription-Type".to_owned(),
                    unquote(&event),
                ));
                format!(
                    r#"{{"subscription":{{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","type":{event},"version":"2","status":"enabled","created_at":{time}}},"event":{{"user_id":"1337","user_login":"awesome_user","broadcaster_user_id":"12826","followed_at":{time}}}}}"#
                )
            }
            Self::Dropbox => format!(
                r#"{{"{}":{{"accounts":["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]}},"delta":{{"users":[12345678]}}}}"#,
                unquote(&event)
            ),
            Self::Okta => format!(
                r#"{{"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","cloudEventsVersion":"0.1","source":"https://example.okta.com/api/v1/eventHooks/who8vt36qfNpCGz9H1e6","eventId":{id},"data":{{"events":[{{"eventType":{event},"published":{time}}}]}},"eventTime":{time},"contentType":"application/json"}}"#
            ),
            Self::Linear => format!(
                r#"{{"action":"create","type":{event},"data":{{"id":"2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9","title":"Sample issue"}},"url":"https://linear.app/example/issue/EX-1","createdAt":{time},"webhookId":"000042e3-d123-4980-b49f-8e140eef9329","webhookTimestamp":{millis}}}"#,
                millis = now * 1000
            ),
            Self::Paddle => format!(
                r#"{{"event_id":"evt_01hv8x2acma2gz1ntwxhrv7rxs","event_type":{event},"occurred_at":{time},"notification_id":{id},"data":{{"id":"txn_01hv8wptq8987qeep44cyrewp9","status":"completed","currency_code":"USD"}}}}"#
            ),
            // The signer writes each item's `clientState` (`Signer::sign_body`).
            Self::MicrosoftGraph => format!(
                r##"{{"value":[{{"subscriptionId":"7f105c7d-2dc5-4530-97cd-4e7ae6534c07","subscriptionExpirationDateTime":{time},"changeType":{event},"resource":"Users/8a1c3f2e-5b7d-4e9a-a1c3-5e7f9b1d3a5c/Messages/{message}","resourceData":{{"@odata.type":"#Microsoft.Graph.Message","id":{id}}},"tenantId":"84bd8158-6d4d-4958-8b9f-9d6445542f95"}}]}}"##,
                message = unquote(&id)
            ),
            Self::Asana => format!(
                r#"{{"events":[{{"user":{{"gid":"1201234567890","resource_type":"user"}},"created_at":{time},"action":{event},"resource":{{"gid":"1209876543210","resource_type":"task","resource_subtype":"default_task"}},"change":{{"field":"completed","action":"changed"}},"parent":null}}]}}"#
            ),
            Self::Notion => format!(
                r#"{{"id":{id},"timestamp":{time},"workspace_id":"13950b26-c203-4f3b-b97d-93ec06319565","subscription_id":"29d75c0d-5546-4414-8459-7b7a92f1fc4b","integration_id":"0ef2e755-4912-8096-91c1-00376a88a5ca","type":{event},"authors":[{{"id":"c7c11cca-1d73-471d-9b6e-bdef51470190","type":"person"}}],"attempt_number":1,"entity":{{"id":"153104cd-477e-809d-8dc4-ff2d96ae3090","type":"page"}},"data":{{"parent":{{"id":"13950b26-c203-8f3b-b97d-93ec06319565","type":"space"}}}}}}"#
            ),
            Self::Bitbucket => {
                headers.push(("X-Event-Key".to_owned(), unquote(&event)));
                format!(
                    r#"{{"push":{{"changes":[{{"new":{{"type":"branch","name":"main","target":{{"hash":"709d658dc5b6d6afcd46049c2f332ee3f515a67d","date":{time}}}}}}}]}},"repository":{{"full_name":"team/repo","uuid":"{{b8c3a6a4-8b3c-4d1e-9f2a-1c2d3e4f5a6b}}"}},"actor":{{"display_name":"Jane Doe"}}}}"#
                )
            }
            Self::Jira => format!(
                r#"{{"timestamp":{millis},"webhookEvent":{event},"issue_event_type_name":"issue_created","issue":{{"id":"10002","key":"EX-2","fields":{{"summary":"Sample issue","created":{time}}}}}}}"#,
                millis = now * 1000
            ),
            Self::Sentry => {
                headers.push(("Sentry-Hook-Resource".to_owned(), "issue".to_owned()));
                format!(
                    r#"{{"action":"created","installation":{{"uuid":"7a485448-a9e2-4c85-8a3c-4f44175783c9"}},"data":{{"issue":{{"id":"1170820242","title":"Error: sample","culprit":"sample.js","firstSeen":{time}}}}},"actor":{{"type":"application","id":"sentry","name":"Sentry"}},"type":{event}}}"#
                )
            }
            Self::Vercel => format!(
                r#"{{"id":{id},"type":{event},"createdAt":{millis},"payload":{{"deployment":{{"id":"dpl_2euZBFqxYdDMDG1jTrHFnNZ2eUVa","url":"sample-app-git-main.vercel.app"}},"project":{{"id":"prj_12HKQaOmR5t5Uy6vdcQsNIiZgHGB"}}}}}}"#,
                millis = now * 1000
            ),
            Self::Typeform => format!(
                r#"{{"event_id":{id},"event_type":{event},"form_response":{{"form_id":"lT4Z3j","token":"a3a12ec67a1365927098a606107fac15","submitted_at":{time},"answers":[{{"type":"text","text":"Lorem ipsum","field":{{"id":"DlXFaesGBpoF","type":"long_text"}}}}]}}}}"#
            ),
            Self::Calendly => format!(
                r#"{{"event":{event},"created_at":{time},"created_by":"https://api.calendly.com/users/AAAAAAAAAAAAAAAA","payload":{{"email":"jane@example.com","name":"Jane Doe","status":"active","uri":"https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/{invitee}"}}}}"#,
                invitee = unquote(&id)
            ),
            Self::Mux => format!(
                r#"{{"type":{event},"object":{{"type":"asset","id":"0201p02fGKPE7MrbC269XRD7LpcHhrmbu0002"}},"id":{id},"environment":{{"name":"Production","id":"j0863n"}},"data":{{"status":"ready","id":"0201p02fGKPE7MrbC269XRD7LpcHhrmbu0002"}},"created_at":{time},"attempts":[]}}"#
            ),
            Self::LemonSqueezy => {
                headers.push(("X-Event-Name".to_owned(), unquote(&event)));
                format!(
                    r#"{{"meta":{{"event_name":{event},"custom_data":{{"customer_id":25}}}},"data":{{"type":"orders","id":"1","attributes":{{"store_id":1,"status":"paid","total":999,"currency":"USD","created_at":{time}}}}}}}"#
                )
            }
            Self::Razorpay => format!(
                r#"{{"entity":"event","account_id":"acc_BFQ7uQEaa7j2z7","event":{event},"contains":["payment"],"payload":{{"payment":{{"entity":{{"id":"pay_DESlfW9H8K9uqM","entity":"payment","amount":100,"currency":"INR","status":"captured"}}}}}},"created_at":{now}}}"#
            ),
            Self::Coinbase => format!(
                r#"{{"attempt_number":1,"event":{{"api_version":"2018-03-22","created_at":{time},"data":{{"code":"66BEOV2A","name":"The Sovereign Individual","pricing_type":"fixed_price"}},"id":{id},"resource":"event","type":{event}}},"id":"1f74b1a5-b6e9-4fbd-8a0b-5f1e2a3b4c5d","scheduled_for":{time}}}"#
            ),
            Self::Zendesk => format!(
                r#"{{"type":{event},"account_id":22129848,"id":{id},"time":{time},"zendesk_event_version":"2022-11-06","subject":"zen:ticket:1","detail":{{"id":"1","status":"OPEN","subject":"Sample ticket"}}}}"#
            ),
            Self::WooCommerce => {
                headers.push(("X-WC-Webhook-Topic".to_owned(), unquote(&event)));
                headers.push((
                    "X-WC-Webhook-Source".to_owned(),
                    "https://shop.example.com/".to_owned(),
                ));
                format!(
                    r#"{{"id":727,"status":"processing","currency":"USD","date_created":{time},"total":"29.35","billing":{{"first_name":"John","email":"john.doe@example.com"}},"line_items":[{{"id":315,"name":"Woo Single #1","quantity":2}}]}}"#
                )
            }
            Self::Box => {
                headers.push(("BOX-SIGNATURE-VERSION".to_owned(), "1".to_owned()));
                headers.push((
                    "BOX-SIGNATURE-ALGORITHM".to_owned(),
                    "HmacSHA256".to_owned(),
                ));
                format!(
                    r#"{{"type":"webhook_event","id":{id},"created_at":{time},"trigger":{event},"webhook":{{"id":"1234567890"}},"source":{{"id":"1234567890","type":"file","name":"Test.txt"}}}}"#
                )
            }
            // As Plaid sends it: indented by two spaces, keys in order.
            #[cfg(feature = "p256")]
            Self::Plaid => format!(
                "{{\n  \"environment\": \"sandbox\",\n  \"historical_update_complete\": false,\n  \"initial_update_complete\": true,\n  \"item_id\": {id},\n  \"webhook_code\": {event},\n  \"webhook_type\": \"TRANSACTIONS\"\n}}"
            ),
            #[cfg(feature = "rsa")]
            Self::PayPal => format!(
                r#"{{"id":{id},"event_version":"1.0","create_time":{time},"resource_type":"capture","resource_version":"2.0","event_type":{event},"summary":"Payment completed for $ 10.0 USD","resource":{{"id":"42311647XV020574X","status":"COMPLETED","amount":{{"currency_code":"USD","value":"10.00"}},"final_capture":true,"create_time":{time}}}}}"#
            ),
            // A Teams channel message with its resource data; the signer writes the
            // `validationTokens` (`Signer::sign_body`).
            #[cfg(feature = "rsa")]
            Self::MicrosoftGraphRich => format!(
                r##"{{"value":[{{"subscriptionId":"76619225-ff6b-4489-96ca-4ef547e78b22","subscriptionExpirationDateTime":{time},"changeType":{event},"resource":"teams('fbe2bf47-16c8-47cf-b4a5-4b9b187c508b')/channels('19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2')/messages('{message}')","resourceData":{{"id":{id},"@odata.type":"#Microsoft.Graph.chatMessage","@odata.id":"teams('fbe2bf47-16c8-47cf-b4a5-4b9b187c508b')/channels('19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2')/messages('{message}')"}},"tenantId":"84bd8158-6d4d-4958-8b9f-9d6445542f95"}}]}}"##,
                message = unquote(&id)
            ),
            // The signer writes `signature` (`Signer::sign_body`).
            Self::Mailgun => format!(
                r#"{{"event-data":{{"id":{id},"event":{event},"timestamp":{now}.0,"recipient":"alice@example.com","message":{{"headers":{{"message-id":"20240115103000.1.A1B2C3@mg.example.com","subject":"Sample message"}}}},"delivery-status":{{"code":250,"message":"OK"}}}}}}"#
            ),
            Self::Postmark => format!(
                r#"{{"RecordType":{event},"ServerID":23,"MessageStream":"outbound","MessageID":{id},"Recipient":"john@example.com","Tag":"welcome-email","DeliveredAt":{time},"Details":"Test delivery webhook details","Metadata":{{"a_key":"a_value"}}}}"#
            ),
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
            if preset == Preset::Twilio {
                // A form, as Twilio posts it.
                let text = String::from_utf8(sample.body).unwrap();
                assert!(text.contains("EventType=custom%2Eevent"), "{text}");
                continue;
            }
            let body: serde_json::Value = serde_json::from_slice(&sample.body).unwrap();
            let in_body = body.to_string().contains("\"custom.event\"")
                || body.to_string().contains("\"custom.event\":");
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
