//! `wasi:io/poll` that never waits.
//!
//! Epoch interruption stops a component only while its wasm runs; a host call that blocks —
//! `std::thread::sleep`, or polling a clock's pollable — would hold the scan (and an osquery
//! worker) past any deadline. Nothing a table may legitimately wait for exists in its
//! sandbox (no files, no network, in-memory stdio), so this version of `poll` and
//! `pollable.block` answers at once when a pollable is ready and otherwise traps with
//! [`WouldWait`]. It replaces wasmtime-wasi's blocking version in every table's linker.

use std::future::Future;

use wasmtime::component::{HasData, Linker, Resource, ResourceTable};
use wasmtime_wasi::p2::DynPollable;
use wasmtime_wasi::p2::bindings::sync::io::poll;
use wasmtime_wasi_io::bindings::wasi::io::poll::{Host as AsyncPoll, HostPollable as AsyncPollable};

use super::sandbox::Sandbox;

/// The trap of a component that tried to wait.
#[derive(Debug, thiserror::Error)]
#[error("tried to wait (a sleep, or a poll on a timer); tables may not wait, so the call was stopped")]
pub struct WouldWait;

/// How often a pollable is polled before it counts as not ready: a zero-length sleep yields
/// once before it is ready.
const ATTEMPTS: usize = 2;

/// The resource table of one scan, seen through the non-blocking `poll`.
pub(crate) struct NoWait<'a>(&'a mut ResourceTable);

struct HasNoWait;

impl HasData for HasNoWait {
    type Data<'a> = NoWait<'a>;
}

/// Links the non-blocking `wasi:io/poll` over the one wasmtime-wasi added.
pub(crate) fn shadow_poll(linker: &mut Linker<Sandbox>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    poll::add_to_linker::<Sandbox, HasNoWait>(linker, |sandbox| NoWait(sandbox.resources()))?;
    linker.allow_shadowing(false);
    Ok(())
}

/// The output of `future` if it is ready within [`ATTEMPTS`] polls, else [`WouldWait`].
fn now_or_trap<F: Future>(future: F) -> wasmtime::Result<F::Output> {
    // Deadlines are tokio timers, which need a runtime context to be polled.
    wasmtime_wasi::runtime::with_ambient_tokio_runtime(|| {
        let mut future = std::pin::pin!(future);
        for _ in 0..ATTEMPTS {
            if let Some(output) = wasmtime_wasi::runtime::poll_noop(future.as_mut()) {
                return Ok(output);
            }
        }
        Err(WouldWait.into())
    })
}

impl poll::Host for NoWait<'_> {
    fn poll(&mut self, pollables: Vec<Resource<DynPollable>>) -> wasmtime::Result<Vec<u32>> {
        now_or_trap(AsyncPoll::poll(&mut *self.0, pollables))?
    }
}

impl poll::HostPollable for NoWait<'_> {
    fn ready(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<bool> {
        now_or_trap(AsyncPollable::ready(&mut *self.0, pollable))?
    }

    fn block(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<()> {
        now_or_trap(AsyncPollable::block(&mut *self.0, pollable))?
    }

    fn drop(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<()> {
        AsyncPollable::drop(&mut *self.0, pollable)
    }
}
