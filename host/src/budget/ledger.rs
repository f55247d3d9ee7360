//! The ledger: who holds how much of the budget, who waits, and who must give way.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::{BudgetError, Bytes, Stop, Wait};

/// How often a waiting call looks again at its deadline and its caller.
const RECHECK: Duration = Duration::from_millis(200);
/// After this long at the head of the queue, a call is no longer overtaken by smaller ones.
const OVERTAKE_WINDOW: Duration = Duration::from_secs(2);

/// Memory for table scans, shared by every concurrent call of the process.
///
/// A call is *admitted* with a first reservation and grows it at safe points (between pages),
/// where it may wait. Three rules keep this free of deadlock and starvation:
///
/// - A call is admitted when what scans hold, or what the process really holds beyond its
///   baseline if that is more, leaves room for it. The second part catches what the
///   accounting cannot see; it never blocks a call when none is running, so memory the
///   allocator keeps after a burst cannot lock the extension up.
/// - Admission is first come, first served, except that a call that fits may overtake one
///   that does not, for up to two seconds: a small table is answered while a big List is
///   being converted, and the big call is not overtaken forever.
/// - While a running call waits to grow, nothing new is admitted past what it needs.
/// - When the process really holds nearly the whole budget (what is counted and what is not),
///   only the oldest call may grow; younger ones give way as below.
/// - Only one running call waits to grow at a time, the oldest that wants to: a younger call
///   that cannot grow while an older one waits gives its memory back and is admitted again
///   later (`BudgetError::Preempted`), keeping its place in line. The oldest call therefore
///   always finishes, and every call eventually becomes the oldest.
pub struct MemoryBudget {
    total: Bytes,
    baseline: Bytes,
    /// The process's resident bytes now (0 when unknown).
    resident: fn() -> u64,
    state: Mutex<State>,
    changed: Condvar,
}

impl std::fmt::Debug for MemoryBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBudget").field("total", &self.total).field("baseline", &self.baseline).finish()
    }
}

#[derive(Debug, Default)]
struct State {
    used: u64,
    next_ticket: u64,
    /// Admitted calls by ticket (lower = older) and what each holds.
    held: BTreeMap<u64, u64>,
    /// Calls waiting for admission, by ticket, with what they need and since when.
    queue: VecDeque<(u64, u64, Instant)>,
    /// The running call that waits to grow, with the bytes it waits for.
    growing: Option<(u64, u64)>,
    /// Running calls told to give their memory back.
    preempted: Vec<u64>,
    /// The most a call of each kind held, to size the next one's admission.
    learned: HashMap<String, u64>,
}

impl State {
    /// `ticket` no longer waits to grow, nor is told to give way.
    fn settle(&mut self, ticket: u64) {
        self.preempted.retain(|&t| t != ticket);
        if self.growing.is_some_and(|(t, _)| t == ticket) {
            self.growing = None;
        }
    }
}

/// A call's place in line, kept across re-admissions.
#[derive(Debug)]
pub struct Ticket(u64);

/// The memory an admitted call holds; given back when dropped.
#[derive(Debug)]
pub struct Lease {
    budget: Arc<MemoryBudget>,
    ticket: u64,
    peak: u64,
}

impl MemoryBudget {
    /// A budget of `total` bytes for the whole process, of which `baseline` (what it holds at
    /// rest: code, compiled tables, runtime) is not available to scans.
    pub fn new(total: Bytes, baseline: Bytes) -> Result<Self, BudgetError> {
        Self::with_meter(total, baseline, || super::resident_bytes().map_or(0, |b| b.0))
    }

    /// A budget whose view of the process's resident memory comes from `resident`.
    pub fn with_meter(total: Bytes, baseline: Bytes, resident: fn() -> u64) -> Result<Self, BudgetError> {
        let budget = MemoryBudget { total, baseline, resident, state: Mutex::default(), changed: Condvar::new() };
        if budget.for_scans() < super::MIN_FOR_SCANS {
            return Err(BudgetError::TooSmall { total, baseline, minimum: Bytes(super::MIN_FOR_SCANS) });
        }
        Ok(budget)
    }

    /// Bytes scans may hold together: three quarters of the budget less the baseline. The
    /// rest is for what the accounting does not see: allocator slack and per-thread arenas,
    /// the rows a component hands back before they are packed, the kube client's buffers.
    /// With 16 concurrent calls of 10 000 pods that came to up to 30 % on top of what was
    /// counted (docs/osquery.md#memory).
    pub fn for_scans(&self) -> u64 {
        let free = self.total.0.saturating_sub(self.baseline.0);
        free - free / 4
    }

    /// Whether the process's resident memory is within a tenth of the budget.
    fn nearly_spent(&self) -> bool {
        (self.resident)() > self.total.0 - self.total.0.saturating_sub(self.baseline.0) / 10
    }

    /// Bytes held by scans right now.
    pub fn used(&self) -> u64 {
        self.lock().used
    }

    /// A place in line for a new call.
    pub fn ticket(&self) -> Ticket {
        let mut state = self.lock();
        state.next_ticket += 1;
        Ticket(state.next_ticket)
    }

    /// What the last finished call of `kind` held at most, if one finished.
    pub fn learned(&self, kind: &str) -> Option<u64> {
        self.lock().learned.get(kind).copied()
    }

    /// Remembers what a finished call of `kind` held at most.
    pub fn learn(&self, kind: &str, peak: u64) {
        self.lock().learned.insert(kind.to_string(), peak);
    }

    /// Raises what calls of `kind` are expected to hold to at least `peak`: a running call
    /// already holds that much, so calls of the same kind arriving now are admitted with it
    /// instead of a guess they would soon outgrow.
    pub fn expect_at_least(&self, kind: &str, peak: u64) {
        let mut state = self.lock();
        let learned = state.learned.entry(kind.to_string()).or_insert(0);
        *learned = (*learned).max(peak);
    }

    /// Waits until `need` bytes can be reserved for the call with `ticket`, then reserves them.
    /// A need above what scans may hold is capped: the call is admitted when it would run
    /// alone, and fails only if it then really grows past the budget.
    pub fn admit(self: &Arc<Self>, ticket: &Ticket, need: u64, wait: &Wait) -> Result<Lease, BudgetError> {
        let need = need.min(self.for_scans());
        let mut state = self.lock();
        state.queue.push_back((ticket.0, need, Instant::now()));
        // Keep the queue in ticket order: a call admitted again keeps its place.
        state.queue.make_contiguous().sort_by_key(|&(t, _, _)| t);
        loop {
            if self.may_admit(&state, ticket.0, need) {
                state.queue.retain(|&(t, _, _)| t != ticket.0);
                state.used += need;
                state.held.insert(ticket.0, need);
                self.changed.notify_all();
                return Ok(Lease { budget: self.clone(), ticket: ticket.0, peak: need });
            }
            if let Err(stop) = wait.check() {
                state.queue.retain(|&(t, _, _)| t != ticket.0);
                self.changed.notify_all();
                return Err(self.waited(stop, &state));
            }
            state = self.wait(state, wait);
        }
    }

    fn may_admit(&self, state: &State, ticket: u64, need: u64) -> bool {
        let waiting_growth = state.growing.map_or(0, |(_, bytes)| bytes);
        let mut used = state.used;
        if !state.held.is_empty() {
            used = used.max((self.resident)().saturating_sub(self.baseline.0));
        }
        if used + need + waiting_growth > self.for_scans() {
            return false;
        }
        // Calls ahead in line that have waited long enough may not be overtaken.
        let now = Instant::now();
        !state.queue.iter().take_while(|&&(t, _, _)| t != ticket).any(|&(_, _, since)| now - since >= OVERTAKE_WINDOW)
    }

    fn wait<'s>(&self, state: MutexGuard<'s, State>, wait: &Wait) -> MutexGuard<'s, State> {
        let timeout = wait.remaining().min(RECHECK);
        self.changed.wait_timeout(state, timeout).unwrap_or_else(PoisonError::into_inner).0
    }

    fn waited(&self, stop: Stop, state: &State) -> BudgetError {
        match stop {
            Stop::Deadline(waited) => BudgetError::TimedOut { waited, total: self.total, calls: state.held.len() },
            Stop::HungUp => BudgetError::HungUp,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent at every unlock, so a panic elsewhere cannot corrupt it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Lease {
    /// The most this call held so far.
    pub fn peak(&self) -> u64 {
        self.peak
    }

    /// Bytes this call holds now.
    #[cfg(test)]
    fn held(&self) -> u64 {
        self.budget.lock().held.get(&self.ticket).copied().unwrap_or(0)
    }

    /// Makes the call hold `bytes`, waiting if that needs memory others hold. A safe point:
    /// the caller holds nothing it could not drop if told to give way.
    pub fn reserve(&mut self, bytes: u64, wait: &Wait) -> Result<(), BudgetError> {
        let budget = self.budget.clone();
        let mut state = budget.lock();
        loop {
            if state.preempted.contains(&self.ticket) {
                return Err(self.give_way(&mut state));
            }
            let held = state.held.get(&self.ticket).copied().unwrap_or(0);
            let more = bytes.saturating_sub(held);
            let oldest = state.held.keys().next() == Some(&self.ticket);
            if more > 0 && !oldest && budget.nearly_spent() {
                // The process really holds nearly the whole budget, counted or not: only the
                // oldest call may grow; the others give their memory back and wait.
                return Err(self.give_way(&mut state));
            }
            if more == 0 || state.used + more <= budget.for_scans() {
                self.set_locked(&mut state, bytes);
                state.settle(self.ticket);
                return Ok(());
            }
            if state.held.len() == 1 || bytes > budget.for_scans() {
                // Alone, or more than scans may ever hold together: waiting cannot help.
                state.settle(self.ticket);
                budget.changed.notify_all();
                return Err(BudgetError::TooLarge { needed: Bytes(bytes), total: budget.total });
            }
            match state.growing {
                Some((other, _)) if other < self.ticket => return Err(self.give_way(&mut state)),
                Some((other, _)) if other != self.ticket => {
                    // An older call now waits: the younger waiter gives way.
                    state.preempted.push(other);
                    state.growing = Some((self.ticket, more));
                    budget.changed.notify_all();
                }
                _ => state.growing = Some((self.ticket, more)),
            }
            if let Err(stop) = wait.check() {
                state.settle(self.ticket);
                budget.changed.notify_all();
                return Err(budget.waited(stop, &state));
            }
            state = budget.wait(state, wait);
        }
    }

    /// Records that the call holds `bytes` now, without waiting: memory it already has (an
    /// answer that came back bigger than reserved) is counted even past the budget, and makes
    /// everyone else wait until it is given back.
    pub fn set(&mut self, bytes: u64) {
        let budget = self.budget.clone();
        let mut state = budget.lock();
        self.set_locked(&mut state, bytes);
    }

    fn set_locked(&mut self, state: &mut State, bytes: u64) {
        let held = state.held.entry(self.ticket).or_insert(0);
        state.used = state.used - *held + bytes;
        *held = bytes;
        self.peak = self.peak.max(bytes);
        self.budget.changed.notify_all();
    }

    fn give_way(&mut self, state: &mut State) -> BudgetError {
        state.settle(self.ticket);
        self.set_locked(state, 0);
        BudgetError::Preempted
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut state = self.budget.lock();
        if let Some(held) = state.held.remove(&self.ticket) {
            state.used -= held;
        }
        state.settle(self.ticket);
        self.budget.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::thread;

    use super::*;

    const MIB: u64 = 1 << 20;

    /// A budget leaving scans `scans_mib` MiB (to a few bytes) over a 10 MiB baseline.
    fn budget(scans_mib: u64) -> Arc<MemoryBudget> {
        let budget =
            MemoryBudget::with_meter(Bytes(10 * MIB + scans_mib * MIB * 4 / 3), Bytes(10 * MIB), || 0).unwrap();
        assert!(budget.for_scans().abs_diff(scans_mib * MIB) < 16, "{}", budget.for_scans());
        Arc::new(budget)
    }

    fn patient() -> Wait<'static> {
        Wait::new(Duration::from_secs(30), || false)
    }

    #[test]
    fn what_the_process_really_holds_delays_admission_but_never_blocks_an_idle_budget() {
        // The allocator holds 95 MiB beyond the baseline that no lease accounts for.
        let budget = Arc::new(
            MemoryBudget::with_meter(Bytes(10 * MIB + 100 * MIB * 4 / 3), Bytes(10 * MIB), || 105 * MIB).unwrap(),
        );
        let first = budget.admit(&budget.ticket(), 10 * MIB, &patient()).expect("nothing runs: admitted");
        let error = budget.admit(&budget.ticket(), 10 * MIB, &Wait::new(Duration::from_millis(300), || false));
        assert!(matches!(error, Err(BudgetError::TimedOut { .. })), "{error:?}");
        drop(first);
        assert!(budget.admit(&budget.ticket(), 10 * MIB, &patient()).is_ok());
    }

    #[test]
    fn a_budget_below_the_baseline_and_one_scan_is_refused() {
        let error = MemoryBudget::new(Bytes(100 * MIB), Bytes(90 * MIB)).unwrap_err();
        assert!(error.to_string().contains("100 MiB"), "{error}");
    }

    #[test]
    fn admission_waits_for_memory_and_gets_it_when_freed() {
        let budget = budget(100);
        let first = budget.admit(&budget.ticket(), 80 * MIB, &patient()).unwrap();
        let waiter = {
            let budget = budget.clone();
            thread::spawn(move || budget.admit(&budget.ticket(), 50 * MIB, &patient()).map(|l| l.peak()))
        };
        thread::sleep(Duration::from_millis(300));
        assert_eq!(budget.used(), 80 * MIB, "the second call waits");
        drop(first);
        assert_eq!(waiter.join().unwrap().unwrap(), 50 * MIB);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn a_small_call_overtakes_a_big_one_that_does_not_fit() {
        let budget = budget(100);
        let running = budget.admit(&budget.ticket(), 60 * MIB, &patient()).unwrap();
        let big = {
            let budget = budget.clone();
            thread::spawn(move || budget.admit(&budget.ticket(), 90 * MIB, &patient()).map(|l| l.peak()))
        };
        thread::sleep(Duration::from_millis(100));
        let small = budget.admit(&budget.ticket(), 10 * MIB, &Wait::new(Duration::from_secs(1), || false));
        assert!(small.is_ok(), "the small call is admitted while the big one waits");
        drop(small);
        drop(running);
        assert_eq!(big.join().unwrap().unwrap(), 90 * MIB);
    }

    #[test]
    fn waiting_ends_at_the_deadline_or_when_the_caller_hangs_up() {
        let budget = budget(100);
        let _all = budget.admit(&budget.ticket(), 100 * MIB, &patient()).unwrap();
        let started = Instant::now();
        let error = budget.admit(&budget.ticket(), MIB, &Wait::new(Duration::from_millis(300), || false)).unwrap_err();
        assert!(matches!(error, BudgetError::TimedOut { calls: 1, .. }), "{error:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let gone = AtomicBool::new(true);
        let error = budget
            .admit(&budget.ticket(), MIB, &Wait::new(Duration::from_secs(30), || gone.load(Ordering::Relaxed)))
            .unwrap_err();
        assert!(matches!(error, BudgetError::HungUp), "{error:?}");
        assert_eq!(budget.used(), 100 * MIB, "giving up reserves nothing");
    }

    #[test]
    fn a_call_alone_that_outgrows_the_budget_fails_instead_of_waiting() {
        let budget = budget(100);
        let mut lease = budget.admit(&budget.ticket(), 10 * MIB, &patient()).unwrap();
        lease.reserve(60 * MIB, &patient()).unwrap();
        let error = lease.reserve(120 * MIB, &patient()).unwrap_err();
        assert!(matches!(error, BudgetError::TooLarge { .. }), "{error:?}");
        assert!(error.to_string().contains("--memory-budget"), "names the budget: {error}");
    }

    #[test]
    fn the_younger_of_two_growing_calls_gives_way_and_the_older_finishes() {
        let budget = budget(100);
        let (old, young) = (budget.ticket(), budget.ticket());
        let mut older = budget.admit(&old, 40 * MIB, &patient()).unwrap();
        let mut younger = budget.admit(&young, 40 * MIB, &patient()).unwrap();
        // The younger call waits to grow while the older one still runs...
        let younger_grows = thread::scope(|scope| {
            let handle = scope.spawn(|| younger.reserve(70 * MIB, &patient()));
            thread::sleep(Duration::from_millis(100));
            // ...then the older one needs more too: the younger gives way, the older proceeds.
            older.reserve(90 * MIB, &patient()).unwrap();
            handle.join().unwrap()
        });
        assert!(matches!(younger_grows, Err(BudgetError::Preempted)), "{younger_grows:?}");
        assert_eq!(younger.held(), 0);
        assert_eq!(budget.used(), 90 * MIB);
        drop(older);
        // Admitted again with what it learned, in its old place in line.
        drop(younger);
        let again = budget.admit(&young, 70 * MIB, &patient()).unwrap();
        assert_eq!(again.peak(), 70 * MIB);
    }

    #[test]
    fn many_calls_growing_at_once_all_finish_within_the_budget() {
        let budget = budget(64);
        let peak = Arc::new(std::sync::atomic::AtomicU64::new(0));
        thread::scope(|scope| {
            for _ in 0..16 {
                let (budget, peak) = (budget.clone(), peak.clone());
                scope.spawn(move || {
                    let ticket = budget.ticket();
                    'call: loop {
                        let mut lease = budget.admit(&ticket, 4 * MIB, &patient()).unwrap();
                        for step in 1..=8u64 {
                            match lease.reserve(step * 6 * MIB, &patient()) {
                                Ok(()) => peak.fetch_max(budget.used(), Ordering::Relaxed),
                                Err(BudgetError::Preempted) => continue 'call,
                                Err(other) => panic!("{other}"),
                            };
                            thread::sleep(Duration::from_millis(2));
                        }
                        return;
                    }
                });
            }
        });
        assert_eq!(budget.used(), 0);
        assert!(peak.load(Ordering::Relaxed) <= 64 * MIB);
    }
}
