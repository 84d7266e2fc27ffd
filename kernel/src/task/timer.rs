//! Kernel timers: things to do at a point on the monotonic clock (wake a sleeping thread,
//! fire an interval timer). The scheduler programs the local APIC for the earliest one.

use alloc::collections::BTreeMap;
use spin::Mutex;

use super::thread::Tid;
use crate::time;

/// What a timer does when it expires.
#[derive(Clone, Copy, Debug)]
pub enum Action {
    /// Wakes a blocked thread (it rechecks why it waits).
    Wake(Tid),
    /// Calls a function with an argument (interval timers).
    Call(fn(u64), u64),
}

/// Identifies a timer so that it can be cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimerId {
    deadline_tsc: u64,
    sequence: u64,
}

struct Timers {
    pending: BTreeMap<TimerId, Action>,
    next_sequence: u64,
}

static TIMERS: Mutex<Timers> = Mutex::new(Timers {
    pending: BTreeMap::new(),
    next_sequence: 0,
});

/// Schedules `action` at `deadline_ns` on the monotonic clock.
pub fn add(deadline_ns: u64, action: Action) -> TimerId {
    let mut timers = TIMERS.lock();
    let id = TimerId {
        deadline_tsc: time::ns_to_tsc(deadline_ns),
        sequence: timers.next_sequence,
    };
    timers.next_sequence += 1;
    timers.pending.insert(id, action);
    drop(timers);
    super::scheduler::rearm_timer();
    id
}

/// Cancels a timer; returns whether it had not fired yet.
pub fn cancel(id: TimerId) -> bool {
    TIMERS.lock().pending.remove(&id).is_some()
}

/// The TSC value at which the earliest timer is due.
pub fn earliest_tsc() -> Option<u64> {
    TIMERS
        .lock()
        .pending
        .keys()
        .next()
        .map(|id| id.deadline_tsc)
}

/// Runs every timer that is due.
pub fn fire_expired() {
    let now = crate::arch::cpu::rdtsc();
    loop {
        let mut timers = TIMERS.lock();
        let due = match timers.pending.first_key_value() {
            Some((id, _)) if id.deadline_tsc <= now => *id,
            _ => return,
        };
        let action = timers.pending.remove(&due);
        drop(timers);
        match action {
            Some(Action::Wake(tid)) => super::scheduler::wake(tid),
            Some(Action::Call(function, argument)) => function(argument),
            None => {}
        }
    }
}
