//! Reading a request body once: digest each chunk as it arrives, keep the bytes for
//! the handler, stop at the limit.

use std::future::{Future as _, poll_fn};
use std::pin::pin;
use std::task::Poll;

use bytes::Bytes;
use http_body::Body;
use http_body_util::BodyExt as _;
use webhook_verify::{BodyBuffer, Outcome, PendingVerification, Receiver};

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
        let mut buffer = BodyBuffer::new(content_length, receiver.limit());
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|error| receiver.body_error(error))?;
            // Trailers are not signed.
            if let Ok(chunk) = frame.into_data() {
                receiver.update(pending, &chunk)?;
                buffer.push(chunk);
            }
        }
        Ok(buffer.finish())
    };
    // A small body is usually complete when the request arrives: read it without
    // arming a timer, and start the clock only if the body has to be waited for. The
    // timer is boxed: it is rarely needed, and inline it would grow every request's
    // future.
    let mut reading = pin!(reading);
    let first_poll = poll_fn(|cx| Poll::Ready(reading.as_mut().poll(cx))).await;
    match first_poll {
        Poll::Ready(result) => result,
        Poll::Pending => Box::pin(tokio::time::timeout(receiver.timeout(), reading))
            .await
            .unwrap_or_else(|_| Err(receiver.body_timeout())),
    }
}
