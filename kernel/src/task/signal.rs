//! Signals (signal(7)): dispositions, pending sets, sending, and delivery on the way back
//! to user mode. The signal frame itself is built in `signal_frame.rs`.

use alloc::vec::Vec;
use core::fmt::Write;

use spin::Mutex;

use super::scheduler;
use super::thread::{Thread, Tid};
use crate::arch::backtrace::{walk, MAX_FRAMES};
use crate::arch::trap::{TrapFrame, SYSCALL_VECTOR};
use crate::drivers::console::{finish, KernelWriter, Outcome};
use crate::syscall::errno::Errno;

/// A signal number (signal(7)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signal(pub u32);

impl Signal {
    pub const SIGILL: Signal = Signal(4);
    pub const SIGTRAP: Signal = Signal(5);
    pub const SIGBUS: Signal = Signal(7);
    pub const SIGFPE: Signal = Signal(8);
    pub const SIGKILL: Signal = Signal(9);
    pub const SIGSEGV: Signal = Signal(11);
    pub const SIGALRM: Signal = Signal(14);
    pub const SIGCHLD: Signal = Signal(17);
    pub const SIGCONT: Signal = Signal(18);
    pub const SIGSTOP: Signal = Signal(19);
    pub const SIGTSTP: Signal = Signal(20);
    pub const SIGTTIN: Signal = Signal(21);
    pub const SIGTTOU: Signal = Signal(22);
    pub const SIGURG: Signal = Signal(23);
    pub const SIGWINCH: Signal = Signal(28);

    /// The highest signal number (real-time signals included).
    pub const MAX: u32 = 64;
    /// Signals from here on are real-time: every instance is queued.
    const FIRST_REALTIME: u32 = 32;

    pub fn from_number(value: u64) -> Result<Signal, Errno> {
        if value == 0 || value > Signal::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        Ok(Signal(value as u32))
    }

    pub fn bit(self) -> u64 {
        1 << (self.0 - 1)
    }

    pub fn name(self) -> &'static str {
        const NAMES: [&str; 32] = [
            "signal 0",
            "SIGHUP",
            "SIGINT",
            "SIGQUIT",
            "SIGILL",
            "SIGTRAP",
            "SIGABRT",
            "SIGBUS",
            "SIGFPE",
            "SIGKILL",
            "SIGUSR1",
            "SIGSEGV",
            "SIGUSR2",
            "SIGPIPE",
            "SIGALRM",
            "SIGTERM",
            "SIGSTKFLT",
            "SIGCHLD",
            "SIGCONT",
            "SIGSTOP",
            "SIGTSTP",
            "SIGTTIN",
            "SIGTTOU",
            "SIGURG",
            "SIGXCPU",
            "SIGXFSZ",
            "SIGVTALRM",
            "SIGPROF",
            "SIGWINCH",
            "SIGIO",
            "SIGPWR",
            "SIGSYS",
        ];
        NAMES
            .get(self.0 as usize)
            .copied()
            .unwrap_or("a real-time signal")
    }

    /// Whether the default action leaves the process running. Stop signals count: there
    /// is no job control in a unikernel.
    pub fn ignored_by_default(self) -> bool {
        matches!(
            self,
            Signal::SIGCHLD
                | Signal::SIGCONT
                | Signal::SIGURG
                | Signal::SIGWINCH
                | Signal::SIGSTOP
                | Signal::SIGTSTP
                | Signal::SIGTTIN
                | Signal::SIGTTOU
        )
    }
}

/// `si_code` values (include/uapi/asm-generic/siginfo.h).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalCode(pub i32);

impl SignalCode {
    pub const SI_USER: SignalCode = SignalCode(0);
    pub const SI_KERNEL: SignalCode = SignalCode(0x80);
    pub const SI_TIMER: SignalCode = SignalCode(-2);
    pub const SI_TKILL: SignalCode = SignalCode(-6);
    pub const SEGV_MAPERR: SignalCode = SignalCode(1);
    pub const SEGV_ACCERR: SignalCode = SignalCode(2);
    pub const ILL_ILLOPN: SignalCode = SignalCode(2);
    pub const FPE_INTDIV: SignalCode = SignalCode(1);
    pub const BUS_ADRALN: SignalCode = SignalCode(1);

    fn describe(self, signal: Signal) -> &'static str {
        match (signal, self.0) {
            (Signal::SIGSEGV, 1) => "SEGV_MAPERR: address not mapped",
            (Signal::SIGSEGV, 2) => "SEGV_ACCERR: access not allowed",
            (Signal::SIGILL, 2) => "ILL_ILLOPN: illegal operand",
            (Signal::SIGFPE, 1) => "FPE_INTDIV: integer divide by zero",
            (Signal::SIGBUS, 1) => "BUS_ADRALN: misaligned address",
            (_, 0x80) => "SI_KERNEL",
            (_, -6) => "SI_TKILL",
            (_, -1) => "SI_QUEUE",
            (_, -2) => "SI_TIMER",
            _ => "SI_USER",
        }
    }
}

/// `siginfo_t`: the fields this kernel fills, the union as four words.
#[derive(Clone, Copy, Debug)]
pub struct SigInfo {
    pub signal: Signal,
    pub code: SignalCode,
    /// The union: `si_addr` for faults; `si_pid`, `si_uid` (packed in the first word) and
    /// `si_value` for kill and sigqueue; `si_tid`/`si_overrun` and `si_value` for timers.
    pub fields: [u64; 4],
    /// Whether a fault raised it (the report then shows registers).
    pub from_fault: bool,
}

impl SigInfo {
    pub fn new(signal: Signal, code: SignalCode) -> SigInfo {
        SigInfo {
            signal,
            code,
            fields: [0; 4],
            from_fault: false,
        }
    }

    /// A signal sent by the process itself (`kill`, `tgkill`), from pid 1, uid 0.
    pub fn from_process(signal: Signal, code: SignalCode) -> SigInfo {
        let mut info = SigInfo::new(signal, code);
        info.fields[0] = super::PID;
        info
    }

    pub fn fault(signal: Signal, code: SignalCode, address: u64) -> SigInfo {
        SigInfo {
            signal,
            code,
            fields: [address, 0, 0, 0],
            from_fault: true,
        }
    }

    /// The 128-byte `siginfo_t` the handler sees.
    pub fn to_bytes(self) -> [u8; 128] {
        let mut bytes = [0u8; 128];
        bytes[0..4].copy_from_slice(&(self.signal.0 as i32).to_le_bytes());
        bytes[8..12].copy_from_slice(&self.code.0.to_le_bytes());
        for (index, word) in self.fields.iter().enumerate() {
            bytes[16 + index * 8..24 + index * 8].copy_from_slice(&word.to_le_bytes());
        }
        bytes
    }
}

/// Signals waiting for delivery: one instance of each standard signal, every instance of a
/// real-time one.
#[derive(Default)]
pub struct Pending {
    queue: Vec<SigInfo>,
}

impl Pending {
    pub fn set(&self) -> u64 {
        self.queue
            .iter()
            .fold(0, |set, info| set | info.signal.bit())
    }

    fn add(&mut self, info: SigInfo) {
        let queued = self.set() & info.signal.bit() != 0;
        if !queued || info.signal.0 >= Signal::FIRST_REALTIME {
            self.queue.push(info);
        }
    }

    /// Removes and returns the lowest-numbered pending signal not in `blocked`.
    fn take(&mut self, blocked: u64) -> Option<SigInfo> {
        let index = self
            .queue
            .iter()
            .enumerate()
            .filter(|(_, info)| info.signal.bit() & blocked == 0)
            .min_by_key(|(_, info)| info.signal.0)
            .map(|(index, _)| index)?;
        Some(self.queue.remove(index))
    }
}

/// A disposition from `rt_sigaction`: `SIG_DFL` (0), `SIG_IGN` (1) or a handler address.
#[derive(Clone, Copy, Debug, Default)]
pub struct SigAction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;
/// SIGKILL and SIGSTOP can be neither caught nor blocked.
pub const UNBLOCKABLE: u64 = (1 << 8) | (1 << 18);

/// Dispositions and signals sent to the whole process.
pub struct ProcessSignals {
    pub actions: [SigAction; Signal::MAX as usize + 1],
    pending: Pending,
}

pub static PROCESS_SIGNALS: Mutex<ProcessSignals> = Mutex::new(ProcessSignals {
    actions: [SigAction {
        handler: SIG_DFL,
        flags: 0,
        restorer: 0,
        mask: 0,
    }; Signal::MAX as usize + 1],
    pending: Pending { queue: Vec::new() },
});

/// The disposition of `signal`.
pub fn action(signal: Signal) -> SigAction {
    PROCESS_SIGNALS.lock().actions[signal.0 as usize]
}

fn discarded_on_arrival(signal: Signal) -> bool {
    let handler = action(signal).handler;
    handler == SIG_IGN || (handler == SIG_DFL && signal.ignored_by_default())
}

/// Signals pending for the process as a whole.
pub fn process_pending() -> u64 {
    PROCESS_SIGNALS.lock().pending.set()
}

/// Sends a signal to the process: any thread that does not block it may take it.
pub fn send_to_process(info: SigInfo) {
    if discarded_on_arrival(info.signal) {
        return;
    }
    PROCESS_SIGNALS.lock().pending.add(info);
    crate::fs::signalfd::notify();
    let bit = info.signal.bit();
    let taker =
        scheduler::find_thread(|thread| (thread.signal_mask & bit == 0).then_some(thread.tid));
    if let Some(tid) = taker {
        scheduler::wake(tid);
    }
}

/// Sends `signal` to the calling thread, as the kernel does for `SIGPIPE`.
pub fn raise(signal: Signal) {
    let tid = scheduler::current_tid();
    let _ = send_to_thread(tid, SigInfo::from_process(signal, SignalCode::SI_USER));
}

/// Sends a signal to one thread; `ESRCH` if it does not exist.
pub fn send_to_thread(tid: Tid, info: SigInfo) -> Result<(), Errno> {
    if discarded_on_arrival(info.signal) {
        return scheduler::with_thread(tid, |_| ()).ok_or(Errno::ESRCH);
    }
    scheduler::with_thread(tid, |thread| thread.pending.add(info)).ok_or(Errno::ESRCH)?;
    scheduler::wake(tid);
    crate::fs::signalfd::notify();
    Ok(())
}

/// A fault in user code raised `signal`. As on Linux, a fault signal that is blocked or
/// ignored cannot be: it is unblocked and its default action restored.
pub fn raise_fault(signal: Signal, code: SignalCode, address: u64) {
    let bit = signal.bit();
    let blocked = scheduler::with_current(|thread| thread.signal_mask & bit != 0);
    let mut process = PROCESS_SIGNALS.lock();
    if blocked || process.actions[signal.0 as usize].handler == SIG_IGN {
        process.actions[signal.0 as usize].handler = SIG_DFL;
    }
    drop(process);
    scheduler::with_current(|thread| {
        thread.signal_mask &= !bit;
        thread.pending.add(SigInfo::fault(signal, code, address));
    });
}

/// Whether the current thread has a signal to handle, so that a blocking call must stop.
pub fn interrupt_pending() -> bool {
    let process = process_pending();
    scheduler::with_current(|thread| (thread.pending.set() | process) & !thread.signal_mask != 0)
}

/// Takes the next deliverable signal of `thread`: its own first, then the process's.
fn take_next(thread: &mut Thread) -> Option<SigInfo> {
    if let Some(info) = thread.pending.take(thread.signal_mask) {
        return Some(info);
    }
    PROCESS_SIGNALS.lock().pending.take(thread.signal_mask)
}

/// Takes a pending signal in `set` (for `rt_sigtimedwait`), bypassing its handler.
pub fn take_from(set: u64) -> Option<SigInfo> {
    scheduler::with_current(|thread| {
        if let Some(info) = thread.pending.take(!set) {
            return Some(info);
        }
        PROCESS_SIGNALS.lock().pending.take(!set)
    })
}

/// Delivers pending signals to the current thread on its way back to user mode: runs
/// default actions, or builds handler frames. Also settles interrupted syscalls.
pub fn deliver(frame: &mut TrapFrame) {
    let interrupted =
        frame.vector == SYSCALL_VECTOR && frame.rax == (-(Errno::ERESTARTSYS.0 as i64)) as u64;
    let mut handled = false;
    while let Some(info) = scheduler::with_current(take_next) {
        let action = action(info.signal);
        match action.handler {
            SIG_IGN => continue,
            SIG_DFL if info.signal.ignored_by_default() => continue,
            SIG_DFL => terminate(frame, &info),
            _ => {}
        }
        if interrupted && !handled {
            if action.flags & SA_RESTART != 0 {
                restart_syscall(frame);
            } else {
                frame.rax = (-(Errno::EINTR.0 as i64)) as u64;
            }
        }
        handled = true;
        if super::signal_frame::build(frame, &info, &action).is_err() {
            // No room for the frame: the thread dies of SIGSEGV, as on Linux.
            terminate(frame, &SigInfo::new(Signal::SIGSEGV, SignalCode::SI_KERNEL));
        }
        if action.flags & SA_RESETHAND != 0 {
            PROCESS_SIGNALS.lock().actions[info.signal.0 as usize].handler = SIG_DFL;
        }
    }
    if interrupted && !handled {
        restart_syscall(frame);
    }
    if !handled {
        // An `rt_sigsuspend` whose signal went elsewhere gets its mask back here.
        scheduler::with_current(|thread| {
            if let Some(mask) = thread.saved_mask.take() {
                thread.signal_mask = mask;
            }
        });
    }
}

/// Makes the interrupted syscall run again: the number back in RAX, RIP on the SYSCALL.
fn restart_syscall(frame: &mut TrapFrame) {
    frame.rax = frame.error_code;
    frame.rip -= 2;
}

/// The default action of a fatal signal: report and end the process with 128 + signal.
fn terminate(frame: &TrapFrame, info: &SigInfo) -> ! {
    let signal = info.signal;
    let mut addresses = [0u64; MAX_FRAMES];
    let read_frame = |rbp| crate::mm::user::read_user::<[u64; 2]>(rbp).ok();
    let count = walk(frame.rbp, read_frame, &mut addresses);
    crate::drivers::console::send_crash(&crate::drivers::console::CrashReport {
        kind: 0,
        signal: signal.0,
        code: info.code.0,
        address: if info.from_fault { info.fields[0] } else { 0 },
        load_bias: crate::loader::load_bias(),
        registers: frame.crash_registers(),
        return_addresses: &addresses[..count],
    });
    if info.from_fault {
        let _ = writeln!(
            KernelWriter,
            "[pith] the program was killed by {} ({}) at address {:#x}\n{frame}",
            signal.name(),
            info.code.describe(signal),
            info.fields[0],
        );
    } else {
        let _ = writeln!(
            KernelWriter,
            "[pith] the program was killed by {}",
            signal.name()
        );
    }
    super::report_at_exit(true);
    finish(Outcome::Killed(signal.0));
}
