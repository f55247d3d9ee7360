//! The extension's socket server (kubequery patches 9 and 13, see PATCHES.md): a thread per
//! connection, up to a cap, each connection read with a byte budget per request and an idle
//! timeout. A client that connects and says nothing, or sends a hostile length, costs one
//! thread for a few seconds at most and never the process. Long `generate` calls hold only
//! their own connection's thread, so osqueryd's pings (a fresh connection each) are always
//! answered however many calls are running: what limits concurrent work is the extension's
//! own admission of calls, not this socket.

use std::cell::RefCell;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use thrift::protocol::TBinaryOutputProtocol;
use thrift::server::TProcessor;
use thrift::transport::{TBufferedReadTransport, TBufferedWriteTransport};

use crate::bounded_protocol::{BoundedBinaryInputProtocol, MAX_REQUEST_BYTES};

/// Connections served at once; more are closed at once (osqueryd retries). Far above what
/// osqueryd opens (two per table call plus a ping per interval), so only a flood hits it.
const MAX_CONNECTIONS: usize = 256;
/// How long a connection may stay silent (before or between requests).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long writing a response may block on a reader that does not read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// Stack of a connection thread: the table code that runs on it keeps its data on the heap.
const STACK_BYTES: usize = 1 << 20;

thread_local! {
    /// The connection whose request this thread is processing.
    static CALLER: RefCell<Option<UnixStream>> = const { RefCell::new(None) };
}

/// Whether the client of the request this thread is processing has closed its connection
/// (osqueryd gave up on the call after `--thrift_timeout`, or the process went away), so the
/// work can stop. False outside a request, and when the client is still there.
pub fn caller_hung_up() -> bool {
    CALLER.with(|caller| {
        let caller = caller.borrow();
        let Some(stream) = caller.as_ref() else { return false };
        // A peek that does not block: end of stream means the client closed its side.
        match rustix::net::recv(stream, &mut [0u8; 1], rustix::net::RecvFlags::PEEK | rustix::net::RecvFlags::DONTWAIT)
        {
            Ok((0, _)) => true,
            Ok(_) => false,
            Err(e) => e != rustix::io::Errno::AGAIN && e != rustix::io::Errno::INTR,
        }
    })
}

/// Accepts connections until `stop` is set (checked after each accept: the server's shutdown
/// wakes the loop with a connection of its own).
pub fn serve<P: TProcessor + Send + Sync + 'static>(listener: UnixListener, processor: Arc<P>, stop: Arc<AtomicBool>) {
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        if stop.load(Ordering::Acquire) {
            break;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                log::warn!("failed to accept a connection on the extension socket: {e}");
                continue;
            }
        };
        if open.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
            open.fetch_sub(1, Ordering::AcqRel);
            log::warn!("{MAX_CONNECTIONS} connections are open on the extension socket; closing a new one");
            continue;
        }
        let (processor, done) = (processor.clone(), open.clone());
        let spawned = thread::Builder::new().name("osquery-call".into()).stack_size(STACK_BYTES).spawn(move || {
            if let Err(e) = connection(stream, &*processor) {
                log::debug!("extension connection ended: {e}");
            }
            done.fetch_sub(1, Ordering::AcqRel);
        });
        if let Err(e) = spawned {
            open.fetch_sub(1, Ordering::AcqRel);
            log::warn!("cannot start a thread for a connection on the extension socket: {e}");
        }
    }
}

/// Serves the requests of one connection until it closes, goes idle, or sends something
/// that is not a valid request.
fn connection<P: TProcessor>(stream: UnixStream, processor: &P) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let mut input =
        BoundedBinaryInputProtocol::new(TBufferedReadTransport::new(stream.try_clone()?), MAX_REQUEST_BYTES);
    let caller = stream.try_clone()?;
    let mut output = TBinaryOutputProtocol::new(TBufferedWriteTransport::new(stream), true);
    CALLER.with(|c| *c.borrow_mut() = Some(caller));
    let result = loop {
        if let Err(e) = processor.process(&mut input, &mut output) {
            break Err(std::io::Error::other(e.to_string()));
        }
    };
    CALLER.with(|c| *c.borrow_mut() = None);
    result
}
