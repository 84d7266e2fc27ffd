//! Signals: numbers, codes, dispositions, and what happens when one is fatal.
//!
//! TODO: delivery to user handlers (signal frames, `rt_sigreturn`) comes with threads and
//! the scheduler; until then a signal whose disposition is a handler is reported and ends
//! the application, as it would if the handler could not run.

use core::fmt::Write;

use spin::Mutex;

use crate::arch::trap::TrapFrame;
use crate::drivers::console::{finish, KernelWriter, Outcome};

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
    pub const SIGCHLD: Signal = Signal(17);
    pub const SIGCONT: Signal = Signal(18);
    pub const SIGSTOP: Signal = Signal(19);
    pub const SIGURG: Signal = Signal(23);
    pub const SIGWINCH: Signal = Signal(28);

    /// The highest signal number (real-time signals included).
    pub const MAX: u32 = 64;

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

    /// Whether the default action leaves the process running.
    pub fn ignored_by_default(self) -> bool {
        matches!(
            self,
            Signal::SIGCHLD | Signal::SIGCONT | Signal::SIGURG | Signal::SIGWINCH
        )
    }
}

/// `si_code` values (include/uapi/asm-generic/siginfo.h).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub struct SignalCode(pub i32);

impl SignalCode {
    pub const SI_KERNEL: SignalCode = SignalCode(0x80);
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
            _ => "SI_USER",
        }
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

/// Dispositions by signal number (index 0 unused), the blocked mask, the alternate stack.
pub struct SignalState {
    pub actions: [SigAction; Signal::MAX as usize + 1],
    pub blocked: u64,
    pub alternate_stack: (u64, u32, u64),
}

pub static SIGNALS: Mutex<SignalState> = Mutex::new(SignalState {
    actions: [SigAction {
        handler: SIG_DFL,
        flags: 0,
        restorer: 0,
        mask: 0,
    }; Signal::MAX as usize + 1],
    blocked: 0,
    alternate_stack: (0, SS_DISABLE, 0),
});

pub const SS_DISABLE: u32 = 2;

/// A fault in user code at `address` raised `signal`: report it and end the application.
pub fn fatal_fault(frame: &TrapFrame, signal: Signal, code: SignalCode, address: u64) -> ! {
    let handler = SIGNALS.lock().actions[signal.0 as usize].handler;
    if handler > SIG_IGN {
        log::warn!(
            "the application has a handler for {}, but signal delivery is not supported yet",
            signal.name()
        );
    }
    let _ = writeln!(
        KernelWriter,
        "[pith] the program was killed by {} ({}) at address {address:#x}\n{frame}",
        signal.name(),
        code.describe(signal),
    );
    finish(Outcome::Killed(signal.0));
}

/// Applies `signal` sent with `kill`/`tgkill`/`raise`: nothing if it is ignored, otherwise
/// the process ends (the default action of every signal that is not ignored by default).
pub fn send_to_self(signal: Signal) {
    let handler = SIGNALS.lock().actions[signal.0 as usize].handler;
    if handler == SIG_IGN || (handler == SIG_DFL && signal.ignored_by_default()) {
        return;
    }
    if handler > SIG_IGN {
        log::warn!(
            "the application has a handler for {}, but signal delivery is not supported yet",
            signal.name()
        );
    }
    let _ = writeln!(
        KernelWriter,
        "[pith] the program was killed by {}",
        signal.name()
    );
    finish(Outcome::Killed(signal.0));
}
