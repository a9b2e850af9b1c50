//! Reading a request body once: digest each chunk as it arrives, keep the bytes for
//! the handler, stop at the limit.

use std::future::{Future as _, poll_fn};
use std::pin::pin;
use std::task::Poll;

use bytes::{Bytes, BytesMut};
use http_body::Body;
use http_body_util::BodyExt as _;
use webhook_verify::{Outcome, PendingVerification, Receiver};

/// Reads `body` to its end within the receiver's limit and timeout.
pub(crate) async fn read<B, St>(
    receiver: &Receiver<St>,
    pending: &mut PendingVerification,
    body: B,
    content_length: Option<u64>,
) -> Result<Bytes, Outcome>
where
    B: Body<Data = Bytes>,
    B::Error: std::fmt::Display,
{
    let reading = async {
        let mut body = pin!(body);
        let mut first: Option<Bytes> = None;
        let mut joined: Option<BytesMut> = None;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|error| receiver.body_error(error))?;
            let Ok(chunk) = frame.into_data() else {
                continue; // trailers are not signed
            };
            if chunk.is_empty() {
                continue;
            }
            receiver.update(pending, &chunk)?;
            if let Some(joined) = joined.as_mut() {
                joined.extend_from_slice(&chunk);
            } else if let Some(previous) = first.take() {
                let capacity = content_length
                    .unwrap_or(0)
                    .min(receiver.limit())
                    .max(pending.body_len());
                let mut buffer = BytesMut::with_capacity(usize::try_from(capacity).unwrap_or(0));
                buffer.extend_from_slice(&previous);
                buffer.extend_from_slice(&chunk);
                joined = Some(buffer);
            } else {
                first = Some(chunk);
            }
        }
        Ok(joined.map(BytesMut::freeze).or(first).unwrap_or_default())
    };
    // A small body is usually complete when the request arrives: read it without
    // arming a timer, and start the clock only if the body has to be waited for.
    let mut reading = pin!(reading);
    let first_poll = poll_fn(|cx| Poll::Ready(reading.as_mut().poll(cx))).await;
    match first_poll {
        Poll::Ready(result) => result,
        Poll::Pending => tokio::time::timeout(receiver.timeout(), reading)
            .await
            .unwrap_or_else(|_| Err(receiver.body_timeout())),
    }
}
