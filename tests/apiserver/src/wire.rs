//! How responses travel: gzip as kube-apiserver does it, and an optional bandwidth limit
//! shared by every response, as one network link between the client and the server would be.

use std::io::{self, Write as _};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Response};
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use tokio::time::Sleep;

use crate::server::ResponseBody;

/// kube-apiserver compresses a response of at least 128 KiB when the client accepts gzip
/// (`defaultGzipThresholdBytes`), at level 1 (`defaultGzipContentEncodingLevel`).
const GZIP_THRESHOLD: usize = 128 * 1024;
const GZIP_LEVEL: u32 = 1;

/// Bytes a throttled response is sent in: small enough to pace smoothly.
const CHUNK: usize = 64 * 1024;

/// How long the link must go unused before it counts as idle.
const IDLE: Duration = Duration::from_millis(5);

/// Whether `Accept-Encoding` names gzip (with a non-zero weight).
pub(crate) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(http::header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|value| {
        value.split(',').any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let gzip = parts.next().is_some_and(|name| name.eq_ignore_ascii_case("gzip"));
            let refused = parts.any(|p| p.strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()) == Some(0.0));
            gzip && !refused
        })
    })
}

/// The response as kube-apiserver would send it to a client that does (or does not) accept
/// gzip: bodies of 128 KiB and more compressed at level 1.
pub(crate) async fn encode(response: Response<ResponseBody>, gzip: bool) -> Response<ResponseBody> {
    if !gzip {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Every body the server builds is whole in memory, and cannot fail.
    let bytes = body.collect().await.map(http_body_util::Collected::to_bytes).unwrap_or_default();
    let body = if bytes.len() >= GZIP_THRESHOLD {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(GZIP_LEVEL));
        match encoder.write_all(&bytes).and_then(|()| encoder.finish()) {
            Ok(compressed) => {
                parts.headers.insert(http::header::CONTENT_ENCODING, http::HeaderValue::from_static("gzip"));
                Bytes::from(compressed)
            }
            Err(_) => bytes,
        }
    } else {
        bytes
    };
    parts.headers.insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(body.len()));
    Response::from_parts(parts, http_body_util::Full::new(body).map_err(|never| match never {}).boxed())
}

/// One network link of a fixed bandwidth: responses share it, each chunk taking its turn.
pub(crate) struct Link {
    bytes_per_second: u64,
    /// When the link finishes sending what it was given so far.
    free_at: Mutex<Instant>,
}

impl Link {
    pub(crate) fn new(bytes_per_second: u64) -> Self {
        Link { bytes_per_second: bytes_per_second.max(1), free_at: Mutex::new(Instant::now()) }
    }

    /// Reserves the link for `bytes`; returns when they have been sent.
    fn reserve(&self, bytes: usize) -> Instant {
        let mut free_at = self.free_at.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        // A timer wakes up to a millisecond late; a link busy until then has not idled, so
        // the next chunk follows the last one's schedule rather than the late wake-up.
        let start = if now > *free_at + IDLE { now } else { *free_at };
        *free_at = start + Duration::from_secs_f64(bytes as f64 / self.bytes_per_second as f64);
        *free_at
    }
}

/// `response`, its body delivered over `link`.
pub(crate) fn throttle(response: Response<ResponseBody>, link: Arc<Link>) -> Response<ResponseBody> {
    let (parts, body) = response.into_parts();
    Response::from_parts(parts, Throttled { body, link, pending: Bytes::new(), wait: None }.boxed())
}

/// A body whose chunks are released only as fast as the link sends them.
struct Throttled {
    body: ResponseBody,
    link: Arc<Link>,
    /// Data from `body` not yet released.
    pending: Bytes,
    /// The chunk being sent, and when it arrives.
    wait: Option<(Bytes, Pin<Box<Sleep>>)>,
}

impl Body for Throttled {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        loop {
            if let Some((_, sleep)) = &mut self.wait {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                let (chunk, _) = self.wait.take().expect("a chunk on its way");
                return Poll::Ready(Some(Ok(Frame::data(chunk))));
            }
            if !self.pending.is_empty() {
                let take = self.pending.len().min(CHUNK);
                let chunk = self.pending.split_to(take);
                let arrives = self.link.reserve(chunk.len());
                self.wait = Some((chunk, Box::pin(tokio::time::sleep_until(arrives.into()))));
                continue;
            }
            match Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => self.pending = data,
                    Err(frame) => return Poll::Ready(Some(Ok(frame))),
                },
                other => return other,
            }
        }
    }
}
