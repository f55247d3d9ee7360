//! A one-line progress indicator on stderr while long lists run (only on a terminal, and
//! only when request logging is off, since both write to stderr).

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Lists slower than this get a progress line; faster ones never flicker one.
const SHOW_AFTER: Duration = Duration::from_millis(500);
const REDRAW_EVERY: Duration = Duration::from_millis(100);

pub(crate) struct Progress {
    enabled: bool,
    state: Mutex<State>,
}

/// One list in progress.
struct List {
    label: String,
    pages: usize,
    bytes: usize,
    started: Instant,
}

#[derive(Default)]
struct State {
    lists: BTreeMap<u64, List>,
    next_id: u64,
    last_draw: Option<Instant>,
    drawn: bool,
}

impl Progress {
    pub(crate) fn new() -> Self {
        let enabled = std::io::stderr().is_terminal() && !tracing::enabled!(tracing::Level::INFO);
        Progress { enabled, state: Mutex::new(State::default()) }
    }

    /// Starts tracking a list; returns its id.
    pub(crate) fn start(&self, label: String) -> u64 {
        let Ok(mut state) = self.state.lock() else { return 0 };
        state.next_id += 1;
        let id = state.next_id;
        state.lists.insert(id, List { label, pages: 0, bytes: 0, started: Instant::now() });
        id
    }

    pub(crate) fn page(&self, id: u64, bytes: usize) {
        if !self.enabled {
            return;
        }
        let Ok(mut state) = self.state.lock() else { return };
        if let Some(list) = state.lists.get_mut(&id) {
            list.pages += 1;
            list.bytes += bytes;
        }
        let due = state.last_draw.is_none_or(|t| t.elapsed() >= REDRAW_EVERY);
        let slow = state.lists.values().any(|list| list.started.elapsed() >= SHOW_AFTER);
        if due && slow {
            let line: Vec<String> = state
                .lists
                .values()
                .map(|list| format!("{}: {} pages, {:.1} MB", list.label, list.pages, list.bytes as f64 / 1e6))
                .collect();
            let _ = write!(std::io::stderr(), "\r\x1b[2Klisting {}", line.join("; "));
            state.last_draw = Some(Instant::now());
            state.drawn = true;
        }
    }

    pub(crate) fn finish(&self, id: u64) {
        let Ok(mut state) = self.state.lock() else { return };
        state.lists.remove(&id);
        if state.lists.is_empty() && state.drawn {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            state.drawn = false;
        }
    }
}
