//! Clocks and sleeping: `clock_gettime`, `clock_getres`, `gettimeofday`, `time`,
//! `nanosleep`, `clock_nanosleep`.

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::mm::user::{read_user, write_user};
use crate::task::scheduler;
use crate::task::wait::sleep_until;
use crate::time::{monotonic_ns, realtime_ns, resolution_ns, NANOS_PER_SECOND};

// Clock ids (include/uapi/linux/time.h).
pub const CLOCK_REALTIME: u64 = 0;
pub const CLOCK_MONOTONIC: u64 = 1;
const CLOCK_PROCESS_CPUTIME_ID: u64 = 2;
const CLOCK_THREAD_CPUTIME_ID: u64 = 3;
const CLOCK_MONOTONIC_RAW: u64 = 4;
const CLOCK_REALTIME_COARSE: u64 = 5;
const CLOCK_MONOTONIC_COARSE: u64 = 6;
const CLOCK_BOOTTIME: u64 = 7;
const CLOCK_REALTIME_ALARM: u64 = 8;
const CLOCK_BOOTTIME_ALARM: u64 = 9;
const CLOCK_TAI: u64 = 11;

const TIMER_ABSTIME: u64 = 1;

/// The time of `clock` in nanoseconds.
pub fn now(clock: u64) -> Result<u64, Errno> {
    match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_REALTIME_ALARM | CLOCK_TAI => {
            Ok(realtime_ns())
        }
        CLOCK_MONOTONIC
        | CLOCK_MONOTONIC_RAW
        | CLOCK_MONOTONIC_COARSE
        | CLOCK_BOOTTIME
        | CLOCK_BOOTTIME_ALARM => Ok(monotonic_ns()),
        CLOCK_PROCESS_CPUTIME_ID => Ok(scheduler::cpu_times().1),
        CLOCK_THREAD_CPUTIME_ID => Ok(scheduler::cpu_times().0),
        _ => Err(Errno::EINVAL),
    }
}

pub fn timespec(nanos: u64) -> [i64; 2] {
    [
        (nanos / NANOS_PER_SECOND) as i64,
        (nanos % NANOS_PER_SECOND) as i64,
    ]
}

/// A `struct timespec` in nanoseconds; `EINVAL` for negative or out-of-range fields.
pub fn timespec_nanos([seconds, nanos]: [i64; 2]) -> Result<u64, Errno> {
    if seconds < 0 || !(0..NANOS_PER_SECOND as i64).contains(&nanos) {
        return Err(Errno::EINVAL);
    }
    Ok((seconds as u64)
        .saturating_mul(NANOS_PER_SECOND)
        .saturating_add(nanos as u64))
}

/// Reads a `struct timespec` from the application, in nanoseconds.
pub fn read_timespec(address: u64) -> Result<u64, Errno> {
    timespec_nanos(read_user(address)?)
}

pub fn clock_gettime(_: &mut TrapFrame, args: Args) -> SysResult {
    let nanos = now(args[0])?;
    write_user(args[1], &timespec(nanos))?;
    Ok(0)
}

pub fn clock_getres(_: &mut TrapFrame, args: Args) -> SysResult {
    now(args[0])?;
    if args[1] != 0 {
        write_user(args[1], &timespec(resolution_ns()))?;
    }
    Ok(0)
}

pub fn gettimeofday(_: &mut TrapFrame, args: Args) -> SysResult {
    let nanos = realtime_ns();
    if args[0] != 0 {
        let timeval = [
            (nanos / NANOS_PER_SECOND) as i64,
            ((nanos % NANOS_PER_SECOND) / 1000) as i64,
        ];
        write_user(args[0], &timeval)?;
    }
    if args[1] != 0 {
        // struct timezone: UTC.
        write_user(args[1], &[0i32, 0i32])?;
    }
    Ok(0)
}

pub fn time(_: &mut TrapFrame, args: Args) -> SysResult {
    let seconds = realtime_ns() / NANOS_PER_SECOND;
    if args[0] != 0 {
        write_user(args[0], &(seconds as i64))?;
    }
    Ok(seconds as usize)
}

/// Sleeps until `clock` reads `deadline`. Interrupted by a handled signal it fails with
/// `EINTR` and, for a relative sleep, stores the time left at `remaining`.
fn sleep(clock: u64, deadline: u64, remaining: Option<u64>) -> SysResult {
    let monotonic_deadline = if matches!(clock, CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_TAI)
    {
        monotonic_ns().saturating_add(deadline.saturating_sub(realtime_ns()))
    } else {
        deadline
    };
    match sleep_until(monotonic_deadline) {
        Ok(()) => Ok(0),
        Err(_) => {
            if let Some(address) = remaining.filter(|&address| address != 0) {
                let left = monotonic_deadline.saturating_sub(monotonic_ns());
                write_user(address, &timespec(left))?;
            }
            Err(Errno::EINTR)
        }
    }
}

pub fn nanosleep(_: &mut TrapFrame, args: Args) -> SysResult {
    let duration = read_timespec(args[0])?;
    sleep(
        CLOCK_MONOTONIC,
        monotonic_ns().saturating_add(duration),
        Some(args[1]),
    )
}

pub fn clock_nanosleep(_: &mut TrapFrame, args: Args) -> SysResult {
    let [clock, flags, request, remaining, ..] = args;
    if matches!(clock, CLOCK_THREAD_CPUTIME_ID | CLOCK_PROCESS_CPUTIME_ID) {
        crate::warn_once!(
            "clock_nanosleep on a CPU-time clock is not supported: it returns EINVAL"
        );
        return Err(Errno::EINVAL);
    }
    let value = read_timespec(request)?;
    if flags & TIMER_ABSTIME != 0 {
        now(clock)?;
        return sleep(clock, value, None);
    }
    let deadline = now(clock)?.saturating_add(value);
    sleep(clock, deadline, Some(remaining))
}
