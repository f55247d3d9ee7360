//! One HTTP GET against a cluster, with bounded retries for what is worth retrying.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt;
use serde::Deserialize;

use super::error::{Attempt, Failure, Transport};

/// Attempts after the first for 5xx, 429, timeouts and broken connections.
const RETRIES: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

#[derive(Deserialize)]
struct Status {
    #[serde(default)]
    message: String,
}

fn retryable(code: u16) -> bool {
    matches!(code, 429 | 500 | 502 | 503 | 504)
}

/// GETs `path_and_query` with `accept`, returning the body of a 2xx response.
pub(crate) async fn get(
    client: &kube::Client,
    cluster: &str,
    path_and_query: &str,
    accept: &str,
) -> Result<Bytes, Failure> {
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let started = Instant::now();
        let outcome = once(client, path_and_query, accept).await;
        let retry_reason = match outcome {
            Ok((code, body)) if (200..300).contains(&code) => {
                tracing::debug!(
                    "{cluster}: GET {path_and_query} -> {code}, {} bytes in {} ms",
                    body.len(),
                    started.elapsed().as_millis()
                );
                return Ok(body);
            }
            Ok((code, body)) => {
                let message = serde_json::from_slice::<Status>(&body)
                    .map_or_else(|_| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(), |s| s.message);
                tracing::info!("{cluster}: GET {path_and_query} -> {code}: {message}");
                if !retryable(code) {
                    return Err(Failure::Status { code, message });
                }
                Attempt::Status { code, message }
            }
            Err(e) => {
                tracing::info!("{cluster}: GET {path_and_query} failed: {e}");
                Attempt::Transport(e)
            }
        };
        if attempt > RETRIES {
            return Err(Failure::Exhausted { attempts: attempt, last: retry_reason });
        }
        tracing::debug!("{cluster}: retrying in {} ms", backoff.as_millis());
        tokio::time::sleep(backoff).await;
        backoff *= 2;
    }
}

/// The largest response body read: a page is 500 objects, and etcd keeps objects under
/// 1.5 MiB, so a real List page stays well below; a larger body is refused, not buffered.
pub(crate) const MAX_RESPONSE_BYTES: usize = 1 << 30;

async fn once(client: &kube::Client, path_and_query: &str, accept: &str) -> Result<(u16, Bytes), Transport> {
    let request = http::Request::get(path_and_query)
        .header(http::header::ACCEPT, accept)
        .body(kube::client::Body::empty())
        .map_err(Transport::Request)?;
    let response = client.send(request).await?;
    let code = response.status().as_u16();
    let body = read_body(response.into_body(), MAX_RESPONSE_BYTES).await?;
    Ok((code, body))
}

/// The whole body, or an error once it passes `limit` bytes.
async fn read_body<B>(body: B, limit: usize) -> Result<Bytes, Transport>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err(Transport::TooLarge { limit }),
        Err(e) => Err(Transport::Body(e)),
    }
}

/// Percent-encodes a query component.
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bodies_over_the_limit_are_refused() {
        let body = http_body_util::Full::new(Bytes::from(vec![b'x'; 3 << 20]));
        let error = read_body(body, 2 << 20).await.expect_err("over the limit").to_string();
        assert!(error.contains("larger than 2 MiB"), "{error}");
        let body = http_body_util::Full::new(Bytes::from_static(b"{}"));
        assert_eq!(read_body(body, 2 << 20).await.expect("small"), Bytes::from_static(b"{}"));
    }
}
