//! The extension's socket server (kubequery patch 9, see PATCHES.md): a fixed pool of
//! workers, each connection read with a byte budget per request and an idle timeout, so a
//! client that connects and says nothing, or sends a hostile length, costs one worker for a
//! few seconds at most and never the process.

use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use thrift::protocol::TBinaryOutputProtocol;
use thrift::server::TProcessor;
use thrift::transport::{TBufferedReadTransport, TBufferedWriteTransport};

use crate::bounded_protocol::{BoundedBinaryInputProtocol, MAX_REQUEST_BYTES};

/// Calls served at once, as thrift's `TServer` did for the upstream crate.
const WORKERS: usize = 10;
/// Accepted connections waiting for a worker; more are closed at once (osqueryd retries).
const QUEUE: usize = 4 * WORKERS;
/// How long a connection may stay silent (before or between requests).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long writing a response may block on a reader that does not read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// Accepts connections until `stop` is set (checked after each accept: the server's shutdown
/// wakes the loop with a connection of its own).
pub fn serve<P: TProcessor + Send + Sync + 'static>(listener: UnixListener, processor: Arc<P>, stop: Arc<AtomicBool>) {
    let (queue, waiting) = mpsc::sync_channel::<UnixStream>(QUEUE);
    let waiting = Arc::new(Mutex::new(waiting));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let waiting = waiting.clone();
            let processor = processor.clone();
            thread::spawn(move || work(&waiting, &*processor))
        })
        .collect();
    for stream in listener.incoming() {
        if stop.load(Ordering::Acquire) {
            break;
        }
        match stream {
            Ok(stream) => match queue.try_send(stream) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => log::warn!("every extension worker is busy; closing a new connection"),
                Err(TrySendError::Disconnected(_)) => break,
            },
            Err(e) => log::warn!("failed to accept a connection on the extension socket: {e}"),
        }
    }
    drop(queue);
    for worker in workers {
        let _ = worker.join();
    }
}

fn work<P: TProcessor>(waiting: &Mutex<Receiver<UnixStream>>, processor: &P) {
    loop {
        let next = match waiting.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(stream) = next else { return };
        if let Err(e) = connection(stream, processor) {
            log::debug!("extension connection ended: {e}");
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
    let mut output = TBinaryOutputProtocol::new(TBufferedWriteTransport::new(stream), true);
    loop {
        if let Err(e) = processor.process(&mut input, &mut output) {
            return Err(std::io::Error::other(e.to_string()));
        }
    }
}
