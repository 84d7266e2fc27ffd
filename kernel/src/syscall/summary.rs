//! The syscall summary (`pith run --syscall-summary`): calls, errors and time per
//! syscall, printed at exit sorted by time, with the syscalls that returned `ENOSYS`.

use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};

use spin::Mutex;

use super::errno::{Errno, SysResult};
use super::names::{syscall_name, SYSCALL_COUNT};
use crate::drivers::console::KernelWriter;

static ENABLED: AtomicBool = AtomicBool::new(false);

#[derive(Clone, Copy, Default)]
struct Counts {
    calls: u64,
    errors: u64,
    cycles: u64,
    unimplemented: bool,
}

/// One slot per syscall number; the last one collects numbers Linux does not have.
static COUNTS: Mutex<[Counts; SYSCALL_COUNT + 1]> = Mutex::new(
    [Counts {
        calls: 0,
        errors: 0,
        cycles: 0,
        unimplemented: false,
    }; SYSCALL_COUNT + 1],
);

pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Counts one call of `number` that took `cycles` TSC ticks.
pub fn record(number: u64, result: SysResult, cycles: u64) {
    let index = (number as usize).min(SYSCALL_COUNT);
    let mut counts = COUNTS.lock();
    let slot = &mut counts[index];
    slot.calls += 1;
    slot.cycles += cycles;
    if let Err(errno) = result {
        slot.errors += 1;
        slot.unimplemented |= errno == Errno::ENOSYS;
    }
}

fn name(index: usize) -> &'static str {
    syscall_name(index).unwrap_or("(unknown numbers)")
}

/// Prints the table, if the summary was asked for.
pub fn report() {
    if !enabled() {
        return;
    }
    let counts = *COUNTS.lock();
    let mut used: Vec<(usize, Counts)> = counts
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, counts)| counts.calls > 0)
        .collect();
    used.sort_by(|a, b| b.1.cycles.cmp(&a.1.cycles).then(a.0.cmp(&b.0)));

    let mut out = KernelWriter;
    let _ = writeln!(out, "[pith] syscall summary:");
    let _ = writeln!(
        out,
        "{:<24} {:>10} {:>10} {:>12}",
        "syscall", "calls", "errors", "time(us)"
    );
    let (mut calls, mut errors, mut cycles) = (0, 0, 0);
    for (index, counts) in &used {
        let micros = crate::time::tsc_to_ns(counts.cycles) / 1000;
        let _ = writeln!(
            out,
            "{:<24} {:>10} {:>10} {:>12}",
            name(*index),
            counts.calls,
            counts.errors,
            micros
        );
        calls += counts.calls;
        errors += counts.errors;
        cycles += counts.cycles;
    }
    let total_micros = crate::time::tsc_to_ns(cycles) / 1000;
    let _ = writeln!(
        out,
        "{:<24} {:>10} {:>10} {:>12}",
        "total", calls, errors, total_micros
    );
    let missing: Vec<&str> = used
        .iter()
        .filter(|(_, counts)| counts.unimplemented)
        .map(|(index, _)| name(*index))
        .collect();
    let _ = writeln!(
        out,
        "ENOSYS: {}",
        if missing.is_empty() {
            "none".into()
        } else {
            missing.join(", ")
        }
    );
}
