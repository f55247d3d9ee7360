//! The transport floor: the time to download every page of a List, over one keep-alive HTTP
//! connection with no client library in the way, and the time to convert those pages with
//! the table's own code compiled natively. No tool can answer a query faster than the two
//! together.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

pub struct Download {
    /// The pages, decompressed.
    pub pages: Vec<Vec<u8>>,
    /// Bytes received: compressed, when the server compressed them.
    pub wire_bytes: usize,
    pub elapsed: Duration,
}

impl Download {
    pub fn bytes(&self) -> usize {
        self.pages.iter().map(Vec::len).sum()
    }
}

/// Downloads `path` (a List) from `url` in pages of `limit`, following `continue`; with
/// `gzip`, accepting compressed pages (each is decompressed to read its `continue` token, as
/// any client must).
pub fn download(url: &str, path: &str, limit: usize, gzip: bool) -> anyhow::Result<Download> {
    let host = url.strip_prefix("http://").context("the fixture server speaks plain HTTP")?.trim_end_matches('/');
    let started = Instant::now();
    let stream = TcpStream::connect(host).with_context(|| format!("connecting to {host}"))?;
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::with_capacity(1 << 20, stream);
    let mut pages = Vec::new();
    let mut wire_bytes = 0;
    let mut token = String::new();
    let encoding = if gzip { "Accept-Encoding: gzip\r\n" } else { "" };
    loop {
        let mut target = format!("{path}?limit={limit}");
        if !token.is_empty() {
            target.push_str("&continue=");
            target.push_str(&token);
        }
        write!(writer, "GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n{encoding}\r\n")?;
        writer.flush()?;
        let (body, gzipped) = read_response(&mut reader)?;
        wire_bytes += body.len();
        let body = if gzipped {
            let mut plain = Vec::with_capacity(body.len() * 10);
            flate2::read::GzDecoder::new(body.as_slice()).read_to_end(&mut plain)?;
            plain
        } else {
            body
        };
        token = continue_token(&body);
        pages.push(body);
        if token.is_empty() {
            break;
        }
    }
    Ok(Download { pages, wire_bytes, elapsed: started.elapsed() })
}

/// The body of one response, and whether it is gzipped.
fn read_response(reader: &mut BufReader<TcpStream>) -> anyhow::Result<(Vec<u8>, bool)> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    if !line.starts_with("HTTP/1.1 200") {
        bail!("unexpected response: {}", line.trim());
    }
    let (mut length, mut gzipped) = (None, false);
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = Some(value.trim().parse::<usize>()?);
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-encoding")
        {
            gzipped = value.trim().eq_ignore_ascii_case("gzip");
        }
    }
    let mut body = vec![0; length.context("response without content-length")?];
    reader.read_exact(&mut body)?;
    Ok((body, gzipped))
}

/// `metadata.continue` of a List page; the server writes metadata before items.
fn continue_token(page: &[u8]) -> String {
    let head = &page[..page.len().min(1024)];
    let text = String::from_utf8_lossy(head);
    text.split_once("\"continue\":\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(token, _)| token.to_string())
        .unwrap_or_default()
}
