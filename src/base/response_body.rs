//! The body of every response: whole bytes (almost every answer), or chunks made one at a time
//! as the client reads them (the journal listing, so a client that never reads holds no
//! formatted copy of the journal in memory).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

/// A response body.
pub enum MockBody {
    /// All of it, sent in one frame (`None` once sent).
    Whole(Option<Bytes>),
    /// Made chunk by chunk, each when hyper asks for it (its length is not known ahead).
    Chunks(Box<dyn Iterator<Item = Bytes> + Send>),
    /// An upstream's answer, streamed through as it arrives (`--upstream`); a broken stream
    /// ends the body.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    Stream(hyper::body::Incoming),
}

impl std::fmt::Debug for MockBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MockBody::Whole(bytes) => f
                .debug_tuple("Whole")
                .field(&bytes.as_ref().map(Bytes::len))
                .finish(),
            MockBody::Chunks(_) => f.write_str("Chunks(..)"),
            MockBody::Stream(_) => f.write_str("Stream(..)"),
        }
    }
}

impl MockBody {
    /// An empty body.
    pub fn empty() -> MockBody {
        MockBody::Whole(None)
    }

    /// The bytes of a whole body (none for a streamed one).
    pub fn whole(&self) -> &[u8] {
        match self {
            MockBody::Whole(Some(bytes)) => bytes,
            _ => &[],
        }
    }
}

impl From<Bytes> for MockBody {
    fn from(bytes: Bytes) -> MockBody {
        MockBody::Whole(Some(bytes))
    }
}

impl From<String> for MockBody {
    fn from(text: String) -> MockBody {
        MockBody::Whole(Some(Bytes::from(text)))
    }
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let next = match self.get_mut() {
            MockBody::Whole(bytes) => bytes.take().filter(|b| !b.is_empty()),
            MockBody::Chunks(chunks) => chunks.next(),
            MockBody::Stream(incoming) => {
                return match Pin::new(incoming).poll_frame(cx) {
                    Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(frame))),
                    Poll::Ready(Some(Err(_)) | None) => Poll::Ready(None),
                    Poll::Pending => Poll::Pending,
                };
            }
        };
        Poll::Ready(next.map(|data| Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        match self {
            MockBody::Whole(None) => true,
            MockBody::Whole(Some(b)) => b.is_empty(),
            MockBody::Stream(incoming) => incoming.is_end_stream(),
            MockBody::Chunks(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            MockBody::Whole(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            MockBody::Chunks(_) => SizeHint::default(),
            MockBody::Stream(incoming) => incoming.size_hint(),
        }
    }
}
