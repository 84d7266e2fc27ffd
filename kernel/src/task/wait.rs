//! Wait queues: how a thread blocks until something it waits for happens.
//!
//! Every blocking call (pipes, `poll`, `epoll_wait`, sleeping reads) goes through
//! [`WaitQueue::wait_until`]: the thread checks its condition, and if it does not hold,
//! sleeps until a `wake_*` on the queue, its deadline or a signal, then checks again.

use alloc::vec::Vec;
use spin::Mutex;

use super::scheduler;
use super::thread::Tid;
use super::timer::{self, Action};
use crate::syscall::errno::Errno;

/// Threads waiting for one kind of event.
pub struct WaitQueue {
    waiters: Mutex<Vec<Tid>>,
}

impl Default for WaitQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl WaitQueue {
    pub const fn new() -> WaitQueue {
        WaitQueue {
            waiters: Mutex::new(Vec::new()),
        }
    }

    /// Blocks until `ready` returns `Some`, then returns its value.
    ///
    /// `deadline` is a time on the monotonic clock (`crate::time::monotonic_ns`); when it
    /// passes, the wait fails with `ETIMEDOUT`. A signal the thread must handle ends the
    /// wait with `ERESTARTSYS` (the syscall layer turns it into `EINTR` or a restart).
    /// `ready` is called with no lock held and must take the locks it needs.
    pub fn wait_until<T>(
        &self,
        deadline: Option<u64>,
        mut ready: impl FnMut() -> Option<T>,
    ) -> Result<T, Errno> {
        let tid = scheduler::current_tid();
        loop {
            if let Some(value) = ready() {
                return Ok(value);
            }
            if deadline.is_some_and(|deadline| crate::time::monotonic_ns() >= deadline) {
                return Err(Errno::ETIMEDOUT);
            }
            if super::signal::interrupt_pending() {
                return Err(Errno::ERESTARTSYS);
            }
            self.waiters.lock().push(tid);
            let timer = deadline.map(|deadline| timer::add(deadline, Action::Wake(tid)));
            scheduler::block();
            self.waiters.lock().retain(|&waiter| waiter != tid);
            if let Some(timer) = timer {
                timer::cancel(timer);
            }
        }
    }

    /// Wakes every waiting thread (each rechecks its condition).
    pub fn wake_all(&self) {
        let waiters = core::mem::take(&mut *self.waiters.lock());
        for tid in waiters {
            scheduler::wake(tid);
        }
    }
}

/// Sleeps until `deadline` on the monotonic clock; `ERESTARTSYS` if a signal comes first.
pub fn sleep_until(deadline: u64) -> Result<(), Errno> {
    static SLEEPERS: WaitQueue = WaitQueue::new();
    match SLEEPERS.wait_until(Some(deadline), || None::<()>) {
        Err(Errno::ETIMEDOUT) => Ok(()),
        other => other,
    }
}
