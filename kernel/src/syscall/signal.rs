//! Signal dispositions and masks: `rt_sigaction`, `rt_sigprocmask`, `sigaltstack`, and
//! sending signals to oneself with `kill`, `tkill` and `tgkill`.

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::mm::user::{read_user, write_user};
use crate::task::signal::{send_to_self, SigAction, Signal, SIGNALS, SS_DISABLE};
use crate::task::PID;

/// The kernel's `sigset_t` is 8 bytes.
const SIGSET_SIZE: u64 = 8;
const SIG_BLOCK: u64 = 0;
const SIG_UNBLOCK: u64 = 1;
const SIG_SETMASK: u64 = 2;
/// SIGKILL and SIGSTOP can be neither caught nor blocked.
const UNBLOCKABLE: u64 = (1 << 8) | (1 << 18);

fn signal_number(value: u64) -> Result<Signal, Errno> {
    if value == 0 || value > Signal::MAX as u64 {
        return Err(Errno::EINVAL);
    }
    Ok(Signal(value as u32))
}

/// `struct sigaction` as the kernel takes it: handler, flags, restorer, mask.
pub fn rt_sigaction(_: &mut TrapFrame, args: Args) -> SysResult {
    let [number, new, old, size, ..] = args;
    let signal = signal_number(number)?;
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
            mask,
        })
    } else {
        None
    };
    let previous = SIGNALS.lock().actions[signal.0 as usize];
    if old != 0 {
        let fields = [
            previous.handler,
            previous.flags,
            previous.restorer,
            previous.mask,
        ];
        write_user(old, &fields)?;
    }
    if let Some(action) = replacement {
        SIGNALS.lock().actions[signal.0 as usize] = action;
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
    let mut signals = SIGNALS.lock();
    let previous = signals.blocked;
    if let Some(set) = change {
        signals.blocked = match how {
            SIG_BLOCK => previous | set,
            SIG_UNBLOCK => previous & !set,
            SIG_SETMASK => set,
            _ => return Err(Errno::EINVAL),
        } & !UNBLOCKABLE;
    }
    drop(signals);
    if old != 0 {
        write_user(old, &previous)?;
    }
    Ok(0)
}

/// `MINSIGSTKSZ` on x86-64.
const MIN_SIGNAL_STACK: u64 = 2048;
const SS_ONSTACK: u32 = 1;

/// `stack_t`: base, flags (with padding), size.
pub fn sigaltstack(_: &mut TrapFrame, args: Args) -> SysResult {
    let [new, old, ..] = args;
    let replacement = if new != 0 {
        let [base, flags, size]: [u64; 3] = read_user(new)?;
        let flags = flags as u32;
        if flags & !(SS_DISABLE | SS_ONSTACK | (1 << 31)) != 0 {
            return Err(Errno::EINVAL);
        }
        if flags & SS_DISABLE == 0 && size < MIN_SIGNAL_STACK {
            return Err(Errno::ENOMEM);
        }
        Some((base, flags, size))
    } else {
        None
    };
    let mut signals = SIGNALS.lock();
    let (base, flags, size) = signals.alternate_stack;
    if let Some(stack) = replacement {
        signals.alternate_stack = stack;
    }
    drop(signals);
    if old != 0 {
        write_user(old, &[base, flags as u64, size])?;
    }
    Ok(0)
}

/// Sends `number` to the process if `target` names it; 0 only checks the target exists.
fn send(target: u64, number: u64) -> SysResult {
    if target != PID {
        return Err(Errno::ESRCH);
    }
    if number == 0 {
        return Ok(0);
    }
    send_to_self(signal_number(number)?);
    Ok(0)
}

pub fn kill(_: &mut TrapFrame, args: Args) -> SysResult {
    // 0 and -1 address the caller's process group and every process: here, itself.
    let target = match args[0] as i64 {
        0 | -1 => PID,
        pid => pid as u64,
    };
    send(target, args[1])
}

pub fn tkill(_: &mut TrapFrame, args: Args) -> SysResult {
    send(args[0], args[1])
}

pub fn tgkill(_: &mut TrapFrame, args: Args) -> SysResult {
    if args[0] != PID {
        return Err(Errno::ESRCH);
    }
    send(args[1], args[2])
}
