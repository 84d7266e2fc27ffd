//! Clocks and sleeping: `clock_gettime`, `clock_getres`, `gettimeofday`, `time`,
//! `nanosleep`, `clock_nanosleep`.

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::mm::user::{read_user, write_user};
use crate::time::{monotonic_ns, realtime_ns, resolution_ns, NANOS_PER_SECOND};

// Clock ids (include/uapi/linux/time.h).
const CLOCK_REALTIME: u64 = 0;
const CLOCK_MONOTONIC: u64 = 1;
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
fn now(clock: u64) -> Result<u64, Errno> {
    match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_REALTIME_ALARM | CLOCK_TAI => {
            Ok(realtime_ns())
        }
        CLOCK_MONOTONIC
        | CLOCK_MONOTONIC_RAW
        | CLOCK_MONOTONIC_COARSE
        | CLOCK_BOOTTIME
        | CLOCK_BOOTTIME_ALARM => Ok(monotonic_ns()),
        // TODO: per-thread CPU accounting comes with the scheduler; with one thread that
        // never waits for another, time since boot is a close upper bound.
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => Ok(monotonic_ns()),
        _ => Err(Errno::EINVAL),
    }
}

fn timespec(nanos: u64) -> [i64; 2] {
    [
        (nanos / NANOS_PER_SECOND) as i64,
        (nanos % NANOS_PER_SECOND) as i64,
    ]
}

/// Reads a `struct timespec`, rejecting negative or out-of-range fields.
fn read_timespec(address: u64) -> Result<u64, Errno> {
    let [seconds, nanos]: [i64; 2] = read_user(address)?;
    if seconds < 0 || !(0..NANOS_PER_SECOND as i64).contains(&nanos) {
        return Err(Errno::EINVAL);
    }
    Ok((seconds as u64)
        .saturating_mul(NANOS_PER_SECOND)
        .saturating_add(nanos as u64))
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

/// Waits until `clock` reads `deadline`.
///
/// TODO: halt until a timer interrupt instead of spinning, once the kernel programs the
/// local APIC timer; with a single thread nothing else could use the CPU meanwhile.
fn wait_until(clock: u64, deadline: u64) -> Result<(), Errno> {
    while now(clock)? < deadline {
        core::hint::spin_loop();
    }
    Ok(())
}

pub fn nanosleep(_: &mut TrapFrame, args: Args) -> SysResult {
    let duration = read_timespec(args[0])?;
    wait_until(CLOCK_MONOTONIC, monotonic_ns().saturating_add(duration))?;
    Ok(0)
}

pub fn clock_nanosleep(_: &mut TrapFrame, args: Args) -> SysResult {
    let [clock, flags, request, ..] = args;
    if matches!(clock, CLOCK_THREAD_CPUTIME_ID) {
        return Err(Errno::EINVAL);
    }
    let value = read_timespec(request)?;
    let deadline = if flags & TIMER_ABSTIME != 0 {
        value
    } else {
        now(clock)?.saturating_add(value)
    };
    wait_until(clock, deadline)?;
    Ok(0)
}

const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_CLOCK_REALTIME: u64 = 256;

/// Sleeps out a futex timeout: relative for `FUTEX_WAIT`, absolute for
/// `FUTEX_WAIT_BITSET` (on the realtime clock with `FUTEX_CLOCK_REALTIME`); forever
/// without one.
pub fn sleep_until_timeout(op: u64, timeout: u64) -> Result<(), Errno> {
    if timeout == 0 {
        loop {
            x86_64::instructions::hlt();
        }
    }
    let value = read_timespec(timeout)?;
    let clock = if op & FUTEX_CLOCK_REALTIME != 0 {
        CLOCK_REALTIME
    } else {
        CLOCK_MONOTONIC
    };
    let deadline = if op & 127 == FUTEX_WAIT_BITSET {
        value
    } else {
        now(clock)?.saturating_add(value)
    };
    wait_until(clock, deadline)
}
