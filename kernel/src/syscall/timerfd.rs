//! `timerfd_create`, `timerfd_settime`, `timerfd_gettime` (timerfd_create(2)).

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::description::FileDescription;
use crate::fs::fd_table;
use crate::fs::open_flags::OpenFlags;
use crate::fs::timerfd::{Clock, Setting, TimerFd};
use crate::mm::user::{read_user, write_user};
use crate::time::NANOS_PER_SECOND;

const CLOCK_REALTIME: u64 = 0;
const CLOCK_MONOTONIC: u64 = 1;
const CLOCK_BOOTTIME: u64 = 7;
const CLOCK_REALTIME_ALARM: u64 = 8;
const CLOCK_BOOTTIME_ALARM: u64 = 9;
const TFD_NONBLOCK: u64 = OpenFlags::O_NONBLOCK as u64;
const TFD_CLOEXEC: u64 = OpenFlags::O_CLOEXEC as u64;
const TFD_TIMER_ABSTIME: u64 = 1;
const TFD_TIMER_CANCEL_ON_SET: u64 = 2;

pub fn timerfd_create(_: &mut TrapFrame, args: Args) -> SysResult {
    let [clock, flags, ..] = args;
    if flags & !(TFD_NONBLOCK | TFD_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let clock = match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_ALARM => Clock::Realtime,
        CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_BOOTTIME_ALARM => Clock::Monotonic,
        _ => return Err(Errno::EINVAL),
    };
    let status = OpenFlags::O_RDWR | (flags & TFD_NONBLOCK) as u32;
    let file = FileDescription::anonymous(TimerFd::new(clock), status);
    fd_table::install(file, flags & TFD_CLOEXEC != 0)
}

/// The timer behind `fd`: `EBADF` for a bad descriptor, `EINVAL` for another kind of file.
fn timer(fd: u64) -> Result<alloc::sync::Arc<FileDescription>, Errno> {
    let description = fd_table::get(fd as u32 as u64)?;
    if description
        .file
        .as_any()
        .downcast_ref::<TimerFd>()
        .is_none()
    {
        return Err(Errno::EINVAL);
    }
    Ok(description)
}

/// `struct itimerspec`: interval, then value.
fn itimerspec(setting: Setting) -> [i64; 4] {
    let split = |value: u64| {
        [
            (value / NANOS_PER_SECOND) as i64,
            (value % NANOS_PER_SECOND) as i64,
        ]
    };
    let [interval_seconds, interval_nanos] = split(setting.interval);
    let [value_seconds, value_nanos] = split(setting.value);
    [interval_seconds, interval_nanos, value_seconds, value_nanos]
}

pub fn timerfd_settime(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, flags, new, old, ..] = args;
    if flags & !(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) != 0 {
        return Err(Errno::EINVAL);
    }
    let description = timer(fd)?;
    let [interval_seconds, interval_nanos, value_seconds, value_nanos]: [i64; 4] = read_user(new)?;
    let setting = Setting {
        interval: super::time::timespec_nanos([interval_seconds, interval_nanos])?,
        value: super::time::timespec_nanos([value_seconds, value_nanos])?,
    };
    let Some(timer) = description.file.as_any().downcast_ref::<TimerFd>() else {
        return Err(Errno::EINVAL);
    };
    let previous = timer.set(setting, flags & TFD_TIMER_ABSTIME != 0);
    if old != 0 {
        write_user(old, &itimerspec(previous))?;
    }
    Ok(0)
}

pub fn timerfd_gettime(_: &mut TrapFrame, args: Args) -> SysResult {
    let description = timer(args[0])?;
    let Some(timer) = description.file.as_any().downcast_ref::<TimerFd>() else {
        return Err(Errno::EINVAL);
    };
    write_user(args[1], &itimerspec(timer.get()))?;
    Ok(0)
}
