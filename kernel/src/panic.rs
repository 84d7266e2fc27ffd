//! What happens when the kernel itself fails: a report on the console and the VM ends
//! with the "kernel failure" outcome.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

use crate::arch::backtrace::{walk, MAX_FRAMES};
use crate::arch::trap::TrapFrame;
use crate::drivers::console::{finish, send_crash, CrashReport, KernelWriter, Outcome};
use crate::mm::KERNEL_VIRT_OFFSET;

static FAILING: AtomicBool = AtomicBool::new(false);

/// Prints `message` and the kernel backtrace starting at frame pointer `rbp`, sends them
/// to `pith` for symbolizing (with the registers of the faulting `frame` and CR2, if a CPU
/// exception caused the failure), then ends the VM.
pub fn fatal_kernel_error(
    message: fmt::Arguments,
    rbp: u64,
    fault: Option<(&TrapFrame, u64)>,
) -> ! {
    if FAILING.swap(true, Ordering::SeqCst) {
        // A failure while reporting a failure: stop without another report.
        finish(Outcome::KernelFailure);
    }
    let _ = writeln!(KernelWriter, "[pith] kernel failure: {message}");
    let _ = writeln!(KernelWriter, "[pith] kernel backtrace:");
    let mut addresses = [0u64; MAX_FRAMES];
    let count = backtrace(rbp, &mut addresses);
    for address in &addresses[..count] {
        let _ = writeln!(KernelWriter, "  {address:#x}");
    }
    send_crash(&CrashReport {
        kind: 1,
        signal: 0,
        code: 0,
        address: fault.map_or(0, |(_, cr2)| cr2),
        load_bias: 0,
        registers: fault.map_or([0; 18], |(frame, _)| frame.crash_registers()),
        return_addresses: &addresses[..count],
    });
    finish(Outcome::KernelFailure);
}

/// The kernel's return addresses from the frame-pointer chain starting at `rbp`.
fn backtrace(rbp: u64, addresses: &mut [u64; MAX_FRAMES]) -> usize {
    let read_frame = |rbp: u64| {
        // SAFETY: only addresses in the kernel's half are read, and a kernel frame pointer
        // points into a mapped kernel stack (the kernel is built with frame pointers).
        (rbp >= KERNEL_VIRT_OFFSET).then(|| unsafe { *(rbp as *const [u64; 2]) })
    };
    walk(rbp, read_frame, addresses)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let rbp: u64;
    // SAFETY: reads the frame pointer register only.
    unsafe { core::arch::asm!("mov {}, rbp", out(reg) rbp) };
    fatal_kernel_error(format_args!("{info}"), rbp, None);
}
