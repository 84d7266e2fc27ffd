//! timerfd_create(2): a timer read as a count of expirations, on the realtime, monotonic or
//! boot-time clock, one-shot or periodic, with absolute or relative start.

use alloc::sync::Arc;
use alloc::vec::Vec;

use spin::Mutex;

use super::anon;
use super::buffer::Buffer;
use super::file::{File, IoFlags, PollState, POLLIN, POLLRDNORM};
use super::inode::{FileType, Metadata, Time};
use crate::syscall::errno::{Errno, SysResult};
use crate::task::wait::WaitQueue;
use crate::time::{monotonic_ns, realtime_ns};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    Realtime,
    Monotonic,
}

impl Clock {
    fn now(self) -> u64 {
        match self {
            Clock::Realtime => realtime_ns(),
            Clock::Monotonic => monotonic_ns(),
        }
    }
}

/// A timer setting: first expiry (0: disarmed) and period (0: one-shot), in nanoseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Setting {
    pub value: u64,
    pub interval: u64,
}

struct State {
    /// When the timer next expires, on its clock.
    next: Option<u64>,
    interval: u64,
    /// Expirations not yet read.
    expirations: u64,
    input: u64,
}

pub struct TimerFd {
    clock: Clock,
    state: Mutex<State>,
    expired: WaitQueue,
    inode: u64,
    created: Time,
}

impl TimerFd {
    pub fn new(clock: Clock) -> Arc<TimerFd> {
        Arc::new(TimerFd {
            clock,
            state: Mutex::new(State {
                next: None,
                interval: 0,
                expirations: 0,
                input: 0,
            }),
            expired: WaitQueue::new(),
            inode: anon::new_inode_number(),
            created: Time::now(),
        })
    }

    /// Counts the expirations up to now.
    fn update(&self, state: &mut State) {
        let now = self.clock.now();
        let Some(next) = state.next.filter(|&next| now >= next) else {
            return;
        };
        match (now - next).checked_div(state.interval) {
            None => {
                state.expirations += 1;
                state.next = None;
            }
            Some(missed) => {
                state.expirations = state.expirations.saturating_add(missed + 1);
                let advance = (missed + 1).saturating_mul(state.interval);
                state.next = Some(next.saturating_add(advance));
            }
        }
        state.input += 1;
    }

    /// The current setting: time left to the next expiry and the period.
    pub fn get(&self) -> Setting {
        let mut state = self.state.lock();
        self.update(&mut state);
        let now = self.clock.now();
        Setting {
            value: state.next.map_or(0, |next| next.saturating_sub(now).max(1)),
            interval: state.interval,
        }
    }

    /// Arms (or with `value` 0 disarms) the timer; returns the previous setting.
    pub fn set(&self, setting: Setting, absolute: bool) -> Setting {
        let old = self.get();
        let mut state = self.state.lock();
        state.expirations = 0;
        state.interval = setting.interval;
        state.next = match (setting.value, absolute) {
            (0, _) => None,
            (value, true) => Some(value),
            (value, false) => Some(self.clock.now().saturating_add(value)),
        };
        drop(state);
        super::poll::notify();
        old
    }
}

impl File for TimerFd {
    fn read(&self, _: &mut u64, buffer: &mut Buffer, flags: IoFlags) -> SysResult {
        if buffer.remaining() < 8 {
            return Err(Errno::EINVAL);
        }
        let count = loop {
            // The deadline only lets a sleeping wait look again when the timer fires.
            let deadline = if flags.nonblock {
                None
            } else {
                self.deadline()
            };
            let taken = self.expired.wait_until(deadline, || {
                let mut state = self.state.lock();
                self.update(&mut state);
                if state.expirations > 0 {
                    return Some(Ok(core::mem::take(&mut state.expirations)));
                }
                flags.nonblock.then_some(Err(Errno::EAGAIN))
            });
            match taken {
                Err(Errno::ETIMEDOUT) => continue,
                other => break other??,
            }
        };
        buffer.put(&count.to_ne_bytes())?;
        Ok(8)
    }

    fn poll(&self) -> PollState {
        let mut state = self.state.lock();
        self.update(&mut state);
        let events = if state.expirations > 0 {
            POLLIN | POLLRDNORM
        } else {
            0
        };
        PollState {
            events,
            input: state.input,
            output: 0,
        }
    }

    /// The next expiry on the monotonic clock.
    fn deadline(&self) -> Option<u64> {
        let next = self.state.lock().next?;
        Some(match self.clock {
            Clock::Monotonic => next,
            Clock::Realtime => {
                let offset = realtime_ns().saturating_sub(monotonic_ns());
                next.saturating_sub(offset)
            }
        })
    }

    fn stat(&self) -> Metadata {
        anon::metadata_of(self.inode, 0o600, FileType::Regular, self.created)
    }

    fn describe(&self) -> Vec<u8> {
        b"anon_inode:[timerfd]".to_vec()
    }
}
