//! Interval timers and CPU accounting: `alarm`, `setitimer`, `getitimer`, POSIX timers
//! (`timer_create` and friends, timer_create(2)), `times`, `getrusage`.

use alloc::vec::Vec;
use spin::Mutex;

use super::errno::{Errno, SysResult};
use super::time::{now, timespec, timespec_nanos, CLOCK_MONOTONIC, CLOCK_REALTIME};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::mm::user::{read_user, write_user};
use crate::task::signal::{self, SigInfo, Signal, SignalCode};
use crate::task::timer::{self as ktimer, Action, TimerId};
use crate::task::{scheduler, thread::Tid};
use crate::time::{monotonic_ns, NANOS_PER_SECOND};

/// How an expiry is announced (`struct sigevent`).
#[derive(Clone, Copy)]
enum Notify {
    None,
    Process(Signal),
    Thread(Signal, Tid),
}

struct IntervalTimer {
    notify: Notify,
    value: u64,
    interval_ns: u64,
    deadline: Option<(u64, TimerId)>,
    overrun: u32,
    code: SignalCode,
}

/// Slot 0 is `ITIMER_REAL` (alarm, setitimer); POSIX timers take the others.
static TIMERS: Mutex<Vec<Option<IntervalTimer>>> = Mutex::new(Vec::new());
const ITIMER_REAL: usize = 0;
const MAX_TIMERS: usize = 4096;

/// Called by the kernel timer when slot `index` expires.
fn expire(index: u64) {
    let mut timers = TIMERS.lock();
    let Some(Some(timer)) = timers.get_mut(index as usize) else {
        return;
    };
    let Some((deadline, _)) = timer.deadline else {
        return;
    };
    timer.deadline = None;
    if timer.interval_ns > 0 {
        let next = deadline + timer.interval_ns;
        let id = ktimer::add(next, Action::Call(expire, index));
        timer.deadline = Some((next, id));
    }
    let mut info = SigInfo::new(Signal(0), timer.code);
    info.fields = [
        index.saturating_sub(1) | (timer.overrun as u64) << 32,
        timer.value,
        0,
        0,
    ];
    let notify = timer.notify;
    drop(timers);
    match notify {
        Notify::None => {}
        Notify::Process(signal) => signal::send_to_process(SigInfo { signal, ..info }),
        Notify::Thread(signal, tid) => {
            let _ = signal::send_to_thread(tid, SigInfo { signal, ..info });
        }
    }
}

/// Arms slot `index` to expire at `deadline` (monotonic ns; `None` disarms) and every
/// `interval_ns` after; returns the time that was left and the old interval.
fn arm(index: usize, deadline: Option<u64>, interval_ns: u64) -> Result<(u64, u64), Errno> {
    let mut timers = TIMERS.lock();
    let timer = timers
        .get_mut(index)
        .and_then(Option::as_mut)
        .ok_or(Errno::EINVAL)?;
    let left = timer
        .deadline
        .map_or(0, |(at, _)| at.saturating_sub(monotonic_ns()).max(1));
    let old_interval = timer.interval_ns;
    if let Some((_, id)) = timer.deadline.take() {
        ktimer::cancel(id);
    }
    timer.interval_ns = interval_ns;
    timer.overrun = 0;
    if let Some(at) = deadline {
        timer.deadline = Some((at, ktimer::add(at, Action::Call(expire, index as u64))));
    }
    Ok((left, old_interval))
}

fn ensure_real_timer() {
    let mut timers = TIMERS.lock();
    if timers.is_empty() {
        timers.push(Some(IntervalTimer {
            notify: Notify::Process(Signal::SIGALRM),
            value: 0,
            interval_ns: 0,
            deadline: None,
            overrun: 0,
            code: SignalCode::SI_KERNEL,
        }));
    }
}

pub fn alarm(_: &mut TrapFrame, args: Args) -> SysResult {
    ensure_real_timer();
    let deadline = (args[0] > 0).then(|| monotonic_ns() + args[0] * NANOS_PER_SECOND);
    let (left, _) = arm(ITIMER_REAL, deadline, 0)?;
    Ok(left.div_ceil(NANOS_PER_SECOND) as usize)
}

/// `struct itimerval` is two `struct timeval`s: interval, then value.
fn read_timeval(address: u64) -> Result<u64, Errno> {
    let [seconds, micros]: [i64; 2] = read_user(address)?;
    if seconds < 0 || !(0..1_000_000).contains(&micros) {
        return Err(Errno::EINVAL);
    }
    Ok(seconds as u64 * NANOS_PER_SECOND + micros as u64 * 1000)
}

fn timeval(nanos: u64) -> [i64; 2] {
    [
        (nanos / NANOS_PER_SECOND) as i64,
        ((nanos % NANOS_PER_SECOND) / 1000) as i64,
    ]
}

fn write_itimerval(address: u64, interval: u64, left: u64) -> Result<(), Errno> {
    let [a, b] = timeval(interval);
    let [c, d] = timeval(left);
    write_user(address, &[a, b, c, d])
}

/// Only `ITIMER_REAL` exists; the CPU-time timers are refused.
///
/// TODO: ITIMER_VIRTUAL and ITIMER_PROF need per-thread CPU-time expiry.
fn check_which(which: u64) -> Result<(), Errno> {
    match which {
        0 => Ok(()),
        1 | 2 => {
            crate::warn_once!(
                "setitimer: ITIMER_VIRTUAL and ITIMER_PROF are not supported: EINVAL"
            );
            Err(Errno::EINVAL)
        }
        _ => Err(Errno::EINVAL),
    }
}

pub fn setitimer(_: &mut TrapFrame, args: Args) -> SysResult {
    let [which, new, old, ..] = args;
    check_which(which)?;
    ensure_real_timer();
    let (interval, value) = if new != 0 {
        (read_timeval(new)?, read_timeval(new + 16)?)
    } else {
        (0, 0)
    };
    let deadline = (value > 0).then(|| monotonic_ns() + value);
    let (left, old_interval) = arm(ITIMER_REAL, deadline, if value > 0 { interval } else { 0 })?;
    if old != 0 {
        write_itimerval(old, old_interval, left)?;
    }
    Ok(0)
}

pub fn getitimer(_: &mut TrapFrame, args: Args) -> SysResult {
    check_which(args[0])?;
    ensure_real_timer();
    let timers = TIMERS.lock();
    let timer = timers[ITIMER_REAL].as_ref().ok_or(Errno::EINVAL)?;
    let left = timer
        .deadline
        .map_or(0, |(at, _)| at.saturating_sub(monotonic_ns()));
    let interval = timer.interval_ns;
    drop(timers);
    write_itimerval(args[1], interval, left)?;
    Ok(0)
}

const SIGEV_SIGNAL: u32 = 0;
const SIGEV_NONE: u32 = 1;
const SIGEV_THREAD_ID: u32 = 4;

/// `struct sigevent`: value, signal, notify, thread id.
fn read_sigevent(address: u64) -> Result<(Notify, u64), Errno> {
    if address == 0 {
        return Ok((Notify::Process(Signal::SIGALRM), 0));
    }
    let [value, signal_and_notify, thread]: [u64; 3] = read_user(address)?;
    let signal = signal_and_notify as u32;
    let notify = (signal_and_notify >> 32) as u32;
    match notify {
        SIGEV_NONE => Ok((Notify::None, value)),
        SIGEV_SIGNAL => Ok((Notify::Process(Signal::from_number(signal as u64)?), value)),
        SIGEV_THREAD_ID => {
            let tid = thread as u32;
            scheduler::with_thread(tid, |_| ()).ok_or(Errno::EINVAL)?;
            Ok((
                Notify::Thread(Signal::from_number(signal as u64)?, tid),
                value,
            ))
        }
        _ => Err(Errno::EINVAL),
    }
}

pub fn timer_create(_: &mut TrapFrame, args: Args) -> SysResult {
    let [clock, event, id_out, ..] = args;
    if !matches!(clock, CLOCK_REALTIME | CLOCK_MONOTONIC | 7) {
        return Err(Errno::EINVAL);
    }
    let (notify, value) = read_sigevent(event)?;
    ensure_real_timer();
    let mut timers = TIMERS.lock();
    let index = match timers.iter().skip(1).position(Option::is_none) {
        Some(free) => free + 1,
        None if timers.len() < MAX_TIMERS => {
            timers.push(None);
            timers.len() - 1
        }
        None => return Err(Errno::EAGAIN),
    };
    // With SIGEV_SIGNAL and no sigevent, the value is the timer id (timer_create(2)).
    let value = if event == 0 { index as u64 - 1 } else { value };
    timers[index] = Some(IntervalTimer {
        notify,
        value,
        interval_ns: 0,
        deadline: None,
        overrun: 0,
        code: SignalCode::SI_TIMER,
    });
    drop(timers);
    if let Err(errno) = write_user(id_out, &(index as u32 - 1)) {
        TIMERS.lock()[index] = None;
        return Err(errno);
    }
    Ok(0)
}

fn slot(id: u64) -> Result<usize, Errno> {
    let index = (id as u32 as usize).checked_add(1).ok_or(Errno::EINVAL)?;
    match TIMERS.lock().get(index) {
        Some(Some(_)) => Ok(index),
        _ => Err(Errno::EINVAL),
    }
}

const TIMER_ABSTIME: u64 = 1;

pub fn timer_settime(_: &mut TrapFrame, args: Args) -> SysResult {
    let [id, flags, new, old, ..] = args;
    let index = slot(id)?;
    let [interval, value]: [[i64; 2]; 2] = read_user(new)?;
    let (interval, value) = (timespec_nanos(interval)?, timespec_nanos(value)?);
    let deadline = (value > 0).then(|| {
        if flags & TIMER_ABSTIME != 0 {
            value
        } else {
            now(CLOCK_MONOTONIC).unwrap_or(0) + value
        }
    });
    let (left, old_interval) = arm(index, deadline, interval)?;
    if old != 0 {
        write_user(old, &[timespec(old_interval), timespec(left)])?;
    }
    Ok(0)
}

pub fn timer_gettime(_: &mut TrapFrame, args: Args) -> SysResult {
    let index = slot(args[0])?;
    let timers = TIMERS.lock();
    let timer = timers[index].as_ref().ok_or(Errno::EINVAL)?;
    let left = timer
        .deadline
        .map_or(0, |(at, _)| at.saturating_sub(monotonic_ns()));
    let value = [timespec(timer.interval_ns), timespec(left)];
    drop(timers);
    write_user(args[1], &value)?;
    Ok(0)
}

pub fn timer_getoverrun(_: &mut TrapFrame, args: Args) -> SysResult {
    let index = slot(args[0])?;
    Ok(TIMERS.lock()[index]
        .as_ref()
        .map_or(0, |timer| timer.overrun as usize))
}

pub fn timer_delete(_: &mut TrapFrame, args: Args) -> SysResult {
    let index = slot(args[0])?;
    arm(index, None, 0)?;
    TIMERS.lock()[index] = None;
    Ok(0)
}

/// Clock ticks per second (`AT_CLKTCK`).
const TICKS: u64 = crate::loader::CLOCK_TICKS;

/// `struct tms`: user and system time of the process and its children, in ticks; the
/// return value is ticks since boot.
pub fn times(_: &mut TrapFrame, args: Args) -> SysResult {
    let (_, process) = scheduler::cpu_times();
    let to_ticks = |nanos: u64| nanos / (NANOS_PER_SECOND / TICKS);
    if args[0] != 0 {
        write_user(args[0], &[to_ticks(process), 0, 0, 0])?;
    }
    Ok(to_ticks(monotonic_ns()) as usize)
}

const RUSAGE_SELF: i64 = 0;
const RUSAGE_CHILDREN: i64 = -1;
const RUSAGE_THREAD: i64 = 1;

/// `struct rusage`: user time, system time, then fourteen counters (zero here).
pub fn getrusage(_: &mut TrapFrame, args: Args) -> SysResult {
    let (thread, process) = scheduler::cpu_times();
    let used = match args[0] as i64 {
        RUSAGE_SELF => process,
        RUSAGE_THREAD => thread,
        RUSAGE_CHILDREN => 0,
        _ => return Err(Errno::EINVAL),
    };
    let mut fields = [0i64; 18];
    fields[..2].copy_from_slice(&timeval(used));
    write_user(args[1], &fields)?;
    Ok(0)
}
