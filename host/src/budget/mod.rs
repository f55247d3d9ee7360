//! The process's memory budget: concurrent table scans are admitted against it.
//!
//! The osquery extension runs one scan per `generate` call, and osqueryd issues them
//! concurrently (scheduled queries, Fleet's live queries, a join's several calls). Without a
//! bound, memory grows with concurrency until the container is OOM-killed and every result in
//! flight is lost. With a budget, each call reserves what it is expected to hold before it
//! starts (learned from the last call of the same table), grows the reservation page by page,
//! and waits when the budget is spent; see [`MemoryBudget`] for the rules. What a call holds
//! is counted: its pages in flight, the component's linear memory, and the rows of its answer.
//!
//! The budget is for the whole process: what the process holds at rest (measured when it
//! starts serving) is subtracted, and the rest goes to scans.

mod ledger;
mod size;

use std::time::{Duration, Instant};

use thiserror::Error;

pub use ledger::{Lease, MemoryBudget, Ticket};
pub use size::{Bytes, ParseBytesError, container_limit, default_budget, resident_bytes};

/// The least a budget must leave to scans after the process's baseline.
pub const MIN_FOR_SCANS: u64 = 32 << 20;

/// Why a call could not have the memory it needed.
#[derive(Debug, Error)]
pub enum BudgetError {
    #[error(
        "the memory budget ({total}) leaves less than {minimum} for table scans once the {baseline} the \
         extension holds at rest are counted; raise --memory-budget"
    )]
    TooSmall { total: Bytes, baseline: Bytes, minimum: Bytes },
    #[error(
        "this call alone needs more than the extension's memory budget allows ({needed} of a {total} budget, \
         --memory-budget); narrow the query (for example WHERE namespace = '…') or raise the budget"
    )]
    TooLarge { needed: Bytes, total: Bytes },
    #[error(
        "waited {} s for memory: the extension's memory budget ({total}) is held by {calls} other calls; \
         try again, or raise --memory-budget",
        .waited.as_secs()
    )]
    TimedOut { waited: Duration, total: Bytes, calls: usize },
    #[error("the caller hung up")]
    HungUp,
    /// An older call needs the memory; the call gives it back and is admitted again later.
    #[error("gave way to an older call")]
    Preempted,
}

/// Why a call stops before it is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The caller closed its connection.
    HungUp,
    /// The call's time is up, after this long.
    Deadline(Duration),
}

/// How long a call may wait, and how to tell that its caller is gone.
pub struct Wait<'a> {
    started: Instant,
    deadline: Instant,
    hung_up: Box<dyn Fn() -> bool + 'a>,
}

impl<'a> Wait<'a> {
    /// Waiting that ends after `limit`, or as soon as `hung_up` says the caller left.
    pub fn new(limit: Duration, hung_up: impl Fn() -> bool + 'a) -> Self {
        let started = Instant::now();
        Wait { started, deadline: started + limit, hung_up: Box::new(hung_up) }
    }

    /// Whether the call should go on: why not, once the deadline passed or the caller left.
    pub fn check(&self) -> Result<(), Stop> {
        if (self.hung_up)() {
            return Err(Stop::HungUp);
        }
        if Instant::now() >= self.deadline {
            return Err(Stop::Deadline(self.started.elapsed()));
        }
        Ok(())
    }

    /// Time left before the deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}
