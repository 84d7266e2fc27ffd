//! Wait queues: how a thread blocks until something it waits for happens.
//!
//! Every blocking call (pipes, `poll`, `epoll_wait`, futexes, sleeping reads) goes through
//! [`WaitQueue::wait_until`], so that the scheduler can make it sleep without changing any
//! caller.
//!
//! TODO: with one thread and no timer interrupt yet, waiting polls the condition; the
//! scheduler will park the thread and have `wake_*` make it runnable again.

use crate::syscall::errno::Errno;

/// Threads waiting for one kind of event.
pub struct WaitQueue {
    _private: (),
}

impl Default for WaitQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl WaitQueue {
    pub const fn new() -> WaitQueue {
        WaitQueue { _private: () }
    }

    /// Blocks until `ready` returns `Some`, then returns its value.
    ///
    /// `deadline` is a time on the monotonic clock (`crate::time::monotonic_ns`); when it
    /// passes, the wait fails with `ETIMEDOUT`. A signal for the thread ends the wait with
    /// `EINTR`. `ready` is called with no lock held and must take the locks it needs.
    pub fn wait_until<T>(
        &self,
        deadline: Option<u64>,
        mut ready: impl FnMut() -> Option<T>,
    ) -> Result<T, Errno> {
        loop {
            if let Some(value) = ready() {
                return Ok(value);
            }
            if deadline.is_some_and(|deadline| crate::time::monotonic_ns() >= deadline) {
                return Err(Errno::ETIMEDOUT);
            }
            core::hint::spin_loop();
        }
    }

    /// Wakes every waiting thread (each rechecks its condition).
    pub fn wake_all(&self) {}

    /// Wakes at most `count` waiting threads; returns how many were woken.
    #[allow(dead_code)] // The futex implementation is its first user.
    pub fn wake(&self, _count: usize) -> usize {
        0
    }
}
