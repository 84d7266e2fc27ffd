//! Syscall tracing (`pith run --trace`): one strace-style line per call on standard error,
//! `[tid] name(arguments) = result`, for every syscall or the ones named on the kernel
//! command line. Costs one load of a flag per call when off.

mod args;
mod flags;

use alloc::string::String;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::errno::{Errno, SysResult};
use super::names::{syscall_name, SYSCALL_COUNT};
use crate::drivers::console::KernelWriter;

static ENABLED: AtomicBool = AtomicBool::new(false);
/// One bit per syscall number to trace.
static SELECTED: [AtomicU64; SYSCALL_COUNT.div_ceil(64)] =
    [const { AtomicU64::new(0) }; SYSCALL_COUNT.div_ceil(64)];

/// Turns tracing on for `all` syscalls or a comma-separated list of names; unknown names
/// are reported and skipped.
pub fn init(option: &str) {
    for name in option.split(',').filter(|name| !name.is_empty()) {
        if name == "all" {
            SELECTED
                .iter()
                .for_each(|bits| bits.store(u64::MAX, Ordering::Relaxed));
            continue;
        }
        match (0..SYSCALL_COUNT).find(|&number| syscall_name(number) == Some(name)) {
            Some(number) => {
                SELECTED[number / 64].fetch_or(1 << (number % 64), Ordering::Relaxed);
            }
            None => log::warn!("trace: there is no syscall named {name}"),
        }
    }
    ENABLED.store(true, Ordering::Relaxed);
}

/// Whether calls to `number` are traced.
pub fn wanted(number: u64) -> bool {
    if !ENABLED.load(Ordering::Relaxed) {
        return false;
    }
    let index = number as usize;
    index < SYSCALL_COUNT && SELECTED[index / 64].load(Ordering::Relaxed) & (1 << (index % 64)) != 0
}

/// Calls that never return to the caller are shown before they run.
pub fn returns(number: u64) -> bool {
    !matches!(number, 15 | 60 | 231)
}

/// `open` and `openat` take a mode only when they may create a file (`O_CREAT`,
/// `O_TMPFILE`), and strace shows it only then.
fn open_mode(line: &mut String, number: u64, arguments: &[u64; 6]) {
    const O_CREAT: u64 = 0o100;
    const O_TMPFILE: u64 = 0o20000000;
    let (flags, mode) = match number {
        2 => (arguments[1], arguments[2]),
        257 => (arguments[2], arguments[3]),
        _ => return,
    };
    if flags & (O_CREAT | O_TMPFILE) != 0 {
        line.push_str(", ");
        args::mode(line, mode);
    }
}

/// Prints the line of one call; `result` is `None` for a call that does not return.
pub fn print(number: u64, arguments: &[u64; 6], result: Option<SysResult>) {
    let tid = crate::task::scheduler::current_tid();
    let name = syscall_name(number as usize).unwrap_or("unknown");
    let mut line = String::with_capacity(96);
    let _ = write!(line, "[{tid}] {name}(");
    let length = result.and_then(Result::ok);
    match args::signature(number as usize) {
        Some(signature) => {
            for (index, (&arg, &value)) in signature.iter().zip(arguments).enumerate() {
                if index > 0 {
                    line.push_str(", ");
                }
                args::write(&mut line, arg, value, arguments, length);
            }
        }
        None => {
            let _ = write!(
                line,
                "{:#x}, {:#x}, {:#x}",
                arguments[0], arguments[1], arguments[2]
            );
        }
    }
    open_mode(&mut line, number, arguments);
    line.push(')');
    match result {
        None => line.push_str(" = ?"),
        Some(Ok(value)) if matches!(number, 9 | 12 | 25) => {
            let _ = write!(line, " = {value:#x}");
        }
        Some(Ok(value)) => {
            let _ = write!(line, " = {value}");
        }
        Some(Err(errno)) => {
            let errno = if errno == Errno::ERESTARTSYS {
                Errno::EINTR
            } else {
                errno
            };
            let _ = write!(line, " = -1 {} ({})", errno.name(), errno.description());
        }
    }
    let _ = writeln!(KernelWriter, "{line}");
}
