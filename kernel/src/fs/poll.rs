//! Waiting for any of several files (poll(2), select(2), epoll(7)): every change of a
//! file's readiness wakes the threads waiting here, which look again; timers say when
//! they will change by themselves, so that the wait can end then.

use crate::syscall::errno::Errno;
use crate::task::wait::WaitQueue;

/// Threads in `poll`, `select` and `epoll_wait`.
static READINESS: WaitQueue = WaitQueue::new();

/// Something may have become ready: waiting threads look again.
pub fn notify() {
    READINESS.wake_all();
}

/// What one look at the watched files found: a result if something is ready, else the
/// earliest time (monotonic) at which a watched timer changes readiness by itself.
pub enum Look<T> {
    Ready(T),
    NotYet { timer: Option<u64> },
}

/// Looks until `look` finds something ready (`Some`) or `deadline` (monotonic; `None`:
/// no limit) passes (`None`).
pub fn wait<T>(
    deadline: Option<u64>,
    mut look: impl FnMut() -> Look<T>,
) -> Result<Option<T>, Errno> {
    loop {
        let timer = match look() {
            Look::Ready(value) => return Ok(Some(value)),
            Look::NotYet { timer } => timer,
        };
        if deadline.is_some_and(|deadline| crate::time::monotonic_ns() >= deadline) {
            return Ok(None);
        }
        let wake = match (deadline, timer) {
            (Some(deadline), Some(timer)) => Some(deadline.min(timer)),
            (deadline, timer) => deadline.or(timer),
        };
        let waited = READINESS.wait_until(wake, || match look() {
            Look::Ready(value) => Some(value),
            Look::NotYet { .. } => None,
        });
        match waited {
            Ok(value) => return Ok(Some(value)),
            Err(Errno::ETIMEDOUT) => continue,
            Err(errno) => return Err(errno),
        }
    }
}
