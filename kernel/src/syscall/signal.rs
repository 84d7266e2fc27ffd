//! Signal calls: dispositions, masks, the alternate stack, sending, waiting, and
//! `rt_sigreturn` (signal(7), rt_sigaction(2), sigaltstack(2), rt_sigtimedwait(2)).

use super::errno::{Errno, SysResult};
use super::time::read_timespec;
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::mm::user::{copy_from_user, copy_to_user, read_user, write_user};
use crate::task::signal::{
    self, process_pending, SigAction, SigInfo, Signal, SignalCode, PROCESS_SIGNALS, UNBLOCKABLE,
};
use crate::task::thread::{AltStack, SS_DISABLE, SS_ONSTACK};
use crate::task::wait::WaitQueue;
use crate::task::{scheduler, signal_frame, PID};

/// The kernel's `sigset_t` is 8 bytes.
const SIGSET_SIZE: u64 = 8;
const SIG_BLOCK: u64 = 0;
const SIG_UNBLOCK: u64 = 1;
const SIG_SETMASK: u64 = 2;
/// `MINSIGSTKSZ` on x86-64.
const MIN_SIGNAL_STACK: u64 = 2048;
const SS_AUTODISARM: u32 = 1 << 31;

/// `struct sigaction` as the kernel takes it: handler, flags, restorer, mask.
pub fn rt_sigaction(_: &mut TrapFrame, args: Args) -> SysResult {
    let [number, new, old, size, ..] = args;
    let signal = Signal::from_number(number)?;
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let replacement = if new != 0 {
        if matches!(signal, Signal::SIGKILL | Signal::SIGSTOP) {
            return Err(Errno::EINVAL);
        }
        let [handler, flags, restorer, mask]: [u64; 4] = read_user(new)?;
        Some(SigAction {
            handler,
            flags,
            restorer,
            mask: mask & !UNBLOCKABLE,
        })
    } else {
        None
    };
    let previous = signal::action(signal);
    if old != 0 {
        write_user(
            old,
            &[
                previous.handler,
                previous.flags,
                previous.restorer,
                previous.mask,
            ],
        )?;
    }
    if let Some(action) = replacement {
        PROCESS_SIGNALS.lock().actions[signal.0 as usize] = action;
    }
    Ok(0)
}

pub fn rt_sigprocmask(_: &mut TrapFrame, args: Args) -> SysResult {
    let [how, new, old, size, ..] = args;
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let change: Option<u64> = if new != 0 {
        Some(read_user(new)?)
    } else {
        None
    };
    if change.is_some() && !matches!(how, SIG_BLOCK | SIG_UNBLOCK | SIG_SETMASK) {
        return Err(Errno::EINVAL);
    }
    let previous = scheduler::with_current(|thread| {
        let previous = thread.signal_mask;
        if let Some(set) = change {
            thread.signal_mask = match how {
                SIG_BLOCK => previous | set,
                SIG_UNBLOCK => previous & !set,
                _ => set,
            } & !UNBLOCKABLE;
        }
        previous
    });
    if old != 0 {
        write_user(old, &previous)?;
    }
    Ok(0)
}

/// `stack_t`: base, flags (with padding), size.
pub fn sigaltstack(frame: &mut TrapFrame, args: Args) -> SysResult {
    let [new, old, ..] = args;
    let current = scheduler::with_current(|thread| thread.alt_stack);
    let on_stack = current.contains(frame.rsp);
    if new != 0 {
        let [base, flags, size]: [u64; 3] = read_user(new)?;
        let flags = flags as u32;
        if flags & !(SS_DISABLE | SS_ONSTACK | SS_AUTODISARM) != 0 {
            return Err(Errno::EINVAL);
        }
        if on_stack {
            return Err(Errno::EPERM);
        }
        let stack = if flags & SS_DISABLE != 0 {
            AltStack::DISABLED
        } else if size < MIN_SIGNAL_STACK {
            return Err(Errno::ENOMEM);
        } else {
            AltStack {
                base,
                flags: flags & SS_AUTODISARM,
                size,
            }
        };
        scheduler::with_current(|thread| thread.alt_stack = stack);
    }
    if old != 0 {
        let flags = if on_stack { SS_ONSTACK } else { current.flags };
        write_user(old, &[current.base, flags as u64, current.size])?;
    }
    Ok(0)
}

pub fn rt_sigreturn(frame: &mut TrapFrame, _: Args) -> SysResult {
    if signal_frame::restore(frame).is_err() {
        signal::raise_fault(Signal::SIGSEGV, SignalCode::SI_KERNEL, 0);
    }
    // The restored RAX is the interrupted code's, returned as is.
    Ok(frame.rax as usize)
}

/// `kill`: the only process is 1; 0 and -1 (process group, everyone) name it too.
pub fn kill(_: &mut TrapFrame, args: Args) -> SysResult {
    let target = args[0] as i64 as i32;
    if !(-1..=1).contains(&target) {
        return Err(Errno::ESRCH);
    }
    if args[1] != 0 {
        signal::send_to_process(SigInfo::from_process(
            Signal::from_number(args[1])?,
            SignalCode::SI_USER,
        ));
    }
    Ok(0)
}

fn send_to_thread(tid: u64, number: u64, code: SignalCode) -> SysResult {
    let tid = u32::try_from(tid).map_err(|_| Errno::EINVAL)?;
    if number == 0 {
        return scheduler::with_thread(tid, |_| 0).ok_or(Errno::ESRCH);
    }
    signal::send_to_thread(
        tid,
        SigInfo::from_process(Signal::from_number(number)?, code),
    )?;
    Ok(0)
}

pub fn tkill(_: &mut TrapFrame, args: Args) -> SysResult {
    send_to_thread(args[0], args[1], SignalCode::SI_TKILL)
}

pub fn tgkill(_: &mut TrapFrame, args: Args) -> SysResult {
    if args[0] != PID {
        return Err(Errno::ESRCH);
    }
    send_to_thread(args[1], args[2], SignalCode::SI_TKILL)
}

/// Reads a `siginfo_t` the application queues, keeping its code and value.
fn queued_info(number: u64, address: u64) -> Result<SigInfo, Errno> {
    let mut bytes = [0u8; 128];
    copy_from_user(&mut bytes, address)?;
    let code = i32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    // Only the kernel may claim SI_USER or positive codes for itself (rt_sigqueueinfo(2)).
    if code >= 0 || code == SignalCode::SI_TKILL.0 {
        return Err(Errno::EPERM);
    }
    let mut info = SigInfo::new(Signal::from_number(number)?, SignalCode(code));
    for (index, field) in info.fields.iter_mut().enumerate() {
        *field = u64::from_le_bytes(
            bytes[16 + index * 8..24 + index * 8]
                .try_into()
                .unwrap_or_default(),
        );
    }
    Ok(info)
}

pub fn rt_sigqueueinfo(_: &mut TrapFrame, args: Args) -> SysResult {
    if !matches!(args[0], 0 | PID) {
        return Err(Errno::ESRCH);
    }
    signal::send_to_process(queued_info(args[1], args[2])?);
    Ok(0)
}

pub fn rt_tgsigqueueinfo(_: &mut TrapFrame, args: Args) -> SysResult {
    if args[0] != PID {
        return Err(Errno::ESRCH);
    }
    let tid = u32::try_from(args[1]).map_err(|_| Errno::EINVAL)?;
    signal::send_to_thread(tid, queued_info(args[2], args[3])?)?;
    Ok(0)
}

pub fn rt_sigpending(_: &mut TrapFrame, args: Args) -> SysResult {
    if args[1] > SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let process = process_pending();
    let pending =
        scheduler::with_current(|thread| (thread.pending.set() | process) & thread.signal_mask);
    write_user(args[0], &pending)?;
    Ok(0)
}

/// Threads in `rt_sigsuspend` and `rt_sigtimedwait`; signals wake them directly.
static SIGNAL_WAITERS: WaitQueue = WaitQueue::new();

/// Replaces the mask until a handler runs; the frame restores the old one afterwards.
pub fn rt_sigsuspend(_: &mut TrapFrame, args: Args) -> SysResult {
    if args[1] != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let mask: u64 = read_user(args[0])?;
    scheduler::with_current(|thread| {
        thread.saved_mask = Some(thread.signal_mask);
        thread.signal_mask = mask & !UNBLOCKABLE;
    });
    let _ = SIGNAL_WAITERS.wait_until(None, || None::<()>);
    Err(Errno::EINTR)
}

/// Waits for a signal in the set and takes it without running its handler.
pub fn rt_sigtimedwait(_: &mut TrapFrame, args: Args) -> SysResult {
    let [set, info, timeout, size, ..] = args;
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let set: u64 = read_user::<u64>(set)? & !UNBLOCKABLE;
    let deadline = if timeout != 0 {
        Some(crate::time::monotonic_ns().saturating_add(read_timespec(timeout)?))
    } else {
        None
    };
    // Signals in the set are waited for, so they must not interrupt the wait.
    let old_mask = scheduler::with_current(|thread| {
        let old = thread.signal_mask;
        thread.signal_mask = old & !set;
        old
    });
    let mut taken = None;
    let result = SIGNAL_WAITERS.wait_until(deadline, || {
        taken = signal::take_from(set);
        taken.map(|_| ())
    });
    scheduler::with_current(|thread| thread.signal_mask = old_mask);
    match (result, taken) {
        (Ok(()), Some(received)) => {
            if info != 0 {
                copy_to_user(info, &received.to_bytes())?;
            }
            Ok(received.signal.0 as usize)
        }
        (Err(Errno::ETIMEDOUT), _) => Err(Errno::EAGAIN),
        _ => Err(Errno::EINTR),
    }
}
