//! Waiting for descriptors: `poll`, `ppoll`, `select`, `pselect6` (poll(2), select(2)).
//! The signal masks of `ppoll` and `pselect6` are checked and otherwise have no effect
//! until signals are delivered.

use alloc::vec;
use alloc::vec::Vec;

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::fd_table::{self, MAX_DESCRIPTORS};
use crate::fs::file::{
    POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM,
};
use crate::fs::poll::{wait, Look};
use crate::mm::user::{copy_from_user, copy_to_user, read_user, write_user, Plain};
use crate::time::{monotonic_ns, NANOS_PER_SECOND};

/// `struct pollfd`: fd, events, revents.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct PollFd {
    fd: i32,
    events: i16,
    returned: i16,
}

// SAFETY: integers only, no padding.
unsafe impl Plain for PollFd {}

/// Looks at every entry once: fills in `revents`, counts the ready ones, and finds the
/// earliest timer among the files.
fn look(entries: &mut [PollFd]) -> (usize, Option<u64>) {
    let mut ready = 0;
    let mut timer: Option<u64> = None;
    for entry in entries.iter_mut() {
        entry.returned = 0;
        if entry.fd < 0 {
            continue;
        }
        match fd_table::get(entry.fd as u64) {
            Ok(description) => {
                let wanted = entry.events as u16 as u32 | POLLERR | POLLHUP;
                entry.returned = (description.file.poll().events & wanted) as i16;
                if let Some(deadline) = description.file.deadline() {
                    timer = Some(timer.map_or(deadline, |t| t.min(deadline)));
                }
            }
            Err(_) => entry.returned = POLLNVAL as i16,
        }
        if entry.returned != 0 {
            ready += 1;
        }
    }
    (ready, timer)
}

/// A deadline `timeout` nanoseconds from now.
fn deadline_after(timeout: Option<u64>) -> Option<u64> {
    timeout.map(|timeout| monotonic_ns().saturating_add(timeout))
}

fn poll_entries(address: u64, count: u64, timeout: Option<u64>) -> SysResult {
    if count > MAX_DESCRIPTORS as u64 {
        return Err(Errno::EINVAL);
    }
    let mut entries: Vec<PollFd> = (0..count)
        .map(|index| read_user(address.wrapping_add(index * 8)))
        .collect::<Result<_, _>>()?;
    let deadline = deadline_after(timeout);
    let ready = wait(deadline, || match look(&mut entries) {
        (0, timer) => Look::NotYet { timer },
        (ready, _) => Look::Ready(ready),
    })?
    .unwrap_or(0);
    for (index, entry) in entries.iter().enumerate() {
        write_user(address.wrapping_add(index as u64 * 8), entry)?;
    }
    Ok(ready)
}

pub fn poll(_: &mut TrapFrame, args: Args) -> SysResult {
    let timeout_ms = args[2] as i32;
    let timeout = (timeout_ms >= 0).then(|| timeout_ms as u64 * 1_000_000);
    poll_entries(args[0], args[1], timeout)
}

/// Reads a `struct timespec` timeout; null means none.
fn read_timespec(address: u64) -> Result<Option<u64>, Errno> {
    if address == 0 {
        return Ok(None);
    }
    super::time::read_timespec(address).map(Some)
}

/// Signal masks must have the kernel's size (8 bytes).
fn check_sigmask(mask: u64, size: u64) -> Result<(), Errno> {
    if mask != 0 && size != 8 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

pub fn ppoll(_: &mut TrapFrame, args: Args) -> SysResult {
    let [address, count, timeout, mask, mask_size, ..] = args;
    let timeout = read_timespec(timeout)?;
    check_sigmask(mask, mask_size)?;
    poll_entries(address, count, timeout)
}

/// The three descriptor sets of `select`, as bytes.
struct Sets {
    bytes: [Option<Vec<u8>>; 3],
}

const SELECT_READ: u32 = POLLIN | POLLRDNORM | POLLHUP | POLLERR;
const SELECT_WRITE: u32 = POLLOUT | POLLWRNORM | POLLERR;
const SELECT_EXCEPT: u32 = POLLPRI;

fn bit(set: &[u8], fd: usize) -> bool {
    set[fd / 8] & (1 << (fd % 8)) != 0
}

/// One look: the ready bits per set and their count, or `EBADF` for a closed descriptor.
fn look_sets(sets: &Sets, count: usize) -> Result<(Sets, usize, Option<u64>), Errno> {
    let length = count.div_ceil(8);
    let mut out = Sets {
        bytes: [0, 1, 2].map(|index| sets.bytes[index].as_ref().map(|_| vec![0u8; length])),
    };
    let mut ready = 0;
    let mut timer: Option<u64> = None;
    for fd in 0..count {
        let wanted: Vec<usize> = (0..3)
            .filter(|&index| sets.bytes[index].as_ref().is_some_and(|set| bit(set, fd)))
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let description = fd_table::get(fd as u64)?;
        let events = description.file.poll().events;
        if let Some(deadline) = description.file.deadline() {
            timer = Some(timer.map_or(deadline, |t| t.min(deadline)));
        }
        for index in wanted {
            let mask = [SELECT_READ, SELECT_WRITE, SELECT_EXCEPT][index];
            if events & mask != 0 {
                if let Some(set) = out.bytes[index].as_mut() {
                    set[fd / 8] |= 1 << (fd % 8);
                }
                ready += 1;
            }
        }
    }
    Ok((out, ready, timer))
}

/// `select` and `pselect6`; returns the count and the time left of the timeout.
fn select_sets(
    count: u64,
    addresses: [u64; 3],
    timeout: Option<u64>,
) -> Result<(usize, Option<u64>), Errno> {
    if count as i32 as i64 != count as i64 || (count as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let count = (count as usize).min(MAX_DESCRIPTORS);
    // Sets are arrays of longs.
    let length = count.div_ceil(64) * 8;
    let mut sets = Sets {
        bytes: [None, None, None],
    };
    for (index, &address) in addresses.iter().enumerate() {
        if address != 0 {
            let mut bytes = vec![0u8; length];
            copy_from_user(&mut bytes, address)?;
            sets.bytes[index] = Some(bytes);
        }
    }
    let deadline = deadline_after(timeout);
    let mut failure = None;
    let found = wait(deadline, || match look_sets(&sets, count) {
        Ok((_, 0, timer)) => Look::NotYet { timer },
        Ok((out, ready, _)) => Look::Ready((out, ready)),
        Err(errno) => {
            failure = Some(errno);
            Look::Ready((
                Sets {
                    bytes: [None, None, None],
                },
                0,
            ))
        }
    })?;
    if let Some(errno) = failure {
        return Err(errno);
    }
    let (out, ready) = found.unwrap_or((
        Sets {
            bytes: [None, None, None],
        },
        0,
    ));
    for (index, &address) in addresses.iter().enumerate() {
        if address != 0 {
            let mut bytes = vec![0u8; length];
            if let Some(set) = &out.bytes[index] {
                bytes[..set.len()].copy_from_slice(set);
            }
            copy_to_user(address, &bytes)?;
        }
    }
    let left = deadline.map(|deadline| deadline.saturating_sub(monotonic_ns()));
    Ok((ready, left))
}

pub fn select(_: &mut TrapFrame, args: Args) -> SysResult {
    let [count, read, write, except, timeout, ..] = args;
    let limit = if timeout == 0 {
        None
    } else {
        let [seconds, micros]: [i64; 2] = read_user(timeout)?;
        if seconds < 0 || !(0..1_000_000).contains(&micros) {
            return Err(Errno::EINVAL);
        }
        Some(
            (seconds as u64)
                .saturating_mul(NANOS_PER_SECOND)
                .saturating_add(micros as u64 * 1000),
        )
    };
    let (ready, left) = select_sets(count, [read, write, except], limit)?;
    if let Some(left) = left {
        let timeval = [
            (left / NANOS_PER_SECOND) as i64,
            ((left % NANOS_PER_SECOND) / 1000) as i64,
        ];
        write_user(timeout, &timeval)?;
    }
    Ok(ready)
}

pub fn pselect6(_: &mut TrapFrame, args: Args) -> SysResult {
    let [count, read, write, except, timeout, mask] = args;
    let limit = read_timespec(timeout)?;
    if mask != 0 {
        let [set, size]: [u64; 2] = read_user(mask)?;
        check_sigmask(set, size)?;
    }
    let (ready, left) = select_sets(count, [read, write, except], limit)?;
    if let Some(left) = left {
        let timespec = [
            (left / NANOS_PER_SECOND) as i64,
            (left % NANOS_PER_SECOND) as i64,
        ];
        write_user(timeout, &timespec)?;
    }
    Ok(ready)
}
