//! Futexes (futex(2)): threads wait on a 32-bit word in the application's memory until
//! another thread wakes that address. One process, so private and shared futexes are the
//! same thing, keyed by virtual address.

use alloc::vec::Vec;
use spin::Mutex;

use super::scheduler;
use super::thread::Tid;
use super::timer::{self, Action};
use crate::mm::user::read_user;
use crate::syscall::errno::Errno;

struct Waiter {
    tid: Tid,
    address: u64,
    bitset: u32,
}

/// Waiting threads, oldest first.
static WAITERS: Mutex<Vec<Waiter>> = Mutex::new(Vec::new());

pub const BITSET_MATCH_ANY: u32 = u32::MAX;

/// `FUTEX_WAIT`: sleeps while `*address == expected` until woken, `deadline` (monotonic
/// ns) or a signal.
pub fn wait(address: u64, expected: u32, bitset: u32, deadline: Option<u64>) -> Result<(), Errno> {
    if bitset == 0 {
        return Err(Errno::EINVAL);
    }
    let current: u32 = read_user(address)?;
    if current != expected {
        return Err(Errno::EAGAIN);
    }
    let tid = scheduler::current_tid();
    scheduler::with_current(|thread| thread.futex_woken = false);
    WAITERS.lock().push(Waiter {
        tid,
        address,
        bitset,
    });
    let timer = deadline.map(|deadline| timer::add(deadline, Action::Wake(tid)));

    let result = loop {
        if scheduler::with_current(|thread| thread.futex_woken) {
            break Ok(());
        }
        if deadline.is_some_and(|deadline| crate::time::monotonic_ns() >= deadline) {
            break Err(Errno::ETIMEDOUT);
        }
        if super::signal::interrupt_pending() {
            break Err(Errno::EINTR);
        }
        scheduler::block();
    };

    WAITERS.lock().retain(|waiter| waiter.tid != tid);
    if let Some(timer) = timer {
        timer::cancel(timer);
    }
    result
}

/// `FUTEX_WAKE`: wakes up to `count` threads waiting on `address` whose bitset overlaps.
pub fn wake(address: u64, count: u32, bitset: u32) -> usize {
    if count == 0 {
        return 0;
    }
    let mut waiters = WAITERS.lock();
    let mut woken = Vec::new();
    waiters.retain(|waiter| {
        let matches = waiter.address == address && waiter.bitset & bitset != 0;
        if matches && woken.len() < count as usize {
            woken.push(waiter.tid);
            return false;
        }
        true
    });
    drop(waiters);
    for &tid in &woken {
        scheduler::with_thread(tid, |thread| thread.futex_woken = true);
        scheduler::wake(tid);
    }
    woken.len()
}

/// `FUTEX_REQUEUE`: wakes up to `wake_count` waiters of `from` and moves up to
/// `requeue_count` of the rest to wait on `to`; returns how many were woken or moved.
pub fn requeue(from: u64, wake_count: u32, to: u64, requeue_count: u32) -> usize {
    let woken = wake(from, wake_count, BITSET_MATCH_ANY);
    let mut moved = 0;
    for waiter in WAITERS.lock().iter_mut() {
        if waiter.address == from && moved < requeue_count as usize {
            waiter.address = to;
            moved += 1;
        }
    }
    woken + moved
}
