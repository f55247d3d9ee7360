//! What every `generate` call of the extension shares: the memory budget and the limits of
//! one call.

use std::sync::Arc;
use std::time::Duration;

use crate::budget::MemoryBudget;

/// Limits of one `generate` call.
#[derive(Clone, Copy, Debug)]
pub struct CallLimits {
    /// The longest a call may take, waiting for memory included; osqueryd gives up on a call
    /// after `--thrift_timeout` (300 s by default) and closes the connection.
    pub call_timeout: Duration,
    /// The most bytes of rows one answer may carry: osqueryd refuses larger messages.
    pub max_response: usize,
}

/// The state shared by all calls of the extension.
#[derive(Debug)]
pub struct Calls {
    pub budget: Arc<MemoryBudget>,
    pub limits: CallLimits,
}
